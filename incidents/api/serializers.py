from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import CleanModelSerializer
from incidents import workflow
from incidents.models import Incident, Postmortem, TimelineEvent
from incidents.stats import for_risk
from register import visibility
from register.api.programmes import NamesProgramme, RiskCodeField
from register.models import Programme


class TimelineEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = TimelineEvent
        fields = ["at", "actor", "kind", "message", "data"]


class IncidentSerializer(NamesProgramme, CleanModelSerializer):
    # Among the risks the requester sees, by code or, across programmes, PROGRAMME:CODE.
    risks = RiskCodeField(many=True, required=False)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "programme",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "duplicate_of" in self.fields:
            # Only incidents the requester sees: another programme's is "does not exist".
            self.fields["duplicate_of"].queryset = visibility.scope(Incident.objects.all(), request.user)

    def validate(self, attrs):
        risks = attrs.get("risks")
        # Named risks of one programme say where the incident is.
        if self.instance is None and "programme" not in attrs and risks and len({r.programme_id for r in risks}) == 1:
            attrs["programme"] = risks[0].programme
        attrs = super().validate(attrs)
        programme = attrs.get("programme") or getattr(self.instance, "programme", None)
        if risks and programme is not None:
            allowed = set(Programme.objects.subtree([programme.pk]).values_list("pk", flat=True))
            outside = [risk.code for risk in risks if risk.programme_id not in allowed]
            if outside:
                raise serializers.ValidationError(
                    {"risks": [f"not a risk of {programme.code} or a programme under it: {', '.join(outside)}"]}
                )
        duplicate = attrs.get("duplicate_of")
        if duplicate is not None and programme is not None and duplicate.programme_id != programme.pk:
            raise serializers.ValidationError({"duplicate_of": ["an incident of another programme"]})
        return attrs


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
