from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import display, extensions
from core.admin_mixins import ObjectToolsMixin, level_badge
from incidents import workflow
from incidents.choices import EventKind, Status
from incidents.models import (
    FINAL_STATES,
    ActionItem,
    EscalationPolicy,
    EscalationStep,
    ExternalAlert,
    Incident,
    IntegrationToken,
    LabelMapping,
    Postmortem,
    TimelineEvent,
)
from register import visibility
from register.admin_programmes import ProgrammeScoped

SEVERITY_COLOURS = {"high": "#c9302c", "medium": "#e69a00", "low": "#3c8d40"}


def severity_badge(incident):
    # The choice's label carries its rule ("High — escalate at once"): the badge says the word.
    label = str(incident.get_severity_display()).split(" — ")[0].split(" ")[0]
    return level_badge(
        incident.severity, label, SEVERITY_COLOURS[incident.severity], title=incident.get_severity_display()
    )


class TimelineInline(admin.TabularInline):
    model = TimelineEvent
    fields = ["at", "kind", "actor", "message"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("timeline")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 1
    fields = ["title", "owner", "due_date", "mitigation"]
    readonly_fields = ["mitigation"]
    autocomplete_fields = ["owner"]


class PostmortemInline(admin.StackedInline):
    model = Postmortem
    extra = 0
    max_num = 1
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


class IncidentForm(forms.ModelForm):
    add_note = forms.CharField(
        label=_("Add a note to the timeline"), required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 80})
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "description",
            "severity",
            "impact_started_at",
            "commander",
            "assignee",
            "responders",
            "risks",
            "root_cause",
            "contributing_factors",
            "fix_reference",
            "test_reference",
            "deploy_reference",
            "backlog_reference",
            "duplicate_of",
        ]


@admin.register(Incident)
class IncidentAdmin(ProgrammeScoped, ObjectToolsMixin, admin.ModelAdmin):
    form = IncidentForm
    change_form_template = "admin/incidents/incident/change_form.html"
    list_display = ["__str__", "severity_badge", "status", "age", "risk_codes", "source", "detected_at"]
    list_filter = ["severity", "status", "source"]
    search_fields = ["title", "description", "root_cause"]
    autocomplete_fields = ["commander", "assignee", "responders", "risks", "duplicate_of"]
    readonly_fields = [
        "status",
        "source",
        "dedup_key",
        "detected_at",
        "acknowledged_at",
        "escalated_at",
        "resolved_at",
        "closed_at",
    ]
    fieldsets = [
        (None, {"fields": ["programme", "title", "description", "severity", "status", "source", "dedup_key"]}),
        (_("People and links"), {"fields": ["commander", "assignee", "responders", "risks", "duplicate_of"]}),
        (
            _("Analysis and fix"),
            {
                "fields": [
                    "root_cause",
                    "contributing_factors",
                    "fix_reference",
                    "test_reference",
                    "deploy_reference",
                    "backlog_reference",
                ]
            },
        ),
        (
            _("Times"),
            {
                "fields": [
                    "detected_at",
                    "impact_started_at",
                    "acknowledged_at",
                    "escalated_at",
                    "resolved_at",
                    "closed_at",
                ]
            },
        ),
        (_("Timeline"), {"fields": ["add_note"]}),
    ]
    inlines = [PostmortemInline, TimelineInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("risks")

    @admin.display(description=_("severity"), ordering="severity")
    def severity_badge(self, obj):
        return severity_badge(obj) if obj.severity else "—"

    @admin.display(description=_("age"))
    def age(self, obj):
        end = obj.closed_at or timezone.now()
        minutes = int((end - obj.detected_at).total_seconds() // 60)
        return f"{minutes // 1440}d {minutes % 1440 // 60}h" if minutes >= 1440 else f"{minutes // 60}h {minutes % 60}m"

    @admin.display(description=_("risks"))
    def risk_codes(self, obj):
        return ", ".join(r.code for r in obj.risks.all()) or "—"

    def save_model(self, request, obj, form, change):
        # Risks are saved after the model (save_related): compare once everything is stored.
        form.incident_before = workflow.snapshot(obj)
        super().save_model(request, obj, form, change)
        if not change:
            workflow.record(obj, EventKind.CREATED, "opened in the admin", request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        incident = form.instance
        workflow.record_edit(incident, getattr(form, "incident_before", {}), request.user)
        note = form.cleaned_data.get("add_note", "").strip()
        if note:
            workflow.record(incident, EventKind.NOTE, note, request.user)

    def get_urls(self):
        return [
            path(
                "<int:pk>/transition/<str:to>/",
                self.admin_site.admin_view(self.transition_view),
                name="incidents_incident_transition",
            ),
            path(
                "<int:pk>/postmortem/",
                self.admin_site.admin_view(self.postmortem_view),
                name="incidents_incident_postmortem",
            ),
            path(
                "<int:pk>/acknowledge/",
                self.admin_site.admin_view(self.acknowledge_view),
                name="incidents_incident_acknowledge",
            ),
            *super().get_urls(),
        ]

    def postmortem_view(self, request, pk: int):
        """The postmortem as a page (Markdown rendered), or the Markdown itself with ?format=md."""
        from django.http import HttpResponse
        from django.template.response import TemplateResponse
        from django.utils.safestring import mark_safe
        from markdown_it import MarkdownIt

        from incidents.postmortem import markdown

        incident = get_object_or_404(Incident, pk=pk)
        if not self.has_view_permission(request, incident):
            raise PermissionDenied
        text = markdown(incident)
        if request.GET.get("format") == "md":
            response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="postmortem-INC-{incident.pk}.md"'
            return response
        # html=False: whatever people typed is escaped, never rendered as markup.
        html = MarkdownIt("commonmark", {"html": False}).render(text)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Postmortem"),
            "incident": incident,
            "body": mark_safe(html),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/incidents/incident/postmortem.html", context)

    def acknowledge_view(self, request, pk: int):
        incident = get_object_or_404(Incident, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, incident):
            raise PermissionDenied
        if workflow.acknowledge(incident, request.user):
            self.message_user(request, _("Acknowledged; the escalation stops."), messages.SUCCESS)
        return redirect(reverse("admin:incidents_incident_change", args=[pk]))

    def transition_view(self, request, pk: int, to: str):
        incident = get_object_or_404(Incident, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, incident):
            raise PermissionDenied
        try:
            workflow.transition(incident, to, request.user, request.POST.get("note", ""))
        except workflow.TransitionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, _("Moved to %(state)s.") % {"state": Status(to).label}, messages.SUCCESS)
        return redirect(reverse("admin:incidents_incident_change", args=[pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            context["transitions"] = [(state, Status(state).label) for state in workflow.allowed(obj)]
            context["can_acknowledge"] = obj.is_open and obj.acknowledged_at is None
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["name", "active", "created_at", "last_used_at"]
    fields = ["name", "programme", "active"]

    def save_model(self, request, obj, form, change):
        raw = obj.issue() if not change else None
        super().save_model(request, obj, form, change)
        if raw:
            self.message_user(
                request,
                _("Token for %(name)s (shown only now): %(token)s") % {"name": obj.name, "token": raw},
                messages.WARNING,
            )


@admin.register(LabelMapping)
class LabelMappingAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["label", "value", "risk"]
    autocomplete_fields = ["risk"]


@admin.register(ExternalAlert)
class ExternalAlertAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["__str__", "fingerprint", "status", "starts_at", "ends_at", "deliveries", "incident"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ExternalAlert._meta.fields]

    def has_add_permission(self, request):
        return False


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 1
    fields = ["order", "delay_minutes", "channel", "page_commander"]


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "responder_group", "repeat", "round_minutes"]
    inlines = [EscalationStepInline]


def incident_panel(request):
    if not request.user.has_perm("incidents.view_incident"):
        return None
    from incidents.choices import Severity
    from incidents.stats import mtta_mttr

    figures = mtta_mttr(visibility.scope(Incident.objects.all(), request.user))
    rows = [(Severity(s).label, f["incidents"], f["mtta_minutes"], f["mttr_minutes"]) for s, f in figures.items()]
    return {
        "title": _("Incidents: mean minutes to acknowledge (MTTA) and to resolve (MTTR)"),
        "columns": [_("severity"), _("incidents"), "MTTA", "MTTR"],
        "rows": rows,
    }


extensions.add_index_panel("incidents.mtta_mttr", incident_panel, order=20)


def incident_rows(incidents) -> list[dict]:
    return [
        {
            "pk": i.pk,
            "url": reverse("admin:incidents_incident_change", args=[i.pk]),
            "title": i.title,
            "severity": severity_badge(i) if i.severity else "—",
            "status": i.get_status_display(),
            "open": i.status not in FINAL_STATES,
            "detected": display.when(i.detected_at),
        }
        for i in incidents
    ]


def risk_incidents_block(request, risk):
    """The risk page's incidents, open ones first, newest first."""
    if not request.user.has_perm("incidents.view_incident"):
        return None
    incidents = sorted(
        risk.incidents.order_by("-detected_at")[:20],
        key=lambda i: (i.status in FINAL_STATES, -i.detected_at.timestamp()),
    )
    return render_to_string("incidents/_risk_incidents.html", {"rows": incident_rows(incidents)}, request=request)


def open_incidents_panel(request):
    if not request.user.has_perm("incidents.view_incident"):
        return None
    incidents = visibility.scope(
        Incident.objects.exclude(status__in=FINAL_STATES).exclude(status=Status.RESOLVED), request.user
    )
    rows = [
        (
            format_html('<a href="{}">INC-{}</a> {}', r["url"], r["pk"], r["title"]),
            r["severity"],
            r["status"],
            r["detected"],
        )
        for r in incident_rows(incidents.order_by("-detected_at")[:8])
    ]
    return {
        "title": _("Open incidents"),
        "columns": [_("incident"), _("severity"), _("status"), _("detected")],
        "rows": rows,
        "empty": _("No incident is open."),
    }


extensions.add_risk_summary_block("incidents.incidents", risk_incidents_block, order=20)
extensions.add_index_panel("incidents.open", open_incidents_panel, order=14)


@admin.register(Postmortem)
class PostmortemAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["incident", "completed_at"]
    inlines = [ActionItemInline]


@admin.register(ActionItem)
class ActionItemAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["title", "postmortem", "owner", "due_date", "mitigation"]
    list_select_related = ["postmortem__incident", "owner", "mitigation"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["mitigation"]
    actions = ["make_mitigations"]

    @admin.action(description=_("Make mitigations on the incidents' risks"), permissions=["change"])
    def make_mitigations(self, request, queryset):
        from incidents.postmortem import to_mitigation

        made = [m for m in (to_mitigation(item) for item in queryset) if m is not None]
        self.message_user(request, _("%(n)d mitigation(s) linked.") % {"n": len(made)}, messages.SUCCESS)


extensions.add_operations_models("incidents.integrationtoken", "incidents.externalalert", "incidents.labelmapping")


def open_incidents_by_programme(request):
    if not request.user.has_perm("incidents.view_incident"):
        return None
    open_ = visibility.scope(Incident.objects.exclude(status__in=FINAL_STATES), request.user)
    return dict(open_.values("programme_id").annotate(n=Count("id")).order_by().values_list("programme_id", "n"))


extensions.add_portfolio_figure("incidents.open", _("open incidents"), open_incidents_by_programme, order=30)
