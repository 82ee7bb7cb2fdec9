from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import filters, generics, viewsets
from rest_framework.response import Response

from register.api.filters import RiskFilter, StableOrderingFilter
from register.api.serializers import (
    CategorySerializer,
    ComponentSerializer,
    HeatmapCellSerializer,
    RiskDetailSerializer,
    RiskSerializer,
)
from register.heatmap import heatmap_as_dicts
from register.models import Category, Component, Risk


class RiskViewSet(viewsets.ModelViewSet):
    """Risks, addressed by code (``R-1``). Score and level are derived and read-only."""

    lookup_field = "code"
    filterset_class = RiskFilter
    filter_backends = [
        *(b for b in viewsets.ModelViewSet.filter_backends if b is not filters.OrderingFilter),
        StableOrderingFilter,
    ]
    search_fields = ["code", "title", "description"]
    ordering_fields = ["score", "number", "impact", "likelihood", "title", "updated_at", "next_review_date"]
    ordering = ["number"]

    def get_queryset(self):
        queryset = Risk.objects.select_related("category", "owner", "treatment_decided_by").prefetch_related(
            "components"
        )
        if self.action == "retrieve":
            # The detail's blocks, the register's own and those other apps add, each prefetched.
            queryset = queryset.prefetch_related(*RiskDetailSerializer.prefetches())
        return queryset

    def get_serializer_class(self):
        return RiskDetailSerializer if self.action == "retrieve" else RiskSerializer


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    pagination_class = None
    search_fields = ["name"]


class ComponentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Component.objects.all()
    serializer_class = ComponentSerializer
    pagination_class = None
    search_fields = ["name", "aliases"]


class HeatmapView(generics.GenericAPIView):
    """The 5×5 impact × likelihood grid: one cell per pair with its level, colour and risk count."""

    queryset = Risk.objects.all()
    serializer_class = HeatmapCellSerializer
    filterset_class = RiskFilter
    pagination_class = None

    @extend_schema(responses=HeatmapCellSerializer(many=True))
    def get(self, request):
        risks = self.filter_queryset(self.get_queryset())
        return Response(HeatmapCellSerializer(heatmap_as_dicts(risks), many=True).data)
