from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import CleanModelSerializer
from incidents import workflow
from incidents.models import Incident, Postmortem, TimelineEvent
from incidents.stats import for_risk


class TimelineEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = TimelineEvent
        fields = ["at", "actor", "kind", "message", "data"]


class IncidentSerializer(CleanModelSerializer):
    risks = serializers.SlugRelatedField(
        slug_field="code", many=True, required=False, queryset=Incident.risks.field.related_model.objects.all()
    )
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "description",
            "severity",
            "status",
            "allowed_transitions",
            "source",
            "dedup_key",
            "detected_at",
            "impact_started_at",
            "acknowledged_at",
            "escalated_at",
            "resolved_at",
            "closed_at",
            "commander",
            "assignee",
            "responders",
            "risks",
            "alerts",
            "root_cause",
            "contributing_factors",
            "fix_reference",
            "test_reference",
            "deploy_reference",
            "backlog_reference",
            "duplicate_of",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "source",
            "dedup_key",
            "acknowledged_at",
            "escalated_at",
            "resolved_at",
            "closed_at",
            "alerts",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"responders": {"required": False}}

    def get_allowed_transitions(self, incident: Incident) -> list[str]:
        return workflow.allowed(incident)


class TransitionSerializer(serializers.Serializer):
    to = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=5000)


class PostmortemSerializer(CleanModelSerializer):
    class Meta:
        model = Postmortem
        fields = [
            "summary",
            "impact",
            "timeline",
            "root_cause",
            "contributing_factors",
            "went_well",
            "went_badly",
            "completed_at",
        ]


@extend_schema_field(serializers.DictField())
class RiskIncidentsField(serializers.Field):
    """A risk's incidents in the risk API: count, open count, MTTR and the last one."""

    def __init__(self):
        super().__init__(source="*", read_only=True)

    def to_representation(self, risk):
        return for_risk(risk)
