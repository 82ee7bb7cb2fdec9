from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from riskregister.choices import ReviewKind


class ReviewTemplate(models.Model):
    """The plan's weekly checklist or monthly review steps; the reviews issue instantiates these."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReviewKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("review template")
        verbose_name_plural = _("review templates")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.name


class ReviewTemplateItem(models.Model):
    template = models.ForeignKey(
        ReviewTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    section = models.CharField(_("section"), max_length=120, blank=True)
    text = models.CharField(_("text"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("review template item")
        verbose_name_plural = _("review template items")
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="reviewitem_unique_order")]

    def __str__(self) -> str:
        return f"{self.section}: {self.text}" if self.section else self.text
