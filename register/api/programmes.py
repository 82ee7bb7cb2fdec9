"""Programmes in the API: addressing a risk across programmes (``PAY:R-1``), the ``programme``
filter every scoped list takes, and the programme tree (``/api/v1/programmes/``)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from register import visibility
from register.models import Membership, Programme, Risk


def risks_named(user, value: str):
    """The risks ``value`` names among those ``user`` sees: ``R-1`` (in any programme they see) or
    ``PAY:R-1`` (in that programme)."""
    programme_code, separator, code = value.rpartition(":")
    risks = visibility.scope(Risk.objects.all(), user)
    if separator:
        return risks.filter(programme__code=programme_code, code=code)
    return risks.filter(code=value)


def risk_named(user, value: str, queryset=None) -> Risk:
    """The one risk ``value`` names, or Http404 — also when it names one in each of several
    programmes (then say which)."""
    found = list((queryset if queryset is not None else risks_named(user, value)).select_related("programme")[:2])
    if len(found) == 1:
        return found[0]
    if found:
        raise Http404(f"{value} names risks in several programmes: address one as PROGRAMME:{value}")
    raise Http404(f"no risk {value}")


@extend_schema_field({"type": "string", "description": "A risk's code (R-1), or PROGRAMME:CODE (PAY:R-1)."})
class RiskCodeField(serializers.RelatedField):
    """A risk by its code, resolved among the risks the requesting user sees."""

    default_error_messages = {
        "does_not_exist": "no risk {value} that you can see",
        "ambiguous": "{value} names risks in several programmes: write PROGRAMME:{value}",
        "incorrect_type": "must be a risk code such as R-1 or PAY:R-1",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Risk.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip():
            self.fail("incorrect_type")
        request = self.context.get("request")
        found = list(risks_named(getattr(request, "user", None), data)[:2])
        if not found:
            self.fail("does_not_exist", value=data)
        if len(found) > 1:
            self.fail("ambiguous", value=data)
        return found[0]

    def to_representation(self, value):
        return value.code


class ProgrammeFilter(django_filters.CharFilter):
    """``?programme=CODE``: the rows of that programme and of every programme under it."""

    def __init__(self, path: str | tuple[str, ...] = "programme", **kwargs):
        self.paths = (path,) if isinstance(path, str) else tuple(path)
        kwargs.setdefault("help_text", "A programme's code: its rows and those of the programmes under it.")
        super().__init__(field_name=self.paths[0], method=self.under, **kwargs)

    def under(self, queryset, name, value):
        roots = list(Programme.objects.filter(code=value).values_list("pk", flat=True))
        subtree = Programme.objects.subtree(roots).values("pk")
        condition = Q()
        for path in self.paths:
            condition |= Q(**{f"{path}__in": subtree})
        return queryset.filter(condition)


class InProgrammes:
    """A viewset of a programme-scoped model: the rows of the programmes the user sees (another
    programme's row is a 404, as a row that does not exist), and ``?programme=CODE`` on its list."""

    def get_queryset(self):
        return visibility.scope(super().get_queryset(), self.request.user)

    @classmethod
    def extra_filters(cls) -> dict:
        model = cls.queryset.model
        return {"programme": ProgrammeFilter(visibility.paths_of(model))}


class NamesProgramme(serializers.Serializer):
    """For the serializer of a programme-scoped model (put before CleanModelSerializer): its
    ``programme`` by code, chosen among those where the requester may add such rows — filled in
    when there is only one — and fixed once the row exists."""

    programme = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Programme.objects.all(),
        required=False,
        help_text="The programme's code. Needed on creation when you may add these to several; fixed after.",
    )

    def _add_permission(self) -> str:
        opts = self.Meta.model._meta
        return f"{opts.app_label}.add_{opts.model_name}"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "programme" in self.fields:
            self.fields["programme"].queryset = Programme.objects.where(request.user, self._add_permission())

    def validate_programme(self, programme):
        if self.instance is not None and programme.pk != self.instance.programme_id:
            raise serializers.ValidationError("it stays in its programme")
        return programme

    def get_validators(self):
        # Not DRF's unique-together validators: they would make the programme required. The model's
        # constraints are checked by full_clean once the programme is known (CleanModelSerializer).
        return [v for v in super().get_validators() if "programme" not in getattr(v, "fields", ())]

    def validate(self, attrs):
        request = self.context.get("request")
        if self.instance is None and "programme" not in attrs and request is not None:
            where = list(Programme.objects.where(request.user, self._add_permission())[:2])
            if len(where) == 1:
                attrs["programme"] = where[0]
        return super().validate(attrs)


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    group = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["user", "group", "role"]


class ProgrammeSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    lead = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = Programme
        fields = ["code", "name", "description", "parent", "status", "lead", "memberships"]

    @extend_schema_field(MembershipSerializer(many=True, allow_null=True))
    def get_memberships(self, programme: Programme):
        """Who holds which role: shown to the programme's administrators, null to everyone else."""
        request = self.context.get("request")
        if request is None or not request.user.has_perm("register.change_membership", programme):
            return None
        return MembershipSerializer(programme.memberships.select_related("user", "group"), many=True).data


class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    """The programmes you can see (where you hold a role, and every programme under those), by code."""

    queryset = Programme.objects.none()  # the model, for the schema; get_queryset gives the rows
    serializer_class = ProgrammeSerializer
    lookup_field = "code"
    filterset_fields = ["status"]
    search_fields = ["code", "name"]
    ordering = ["code"]

    def get_queryset(self):
        return visibility.scope(Programme.objects.select_related("parent", "lead"), self.request.user)
