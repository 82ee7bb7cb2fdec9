from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from monitoring.models import AlertRule, Metric


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "category", "unit", "direction", "normal_band", "warning_band", "critical_band"]
    list_filter = ["category", "direction"]
    search_fields = ["name", "key", "category"]

    @admin.display(description=_("normal"))
    def normal_band(self, obj):
        return obj.band_texts()["normal"]

    @admin.display(description=_("warning"))
    def warning_band(self, obj):
        return obj.band_texts()["warning"]

    @admin.display(description=_("critical"))
    def critical_band(self, obj):
        return obj.band_texts()["critical"]


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["condition", "priority", "metric", "operator", "threshold", "unit"]
    list_filter = ["priority"]
    list_select_related = ["metric"]
    search_fields = ["condition"]
    autocomplete_fields = ["metric"]
