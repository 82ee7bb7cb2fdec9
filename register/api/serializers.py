from __future__ import annotations

from django.db import models
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import extensions
from core.api.serializers import CleanModelSerializer
from register.choices import ScoreSource
from register.models import Category, Component, Mitigation, Programme, Risk, ScoreChange


class CategorySerializer(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "programme", "name", "order"]


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Component
        fields = ["id", "name", "aliases", "description"]


class MitigationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Mitigation
        fields = ["number", "title", "kind", "detail", "detail_language", "status", "owner", "due_date"]


class ScoreChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    old_score = serializers.IntegerField(read_only=True, allow_null=True)
    new_score = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ScoreChange
        fields = [
            "assessment",
            "changed_at",
            "changed_by",
            "old_impact",
            "old_likelihood",
            "old_score",
            "new_impact",
            "new_likelihood",
            "new_score",
            "reason",
            "source",
        ]


class ProposalSerializer(serializers.Serializer):
    """What the risk's own evidence proposes (register/proposals.py); applied only in a review."""

    likelihood = serializers.IntegerField(allow_null=True)
    score = serializers.IntegerField(allow_null=True)
    target_impact = serializers.IntegerField(allow_null=True)
    target_likelihood = serializers.IntegerField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
    window_days = serializers.IntegerField()


class RiskListSerializer(serializers.ListSerializer):
    """Computes the page's proposals together: a few queries for the page, not a few per risk."""

    def to_representation(self, data):
        items = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        self.child.proposals = extensions.proposals_for(items)
        return super().to_representation(items)


class RiskSerializer(CleanModelSerializer):
    programme = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Programme.objects.all(),
        required=False,
        help_text="The programme's code. Needed on creation when you may add risks to several; fixed after.",
    )
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)
    owner_username = serializers.CharField(source="owner.username", read_only=True, allow_null=True)
    treatment_decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    inherent_score = serializers.IntegerField(read_only=True, allow_null=True)
    target_score = serializers.IntegerField(read_only=True, allow_null=True)
    proposal = serializers.SerializerMethodField()
    score_change_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Why impact or likelihood changed; stored in the score history.",
    )

    class Meta:
        model = Risk
        fields = [
            "programme",
            "code",
            "number",
            "title",
            "category",
            "category_name",
            "description",
            "impact_text",
            "impact",
            "likelihood",
            "score",
            "level",
            "stated_level",
            "inherent_impact",
            "inherent_likelihood",
            "inherent_score",
            "target_impact",
            "target_likelihood",
            "target_score",
            "treatment",
            "treatment_rationale",
            "treatment_counterparty",
            "treatment_decided_by",
            "treatment_decided_at",
            "appetite_status",
            "proposal",
            "status",
            "owner",
            "owner_username",
            "components",
            "next_review_date",
            "live_status",
            "needs_reassessment",
            "created_at",
            "updated_at",
            "score_change_reason",
        ]
        read_only_fields = [
            "code",
            "score",
            "level",
            "stated_level",
            "live_status",
            "appetite_status",
            "treatment_decided_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"number": {"required": False}, "components": {"required": False}}
        list_serializer_class = RiskListSerializer
        # Not DRF's unique-together validator: it would make programme and number required. The
        # model's full_clean checks the constraint once the programme is known (CleanModelSerializer).
        validators = []

    @extend_schema_field(ProposalSerializer(allow_null=True))
    def get_proposal(self, risk: Risk) -> dict | None:
        """The evidence-based proposal (None: the evidence proposes no change)."""
        cached = getattr(self, "proposals", None)
        if cached is None or risk.pk not in cached:
            cached = extensions.proposals_for([risk])
        return cached.get(risk.pk)

    def _save(self, instance: Risk, validated: dict) -> Risk:
        reason = validated.pop("score_change_reason", "")
        components = validated.pop("components", None)
        for name, value in validated.items():
            setattr(instance, name, value)
        request = self.context.get("request")
        instance.save(changed_by=getattr(request, "user", None), change_reason=reason, change_source=ScoreSource.MANUAL)
        if components is not None:
            instance.components.set(components)
        return instance

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "programme" in self.fields:
            # A new risk goes into a programme where the requester may add risks; none other is named.
            self.fields["programme"].queryset = Programme.objects.where(request.user, "register.add_risk")

    def validate_programme(self, programme):
        if self.instance is not None and programme.pk != self.instance.programme_id:
            raise serializers.ValidationError("a risk stays in its programme; move it in the admin")
        return programme

    def create(self, validated_data):
        return self._save(Risk(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class RiskDetailSerializer(RiskSerializer):
    """A risk with its mitigations and score history, its indicators with their live state and its incidents."""

    # Indicators and incidents are other apps' blocks (extensions.add_risk_detail_field).

    # (order, name, field factory): the register's own blocks, between which other apps' fall.
    own_fields = [
        (20, "mitigations", lambda: MitigationSerializer(many=True, read_only=True)),
        (40, "score_history", lambda: ScoreChangeSerializer(source="score_changes", many=True, read_only=True)),
    ]

    class Meta(RiskSerializer.Meta):
        fields = RiskSerializer.Meta.fields

    def get_fields(self):
        fields = super().get_fields()
        blocks = [*self.own_fields, *((c.order, c.name, c.value) for c in extensions.risk_detail_fields)]
        for _order, name, make_field in sorted(blocks, key=lambda block: block[0]):
            fields[name] = make_field()
        return fields

    @staticmethod
    def prefetches() -> list:
        """What the detail's queryset must prefetch for the blocks of every app."""
        own = ["mitigations", Prefetch("score_changes", queryset=ScoreChange.objects.select_related("changed_by"))]
        return [*own, *(lookup for c in extensions.risk_detail_fields for lookup in c.prefetch)]


class HeatmapCellSerializer(serializers.Serializer):
    impact = serializers.IntegerField()
    likelihood = serializers.IntegerField()
    score = serializers.IntegerField()
    level = serializers.CharField()
    colour = serializers.CharField()
    count = serializers.IntegerField()
    appetite = serializers.CharField(allow_blank=True, help_text="within / watch / outside the programme's appetite")


class HeatmapMoveSerializer(serializers.Serializer):
    code = serializers.CharField()
    inherent = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    current = serializers.ListField(child=serializers.IntegerField())
    target = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
