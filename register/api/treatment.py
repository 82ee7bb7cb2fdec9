"""The API of risk treatment: acceptances (with their approve / reject / revoke moves) and appetite.

Every rule is the register's own (``register.acceptances``, ``Appetite.clean``); these views only
translate: a refused move is a 409 naming the state, a missing permission a 403, bad input a 400
naming the field.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.fields import get_error_detail
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.filters import StrictFilterSet
from core.api.serializers import CleanModelSerializer
from register import acceptances, appetite, visibility
from register.api.programmes import InProgrammes, NamesProgramme, RiskCodeField
from register.models import Appetite, RiskAcceptance


class AcceptanceSerializer(serializers.ModelSerializer):
    risk = RiskCodeField()
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    extends = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    accepted_score = serializers.IntegerField(read_only=True, allow_null=True)
    days_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = RiskAcceptance
        fields = [
            "id",
            "risk",
            "state",
            "justification",
            "conditions",
            "starts_on",
            "expires_on",
            "days_left",
            "extends",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "accepted_score",
            "snapshot",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = [
            "state",
            "requested_at",
            "decided_at",
            "decision_note",
            "snapshot",
            "ended_at",
            "end_reason",
        ]


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


def _translate(call):
    """Run a domain action: its PermissionDenied is a 403, a refused move or bad value a 400/409."""
    try:
        return call()
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except DjangoValidationError as exc:
        raise serializers.ValidationError(get_error_detail(exc)) from exc


class AcceptanceFilter(StrictFilterSet):
    class Meta:
        model = RiskAcceptance
        fields = {"state": ["exact", "in"], "risk__code": ["exact"], "expires_on": ["lte", "gte"]}


class ViewThenDomain(IsAuthenticated):
    """Reading needs the view permission; a move is the domain's to allow (it raises 403 itself)."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.has_perm("register.view_riskacceptance")


class AcceptanceViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Risk acceptances: ``POST`` requests one (by whoever may change the risk); ``approve``,
    ``reject`` (a different user with the approve permission) and ``revoke`` move it."""

    queryset = RiskAcceptance.objects.none()  # the model, for the schema; get_queryset gives the rows
    serializer_class = AcceptanceSerializer
    filterset_class = AcceptanceFilter
    ordering_fields = ["requested_at", "expires_on"]
    ordering = ["-requested_at"]

    def get_queryset(self):
        queryset = RiskAcceptance.objects.select_related("risk", "requested_by", "decided_by")
        return visibility.scope(queryset, self.request.user)

    def get_permissions(self):
        if self.action in ("approve", "reject", "revoke"):
            return [ViewThenDomain()]
        return super().get_permissions()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = _translate(lambda: acceptances.request_from(data, self.request.user))

    def _move(self, request, name, move):
        acceptance = self.get_object()
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        if (acceptance.state, name) not in acceptances.TRANSITIONS:
            allowed = sorted(a for (state, a) in acceptances.TRANSITIONS if state == acceptance.state)
            return Response(
                {
                    "detail": f"an acceptance that is {acceptance.state} cannot be moved by {name}",
                    "state": acceptance.state,
                    "allowed": [a for a in allowed if a in ("approve", "reject", "revoke")],
                },
                status=status.HTTP_409_CONFLICT,
            )
        with transaction.atomic():
            acceptance = _translate(lambda: move(acceptance, request.user, decision.validated_data["note"]))
        acceptance.refresh_from_db()
        return Response(self.get_serializer(acceptance).data)

    _responses = {
        200: AcceptanceSerializer,
        409: OpenApiResponse(description="the acceptance's state does not allow this move"),
    }

    @extend_schema(request=DecisionSerializer, responses=_responses)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._move(request, "approve", acceptances.approve)

    @extend_schema(request=DecisionSerializer, responses=_responses)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._move(request, "reject", acceptances.reject)

    @extend_schema(request=DecisionSerializer, responses=_responses)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return self._move(request, "revoke", acceptances.revoke)


class AppetiteSerializer(NamesProgramme, CleanModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)
    set_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = Appetite
        fields = [
            "id",
            "programme",
            "category",
            "category_name",
            "appetite",
            "tolerance",
            "basis",
            "reason",
            "set_by",
            "set_at",
            "in_force",
        ]
        read_only_fields = ["set_at"]

    def get_in_force(self, version: Appetite) -> bool:
        # The same rule the register judges by (Appetite.objects.in_force), once per response.
        if "in_force" not in self.context:
            self.context["in_force"] = {v.pk for v in Appetite.objects.in_force().values()}
        return version.pk in self.context["in_force"]


class AppetiteFilter(StrictFilterSet):
    class Meta:
        model = Appetite
        fields = ["category"]


class AppetiteViewSet(InProgrammes, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Risk appetite per category (no category: the programme's default), every version kept.

    A change is a ``POST`` of a new version (the latest per category is ``in_force``); it re-judges
    every risk it covers at once."""

    queryset = Appetite.objects.select_related("programme", "category", "set_by").order_by(
        "category__order", "category_id", "-pk"
    )
    serializer_class = AppetiteSerializer
    filterset_class = AppetiteFilter
    search_fields = ["reason", "category__name"]

    def perform_create(self, serializer):
        with transaction.atomic():
            appetite.adopt(serializer.save(set_by=self.request.user))
