from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from register.choices import MitigationKind, MitigationStatus
from register.models.programmes import InProgramme
from register.models.risks import may_change


class Mitigation(models.Model):
    """A numbered countermeasure of one risk, with the plan's snippet kept verbatim."""

    risk = models.ForeignKey(
        "register.Risk", verbose_name=_("risk"), on_delete=models.CASCADE, related_name="mitigations"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=MitigationKind.choices, default=MitigationKind.PREVENTIVE)
    detail = models.TextField(_("detail"), blank=True, help_text=_("Code or configuration, kept verbatim."))
    detail_language = models.CharField(_("snippet language"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MitigationStatus.choices, default=MitigationStatus.PLANNED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_mitigations",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_on = models.DateField(
        _("implemented on"),
        null=True,
        blank=True,
        help_text=_("Set when the status becomes done; reviews compare the indicators before and after it."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mitigation")
        verbose_name_plural = _("mitigations")
        ordering = ["risk__number", "number"]
        constraints = [models.UniqueConstraint(fields=["risk", "number"], name="mitigation_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def save(self, *args, **kwargs) -> None:
        if self.status == MitigationStatus.DONE and self.done_on is None:
            self.done_on = timezone.localdate()
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        open_statuses = (MitigationStatus.PLANNED, MitigationStatus.IN_PROGRESS)
        return bool(self.due_date and self.status in open_statuses and self.due_date < timezone.localdate())

    def is_editable_by(self, user) -> bool:
        """The risk's owner, or the person this mitigation is assigned to."""
        return may_change(user, "register.change_mitigation", self, self.risk.owner_id, self.owner_id)


class Strategy(InProgramme):
    """A programme-wide measure (the plan's 予防的対策 / 対応的対策), not tied to one risk."""

    kind = models.CharField(_("kind"), max_length=16, choices=MitigationKind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    detail_language = models.CharField(_("snippet language"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["kind", "number"]
        constraints = [models.UniqueConstraint(fields=["programme", "kind", "number"], name="strategy_unique_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}. {self.title}"
