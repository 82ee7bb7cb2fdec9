from __future__ import annotations

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import get_error_detail

from riskregister.choices import ScoreSource
from riskregister.models import Category, Component, Indicator, Mitigation, Risk, ScoreChange


class CleanModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that runs the model's ``full_clean()``, so the API obeys the admin's rules.

    DRF validates fields but never calls ``Model.clean()``; without this an invariant that lives in
    ``clean()`` would hold in the admin and silently not in the API.
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in concrete:
                setattr(instance, name, value)
        try:
            instance.full_clean(validate_unique=False)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(get_error_detail(exc)) from exc
        return attrs


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "order"]


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Component
        fields = ["id", "name", "aliases", "description"]


class MitigationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Mitigation
        fields = ["number", "title", "kind", "detail", "detail_language", "status", "owner", "due_date"]


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


class LiveIndicatorSerializer(serializers.Serializer):
    status = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()
    observed_at = serializers.DateTimeField(allow_null=True)
    alert_state = serializers.CharField()
    trend = TrendPointSerializer(many=True)
    open_alerts = OpenAlertSerializer(many=True)


class IndicatorSerializer(serializers.ModelSerializer):
    metric = serializers.SlugRelatedField(slug_field="key", read_only=True)
    live = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = ["name", "metric", "rule_text", "rule_kind", "operator", "threshold", "unit", "live"]

    @extend_schema_field(LiveIndicatorSerializer(allow_null=True))
    def get_live(self, indicator: Indicator):
        """The indicator's live state from the monitoring pipeline (None when no metric is linked).

        The API is where the apps meet: the core's models never import monitoring, but this
        serializer reads the pipeline's state through the reverse relations it adds.
        """
        if indicator.metric_id is None:
            return None
        from monitoring.evaluation import indicator_live_status
        from monitoring.series import trend

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
            "open_alerts": [
                {
                    "id": a.pk,
                    "title": a.title,
                    "state": a.state,
                    "severity": a.severity,
                    "priority": a.priority,
                    "started_at": a.started_at,
                }
                for a in open_alerts
            ],
        }


class ScoreChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    old_score = serializers.IntegerField(read_only=True, allow_null=True)
    new_score = serializers.IntegerField(read_only=True)

    class Meta:
        model = ScoreChange
        fields = [
            "changed_at",
            "changed_by",
            "old_impact",
            "old_likelihood",
            "old_score",
            "new_impact",
            "new_likelihood",
            "new_score",
            "reason",
            "source",
        ]


class RiskSerializer(CleanModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True, default=None)
    owner_username = serializers.CharField(source="owner.username", read_only=True, default=None)
    score_change_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Why impact or likelihood changed; stored in the score history.",
    )

    class Meta:
        model = Risk
        fields = [
            "code",
            "number",
            "title",
            "category",
            "category_name",
            "description",
            "impact_text",
            "impact",
            "likelihood",
            "score",
            "level",
            "stated_level",
            "status",
            "owner",
            "owner_username",
            "components",
            "next_review_date",
            "live_status",
            "needs_reassessment",
            "created_at",
            "updated_at",
            "score_change_reason",
        ]
        read_only_fields = ["code", "score", "level", "stated_level", "live_status", "created_at", "updated_at"]
        extra_kwargs = {"number": {"required": False}, "components": {"required": False}}

    def _save(self, instance: Risk, validated: dict) -> Risk:
        reason = validated.pop("score_change_reason", "")
        components = validated.pop("components", None)
        for name, value in validated.items():
            setattr(instance, name, value)
        request = self.context.get("request")
        instance.save(changed_by=getattr(request, "user", None), change_reason=reason, change_source=ScoreSource.MANUAL)
        if components is not None:
            instance.components.set(components)
        return instance

    def create(self, validated_data):
        return self._save(Risk(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class RiskDetailSerializer(RiskSerializer):
    incidents = serializers.SerializerMethodField()
    mitigations = MitigationSerializer(many=True, read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)
    score_history = ScoreChangeSerializer(source="score_changes", many=True, read_only=True)

    class Meta(RiskSerializer.Meta):
        fields = [*RiskSerializer.Meta.fields, "incidents", "mitigations", "indicators", "score_history"]

    @extend_schema_field(serializers.DictField())
    def get_incidents(self, risk: Risk) -> dict:
        """Count, open count, MTTR and the last incident (from the incidents app)."""
        from incidents.stats import for_risk

        return for_risk(risk)


class HeatmapCellSerializer(serializers.Serializer):
    impact = serializers.IntegerField()
    likelihood = serializers.IntegerField()
    score = serializers.IntegerField()
    level = serializers.CharField()
    colour = serializers.CharField()
    count = serializers.IntegerField()
