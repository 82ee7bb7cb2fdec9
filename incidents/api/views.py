from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.conditional import ConditionalWrites
from incidents import workflow
from incidents.api.serializers import (
    IncidentSerializer,
    NoteSerializer,
    PostmortemSerializer,
    TimelineEventSerializer,
    TransitionSerializer,
)
from incidents.choices import EventKind, Source
from incidents.models import Incident, Postmortem
from incidents.stats import mtta_mttr
from register.api.programmes import InProgrammes


class IncidentViewSet(ConditionalWrites, InProgrammes, viewsets.ModelViewSet):
    """Incidents. The status moves only through ``transition`` (409 with the allowed next states)."""

    queryset = Incident.objects.prefetch_related("risks", "alerts", "responders").select_related(
        "programme", "postmortem"
    )
    serializer_class = IncidentSerializer
    filterset_fields = {"status": ["exact", "in"], "severity": ["exact"], "source": ["exact"], "risks__code": ["exact"]}
    search_fields = ["title", "description", "root_cause"]
    ordering_fields = ["detected_at", "severity", "status"]
    ordering = ["-detected_at"]

    def perform_create(self, serializer):
        with transaction.atomic():
            incident = serializer.save(source=Source.API)
            workflow.record(incident, EventKind.CREATED, "opened through the API", self.request.user)

    def perform_update(self, serializer):
        with transaction.atomic():
            before = workflow.snapshot(serializer.instance)
            incident = serializer.save()
            workflow.record_edit(incident, before, self.request.user)

    def _change_permission(self, request, incident):
        # Held in the incident's programme: responding in one programme is no say in another's.
        if not request.user.has_perm("incidents.change_incident", incident):
            self.permission_denied(request)

    @extend_schema(
        request=TransitionSerializer,
        responses={
            200: IncidentSerializer,
            409: OpenApiResponse(description="the workflow does not allow that move now; `allowed` lists the moves"),
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        incident = self.get_object()
        self._change_permission(request, incident)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            incident = workflow.transition(
                incident, data.validated_data["to"], request.user, data.validated_data["note"]
            )
        except workflow.TransitionError as exc:
            return Response({"detail": str(exc), "allowed": exc.allowed}, status=status.HTTP_409_CONFLICT)
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data)

    @extend_schema(responses=dict)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def stats(self, request):
        """MTTA and MTTR (mean minutes to acknowledge and to resolve) per severity."""
        return Response(mtta_mttr(self.get_queryset()))

    @extend_schema(request=None, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """A person has seen the incident; its escalation policy stops."""
        incident = self.get_object()
        self._change_permission(request, incident)
        workflow.acknowledge(incident, request.user)
        incident.refresh_from_db()
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data)

    @extend_schema(request=NoteSerializer, responses={201: TimelineEventSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        incident = self.get_object()
        self._change_permission(request, incident)
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = workflow.record(incident, EventKind.NOTE, data.validated_data["message"], request.user)
        return Response(TimelineEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=TimelineEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        incident = self.get_object()
        return Response(TimelineEventSerializer(incident.events.select_related("actor"), many=True).data)

    @extend_schema(methods=["GET"], responses=PostmortemSerializer)
    @extend_schema(methods=["PUT"], request=PostmortemSerializer, responses=PostmortemSerializer)
    @action(detail=True, methods=["get", "put"], filter_backends=[])
    def postmortem(self, request, pk=None):
        incident = self.get_object()
        postmortem = Postmortem.objects.filter(incident=incident).first() or Postmortem(incident=incident)
        if request.method == "GET":
            return Response(PostmortemSerializer(postmortem).data)
        self._change_permission(request, incident)
        serializer = PostmortemSerializer(postmortem, data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save(incident=incident)
        return Response(serializer.data)
