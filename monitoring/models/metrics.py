"""Metric definitions (the plan's dashboard) and alert rules; the live pipeline fills in readings."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from monitoring.alerting.thresholds import format_number
from monitoring.choices import Band, Direction, Operator, Priority, ReadingStatus, Source
from register.models import InProgramme


def free_key(model, name: str, programme, pk=None) -> str:
    """A key derived from ``name``, unique in the organisation: the plain slug, or — when a row of
    another programme holds it — the slug after the programme's code (``pay-availability``). Keys
    stay organisation-wide because pushers, Prometheus labels and the API address a metric or an
    SLO by its key alone."""
    key = slugify(name or "", allow_unicode=True)[:100]
    if (
        key
        and programme is not None
        and model.objects.filter(key=key).exclude(pk=pk).exclude(programme=programme).exists()
    ):
        key = slugify(f"{programme.code}-{name}", allow_unicode=True)[:100]
    return key


class Metric(InProgramme):
    """A measurable signal with normal / warning / critical bands.

    ``warning`` and ``critical`` are the band edges. For higher-is-worse metrics (response time)
    values up to but excluding ``warning`` are normal, ``warning``…``critical`` inclusive is the
    warning band, anything above ``critical`` is critical; lower-is-worse (throughput, uptime) mirrors
    it. That is how the plan's "< 200ms | 200-500ms | > 500ms" reads.
    """

    # Left out of the edit version (core/concurrency.py): the collector moves the next collection time on every run.
    concurrency_exclude = ("next_due_at",)

    key = models.SlugField(_("key"), max_length=100, unique=True, allow_unicode=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    direction = models.CharField(
        _("direction"), max_length=20, choices=Direction.choices, default=Direction.HIGHER_IS_WORSE
    )
    warning = models.FloatField(_("warning threshold"))
    critical = models.FloatField(_("critical threshold"))
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.PUSH)
    source_config = models.JSONField(
        _("source configuration"),
        default=dict,
        blank=True,
        help_text=_(
            'e.g. {"query": "…"} (Prometheus), {"url": "…", "timeout_ms": 2000} (HTTP), '
            '{"service": "database"} (service), {"measure": "memory_percent"} (host).'
        ),
    )
    interval_seconds = models.PositiveIntegerField(_("interval (seconds)"), default=60)
    baseline_minutes = models.PositiveIntegerField(
        _("baseline (minutes)"),
        null=True,
        blank=True,
        help_text=_(
            "Judge the change against the average of this many trailing minutes instead of the raw value: "
            "the bands are then percentages (e.g. warning 50 = 50 % above the baseline)."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # Collection bookkeeping, written by the pipeline; next_due_at is claimed with a conditional
    # UPDATE so two schedulers never collect the same slot twice.
    next_due_at = models.DateTimeField(_("next collection"), null=True, blank=True, db_index=True)
    last_value = models.FloatField(_("last value"), null=True, blank=True, editable=False)
    last_status = models.CharField(
        _("last status"), max_length=16, choices=ReadingStatus.choices, blank=True, editable=False
    )
    last_collected_at = models.DateTimeField(_("last collected"), null=True, blank=True, editable=False)
    config_error = models.TextField(_("configuration error"), blank=True, editable=False)
    # When the metric's breaches began to count (see Evaluator.arm): its first normal reading, or the
    # end of the warm-up after its first reading. Empty until then.
    armed_at = models.DateTimeField(_("alerting since"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")
        ordering = ["category", "name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="metric_unique_name")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.fill_programme()
        if not self.key:
            self.key = free_key(Metric, self.name, self.programme, self.pk)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if not self.key and self.programme_id:
            # Here, not only in save(): full_clean checks the key's uniqueness after clean().
            self.key = free_key(Metric, self.name, self.programme, self.pk)
        for field in ("warning", "critical"):
            value = getattr(self, field)
            if value is not None and not math.isfinite(value):
                errors[field] = _("Must be a finite number.")
        if not errors and self.warning is not None and self.critical is not None:
            if self.direction == Direction.HIGHER_IS_WORSE and not self.warning < self.critical:
                errors["critical"] = _("When higher is worse the critical threshold must be above the warning one.")
            if self.direction == Direction.LOWER_IS_WORSE and not self.warning > self.critical:
                errors["critical"] = _("When lower is worse the critical threshold must be below the warning one.")
        if not self.key and not slugify(self.name or "", allow_unicode=True):
            errors["key"] = _("Give a key; none can be derived from this name.")
        if self.interval_seconds is not None and self.interval_seconds < 5:
            errors["interval_seconds"] = _("Collect at most every 5 seconds.")
        if self.source:
            from monitoring.intake.sources import config_errors

            problems = config_errors(self.source, self.source_config)
            if problems:
                errors["source_config"] = problems
        if errors:
            raise ValidationError(errors)

    def classify_change(self, value: float, baseline: float | None) -> tuple[str, str]:
        """(band, detail) of a value judged as percent change against its trailing baseline."""
        if baseline is None or baseline == 0:
            return Band.NORMAL, "no baseline yet"
        change = (value - baseline) / abs(baseline) * 100
        return self.classify(change), f"{change:+.1f}% vs {self.baseline_minutes}-min baseline {baseline:g}"

    def classify(self, value: float) -> str:
        """Which band a reading falls in. NaN is not a band: callers treat it as no data."""
        if math.isnan(value):
            raise ValueError("NaN has no band; treat it as no data")
        if self.direction == Direction.HIGHER_IS_WORSE:
            if value > self.critical:
                return Band.CRITICAL
            return Band.WARNING if value >= self.warning else Band.NORMAL
        if value < self.critical:
            return Band.CRITICAL
        return Band.WARNING if value <= self.warning else Band.NORMAL

    def band_texts(self) -> dict[str, str]:
        """The three bands written the way the plan writes them."""
        # The plan's own spelling: "200ms", "99%", but "500 req/s".
        unit = self.unit if self.unit in {"", "%", "ms", "s", "min", "h", "d"} else f" {self.unit}"
        warn, crit = format_number(self.warning), format_number(self.critical)
        if self.direction == Direction.HIGHER_IS_WORSE:
            return {"normal": f"< {warn}{unit}", "warning": f"{warn}-{crit}{unit}", "critical": f"> {crit}{unit}"}
        return {"normal": f"> {warn}{unit}", "warning": f"{crit}-{warn}{unit}", "critical": f"< {crit}{unit}"}

    def history_counts(self) -> dict[str, int]:
        """What deleting this metric would take with it."""
        return {"readings": self.readings.count(), "alerts": self.alerts.count()}

    def has_history(self) -> bool:
        """A metric with readings or alerts is disabled, not deleted (admin and API both ask here):
        deleting it would silently delete them and the notifications they caused."""
        return self.readings.exists() or self.alerts.exists()


class AlertRule(InProgramme):
    """An alert from the plan's アラート設定: a condition and how urgently it must be answered."""

    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices)
    condition = models.CharField(_("condition"), max_length=300, help_text=_("As written in the plan."))
    metric = models.ForeignKey(
        Metric, verbose_name=_("metric"), on_delete=models.SET_NULL, null=True, blank=True, related_name="alert_rules"
    )
    operator = models.CharField(_("operator"), max_length=2, choices=Operator.choices, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["priority", "order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "priority", "condition"], name="alertrule_unique_condition")
        ]

    def __str__(self) -> str:
        return f"[{self.get_priority_display()}] {self.condition}"

    def programme_from_relations(self):
        return self.metric.programme if self.metric_id else None

    def clean(self) -> None:
        if self.metric_id and self.programme_id and self.metric.programme_id != self.programme_id:
            raise ValidationError({"metric": _("This metric belongs to another programme.")})
        if bool(self.operator) != (self.threshold is not None):
            raise ValidationError(_("An operator and a threshold go together: give both or neither."))
