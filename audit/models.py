"""The trail's two tables: entries, written by the database's triggers (and by the application for
sign-ins and refusals), and seals, the hash chain over them (audit/seal.py). Neither has a foreign
key: deleting a risk or a person never deletes what the trail says about them."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    # In the "audit" context: "created" is also a column ("created at") elsewhere.
    INSERT = "insert", pgettext_lazy("audit", "created")
    UPDATE = "update", pgettext_lazy("audit", "changed")
    DELETE = "delete", pgettext_lazy("audit", "deleted")
    SIGN_IN = "sign-in", pgettext_lazy("audit", "signed in")
    SIGN_IN_FAILED = "sign-in-failed", pgettext_lazy("audit", "sign-in failed")
    SIGN_OUT = "sign-out", pgettext_lazy("audit", "signed out")
    TOKEN = "token", pgettext_lazy("audit", "token used")
    DENIED = "denied", pgettext_lazy("audit", "refused")
    PRUNE = "prune", pgettext_lazy("audit", "pruned")


class Entry(models.Model):
    at = models.DateTimeField(_("at"), db_default=Now(), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    table = models.CharField(_("table"), max_length=100, blank=True)
    object_pk = models.CharField(_("object"), max_length=64, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    actor = models.CharField(_("by"), max_length=200, blank=True)
    actor_id = models.BigIntegerField(_("person's key"), null=True, blank=True)
    ip = models.CharField(pgettext_lazy("audit", "from"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["table", "object_pk"], name="audit_entry_object"),
            models.Index(fields=["actor_id"], name="audit_entry_actor"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.table} {self.object_pk}".strip()


class Seal(models.Model):
    """One link of the chain: the entry's digest over the previous link's. Links are made in the
    order entries become visible, so an entry committed late is sealed by the next run."""

    entry_id = models.BigIntegerField(unique=True)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.digest[:12]}"
