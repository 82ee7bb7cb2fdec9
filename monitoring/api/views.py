from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.fields import get_error_detail
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.conditional import ConditionalWrites
from core.gcpause import without_collection
from monitoring import series
from monitoring.alerting import actions
from monitoring.api.serializers import (
    AlertDetailSerializer,
    AlertRuleSerializer,
    AlertSerializer,
    MetricSerializer,
    PointSerializer,
    ReadingBatchResultSerializer,
    ReadingInputSerializer,
    SilenceSerializer,
    SLOSerializer,
)
from monitoring.intake import push
from monitoring.intake.timestamps import parse_instant
from monitoring.models import SLO, Alert, AlertRule, Metric, Reading, SourceState
from register.api.programmes import InProgrammes
from register.models import Programme


class MetricViewSet(ConditionalWrites, InProgrammes, viewsets.ModelViewSet):
    """Metric definitions: bands, source and schedule, with the last collected value. Addressed by key."""

    queryset = Metric.objects.select_related("programme")
    serializer_class = MetricSerializer
    lookup_field = "key"
    lookup_value_regex = r"[^/]+"
    search_fields = ["key", "name", "category"]
    filterset_fields = ["category", "direction", "source", "enabled"]
    ordering_fields = ["key", "name", "last_collected_at"]

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "source_states": dict(SourceState.objects.values_list("key", "state")),
        }

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(description="the metric has history (readings or alerts); disable it instead"),
        }
    )
    def destroy(self, request, *args, **kwargs):
        """Delete a metric that has no history. One with readings or alerts is refused (deleting it
        would silently delete them, and the notifications they caused): set ``enabled`` false."""
        metric = self.get_object()
        if metric.has_history():
            history = metric.history_counts()
            counted = ", ".join(f"{n} {name}" for name, n in history.items() if n)
            return Response(
                {"detail": f"{metric.key!r} has history ({counted}); disable it (enabled: false) to stop collecting"},
                status=status.HTTP_409_CONFLICT,
            )
        return super().destroy(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="ISO date-time; default 24 h before until."),
            OpenApiParameter("until", str, description="ISO date-time; default now."),
            OpenApiParameter(
                "step",
                str,
                enum=["auto", "raw", "hour"],
                description="raw readings, hourly rollups, or auto (rollups beyond 2 days).",
            ),
        ],
        responses=PointSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def readings(self, request, key=None):
        metric = self.get_object()
        times = {}
        for name in ("since", "until"):
            raw = request.query_params.get(name)
            times[name] = parse_instant(raw) if raw else None
            if raw and times[name] is None:
                raise ValidationError({name: ["must be an ISO 8601 date-time that exists"]})
        step = request.query_params.get("step", "auto")
        if step not in ("auto", "raw", "hour"):
            raise ValidationError({"step": ["must be auto, raw or hour"]})
        try:
            since, until = series.parse_range(times["since"], times["until"], timezone.now())
        except ValueError as exc:
            raise ValidationError({"since": [str(exc)]}) from exc
        points = series.series(metric, since, until, step)
        return Response(PointSerializer(points, many=True).data)


class ReadingBatchView(generics.GenericAPIView):
    """Push readings: a list of up to 10,000 ``{metric, value, observed_at}``. All or nothing;
    repeats of (metric, observed_at) are ignored, so a retried push is harmless."""

    queryset = Reading.objects.all()
    serializer_class = ReadingInputSerializer
    pagination_class = None

    @extend_schema(request=ReadingInputSerializer(many=True), responses={201: ReadingBatchResultSerializer})
    @without_collection  # up to 10,000 readings, parsed and stored: see core/gcpause.py
    def post(self, request):
        try:
            writable = Metric.objects.filter(
                programme__in=Programme.objects.where(request.user, "monitoring.add_reading")
            )
            result = push.store(request.data, metrics=writable)
        except push.BatchError as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(result, status=status.HTTP_201_CREATED)


class AlertViewSet(InProgrammes, viewsets.ReadOnlyModelViewSet):
    queryset = Alert.objects.select_related("indicator__risk", "metric__programme", "slo__programme", "acknowledged_by")
    serializer_class = AlertSerializer
    filterset_fields = {
        "state": ["exact", "in"],
        "priority": ["exact"],
        "kind": ["exact"],
        "indicator__risk__code": ["exact"],
    }
    ordering_fields = ["started_at", "fired_at", "priority"]
    ordering = ["-started_at"]

    def get_serializer_class(self):
        return AlertDetailSerializer if self.action == "retrieve" else AlertSerializer

    def _change_permission(self, request):
        # Acknowledging and silencing change an alert (incident responders, administrators).
        if not request.user.has_perm("monitoring.change_alert"):
            self.permission_denied(request)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def acknowledge(self, request, pk=None):
        self._change_permission(request)
        alert = self.get_object()
        actions.acknowledge(alert, request.user)
        return Response(AlertSerializer(alert).data)

    @extend_schema(request=SilenceSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def silence(self, request, pk=None):
        self._change_permission(request)
        alert = self.get_object()
        data = SilenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            actions.silence(alert, data.validated_data["until"], data.validated_data["reason"])
        except DjangoValidationError as exc:
            raise ValidationError(get_error_detail(exc)) from exc
        return Response(AlertSerializer(alert).data)


class AlertRuleViewSet(InProgrammes, viewsets.ReadOnlyModelViewSet):
    queryset = AlertRule.objects.select_related("programme", "metric")
    serializer_class = AlertRuleSerializer
    filterset_fields = ["priority"]


class SLOViewSet(InProgrammes, viewsets.ReadOnlyModelViewSet):
    """Service level objectives with their error budget and burn rates. Addressed by key."""

    queryset = SLO.objects.select_related("programme", "risk", "metric").prefetch_related("alerts")
    serializer_class = SLOSerializer
    lookup_field = "key"
    lookup_value_regex = r"[^/]+"
    search_fields = ["key", "name"]
    filterset_fields = {"risk__code": ["exact"], "sli_kind": ["exact"], "enabled": ["exact"]}
    ordering_fields = ["key", "budget_remaining", "evaluated_at"]
    ordering = ["key"]
