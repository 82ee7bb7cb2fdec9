"""Reviews over the API: list and detail, edits to the rows a review opened with, process
improvements, refresh, complete and the report. Every edit goes through the model's ``full_clean``
(a completed review is locked there, not here)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import CleanModelSerializer
from register import visibility
from register.api.programmes import InProgrammes
from reviews import actions as reviews
from reviews import reports
from reviews.models import MitigationEvaluation, Reassessment, Review, ReviewAction, ReviewItem


class ReviewItemSerializer(CleanModelSerializer):
    class Meta:
        model = ReviewItem
        fields = ["id", "order", "section", "text", "evidence_kind", "evidence", "done", "note"]
        read_only_fields = ["order", "section", "text", "evidence_kind", "evidence"]


class ReassessmentSerializer(CleanModelSerializer):
    risk = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Reassessment
        fields = [
            "id",
            "risk",
            "flagged",
            "flag_reason",
            "evidence",
            "current_impact",
            "current_likelihood",
            "proposed_impact",
            "proposed_likelihood",
            "proposed_target_impact",
            "proposed_target_likelihood",
            "rationale",
        ]
        read_only_fields = ["flagged", "flag_reason", "evidence", "current_impact", "current_likelihood"]


class MitigationEvaluationSerializer(CleanModelSerializer):
    mitigation = serializers.StringRelatedField()
    risk = serializers.CharField(source="mitigation.risk.code", read_only=True)

    class Meta:
        model = MitigationEvaluation
        fields = ["id", "risk", "mitigation", "evidence", "rating", "note"]
        read_only_fields = ["evidence"]


class ReviewActionSerializer(CleanModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=ReviewAction._meta.get_field("owner").related_model.objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = ReviewAction
        fields = ["id", "text", "owner", "due_date", "done"]


class ReviewSerializer(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "programme",
            "kind",
            "period",
            "period_start",
            "period_end",
            "status",
            "due_date",
            "overdue",
            "opened_at",
            "completed_at",
            "summary",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


class ReviewDetailSerializer(ReviewSerializer):
    items = ReviewItemSerializer(many=True, read_only=True)
    reassessments = ReassessmentSerializer(many=True, read_only=True)
    mitigation_evaluations = MitigationEvaluationSerializer(many=True, read_only=True)
    actions = ReviewActionSerializer(many=True, read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "items", "reassessments", "mitigation_evaluations", "actions"]
        read_only_fields = fields


_ROWS = {
    "items": (ReviewItem, ReviewItemSerializer),
    "reassessments": (Reassessment, ReassessmentSerializer),
    "mitigations": (MitigationEvaluation, MitigationEvaluationSerializer),
    "actions": (ReviewAction, ReviewActionSerializer),
}


class ReviewViewSet(InProgrammes, viewsets.ReadOnlyModelViewSet):
    """Weekly and monthly reviews. Reviews are opened by beat or ``manage.py open_review``."""

    filterset_fields = ["kind", "status", "period"]
    ordering = ["-period_start", "kind"]
    ordering_fields = ["period_start", "due_date"]

    queryset = Review.objects.none()  # the model, for the schema and the programme filter

    def get_queryset(self):
        queryset = visibility.scope(Review.objects.select_related("programme"), self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "items",
                "reassessments__risk",
                "mitigation_evaluations__mitigation__risk",
                "actions__owner",
            )
        return queryset

    def get_serializer_class(self):
        return ReviewDetailSerializer if self.action == "retrieve" else ReviewSerializer

    def _require(self, request, permission: str) -> None:
        if not request.user.has_perm(permission):
            self.permission_denied(request)

    def _update_row(self, request, pk, row_pk, kind: str):
        model, serializer_class = _ROWS[kind]
        self._require(request, f"reviews.change_{model._meta.model_name}")
        review = self.get_object()
        row = get_object_or_404(model, pk=row_pk, review=review)
        serializer = serializer_class(row, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)

    @extend_schema(request=ReviewItemSerializer, responses=ReviewItemSerializer)
    @action(detail=True, methods=["patch"], url_path=r"items/(?P<row_pk>\d+)")
    def item(self, request, pk=None, row_pk=None):
        """Tick a checklist item and write its note."""
        return self._update_row(request, pk, row_pk, "items")

    @extend_schema(request=ReassessmentSerializer, responses=ReassessmentSerializer)
    @action(detail=True, methods=["patch"], url_path=r"reassessments/(?P<row_pk>\d+)")
    def reassessment(self, request, pk=None, row_pk=None):
        """Propose impact/likelihood for a risk; a change needs a rationale."""
        return self._update_row(request, pk, row_pk, "reassessments")

    @extend_schema(request=MitigationEvaluationSerializer, responses=MitigationEvaluationSerializer)
    @action(detail=True, methods=["patch"], url_path=r"mitigations/(?P<row_pk>\d+)")
    def mitigation(self, request, pk=None, row_pk=None):
        """Rate a mitigation's effectiveness."""
        return self._update_row(request, pk, row_pk, "mitigations")

    @extend_schema(request=ReviewActionSerializer, responses={201: ReviewActionSerializer})
    @action(detail=True, methods=["post"], url_path="actions")
    def add_action(self, request, pk=None):
        """Record a process improvement (monthly step 4)."""
        self._require(request, "reviews.add_reviewaction")
        # An unsaved row of this review: the serializer's full_clean then sees the review (and its lock).
        serializer = ReviewActionSerializer(ReviewAction(review=self.get_object()), data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ReviewDetailSerializer)
    @action(detail=True, methods=["post"])
    def refresh(self, request, pk=None):
        """Recompute the evidence from the readings, alerts and incidents stored now."""
        self._require(request, "reviews.change_review")
        review = self.get_object()
        try:
            reviews.refresh_evidence(review)
        except DjangoValidationError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(ReviewDetailSerializer(self.get_queryset().get(pk=review.pk)).data)

    @extend_schema(request=None, responses=ReviewDetailSerializer)
    @action(detail=True, methods=["post"], url_path="apply-proposals")
    def apply_proposals(self, request, pk=None):
        """Fill the rows not scored yet with what the evidence proposes (applied to risks only on complete)."""
        self._require(request, "reviews.change_review")
        review = self.get_object()
        try:
            reviews.apply_proposals(review)
        except DjangoValidationError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(ReviewDetailSerializer(self.get_queryset().get(pk=review.pk)).data)

    @extend_schema(
        request=None,
        responses={200: ReviewSerializer, 400: OpenApiResponse(description="a re-assessment row is invalid")},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Apply the re-assessments to the risks, set next review dates and lock the review."""
        self._require(request, "reviews.complete_review")
        review = self.get_object()
        try:
            review = reviews.complete(review, request.user)
        except DjangoValidationError as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ReviewSerializer(review).data)

    @extend_schema(responses={(200, "application/pdf"): bytes, (200, "text/html"): str})
    @action(detail=True, methods=["get"], url_path=r"report/(?P<fmt>html|pdf)")
    def report(self, request, pk=None, fmt=None):
        """The report: stored with a completed review, rendered now for an open one."""
        return reports.report_response(self.get_object(), fmt)
