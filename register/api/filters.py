import django_filters
from rest_framework.filters import OrderingFilter

from core.api.filters import IntegerFilter, StrictFilterSet
from register.api.programmes import ProgrammeFilter
from register.choices import AppetiteStatus, Level, LiveStatus, RiskStatus, Treatment
from register.models import Risk


class RiskFilter(StrictFilterSet):
    programme = ProgrammeFilter()
    level = django_filters.MultipleChoiceFilter(choices=Level.choices)
    status = django_filters.MultipleChoiceFilter(choices=RiskStatus.choices)
    live_status = django_filters.MultipleChoiceFilter(choices=LiveStatus.choices)
    min_score = IntegerFilter(field_name="score", lookup_expr="gte")
    treatment = django_filters.MultipleChoiceFilter(choices=Treatment.choices)
    appetite_status = django_filters.MultipleChoiceFilter(choices=AppetiteStatus.choices)

    class Meta:
        model = Risk
        fields = [
            "level",
            "live_status",
            "category",
            "status",
            "owner",
            "impact",
            "likelihood",
            "min_score",
            "treatment",
            "appetite_status",
        ]


class StableOrderingFilter(OrderingFilter):
    """Order as asked, then by risk number, so equal scores never shuffle between pages."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") == "number" for field in ordering):
            ordering.append("number")
        return ordering
