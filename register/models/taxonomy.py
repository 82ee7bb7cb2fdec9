from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from register.models.programmes import InProgramme


class Category(InProgramme):
    """A group of a programme's risks (技術的リスク, 統合リスク, 開発・運用リスク …); two programmes
    may each have their own of the same name."""

    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="category_unique_name")]

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    """An affected system (Neo4j, ChromaDB, Redis, API, auth, CI/CD …): one catalogue for the whole
    organisation, so that risks of several programmes naming Redis share its blast radius."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    aliases = models.CharField(
        _("aliases"),
        max_length=255,
        blank=True,
        help_text=_("Comma-separated words that name this component in plan text (e.g. Chroma, ベクトル)."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def terms(self) -> list[str]:
        return [self.name, *(a.strip() for a in self.aliases.split(",") if a.strip())]

    def is_mentioned_in(self, text: str) -> bool:
        for term in self.terms():
            # ASCII terms match whole words ("API" must not match "rapid"); CJK has no word breaks.
            if term.isascii():
                if re.search(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])", text, re.IGNORECASE):
                    return True
            elif term in text:
                return True
        return False
