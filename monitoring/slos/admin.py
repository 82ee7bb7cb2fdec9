"""The SLO pages of the admin, the risk page's error-budget block and the dashboard's budget panel."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import display
from core.admin_mixins import level_badge
from monitoring.badges import status_badge
from monitoring.choices import Priority, ReadingStatus
from monitoring.models import SLO, IndicatorState
from monitoring.models.alerts import OPEN_STATES
from monitoring.slos import budget
from register import visibility
from register.admin_programmes import ProgrammeScoped

BUDGET_COLOURS = {"ok": "#3c8d40", "low": "#e69a00", "spent": "#c9302c", "none": "#777777"}


def budget_state(remaining: float | None) -> str:
    if remaining is None:
        return "none"
    return "spent" if remaining <= 0 else "low" if remaining < 0.25 else "ok"


def budget_badge(slo: SLO):
    state = budget_state(slo.budget_remaining)
    label = _("no data") if slo.budget_remaining is None else display.number(slo.budget_remaining * 100, "%")
    return level_badge(state, label, BUDGET_COLOURS[state], title=str(_("error budget remaining")))


def burn_summary(slo: SLO) -> list[dict]:
    """The long window of each alert row with its burn rate and factor, fastest first."""
    try:
        windows = slo.windows()
    except ValueError:
        return []
    rows = []
    for row in windows:
        name = budget.format_duration(row.long)
        rate = (slo.burn_rates or {}).get(name)
        rows.append(
            {
                "window": name,
                "rate": "—" if rate is None else f"{display.number(rate)}×",
                "factor": f"{display.number(row.factor)}×",
                "over": rate is not None and rate > row.factor,
                "priority": Priority(row.priority).label,
            }
        )
    return rows


def objective_text(slo: SLO) -> str:
    return _("%(objective)s over %(days)s days") % {
        "objective": display.number(slo.objective, "%"),
        "days": slo.window_days,
    }


def burn_text(slo: SLO) -> str:
    """The burn rate over the long windows of the first two alert rows (the pages)."""
    return ", ".join(f"{r['window']} {r['rate']}" for r in burn_summary(slo)[:2]) or "—"


@admin.register(SLO)
class SLOAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["name", "risk", "objective_display", "budget_display", "burn_display", "status", "evaluated_at"]
    list_select_related = ["risk", "indicator__live"]
    list_filter = ["sli_kind", "enabled"]
    search_fields = ["key", "name", "risk__code"]
    autocomplete_fields = ["risk", "metric"]
    readonly_fields = ["budget_display", "burn_table", "sli_display", "evaluated_at", "last_error"]
    fieldsets = [
        (None, {"fields": ["programme", "name", "key", "risk", "description", "objective", "window_days", "enabled"]}),
        (
            _("Where the budget stands"),
            {"fields": ["budget_display", "sli_display", "burn_table", "evaluated_at", "last_error"]},
        ),
        (
            _("SLI"),
            {
                "fields": [
                    "sli_kind",
                    "metric",
                    "metric_measures",
                    "good_query",
                    "bad_query",
                    "total_query",
                    "prometheus_url",
                ]
            },
        ),
        (_("Burn-rate alerts"), {"fields": ["alert_windows"], "classes": ["collapse"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in {"good_query", "bad_query", "total_query"}:
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 80, "class": "riskregister-code"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("objective"), ordering="objective")
    def objective_display(self, obj):
        return objective_text(obj)

    @admin.display(description=_("budget remaining"), ordering="budget_remaining")
    def budget_display(self, obj):
        return budget_badge(obj) if obj.pk else "—"

    @admin.display(description=_("burn rate"))
    def burn_display(self, obj):
        return burn_text(obj)

    @admin.display(description=_("good ratio over the window"))
    def sli_display(self, obj):
        return "—" if obj.sli is None else display.number(obj.sli * 100, "%")

    @admin.display(description=_("burn rates"))
    def burn_table(self, obj):
        return render_to_string("monitoring/_slo_burns.html", {"rows": burn_summary(obj)}) if obj.pk else "—"

    @admin.display(description=_("state"))
    def status(self, obj):
        state = getattr(obj.indicator, "live", None) if obj.indicator_id else None
        if state is None:
            return obj.last_error[:60] or "—"
        return status_badge(state.last_status, ReadingStatus(state.last_status).label) if state.last_status else "—"


def risk_slo_block(request, risk):
    """The risk page's SLOs: objective, budget remaining, burn rates against the alert factors, alerts."""
    slos = list(risk.slos.select_related("indicator").prefetch_related("alerts").order_by("key"))
    if not slos:
        return ""
    states = dict(IndicatorState.objects.filter(indicator__slo__in=slos).values_list("indicator_id", "last_status"))
    rows = [
        {
            "name": slo.name,
            "url": reverse("admin:monitoring_slo_change", args=[slo.pk]),
            "objective": objective_text(slo),
            "budget": budget_badge(slo),
            "burns": burn_summary(slo),
            "status": states.get(slo.indicator_id, ""),
            "alerts": ", ".join(
                f"{a.get_priority_display()}: {a.get_state_display()}"
                for a in slo.alerts.all()
                if a.state in OPEN_STATES
            ),
        }
        for slo in slos
    ]
    return render_to_string("monitoring/_risk_slos.html", {"rows": rows}, request=request)


def budget_panel(request):
    """The dashboard's error budgets, the least left first."""
    if not request.user.has_perm("monitoring.view_slo"):
        return None
    slos = (
        visibility.scope(SLO.objects.filter(enabled=True), request.user)
        .select_related("risk")
        .order_by(F("budget_remaining").asc(nulls_last=True), "key")[:8]
    )
    rows = [
        (
            format_html('<a href="{}">{}</a>', reverse("admin:monitoring_slo_change", args=[s.pk]), s.name),
            s.risk.code if s.risk_id else "—",
            budget_badge(s),
            burn_text(s),
        )
        for s in slos
    ]
    if not rows:
        return None
    return {
        "title": _("Error budgets"),
        "columns": [_("SLO"), _("risk"), _("budget remaining"), _("burn rate")],
        "rows": rows,
        "empty": "",
    }
