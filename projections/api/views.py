"""Graph questions and semantic search over the API. A store that is down answers 503 with the
reason; the register itself keeps working."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from projections import graph, queries, vectors
from register import visibility

KINDS = ("risk", "incident", "mitigation")


class _StoreView(APIView):
    permission_classes = [IsAuthenticated]
    permission: str = "register.view_risk"
    answers_503 = True  # the schema (core/api/schema.py) documents the store-down answer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.user.has_perm(self.permission):
            raise PermissionDenied

    def handle_exception(self, exc):
        if isinstance(exc, graph.GraphUnavailable | vectors.VectorUnavailable):
            store = "graph" if isinstance(exc, graph.GraphUnavailable) else "vector store"
            return Response(
                {"detail": f"The {store} is unavailable; try again later.", "error": str(exc)},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return super().handle_exception(exc)


class SearchQuery(serializers.Serializer):
    q = serializers.CharField(max_length=1000)
    type = serializers.ChoiceField(choices=KINDS, default="risk")
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


class DuplicateQuery(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class SimilarQuery(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=50, default=5, help_text="How many similar incidents (suggested risks: up to 3)."
    )


class HopsQuery(serializers.Serializer):
    hops = serializers.IntegerField(min_value=1, max_value=queries.MAX_HOPS, default=4)
    limit = serializers.IntegerField(min_value=1, max_value=200, default=20)


def _valid(serializer_class, request):
    # A plain dict, not the QueryDict: DRF reads a QueryDict as form input, where "?hops=" means
    # "use the default" — a typed parameter sent empty is a 400 like any other bad value.
    data = serializer_class(data=request.query_params.dict())
    data.is_valid(raise_exception=True)
    return data.validated_data


class SearchView(_StoreView):
    @extend_schema(parameters=[SearchQuery], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """Semantic search (Japanese or English) over risks, incidents (with postmortems) or mitigations."""
        params = _valid(SearchQuery, request)
        seen = visibility.programme_filter(request.user)
        return Response({"results": queries.search(params["q"], params["type"], params["limit"], seen)})


class DuplicatesView(_StoreView):
    @extend_schema(parameters=[DuplicateQuery], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """Existing risks close to a title (and description) before one is created."""
        params = _valid(DuplicateQuery, request)
        found = queries.possible_duplicates(
            params["title"], params["description"], programmes=visibility.programme_filter(request.user)
        )
        return Response({"possible_duplicates": found})


class CascadeView(_StoreView):
    @extend_schema(parameters=[HopsQuery], responses=OpenApiTypes.OBJECT)
    def get(self, request, code):
        """Risks this one causes within N hops, with cumulative exposure."""
        from register.api.programmes import risk_named

        risk = risk_named(request.user, code)
        hops = _valid(HopsQuery, request)["hops"]
        return Response(queries.cascade(risk.pk, hops, visibility.programme_filter(request.user)))


class RankingView(_StoreView):
    @extend_schema(parameters=[HopsQuery], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """Risks ordered by downstream exposure (systemic risks first)."""
        params = _valid(HopsQuery, request)
        seen = visibility.programme_filter(request.user)
        return Response({"results": queries.systemic_ranking(params["hops"], params["limit"], seen)})


class BlastRadiusView(_StoreView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        """Risks affecting a component, their indicators, mitigations and open incidents."""
        from register.models import Component

        component = get_object_or_404(Component, pk=pk)
        return Response(queries.blast_radius(component.pk, visibility.programme_filter(request.user)))


class IncidentGraphView(_StoreView):
    permission = "incidents.view_incident"

    @extend_schema(parameters=[SimilarQuery], responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        """The incident's path (risks → mitigations in place), similar past incidents, suggested risks."""
        from incidents.models import Incident

        incident = get_object_or_404(visibility.scope(Incident.objects.all(), request.user), pk=pk)
        # The declared limit used to be ignored (and "null" accepted): it now bounds the list.
        limit = _valid(SimilarQuery, request)["limit"]
        seen = visibility.programme_filter(request.user)
        return Response(
            {
                "path": queries.incident_path(incident.pk),
                "similar_incidents": queries.similar_incidents(incident.pk, limit, seen),
                "suggested_risks": queries.suggested_risks(incident.pk, min(limit, 3), seen),
            }
        )
