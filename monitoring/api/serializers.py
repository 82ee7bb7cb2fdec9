from rest_framework import serializers

from monitoring.models import AlertRule, Metric
from riskregister.api.serializers import CleanModelSerializer


class MetricSerializer(CleanModelSerializer):
    bands = serializers.SerializerMethodField()

    class Meta:
        model = Metric
        fields = ["key", "name", "category", "unit", "direction", "warning", "critical", "bands", "description"]

    def get_bands(self, metric: Metric) -> dict[str, str]:
        return metric.band_texts()


class AlertRuleSerializer(serializers.ModelSerializer):
    metric = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = AlertRule
        fields = ["id", "priority", "condition", "metric", "operator", "threshold", "unit"]
