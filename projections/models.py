from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Entity(models.TextChoices):
    RISK = "risk", _("risk")
    MITIGATION = "mitigation", _("mitigation")
    METRIC = "metric", _("metric")
    COMPONENT = "component", _("component")
    CATEGORY = "category", _("category")
    INCIDENT = "incident", _("incident")


class OutboxEntry(models.Model):
    """ "This entity changed": written in the transaction of the change, projected afterwards.

    The projector reads the entity's current state when it drains the row, so rows are idempotent
    and their order does not matter; a row stays until both stores took it, so an outage of either
    store delays the projection and loses nothing.
    """

    entity = models.CharField(_("entity"), max_length=16, choices=Entity.choices)
    object_id = models.BigIntegerField(_("object id"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    graph_done = models.BooleanField(_("in the graph"), default=False)
    vector_done = models.BooleanField(_("in the vector store"), default=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim = models.CharField(_("claim"), max_length=32, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox")
        ordering = ["pk"]
        indexes = [models.Index(fields=["done_at", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.entity}:{self.object_id}"
