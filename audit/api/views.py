from django_filters import rest_framework as filters
from rest_framework import viewsets

from audit.api.serializers import EntrySerializer
from audit.models import Entry, Kind
from core.api.filters import IntegerFilter, StrictFilterSet


class EntryFilter(StrictFilterSet):
    kind = filters.ChoiceFilter(choices=Kind.choices)
    table = filters.CharFilter(max_length=100)
    object_pk = filters.CharFilter(max_length=64)
    actor = filters.CharFilter(lookup_expr="icontains", max_length=200)
    actor_id = IntegerFilter(min_value=0, max_value=2**63 - 1)
    since = filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = Entry
        fields = []


class EntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, newest first: every write to the register by any path, sign-ins and refusals.
    Organisation administrators only (``audit.view_entry`` held directly, not through a programme)."""

    queryset = Entry.objects.all()
    serializer_class = EntrySerializer
    filterset_class = EntryFilter
    search_fields = []
    ordering_fields = ["id", "at"]
    ordering = ["-id"]
