from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from monitoring.alerting import state_machine as sm
from monitoring.alerting import thresholds
from monitoring.choices import Direction, Operator, ReadingStatus, RuleKind
from register.choices import LiveStatus
from register.models import Risk


def event_on_shortfall(metric) -> bool:
    """An event rule ("when a data inconsistency is detected") bound to a percentage where higher is
    better (a consistency or success rate) speaks of what falls short of 100 %: 100 % is no event,
    99.9 % is one. Counted literally, every perfect reading would be an occurrence."""
    return metric is not None and metric.unit.strip() == "%" and metric.direction == Direction.LOWER_IS_WORSE


class IndicatorQuerySet(models.QuerySet):
    def stated(self):
        """The indicators a plan states, without those SLOs keep to report through (monitoring.SLO):
        what a plan export writes and a plan import compares against."""
        return self.filter(slo__isnull=True)


class Indicator(models.Model):
    """A key risk indicator (監視指標) of one risk and, optionally, its early-warning rule (早期警告)."""

    risk = models.ForeignKey(
        "register.Risk", verbose_name=_("risk"), on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Metric definitions are configuration shared with the monitoring app; the live pipeline reads
    # this link to know which indicators a new reading feeds.
    metric = models.ForeignKey(
        "monitoring.Metric",
        verbose_name=_("metric"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
    )
    rule_text = models.CharField(
        _("early warning"),
        max_length=300,
        blank=True,
        help_text=_("As written, e.g. 応答時間が400msを超えた場合 or '> 400 ms'."),
    )
    rule_kind = models.CharField(_("rule kind"), max_length=16, choices=RuleKind.choices, blank=True)
    operator = models.CharField(_("operator"), max_length=2, choices=Operator.choices, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    rule_on_complement = models.BooleanField(
        _("rule on the complement"),
        default=False,
        help_text=_(
            "The rule speaks of the opposite rate (failure rate for a success-rate indicator): it is "
            "checked against 100 − value."
        ),
    )

    history = HistoricalRecords()
    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["risk__number", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["risk", "name"], name="indicator_unique_name")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        before = getattr(self, "_stored_binding", (None, None))
        super().save(*args, **kwargs)
        after = (self.risk_id, self.metric_id)
        if after != before:
            # Binding an indicator to a metric makes its risk monitored ("No data" until the first
            # reading), unbinding the last one makes it "Not monitored" again.
            self.refresh_live_status({before[0], after[0]} - {None})
        self._stored_binding = after

    def delete(self, *args, **kwargs):
        risk_id = self.risk_id
        result = super().delete(*args, **kwargs)
        self.refresh_live_status({risk_id})
        return result

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_binding = (instance.__dict__.get("risk_id"), instance.__dict__.get("metric_id"))
        return instance

    @staticmethod
    def refresh_live_status(risk_ids: Iterable[int]) -> None:
        """Recompute the stored live status of these risks: a save or a tick, in its transaction."""
        refresh_live_status(risk_ids)

    def is_editable_by(self, user) -> bool:
        from register.models.risks import may_change

        return may_change(user, "monitoring.change_indicator", self, self.risk.owner_id)

    @property
    def rule_display(self) -> str:
        if self.rule_kind == RuleKind.THRESHOLD:
            shown = str(thresholds.Threshold(self.operator, self.threshold, self.unit))
            return f"100 − value {shown}" if self.rule_on_complement else shown
        if self.rule_kind == RuleKind.EVENT:
            return str(_("any occurrence"))
        return self.rule_text

    def apply_rule_text(self) -> None:
        """Derive kind, operator, threshold and unit from ``rule_text``."""
        if not self.rule_text.strip():
            self.rule_kind, self.operator, self.threshold, self.unit = RuleKind.NONE, "", None, ""
            self.rule_on_complement = False
            return
        rule = thresholds.parse_rule(self.rule_text)
        self.rule_kind = rule.kind
        self.rule_on_complement = bool(rule.threshold) and thresholds.speaks_of_complement(rule, self.name)
        if rule.threshold:
            self.operator = rule.threshold.operator
            self.threshold = rule.threshold.value
            self.unit = rule.threshold.unit
        else:
            self.operator, self.threshold, self.unit = "", None, ""

    def rule_is_met(self, value: float, metric=None) -> bool:
        """Does this value trip the early-warning rule?

        Event rules: any occurrence — a count above 0, or, on a rate where higher is better
        (``event_on_shortfall``), any shortfall from 100 %.
        """
        if self.rule_kind == RuleKind.THRESHOLD:
            checked = 100 - value if self.rule_on_complement else value
            return thresholds.compare(checked, self.operator, self.threshold)
        if self.rule_kind != RuleKind.EVENT:
            return False
        return value < 100 if event_on_shortfall(metric) else value > 0

    def clean(self) -> None:
        # A risk watches its own programme's metrics: another's readings and alerts are not its team's.
        if self.metric_id and self.risk_id and self.metric.programme_id != self.risk.programme_id:
            raise ValidationError({"metric": _("This metric belongs to another programme.")})
        # Someone typed a rule in the admin or API without structuring it: read it for them.
        if self.rule_text.strip() and not self.rule_kind:
            self.apply_rule_text()
        if self.rule_kind == RuleKind.THRESHOLD:
            if not self.operator or self.threshold is None:
                raise ValidationError(_("A threshold rule needs an operator and a threshold."))
        elif self.operator or self.threshold is not None:
            raise ValidationError(_("Only threshold rules carry an operator and a threshold."))


# The live status of indicators and risks: one rule, read by evaluation, the API and the admin.
_LIVE_RANK = {
    LiveStatus.NONE: 0,
    LiveStatus.NORMAL: 1,
    LiveStatus.UNKNOWN: 2,
    LiveStatus.WARNING: 3,
    LiveStatus.CRITICAL: 4,
}


def indicator_live_status(state) -> str:
    """What an indicator with this state (an IndicatorState, or None before its first reading) shows."""
    if state is None:
        return LiveStatus.UNKNOWN
    return live_status(state.last_status, state.phase, state.severity)


def live_status(last_status: str | None, phase: str | None, severity: str | None) -> str:
    """What an indicator shows, from its state's last observation and where its machine stands."""
    if not last_status or last_status in (ReadingStatus.NO_DATA, ReadingStatus.ERROR):
        return LiveStatus.UNKNOWN
    if phase in (sm.FIRING, sm.RECOVERING) and severity:
        return severity
    return last_status


def refresh_live_status(risk_ids: Iterable[int]) -> None:
    """Recompute the stored live status of these risks from their monitored indicators."""
    risk_ids = set(risk_ids)
    if not risk_ids:
        return
    worst: dict[int, str] = dict.fromkeys(risk_ids, LiveStatus.NONE)
    # Monitored: bound to a metric, or reporting an SLO's budget. Read as values, not models: a busy
    # tick recomputes thousands of risks.
    rows = Indicator.objects.filter(Q(metric__isnull=False) | Q(slo__isnull=False), risk_id__in=risk_ids).values_list(
        "risk_id", "live__last_status", "live__phase", "live__severity"
    )
    for risk_id, last_status, phase, severity in rows:
        status = live_status(last_status, phase, severity)
        if _LIVE_RANK[status] > _LIVE_RANK[worst[risk_id]]:
            worst[risk_id] = status
    for status in set(worst.values()):
        Risk.objects.filter(pk__in=[pk for pk, s in worst.items() if s == status]).exclude(live_status=status).update(
            live_status=status
        )
