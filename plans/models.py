"""The record of plan imports: what was uploaded, by whom, what it would change (preview) and what it changed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.choices import PlanImportState


class PlanImport(models.Model):
    """One uploaded plan. A preview keeps the file and the register's version at preview time, so
    *Apply* imports exactly what was previewed, and refuses when the register changed in between."""

    programme = models.ForeignKey(
        "register.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="plan_imports",
        null=True,
        blank=True,
        help_text=_("The programme whose register the plan was previewed against and goes into."),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8)
    checksum = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content = models.BinaryField(_("file"), editable=False)
    register_version = models.CharField(
        _("register version at preview"),
        max_length=64,
        help_text=_("A digest of the register's plan content; a different one at apply time means it changed."),
    )
    state = models.CharField(_("state"), max_length=16, choices=PlanImportState, default=PlanImportState.PREVIEWED)
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("plan import")
        verbose_name_plural = _("plan imports")
        ordering = ["-created_at", "-pk"]
        permissions = [("apply_planimport", _("Can apply a plan import to the register"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="previewed") | models.Q(applied_at__isnull=False),
                name="planimport_applied_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def summary(self) -> dict[str, int]:
        totals = {"created": 0, "updated": 0, "unchanged": 0}
        for counts in (self.report.get("counts") or {}).values():
            for outcome in totals:
                totals[outcome] += counts.get(outcome, 0)
        return totals
