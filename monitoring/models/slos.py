"""Service level objectives: an objective over a rolling window, an SLI, an error budget and how fast it burns."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from monitoring.choices import SLIKind, SLIMeasures
from monitoring.models.indicators import Indicator
from monitoring.models.metrics import free_key
from monitoring.slos import budget
from register.models import InProgramme


class SLO(InProgramme):
    """An objective such as "99.5 % of requests succeed over 30 days" and where its budget stands.

    The SLI is either two PromQL queries (good or bad events, and all events; Prometheus aggregates
    each window) or a percentage metric the register already collects or receives (availability is
    percent good, error rate percent bad). An SLO of a risk reports through an indicator of that risk
    of its own (kept by ``save``): its alerts open incidents, flag reviews and are inhibited along the
    risk graph exactly as threshold alerts are.
    """

    key = models.SlugField(_("key"), max_length=100, unique=True, allow_unicode=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    risk = models.ForeignKey(
        "register.Risk", verbose_name=_("risk"), on_delete=models.SET_NULL, null=True, blank=True, related_name="slos"
    )
    indicator = models.OneToOneField(
        "monitoring.Indicator",
        verbose_name=_("indicator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="slo",
    )
    objective = models.FloatField(
        _("objective (%)"), help_text=_("e.g. 99.5: that many per cent of events must be good.")
    )
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=30)
    sli_kind = models.CharField(_("SLI"), max_length=16, choices=SLIKind.choices, default=SLIKind.METRIC)
    metric = models.ForeignKey(
        "monitoring.Metric",
        verbose_name=_("metric"),
        on_delete=models.CASCADE,  # an SLO whose SLI is gone measures nothing
        null=True,
        blank=True,
        related_name="slos",
    )
    metric_measures = models.CharField(
        _("the metric measures"), max_length=8, choices=SLIMeasures.choices, default=SLIMeasures.GOOD
    )
    good_query = models.TextField(_("good events (PromQL)"), blank=True)
    bad_query = models.TextField(_("bad events (PromQL)"), blank=True)
    total_query = models.TextField(_("all events (PromQL)"), blank=True)
    prometheus_url = models.CharField(
        _("Prometheus URL"), max_length=300, blank=True, help_text=_("Empty: the register's PROMETHEUS_URL.")
    )
    alert_windows = models.JSONField(
        _("burn-rate alerts"),
        default=budget.default_windows,
        help_text=_(
            "Alert when both windows burn faster than the factor, e.g. "
            '[{"long": "1h", "short": "5m", "factor": 14.4, "priority": "immediate"}].'
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # Where the budget stands, written by monitoring.slos.evaluation at each evaluation.
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True, editable=False)
    sli = models.FloatField(_("good ratio over the window"), null=True, blank=True, editable=False)
    budget_remaining = models.FloatField(_("budget remaining"), null=True, blank=True, editable=False)
    burn_rates = models.JSONField(_("burn rates"), default=dict, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    # The pure state machine (monitoring/alerting/state_machine.py) of each priority's alert.
    alert_states = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("service level objective")
        verbose_name_plural = _("service level objectives")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    def programme_from_relations(self):
        if self.risk_id:
            return self.risk.programme
        return self.metric.programme if self.metric_id else None

    def save(self, *args, **kwargs) -> None:
        self.fill_programme()
        if not self.key:
            self.key = free_key(SLO, self.name, self.programme, self.pk)
        with transaction.atomic():
            self._keep_indicator()
            super().save(*args, **kwargs)
        if self.risk_id is not None:
            Indicator.refresh_live_status({self.risk_id})

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.objective is not None and (not math.isfinite(self.objective) or not 0 < self.objective < 100):
            errors["objective"] = _("An objective is a percentage strictly between 0 and 100, such as 99.5.")
        if self.window_days is not None and not 1 <= self.window_days <= 366:
            errors["window_days"] = _("A window is 1 to 366 days.")
        if not self.key:
            # Derived here, not only in save(): full_clean checks uniqueness after clean(), so a
            # second SLO of the same name is refused with a message instead of failing on insert.
            self.key = free_key(SLO, self.name, self.programme if self.programme_id else None, self.pk)
            if not self.key:
                errors["key"] = _("Give a key; none can be derived from this name.")
        for field in ("risk", "metric"):
            related = getattr(self, field) if getattr(self, f"{field}_id") else None
            if related is not None and self.programme_id and related.programme_id != self.programme_id:
                errors[field] = _("This belongs to another programme.")
        try:
            windows = budget.read_windows(self.alert_windows)
        except ValueError as exc:
            errors["alert_windows"] = str(exc)
        else:
            if self.window_days and any(w.long > self.window_seconds for w in windows):
                errors["alert_windows"] = _("No alert window may be longer than the SLO's window.")
        if self.sli_kind == SLIKind.METRIC:
            if self.metric_id is None:
                errors["metric"] = _("An SLI read from a metric needs the metric.")
            elif self.metric.unit.strip() != "%":
                errors["metric"] = _("The metric must be a percentage, such as availability or error rate.")
        elif self.sli_kind == SLIKind.PROMETHEUS:
            if not self.total_query.strip():
                errors["total_query"] = _("Give the query counting all events.")
            if bool(self.good_query.strip()) == bool(self.bad_query.strip()):
                errors["good_query"] = _("Give exactly one of the good-events and bad-events queries.")
            if self.prometheus_url and not self.prometheus_url.startswith(("http://", "https://")):
                errors["prometheus_url"] = _("The URL must start with http:// or https://.")
        if self.risk_id is not None and self.name:
            taken = self.risk.indicators.filter(name=self.name)
            if self.indicator_id:
                taken = taken.exclude(pk=self.indicator_id)
            if taken.exists():
                errors["name"] = _("This risk already has an indicator of this name; name the SLO differently.")
        if errors:
            raise ValidationError(errors)

    @property
    def window_seconds(self) -> int:
        return self.window_days * 86400

    @property
    def budget_total(self) -> float:
        """The fraction of events (or of time) allowed to be bad over the window."""
        return budget.error_budget(self.objective)

    def windows(self) -> list[budget.BurnWindow]:
        return budget.read_windows(self.alert_windows)

    def _keep_indicator(self) -> None:
        """The risk's indicator this SLO reports through: created, moved or renamed with the SLO."""
        if self.risk_id is None:
            if self.indicator_id is not None:
                indicator, self.indicator = self.indicator, None
                indicator.delete()
            return
        if self.indicator_id is None:
            self.indicator = Indicator.objects.create(risk_id=self.risk_id, name=self.name, order=100)
        elif (self.indicator.risk_id, self.indicator.name) != (self.risk_id, self.name):
            self.indicator.risk_id, self.indicator.name = self.risk_id, self.name
            self.indicator.save()


@receiver(post_delete, sender=SLO, dispatch_uid="monitoring.slo_indicator")
def _delete_indicator(sender, instance: SLO, **kwargs) -> None:
    """The indicator an SLO reported through goes with it (also when a metric's deletion cascades)."""
    if instance.indicator_id is not None:
        for indicator in Indicator.objects.filter(pk=instance.indicator_id):
            indicator.delete()  # one by one: Indicator.delete re-judges the risk's live status
