"""``POST /api/v1/plans/import/`` (multipart: a plan file, ``dry_run``) and the record of imports at
``/api/v1/plan-imports/`` with ``POST …/{id}/apply/`` — the admin page's preview and apply, for scripts."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.strict import FormBooleanField
from plans import actions
from plans.document import PlanError
from plans.models import PlanImport
from register import visibility
from register.models import Programme

User = get_user_model()


class PlanImportSerializer(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    applied_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    report = inline_serializer(
        "PlanImportReport",
        {
            "dry_run": serializers.BooleanField(),
            "changed": serializers.BooleanField(),
            "counts": serializers.DictField(child=serializers.DictField(child=serializers.IntegerField())),
            "changes": serializers.ListField(child=serializers.DictField()),
            "more_changes": serializers.IntegerField(help_text="changes made beyond those listed"),
            "warnings": serializers.ListField(child=serializers.CharField()),
        },
        read_only=True,
    )

    class Meta:
        model = PlanImport
        fields = [
            "id",
            "programme",
            "file_name",
            "file_format",
            "size",
            "checksum",
            "state",
            "register_version",
            "report",
            "created_by",
            "created_at",
            "applied_by",
            "applied_at",
        ]
        read_only_fields = fields


class PlanUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A plan: .md (ja or en), .xlsx, .csv or a .zip of CSV files.")
    programme = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Programme.objects.all(),
        required=False,
        help_text="The code of the programme to import into; needed when you may import into several.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only where the requester may import: another programme is "does not exist", as one that does not.
            self.fields["programme"].queryset = Programme.objects.where(request.user, "plans.add_planimport")

    dry_run = FormBooleanField(default=True, help_text="true (default): report what would change and write nothing.")
    register_version = serializers.CharField(
        required=False,
        max_length=64,
        help_text="With dry_run=false: the register_version a dry run returned; a different register is a 409.",
    )


class ApplySerializer(serializers.Serializer):
    register_version = serializers.CharField(required=False, max_length=64)


_Problem = inline_serializer(
    "PlanProblem",
    {
        "where": serializers.CharField(allow_null=True, help_text="line N, or sheet, row and column"),
        "message": serializers.CharField(),
        "text": serializers.CharField(),
    },
)
_Refused = inline_serializer(
    "PlanRefused", {"detail": serializers.CharField(), "errors": serializers.ListField(child=_Problem)}
)
_Detail = inline_serializer("PlanImportDetail", {"detail": serializers.CharField()})


def _refused(detail: str, errors: list[dict], code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"detail": detail, "errors": errors}, status=code)


def _apply(request, record_id: int, version: str | None) -> Response:
    try:
        record = actions.apply(request.user, record_id, version)
    except actions.StalePreview as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    except PlanError as exc:
        return _refused("the plan was not imported; nothing changed", actions.problems_of(exc))
    return Response(PlanImportSerializer(record).data)


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(f"you need the {permission} permission")


class PlanImportUploadView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    serializer_class = PlanUploadSerializer

    @extend_schema(
        operation_id="plans_import",
        request={"multipart/form-data": PlanUploadSerializer},
        responses={
            200: PlanImportSerializer,
            400: OpenApiResponse(_Refused, description="the file is not a plan we import; nothing changed"),
            401: OpenApiResponse(_Detail, description="not logged in"),
            403: OpenApiResponse(_Detail, description="no permission to preview, or to apply"),
            409: OpenApiResponse(_Detail, description="the register changed since the dry run"),
            413: OpenApiResponse(_Detail, description="the file is too large"),
        },
    )
    def post(self, request):
        _require(request, "plans.add_planimport")
        serializer = PlanUploadSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            errors = [
                {"where": field, "message": " ".join(map(str, msgs)), "text": f"{field}: {' '.join(map(str, msgs))}"}
                for field, msgs in serializer.errors.items()
            ]
            return _refused("invalid request", errors)
        upload = serializer.validated_data["file"]
        dry_run = serializer.validated_data["dry_run"]
        if not dry_run:
            _require(request, "plans.apply_planimport")
        if upload.size > actions.MAX_PLAN_BYTES:
            return Response(
                {"detail": f"the file is larger than {actions.MAX_PLAN_BYTES // 2**20} MB"},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        programme = serializer.validated_data.get("programme")
        if programme is None:
            only = list(Programme.objects.where(request.user, "plans.add_planimport")[:2])
            programme = only[0] if len(only) == 1 else None
        record, errors = actions.preview(request.user, upload.name or "plan", upload.read(), programme)
        if record is None:
            return _refused("the plan was not imported; nothing changed", errors)
        if not dry_run:
            return _apply(request, record.pk, serializer.validated_data.get("register_version"))
        return Response(PlanImportSerializer(record).data)


class PlanImportViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = PlanImport.objects.none()  # the model, for the schema; get_queryset gives the rows
    serializer_class = PlanImportSerializer
    filterset_fields = ["state", "file_format"]
    search_fields = ["file_name", "checksum"]
    ordering_fields = ["created_at", "applied_at"]

    def get_queryset(self):
        queryset = PlanImport.objects.select_related("created_by", "applied_by").defer("content")
        return visibility.scope(queryset, self.request.user)

    @extend_schema(
        request=ApplySerializer,
        responses={
            200: PlanImportSerializer,
            400: OpenApiResponse(_Refused, description="the file no longer imports; nothing changed"),
            403: OpenApiResponse(_Detail, description="no permission to apply"),
            404: OpenApiResponse(_Detail, description="no such import"),
            409: OpenApiResponse(_Detail, description="applied already, or the register changed since the preview"),
        },
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        _require(request, "plans.apply_planimport")
        record = self.get_object()
        serializer = ApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _apply(request, record.pk, serializer.validated_data.get("register_version"))
