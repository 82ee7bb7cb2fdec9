from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from monitoring import actions, series
from monitoring.evaluation import indicator_live_status
from monitoring.models import (
    Alert,
    AlertRule,
    AlertTransition,
    Channel,
    Indicator,
    IndicatorState,
    Metric,
    Notification,
    SourceState,
)
from register import extensions
from register.admin import RiskChildAdmin, RiskChildInline, level_badge

STATUS_COLOURS = {
    "normal": "#3c8d40",
    "warning": "#e69a00",
    "critical": "#c9302c",
    "unknown": "#777777",
    "no_data": "#777777",
    "error": "#777777",
    "firing": "#c9302c",
    "pending": "#e69a00",
    "recovering": "#417690",
    "resolved": "#3c8d40",
    "cancelled": "#999999",
}


def status_badge(status: str, label: str):
    return level_badge(status, label, STATUS_COLOURS.get(status, "#777777"))


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
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
    readonly_fields = ["last_value", "last_status", "last_collected_at", "config_error", "source_health", "chart"]
    fieldsets = [
        (None, {"fields": ["name", "key", "category", "unit", "description"]}),
        (_("Bands"), {"fields": ["direction", "warning", "critical"]}),
        (_("Collection"), {"fields": ["source", "source_config", "interval_seconds", "enabled", "next_due_at"]}),
        (
            _("Live"),
            {"fields": ["last_value", "last_status", "last_collected_at", "config_error", "source_health", "chart"]},
        ),
    ]

    @admin.display(description=_("normal"))
    def has_delete_permission(self, request, obj=None):
        # The model's rule: a metric with history is disabled (the *enabled* box), not deleted. Django's
        # bulk delete asks this per object too, and refuses the whole selection when one is kept.
        if obj is not None and obj.has_history():
            return False
        return super().has_delete_permission(request, obj)

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
        return "—" if obj.last_value is None else f"{obj.last_value:g} {obj.unit}"

    @admin.display(description=_("last status"), ordering="last_status")
    def last_status_display(self, obj):
        return status_badge(obj.last_status, obj.get_last_status_display()) if obj.last_status else "—"

    @admin.display(description=_("source health"))
    def source_health(self, obj):
        from monitoring.sources import config_errors, source_for

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
        svg = series.sparkline_svg(series.trend(obj, timezone.now()), width=480, height=80)
        return mark_safe(svg) if svg else _("not enough readings yet")  # the SVG is built from numbers only


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
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
class AlertAdmin(admin.ModelAdmin):
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


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "target", "immediate", "watch", "enabled"]
    list_filter = ["kind", "enabled"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["transition", "channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status", "channel"]
    list_select_related = ["transition__alert", "channel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SourceState)
class SourceStateAdmin(admin.ModelAdmin):
    list_display = ["key", "state", "consecutive_failures", "opened_at", "last_success_at", "last_error"]
    list_filter = ["state"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndicatorState)
class IndicatorStateAdmin(admin.ModelAdmin):
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


class LiveIndicatorInline(admin.TabularInline):
    """Each monitored indicator of a risk, live: value, state, 24-hour sparkline, open alerts."""

    model = Indicator
    verbose_name_plural = _("live indicators")
    fields = ["name", "live_value", "live_state", "sparkline", "open_alerts"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(metric__isnull=False)
            .select_related("metric", "live")
            .prefetch_related("alerts")
        )

    @admin.display(description=_("value"))
    def live_value(self, obj):
        if obj.metric.last_value is None:
            return "—"
        return f"{obj.metric.last_value:g} {obj.metric.unit}"

    @admin.display(description=_("state"))
    def live_state(self, obj):
        status = indicator_live_status(getattr(obj, "live", None))
        phase = obj.live.phase if getattr(obj, "live", None) else "normal"
        return format_html("{} {}", status_badge(status, status), phase)

    @admin.display(description=_("last 24 hours"))
    def sparkline(self, obj):
        return mark_safe(series.sparkline_svg(series.trend(obj.metric, timezone.now())) or "—")

    @admin.display(description=_("open alerts"))
    def open_alerts(self, obj):
        open_ = [a for a in obj.alerts.all() if a.is_open]
        return ", ".join(f"{a.get_state_display()} ({a.get_priority_display()})" for a in open_) or "—"


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


@admin.register(Indicator)
class IndicatorAdmin(RiskChildAdmin):
    list_display = ["name", "risk", "metric", "rule_kind", "rule_text"]
    list_filter = ["rule_kind"]
    list_select_related = ["risk", "metric"]
    search_fields = ["name", "rule_text", "risk__code", "risk__title"]
    autocomplete_fields = ["risk", "metric"]


# The risk page is the register's; monitoring adds the indicators and their live view to it.
extensions.add_risk_inline("monitoring.indicators", IndicatorInline, order=20)
extensions.add_risk_inline("monitoring.live", LiveIndicatorInline, order=60)
