"""Admin pages of risk treatment: acceptances (requested here, moved by actions) and appetite versions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import extensions
from register import acceptances, appetite, visibility
from register.admin_programmes import ProgrammeScoped
from register.choices import LiveStatus
from register.models import Appetite, Risk, RiskAcceptance


class AcceptanceRequestForm(forms.ModelForm):
    class Meta:
        model = RiskAcceptance
        fields = list(acceptances.REQUEST_FIELDS)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "risk" in self.fields:
            self.fields["risk"].queryset = Risk.objects.editable_by(user)

    def clean(self):
        cleaned = super().clean()
        risk = cleaned.get("risk")
        if risk is not None and risk.acceptances.filter(state="requested").exists():
            raise ValidationError(_("This risk already has an acceptance waiting for approval."))
        return cleaned


@admin.register(RiskAcceptance)
class RiskAcceptanceAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = [
        "risk",
        "state_display",
        "starts_on",
        "expires_on",
        "days_left_display",
        "requested_by",
        "decided_by",
    ]
    list_filter = ["state", "expires_on"]
    list_select_related = ["risk", "requested_by", "decided_by"]
    search_fields = ["risk__code", "risk__title", "justification"]
    autocomplete_fields = ["risk"]
    date_hierarchy = "expires_on"
    actions = ["approve_selected", "reject_selected", "revoke_selected"]
    readonly_fields = [
        "state",
        "extends",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_note",
        "accepted_score",
        "snapshot_display",
        "ended_at",
        "end_reason",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return WithUser

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(acceptances.REQUEST_FIELDS)
        return [*acceptances.REQUEST_FIELDS, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # A request is decided as it was made: edits go through a new request (an extension).
        return [*acceptances.REQUEST_FIELDS, *self.readonly_fields]

    form = AcceptanceRequestForm

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        saved = acceptances.request_from(form.cleaned_data, request.user)
        obj.pk = saved.pk
        obj.__dict__.update(saved.__dict__)

    @admin.display(description=_("state"), ordering="state")
    def state_display(self, obj):
        return obj.get_state_display()

    @admin.display(description=_("days left"))
    def days_left_display(self, obj):
        if obj.state not in ("approved", "active"):
            return "—"
        return obj.days_left

    @admin.display(description=_("snapshot at approval"))
    def snapshot_display(self, obj):
        snap = obj.snapshot or {}
        if not snap:
            return "—"
        scores = snap.get("scores", {})
        indicators = snap.get("indicators", [])
        rows = format_html(
            "{} {} · {} {} · {} {}",
            _("inherent"),
            (scores.get("inherent") or {}).get("score") or "—",
            _("current"),
            (scores.get("current") or {}).get("score") or "—",
            pgettext_lazy("assessment", "target"),
            (scores.get("target") or {}).get("score") or "—",
        )
        for indicator in indicators:
            value = indicator.get("value")
            shown = "—" if value is None else f"{value:g} {indicator.get('unit', '')}".strip()
            state = indicator.get("state") or ""
            label = LiveStatus(state).label if state in LiveStatus.values else state
            rows += format_html("<br>{}: {} ({})", indicator.get("name"), label or "—", shown)
        return rows

    def _move(self, request, queryset, move, done_message):
        moved = 0
        for acceptance in queryset.select_related("risk"):
            try:
                with transaction.atomic():
                    move(acceptance, request.user)
            except (PermissionDenied, ValidationError) as exc:
                text = "; ".join(getattr(exc, "messages", None) or [str(exc)])
                self.message_user(request, f"{acceptance}: {text}", messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(request, done_message % {"n": moved}, messages.SUCCESS)

    @admin.action(description=_("Approve selected acceptances"))
    def approve_selected(self, request, queryset):
        self._move(request, queryset, acceptances.approve, _("%(n)s acceptance(s) approved."))

    @admin.action(description=_("Reject selected acceptances"))
    def reject_selected(self, request, queryset):
        self._move(request, queryset, acceptances.reject, _("%(n)s acceptance(s) rejected."))

    @admin.action(description=_("Revoke selected acceptances"))
    def revoke_selected(self, request, queryset):
        self._move(request, queryset, acceptances.revoke, _("%(n)s acceptance(s) revoked."))


@admin.register(Appetite)
class AppetiteAdmin(ProgrammeScoped, admin.ModelAdmin):
    """Appetite versions: add a new one to change it; the old ones stay as its history."""

    list_display = ["scope", "appetite", "tolerance", "basis", "in_force", "set_by", "set_at", "reason"]
    list_filter = ["category", "basis"]
    list_select_related = ["category", "set_by"]
    search_fields = ["reason", "category__name"]
    fields = ["programme", "category", "appetite", "tolerance", "basis", "reason"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.fields, "set_by", "set_at"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        self._in_force = {v.pk for v in Appetite.objects.in_force().values()}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("scope"), ordering="category__name")
    def scope(self, obj):
        return obj.category.name if obj.category_id else _("Programme (default)")

    @admin.display(description=_("in force"), boolean=True)
    def in_force(self, obj):
        return obj.pk in getattr(self, "_in_force", set())

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)
        moved = appetite.adopt(obj)
        if moved:
            listed = ", ".join(f"{n} {status or '—'}" for status, n in moved.items())
            self.message_user(request, _("Risks re-judged: %(moved)s.") % {"moved": listed})


def treatment_panel(request):
    """Outside appetite, acceptances waiting for a decision and those expiring soon, on the admin index."""
    if not request.user.has_perm("register.view_risk"):
        return None
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.urls import reverse
    from django.utils import timezone

    from register.choices import AcceptanceState, AppetiteStatus, RiskStatus

    soon = timezone.localdate() + timedelta(days=30)
    risks = visibility.scope(Risk.objects.all(), request.user)
    outside = risks.exclude(status=RiskStatus.CLOSED).filter(appetite_status=AppetiteStatus.OUTSIDE).count()
    counts = visibility.scope(RiskAcceptance.objects.all(), request.user).aggregate(
        waiting=Count("pk", filter=Q(state=AcceptanceState.REQUESTED)),
        expiring=Count("pk", filter=Q(state=AcceptanceState.ACTIVE, expires_on__lte=soon)),
    )
    if not (outside or counts["waiting"] or counts["expiring"]):
        return None
    risks = reverse("admin:register_risk_changelist")
    acceptances = reverse("admin:register_riskacceptance_changelist")
    # One row per figure: three short columns wrapped a letter per line in the index's narrow column.
    return {
        "title": _("Treatment"),
        "columns": ["", _("risks / acceptances")],
        "rows": [
            (
                _("outside appetite"),
                format_html('<a href="{}?appetite_status__exact=outside">{}</a>', risks, outside),
            ),
            (
                _("acceptances waiting for approval"),
                format_html('<a href="{}?state__exact=requested">{}</a>', acceptances, counts["waiting"]),
            ),
            (
                _("acceptances expiring in 30 days"),
                format_html(
                    '<a href="{}?state__exact=active&expires_on__lte={}">{}</a>',
                    acceptances,
                    soon.isoformat(),
                    counts["expiring"],
                ),
            ),
        ],
    }


extensions.add_index_panel("register.treatment", treatment_panel, order=5)
