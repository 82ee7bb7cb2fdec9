from rest_framework import viewsets

from monitoring.api.serializers import AlertRuleSerializer, MetricSerializer
from monitoring.models import AlertRule, Metric


class MetricViewSet(viewsets.ReadOnlyModelViewSet):
    """Metric definitions with their normal / warning / critical bands, addressed by key."""

    queryset = Metric.objects.all()
    serializer_class = MetricSerializer
    lookup_field = "key"
    lookup_value_regex = r"[^/]+"
    search_fields = ["key", "name", "category"]
    filterset_fields = ["category", "direction"]


class AlertRuleViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AlertRule.objects.select_related("metric")
    serializer_class = AlertRuleSerializer
    filterset_fields = ["priority"]
