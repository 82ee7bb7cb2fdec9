from __future__ import annotations

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import get_error_detail

from register import extensions
from register.choices import ScoreSource
from register.models import Category, Component, Mitigation, Risk, ScoreChange

# The largest key any of our tables can hold: a bigger one is "no such object", not a database overflow.
MAX_KEY = 2**63 - 1


class BoundedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by its key, the key's type and range checked before the database sees it."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str) and not data.strip().lstrip("-").isdigit():
            self.fail("incorrect_type", data_type="str")
        if not 0 < int(data) <= MAX_KEY:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(int(data))


class CleanModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that runs the model's ``full_clean()``, so the API obeys the admin's rules.

    DRF validates fields but never calls ``Model.clean()``; without this an invariant that lives in
    ``clean()`` would hold in the admin and silently not in the API.
    """

    serializer_related_field = BoundedPrimaryKeyRelatedField

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        # A field the API never writes (editable=False) comes back blank when the model allows it.
        if kwargs.get("read_only") and model_field.blank and isinstance(model_field, models.CharField):
            kwargs["allow_blank"] = True
        return field_class, kwargs

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        # DRF drops allow_blank from read-only fields, so the schema would claim that a blank
        # choice ("" for a level nobody stated) never comes back; keep what the model allows.
        blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank and kwargs.get("read_only"):
            kwargs["allow_blank"] = True
        return kwargs

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in concrete:
                setattr(instance, name, value)
        try:
            instance.full_clean(validate_unique=False)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(get_error_detail(exc)) from exc
        return attrs


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "order"]


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
