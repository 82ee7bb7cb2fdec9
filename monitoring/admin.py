from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import charts, display, extensions
from monitoring import series
from monitoring.alerting import actions
from monitoring.alerting import state_machine as sm
from monitoring.badges import status_badge
from monitoring.choices import RuleKind, Source
from monitoring.forecasts import breach_forecasts
from monitoring.models import (
    SLO,
    Alert,
    AlertRule,
    AlertTransition,
    Indicator,
    IndicatorState,
    Metric,
    SourceState,
)
from monitoring.models.alerts import OPEN_STATES
from monitoring.models.indicators import indicator_live_status
from monitoring.slos import admin as admin_slos
from monitoring.source_forms import SOURCE_FIELDS, MetricSourceForm, field_name
from register import visibility
from register.admin import RiskChildAdmin, RiskChildInline
from register.admin_programmes import ProgrammeScoped
from register.choices import LiveStatus

# What a metric's page shows of it, read-only.
LIVE_FIELDS = [
    "last_value_display",
    "last_status_display",
    "last_collected_at",
    "config_error",
    "source_health",
    "chart",
]


@admin.register(Metric)
class MetricAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = [
        "name",
        "key",
        "category",
        "source",
        "enabled",
        "last_value_display",
        "last_status_display",
        "last_collected_at",
        "normal_band",
        "warning_band",
        "critical_band",
    ]
    list_filter = ["source", "enabled", "last_status", "category", "direction"]
    search_fields = ["name", "key", "category"]
    readonly_fields = LIVE_FIELDS
    form = MetricSourceForm
    change_form_template = "admin/monitoring/metric/change_form.html"
    fieldsets = [
        (None, {"fields": ["programme", "name", "key", "category", "unit", "description"]}),
        (_("Bands"), {"fields": ["direction", "warning", "critical"]}),
        (_("Collection"), {"fields": ["source", "interval_seconds", "enabled", "next_due_at"]}),
        # One fieldset per kind of source; the page shows the chosen one (source_forms.py).
        *[
            (
                label,
                {
                    "fields": [field_name(source, key) for key in SOURCE_FIELDS[source]],
                    "classes": ["source-fields", f"source-{source}"],
                },
            )
            for source, label in Source.choices
            if SOURCE_FIELDS.get(source)
        ],
        (_("Advanced: the configuration as JSON"), {"fields": ["source_config"], "classes": ["collapse"]}),
        (
            _("Live"),
            {"fields": LIVE_FIELDS},
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        # The model's rule: a metric with history is disabled (the *enabled* box), not deleted. Django's
        # bulk delete asks this per object too, and refuses the whole selection when one is kept.
        if obj is not None and obj.has_history():
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("normal"))
    def normal_band(self, obj):
        return obj.band_texts()["normal"]

    @admin.display(description=_("warning"))
    def warning_band(self, obj):
        return obj.band_texts()["warning"]

    @admin.display(description=_("critical"))
    def critical_band(self, obj):
        return obj.band_texts()["critical"]

    @admin.display(description=_("last value"), ordering="last_value")
    def last_value_display(self, obj):
        return display.number(obj.last_value, obj.unit)

    @admin.display(description=_("last status"), ordering="last_status")
    def last_status_display(self, obj):
        return status_badge(obj.last_status, obj.get_last_status_display()) if obj.last_status else "—"

    @admin.display(description=_("source health"))
    def source_health(self, obj):
        from monitoring.intake.sources import config_errors, source_for

        if not obj.pk or config_errors(obj.source, obj.source_config):
            return "—"
        key = source_for(obj.source).breaker_key(obj)
        if key is None:
            return _("no circuit breaker for this source")
        state = SourceState.objects.filter(key=key).first()
        if state is None:
            return format_html("{}: {}", key, _("closed"))
        return format_html(
            "{}: <strong>{}</strong> ({} {}) {}",
            key,
            state.get_state_display(),
            state.consecutive_failures,
            _("failures in a row"),
            state.last_error,
        )

    @admin.display(description=_("last 24 hours"))
    def chart(self, obj):
        if not obj.pk:
            return "—"
        points = [(timezone.localtime(p["t"]).strftime("%H:%M"), p["value"]) for p in series.trend(obj, timezone.now())]
        svg = charts.line_chart_svg(
            points,
            obj.unit,
            bands={"warning": obj.warning, "critical": obj.critical},
            title=str(obj.name),
            words={"current": _("last 24 hours")},
        )
        return svg or _("not enough readings yet")


@admin.register(AlertRule)
class AlertRuleAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["condition", "priority", "metric", "operator", "threshold", "unit"]
    list_filter = ["priority"]
    list_select_related = ["metric"]
    search_fields = ["condition"]
    autocomplete_fields = ["metric"]


class TransitionInline(admin.TabularInline):
    model = AlertTransition
    fields = ["at", "event", "from_state", "to_state", "severity", "value", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SilenceForm(forms.Form):
    until = forms.DateTimeField(label=_("Silence until"), help_text=_("e.g. 2026-12-01 18:00"))
    reason = forms.CharField(label=_("Reason"), max_length=300)


@admin.register(Alert)
class AlertAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "state_display",
        "severity",
        "priority",
        "started_at",
        "fired_at",
        "resolved_at",
        "acknowledged_at",
        "silenced_until",
        "flapping",
        "inhibited_by",
    ]
    list_filter = ["state", "priority", "kind", "severity", "flapping", ("inhibited_by", admin.EmptyFieldListFilter)]
    list_select_related = ["indicator__risk", "metric"]
    search_fields = ["title", "reason", "dedup_key"]
    readonly_fields = [f.name for f in Alert._meta.fields]
    inlines = [TransitionInline]
    actions = ["acknowledge", "silence"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("state"), ordering="state")
    def state_display(self, obj):
        return status_badge(obj.state, obj.get_state_display())

    @admin.action(description=_("Acknowledge selected alerts"), permissions=["change"])
    def acknowledge(self, request, queryset):
        done = sum(actions.acknowledge(alert, request.user) for alert in queryset)
        self.message_user(request, ngettext("%d alert acknowledged.", "%d alerts acknowledged.", done) % done)

    @admin.action(description=_("Silence selected alerts…"), permissions=["change"])
    def silence(self, request, queryset):
        form = SilenceForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                for alert in queryset:
                    actions.silence(alert, form.cleaned_data["until"], form.cleaned_data["reason"])
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                count = queryset.count()
                self.message_user(
                    request, ngettext("%d alert silenced.", "%d alerts silenced.", count) % count, messages.SUCCESS
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Silence alerts"),
            "form": form,
            "alerts": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/monitoring/silence.html", context)


@admin.register(SourceState)
class SourceStateAdmin(admin.ModelAdmin):
    list_display = ["key", "state", "consecutive_failures", "opened_at", "last_success_at", "last_error"]
    list_filter = ["state"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndicatorState)
class IndicatorStateAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = [
        "indicator",
        "phase",
        "severity",
        "last_status",
        "for_count",
        "keep_count",
        "nodata_count",
        "clear_threshold",
    ]
    list_filter = ["phase", "severity"]
    list_select_related = ["indicator__risk"]
    fields = [
        "indicator",
        "for_count",
        "keep_count",
        "nodata_count",
        "clear_threshold",
        "flap_limit",
        "phase",
        "severity",
        "last_status",
    ]
    readonly_fields = ["indicator", "phase", "severity", "last_status"]

    def has_add_permission(self, request):
        return False


class IndicatorInline(RiskChildInline, admin.TabularInline):
    model = Indicator
    fields = ["order", "name", "metric", "rule_text", "rule_summary"]
    readonly_fields = ["rule_summary"]
    autocomplete_fields = ["metric"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Keep the row within the page so the parsed rule stays visible beside the text.
        if db_field.name in {"name", "rule_text"}:
            kwargs["widget"] = forms.TextInput(attrs={"size": 28})
        elif db_field.name == "order":
            kwargs["widget"] = forms.NumberInput(attrs={"style": "width: 4em"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("parsed rule"))
    def rule_summary(self, obj):
        return obj.rule_display if obj.pk else "—"

    def get_queryset(self, request):
        # An SLO's indicator is kept by its SLO (renamed and moved with it): edited there, not here.
        return super().get_queryset(request).filter(slo__isnull=True)


@admin.register(Indicator)
class IndicatorAdmin(RiskChildAdmin):
    list_display = ["name", "risk", "metric", "rule_kind", "rule_text"]
    list_filter = ["rule_kind"]
    list_select_related = ["risk", "metric"]
    search_fields = ["name", "rule_text", "risk__code", "risk__title"]
    autocomplete_fields = ["risk", "metric"]


# Said beside a state badge only where the badge alone would mislead.
PHASE_WORDS = {sm.PENDING: _("breached; fires if it persists"), sm.RECOVERING: _("recovering")}


def risk_live_block(request, risk):
    """The risk page's live view: every indicator with its value, state, last 24 hours and open
    alerts; an indicator bound to no metric says so, with the way to bind it."""
    now = timezone.now()
    indicators = (
        Indicator.objects.filter(risk=risk, slo__isnull=True)  # an SLO's indicator shows in the SLO block
        .select_related("metric", "live")
        .prefetch_related("alerts")
        .order_by("order", "pk")
    )
    rows = []
    for indicator in indicators:
        row = {
            "name": indicator.name,
            "rule": indicator.rule_display if indicator.rule_text else "—",
            "url": reverse("admin:monitoring_indicator_change", args=[indicator.pk]),
            "bound": indicator.metric_id is not None,
        }
        if indicator.metric_id:
            metric, state = indicator.metric, getattr(indicator, "live", None)
            status = indicator_live_status(state)
            stored = state.forecast if state and indicator.rule_kind == RuleKind.THRESHOLD else {}
            row.update(
                forecast=breach_forecasts.describe(stored, "", now),  # beside the rule itself
                status=status,
                value=display.number(metric.last_value, metric.unit),
                when=display.when(metric.last_collected_at) if metric.last_collected_at else _("no reading yet"),
                badge=status_badge(status, LiveStatus(status).label),
                phase=PHASE_WORDS.get(state.phase) if state else None,
                sparkline=mark_safe(series.sparkline_svg(series.trend(metric, now)) or "—"),
                alerts=", ".join(
                    f"{a.get_state_display()} ({a.get_priority_display()})" for a in indicator.alerts.all() if a.is_open
                ),
            )
        rows.append(row)
    return render_to_string("monitoring/_risk_live.html", {"rows": rows}, request=request)


def open_alerts_panel(request):
    if not request.user.has_perm("monitoring.view_alert"):
        return None
    alerts = (
        visibility.scope(Alert.objects.filter(state__in=OPEN_STATES), request.user)
        .select_related("indicator__risk")
        .order_by("-fired_at", "-started_at")[:8]
    )
    rows = [
        (
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:monitoring_alert_change", args=[a.pk]),
                a.indicator.risk.code if a.indicator_id else a.title,
            ),
            status_badge(a.severity, a.get_severity_display()) if a.severity else a.get_state_display(),
            a.indicator.name if a.indicator_id else a.get_kind_display(),
            display.when(a.fired_at or a.started_at),
        )
        for a in alerts
    ]
    return {
        "title": _("Open alerts"),
        "columns": [_("risk"), _("state"), _("indicator"), _("since")],
        "rows": rows,
        "empty": _("No alert is open."),
    }


def bind_metric_step(request):
    """Start here: a metric fed by a source (or by pushed readings that have arrived)."""
    if not request.user.has_perm("monitoring.change_metric"):
        return None
    metrics = visibility.scope(Metric.objects.all(), request.user)
    done = metrics.exclude(source=Source.PUSH).exists() or metrics.filter(last_collected_at__isnull=False).exists()
    return {
        "label": _("Bind a metric to its source"),
        "url": reverse("admin:monitoring_metric_changelist"),
        "done": done,
    }


# The risk page is the register's; monitoring adds the indicators and their live view to it.
extensions.add_risk_inline("monitoring.indicators", IndicatorInline, order=20)
extensions.add_risk_summary_block("monitoring.live", risk_live_block, order=10)
extensions.add_risk_summary_block("monitoring.slos", admin_slos.risk_slo_block, order=12)
extensions.add_index_panel("monitoring.budgets", admin_slos.budget_panel, order=13)
extensions.add_index_panel("monitoring.open_alerts", open_alerts_panel, order=12)
extensions.add_start_step("monitoring.bind", bind_metric_step, order=20)
extensions.add_operations_models("monitoring.sourcestate", "monitoring.indicatorstate")


def open_alerts_by_programme(request):
    if not request.user.has_perm("monitoring.view_alert"):
        return None
    alerts = visibility.scope(Alert.objects.filter(state__in=OPEN_STATES), request.user)
    rows = alerts.annotate(owner=Coalesce("metric__programme_id", "slo__programme_id")).values("owner")
    return dict(rows.annotate(n=Count("id")).order_by().values_list("owner", "n"))


def spent_budgets_by_programme(request):
    if not request.user.has_perm("monitoring.view_slo"):
        return None
    spent = visibility.scope(SLO.objects.filter(enabled=True, budget_remaining__lte=0), request.user)
    return dict(spent.values("programme_id").annotate(n=Count("id")).order_by().values_list("programme_id", "n"))


extensions.add_portfolio_figure("monitoring.open_alerts", _("open alerts"), open_alerts_by_programme, order=10)
extensions.add_portfolio_figure("monitoring.spent_budgets", _("budgets spent"), spent_budgets_by_programme, order=20)
