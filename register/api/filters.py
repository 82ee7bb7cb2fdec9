import django_filters
from rest_framework.filters import OrderingFilter

from register.choices import Level, LiveStatus, RiskStatus
from register.models import Risk


class RiskFilter(django_filters.FilterSet):
    level = django_filters.MultipleChoiceFilter(choices=Level.choices)
    status = django_filters.MultipleChoiceFilter(choices=RiskStatus.choices)
    live_status = django_filters.MultipleChoiceFilter(choices=LiveStatus.choices)
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = Risk
        fields = ["level", "live_status", "category", "status", "owner", "impact", "likelihood", "min_score"]


class StableOrderingFilter(OrderingFilter):
    """Order as asked, then by risk number, so equal scores never shuffle between pages."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") == "number" for field in ordering):
            ordering.append("number")
        return ordering
