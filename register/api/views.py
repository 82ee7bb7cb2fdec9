from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import filters, generics, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api.cache import CachedReads
from core.api.conditional import ConditionalWrites
from register import visibility
from register.api.filters import RiskFilter, StableOrderingFilter
from register.api.programmes import InProgrammes, risk_named
from register.api.serializers import (
    CategorySerializer,
    ComponentSerializer,
    HeatmapCellSerializer,
    HeatmapMoveSerializer,
    RiskDetailSerializer,
    RiskSerializer,
)
from register.choices import Assessment
from register.heatmap import heatmap_as_dicts, moves
from register.models import Category, Component, Risk


class RiskViewSet(ConditionalWrites, CachedReads, viewsets.ModelViewSet):
    """Risks, addressed by code (``R-1``, or ``PAY:R-1`` where several programmes you see have an
    R-1). Score and level are derived and read-only. A risk of a programme you do not see is a 404.

    Lists and details are served from the representation cache while the register is unchanged."""

    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    filterset_class = RiskFilter
    filter_backends = [
        *(b for b in viewsets.ModelViewSet.filter_backends if b is not filters.OrderingFilter),
        StableOrderingFilter,
    ]
    search_fields = ["code", "title", "description"]
    ordering_fields = ["score", "number", "impact", "likelihood", "title", "updated_at", "next_review_date"]
    ordering = ["number"]

    def get_queryset(self):
        queryset = Risk.objects.select_related(
            "programme", "category", "owner", "treatment_decided_by"
        ).prefetch_related("components")
        queryset = visibility.scope(queryset, self.request.user)
        if self.action == "retrieve":
            # The detail's blocks, the register's own and those other apps add, each prefetched.
            queryset = queryset.prefetch_related(*RiskDetailSerializer.prefetches())
        return queryset

    def get_serializer_class(self):
        return RiskDetailSerializer if self.action == "retrieve" else RiskSerializer

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        programme_code, separator, code = value.rpartition(":")
        named = queryset.filter(programme__code=programme_code, code=code) if separator else queryset.filter(code=value)
        risk = risk_named(self.request.user, value, named)
        self.check_object_permissions(self.request, risk)
        return risk


class CategoryViewSet(InProgrammes, viewsets.ReadOnlyModelViewSet):
    queryset = Category.objects.select_related("programme")
    serializer_class = CategorySerializer
    pagination_class = None
    search_fields = ["name"]


class ComponentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Component.objects.all()
    serializer_class = ComponentSerializer
    pagination_class = None
    search_fields = ["name", "aliases"]


class VisibleRisks:
    """The risks of the programmes the requesting user sees."""

    def get_queryset(self):
        return visibility.scope(Risk.objects.all(), self.request.user)


class HeatmapView(VisibleRisks, generics.GenericAPIView):
    """The 5×5 impact × likelihood grid: one cell per pair with its level, colour and risk count."""

    serializer_class = HeatmapCellSerializer
    filterset_class = RiskFilter
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "assessment",
                str,
                enum=Assessment.values,
                description="Which assessment to count risks by (default current).",
            )
        ],
        responses=HeatmapCellSerializer(many=True),
    )
    def get(self, request):
        assessment = request.query_params.get("assessment", Assessment.CURRENT)
        if assessment not in Assessment.values:
            raise ValidationError({"assessment": [f"must be one of {', '.join(Assessment.values)}"]})
        risks = self.filter_queryset(self.get_queryset())
        return Response(HeatmapCellSerializer(heatmap_as_dicts(risks, assessment), many=True).data)


class HeatmapMovesView(VisibleRisks, generics.GenericAPIView):
    """Each risk's inherent → current → target cells ([impact, likelihood]; target null when none),
    highest current score first: the arrows of the heat map."""

    serializer_class = HeatmapMoveSerializer
    filterset_class = RiskFilter
    pagination_class = None

    @extend_schema(responses=HeatmapMoveSerializer(many=True))
    def get(self, request):
        risks = self.filter_queryset(self.get_queryset())
        return Response(HeatmapMoveSerializer(moves(risks, limit=1000), many=True).data)
