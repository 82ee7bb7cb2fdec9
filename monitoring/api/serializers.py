from django.core.validators import validate_unicode_slug
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import CleanModelSerializer
from monitoring.models import SLO, Alert, AlertRule, AlertTransition, Indicator, Metric
from monitoring.models.indicators import indicator_live_status
from monitoring.series import trend
from register.api.programmes import NamesProgramme


def _valid_key(value: str) -> None:
    # The model's slug validator, called as a function: the schema then states no regular
    # expression, since JSON Schema's \w is ASCII-only and keys may be Japanese ("api応答時間").
    validate_unicode_slug(value)


class MetricSerializer(NamesProgramme, CleanModelSerializer):
    key = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        validators=[_valid_key],
        help_text="Letters (any script), digits, '-' and '_'; derived from the name when left out.",
    )
    bands = serializers.SerializerMethodField()
    source_state = serializers.SerializerMethodField()

    class Meta:
        model = Metric
        fields = [
            "key",
            "programme",
            "name",
            "category",
            "unit",
            "direction",
            "warning",
            "critical",
            "bands",
            "description",
            "source",
            "source_config",
            "interval_seconds",
            "enabled",
            "last_value",
            "last_status",
            "last_collected_at",
            "config_error",
            "source_state",
        ]
        read_only_fields = ["last_value", "last_status", "last_collected_at", "config_error"]

    def get_bands(self, metric: Metric) -> dict[str, str]:
        return metric.band_texts()

    def get_source_state(self, metric: Metric) -> str | None:
        """The circuit breaker of the metric's source (closed / open / half_open), if it has one."""
        from monitoring.intake.sources import config_errors, source_for

        if config_errors(metric.source, metric.source_config):
            return None
        key = source_for(metric.source).breaker_key(metric)
        states = self.context.get("source_states", {})
        return states.get(key, "closed") if key else None


class ReadingInputSerializer(serializers.Serializer):
    """One pushed reading (documentation for the schema; validation is in monitoring.intake.push)."""

    metric = serializers.CharField(help_text="The metric's key.")
    value = serializers.FloatField()
    observed_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")


class ReadingBatchResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()


class PointSerializer(serializers.Serializer):
    t = serializers.DateTimeField()
    value = serializers.FloatField(allow_null=True, required=False)
    status = serializers.CharField(required=False)
    min = serializers.FloatField(allow_null=True, required=False)
    max = serializers.FloatField(allow_null=True, required=False)
    avg = serializers.FloatField(allow_null=True, required=False)
    count = serializers.IntegerField(required=False)


class AlertRuleSerializer(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    metric = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)

    class Meta:
        model = AlertRule
        fields = ["id", "programme", "priority", "condition", "metric", "operator", "threshold", "unit"]


class AlertTransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertTransition
        fields = ["at", "event", "from_state", "to_state", "severity", "value", "reason"]


class AlertSerializer(serializers.ModelSerializer):
    programme = serializers.SerializerMethodField()
    risk = serializers.CharField(source="indicator.risk.code", read_only=True, allow_null=True)
    indicator = serializers.CharField(source="indicator.name", read_only=True, allow_null=True)
    metric = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "programme",
            "kind",
            "title",
            "risk",
            "indicator",
            "metric",
            "state",
            "severity",
            "priority",
            "reason",
            "last_value",
            "started_at",
            "fired_at",
            "resolved_at",
            "flapping",
            "acknowledged_at",
            "acknowledged_by",
            "silenced_until",
            "silence_reason",
            "inhibited_by",
        ]
        read_only_fields = fields
        extra_kwargs = {"inhibited_by": {"allow_null": True}}

    def get_programme(self, alert: Alert) -> str:
        """The code of the programme the alert's metric (or SLO) belongs to."""
        subject = alert.metric if alert.metric_id else alert.slo
        return subject.programme.code


class AlertDetailSerializer(AlertSerializer):
    transitions = AlertTransitionSerializer(many=True, read_only=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "transitions"]
        read_only_fields = fields


class SilenceSerializer(serializers.Serializer):
    until = serializers.DateTimeField()
    reason = serializers.CharField(max_length=300)


class TrendPointSerializer(serializers.Serializer):
    t = serializers.DateTimeField()
    value = serializers.FloatField()


class OpenAlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    severity = serializers.CharField()
    priority = serializers.CharField()
    started_at = serializers.DateTimeField()
    inhibited_by = serializers.IntegerField(
        allow_null=True, help_text="The firing alert of a cause that inhibits this one (not notified)."
    )


def open_alert_rows(alerts) -> list[dict]:
    """OpenAlertSerializer's rows, from alerts already loaded (prefetched by the caller)."""
    return [
        {
            "id": a.pk,
            "title": a.title,
            "state": a.state,
            "severity": a.severity,
            "priority": a.priority,
            "started_at": a.started_at,
            "inhibited_by": a.inhibited_by_id,
        }
        for a in alerts
    ]


class ForecastSerializer(serializers.Serializer):
    """When the indicator's threshold is crossed at the current trend (null times, and a ``reason``
    code, when it is not: too_few_points, already_past, not_heading_there, beyond_horizon)."""

    crosses_at = serializers.DateTimeField(allow_null=True)
    low = serializers.DateTimeField(
        allow_null=True, help_text="The earliest crossing (steep end of the slope's 90 % interval)."
    )
    high = serializers.DateTimeField(
        allow_null=True, help_text="The latest crossing; null when the slow end never gets there."
    )
    slope_per_day = serializers.FloatField(allow_null=True)
    reason = serializers.CharField()
    computed_at = serializers.DateTimeField()


class LiveIndicatorSerializer(serializers.Serializer):
    status = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()
    observed_at = serializers.DateTimeField(allow_null=True)
    alert_state = serializers.CharField()
    trend = TrendPointSerializer(many=True)
    open_alerts = OpenAlertSerializer(many=True)
    forecast = ForecastSerializer(allow_null=True)


class IndicatorSerializer(serializers.ModelSerializer):
    metric = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)
    live = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = ["name", "metric", "rule_text", "rule_kind", "operator", "threshold", "unit", "live"]

    @extend_schema_field(LiveIndicatorSerializer(allow_null=True))
    def get_live(self, indicator: Indicator):
        """The indicator's live state from the monitoring pipeline (None when no metric is linked)."""
        if indicator.metric_id is None:
            return None
        state = getattr(indicator, "live", None)
        metric = indicator.metric
        open_alerts = [a for a in indicator.alerts.all() if a.state in ("pending", "firing", "recovering")]
        return {
            "status": indicator_live_status(state),
            "value": metric.last_value,
            "unit": metric.unit,
            "observed_at": metric.last_collected_at,
            "alert_state": state.phase if state else "normal",
            "trend": trend(metric, timezone.now()),
            "forecast": (state.forecast or None) if state and indicator.rule_kind == "threshold" else None,
            "open_alerts": open_alert_rows(open_alerts),
        }


class SLOSerializer(serializers.ModelSerializer):
    """An SLO and where its error budget stands (read-only: SLOs are kept in the admin or imported
    from OpenSLO with ``manage.py import_openslo``)."""

    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)

    risk = serializers.CharField(source="risk.code", read_only=True, allow_null=True)
    metric = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)
    objective = serializers.FloatField(help_text="Percent of events (or of time) that must be good, e.g. 99.5.")
    budget_total = serializers.FloatField(
        read_only=True, help_text="The fraction allowed to be bad over the window: 1 − objective / 100."
    )
    budget_remaining = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="The fraction of the window's budget not yet spent (negative once overspent; null: no data).",
    )
    sli = serializers.FloatField(read_only=True, allow_null=True, help_text="The good ratio over the window.")
    burn_rates = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        read_only=True,
        help_text='Per window ("5m", "1h", …): how many times faster than allowed the budget burns.',
    )
    alert_windows = serializers.ListField(child=serializers.DictField(), read_only=True)
    open_alerts = serializers.SerializerMethodField()

    class Meta:
        model = SLO
        fields = [
            "key",
            "programme",
            "name",
            "description",
            "risk",
            "objective",
            "window_days",
            "sli_kind",
            "metric",
            "metric_measures",
            "good_query",
            "bad_query",
            "total_query",
            "budget_total",
            "budget_remaining",
            "sli",
            "burn_rates",
            "alert_windows",
            "enabled",
            "evaluated_at",
            "last_error",
            "open_alerts",
        ]
        read_only_fields = fields
        extra_kwargs = {"evaluated_at": {"allow_null": True}}

    @extend_schema_field(OpenAlertSerializer(many=True))
    def get_open_alerts(self, slo: SLO) -> list[dict]:
        return open_alert_rows(a for a in slo.alerts.all() if a.is_open)
