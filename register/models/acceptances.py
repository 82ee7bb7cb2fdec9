from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from register.choices import AcceptanceState

OPEN_STATES = (AcceptanceState.REQUESTED, AcceptanceState.APPROVED, AcceptanceState.ACTIVE)


class RiskAcceptance(models.Model):
    """A request to retain a risk as it is, until a date, under conditions — and its fate.

    The moves are ``register.acceptances`` (a table of allowed transitions): requested by someone who
    may change the risk → approved or rejected by a *different* user with the approve permission →
    active from its start date → expired at its expiry date, revoked, invalidated (the risk got worse
    than what was accepted) or superseded by an approved extension.
    """

    risk = models.ForeignKey(
        "register.Risk", verbose_name=_("risk"), on_delete=models.CASCADE, related_name="acceptances"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=AcceptanceState.choices, default=AcceptanceState.REQUESTED, editable=False
    )
    justification = models.TextField(_("justification"))
    conditions = models.TextField(
        _("conditions"), blank=True, help_text=_("What must hold while the risk is accepted.")
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    expires_on = models.DateField(_("expires on"), help_text=_("The acceptance ends on this day."))
    extends = models.ForeignKey(
        "self",
        verbose_name=_("extends"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="extensions",
        help_text=_("The active acceptance this request would extend once approved."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decision_note = models.TextField(_("decision note"), blank=True, editable=False)
    # The risk as it was approved: scores, level and each indicator's state and value.
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True, editable=False)
    accepted_score = models.PositiveSmallIntegerField(_("accepted score"), null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    end_reason = models.CharField(_("why it ended"), max_length=300, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("risk acceptance")
        verbose_name_plural = _("risk acceptances")
        ordering = ["-requested_at", "-pk"]
        permissions = [("approve_riskacceptance", _("Can approve or reject risk acceptances"))]
        constraints = [
            # At most one acceptance in force per risk (an extension waits as "requested").
            models.UniqueConstraint(
                fields=["risk"],
                condition=Q(state__in=[AcceptanceState.APPROVED, AcceptanceState.ACTIVE]),
                name="acceptance_one_in_force_per_risk",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("starts_on")), name="acceptance_expires_after_start"
            ),
        ]
        indexes = [models.Index(fields=["state", "expires_on"], name="acceptance_due")]

    def __str__(self) -> str:
        return f"{self.risk.code if self.risk_id else '?'} {self.get_state_display()} → {self.expires_on}"

    def clean(self) -> None:
        errors = {}
        if not (self.justification or "").strip():
            errors["justification"] = _("Say why the risk may be accepted.")
        if self.starts_on and self.expires_on:
            if self.expires_on <= self.starts_on:
                errors["expires_on"] = _("The expiry date must come after the start.")
            elif (self.expires_on - self.starts_on).days > settings.RISK_ACCEPTANCE_MAX_DAYS:
                errors["expires_on"] = _("An acceptance may last at most %(days)s days.") % {
                    "days": settings.RISK_ACCEPTANCE_MAX_DAYS
                }
        if self._state.adding and self.expires_on and self.expires_on <= timezone.localdate():
            errors.setdefault("expires_on", _("The expiry date must be in the future."))
        if self.extends_id and self.risk_id and self.extends.risk_id != self.risk_id:
            errors["extends"] = _("An extension extends an acceptance of the same risk.")
        if errors:
            raise ValidationError(errors)

    @property
    def days_left(self) -> int:
        return (self.expires_on - timezone.localdate()).days
