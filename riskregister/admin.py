from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from riskregister.choices import ScoreSource
from riskregister.models import (
    Category,
    Component,
    Indicator,
    LevelBand,
    Mitigation,
    Risk,
    RiskLink,
    ScaleBand,
    ScoreChange,
    Strategy,
)
from riskregister.models.risks import is_register_admin
from riskregister.pagination import DeferredJoinPaginator

LIVE_COLOURS = {"normal": "#3c8d40", "unknown": "#777777", "warning": "#e69a00", "critical": "#c9302c"}
_CODE_WIDGET = forms.Textarea(attrs={"rows": 10, "cols": 100, "class": "vLargeTextField riskregister-code"})


def level_badge(level: str, label: str, colour: str | None):
    return format_html(
        '<span class="riskregister-badge" style="background:{};color:#fff;padding:2px 8px;'
        'border-radius:10px;font-weight:bold">{}</span>',
        colour or "#777",
        label,
    )


class OwnedRiskPermissions:
    """Admin permissions that also ask the object whether this user may edit it.

    The rule is the model's own ``is_editable_by`` (the API asks the same). In a risk's inlines
    ``obj`` is the parent risk, so adding or changing its children follows the risk's rule.
    """

    def _may_edit(self, request, obj) -> bool:
        return obj is None or obj.is_editable_by(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)


class RiskChildInline(OwnedRiskPermissions):
    """Inlines of a risk: ``obj`` is the parent risk, so adding is gated by the same rule."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_edit(request, obj)


class MitigationInline(RiskChildInline, admin.StackedInline):
    # Stacked: the snippet needs the page's full width to stay readable.
    model = Mitigation
    fields = [("number", "title"), ("kind", "status"), ("owner", "due_date"), "detail", "detail_language"]
    autocomplete_fields = ["owner"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "detail":
            kwargs["widget"] = _CODE_WIDGET
        return super().formfield_for_dbfield(db_field, request, **kwargs)


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


class ScoreChangeInline(admin.TabularInline):
    model = ScoreChange
    fields = ["changed_at", "changed_by", "old_score_display", "new_score_display", "source", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("score history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")

    @admin.display(description=_("from"))
    def old_score_display(self, obj):
        if obj.old_score is None:
            return "—"
        return f"{obj.old_impact} × {obj.old_likelihood} = {obj.old_score}"

    @admin.display(description=_("to"))
    def new_score_display(self, obj):
        return f"{obj.new_impact} × {obj.new_likelihood} = {obj.new_score}"


class CausesInline(admin.TabularInline):
    """Risk interdependencies: this risk makes the listed ones more likely (the graph's CAUSES)."""

    model = RiskLink
    fk_name = "cause"
    fields = ["effect", "note"]
    autocomplete_fields = ["effect"]
    extra = 0
    verbose_name = _("causes")
    verbose_name_plural = _("causes (this risk makes these more likely)")


class CausedByInline(CausesInline):
    fk_name = "effect"
    fields = ["cause", "note"]
    autocomplete_fields = ["cause"]
    verbose_name = _("caused by")
    verbose_name_plural = _("caused by (these make this risk more likely)")


class RiskAdminForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for a score change"),
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text=_("Stored in the score history when impact or likelihood changes."),
    )
    not_a_duplicate = forms.BooleanField(
        label=_("Not a duplicate"),
        required=False,
        help_text=_("Tick to save a new risk although similar risks exist."),
    )
    # Other apps register functions (title, description) -> [{"code", "title", "similarity"}] that
    # find existing risks like a new one (the search app does it semantically); the core never searches.
    duplicate_finders: list = []

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("title") and not cleaned.get("not_a_duplicate"):
            found = [
                hit for find in self.duplicate_finders for hit in find(cleaned["title"], cleaned.get("description", ""))
            ]
            if found:
                listed = "; ".join(f"{h['code']} {h['title']} ({h['similarity']:.0%})" for h in found)
                raise forms.ValidationError(
                    _('Possible duplicates: %(risks)s. Tick "Not a duplicate" to save anyway.') % {"risks": listed}
                )
        return cleaned

    class Meta:
        model = Risk
        fields = [
            "number",
            "title",
            "category",
            "status",
            "owner",
            "next_review_date",
            "impact",
            "likelihood",
            "description",
            "impact_text",
            "components",
        ]


@admin.register(Risk)
class RiskAdmin(OwnedRiskPermissions, SimpleHistoryAdmin):
    form = RiskAdminForm
    list_display = [
        "code",
        "title",
        "category",
        "impact",
        "likelihood",
        "score",
        "level_display",
        "live_display",
        "review_display",
        "status",
        "owner",
    ]
    list_display_links = ["code", "title"]
    list_filter = [
        "level",
        "live_status",
        "needs_reassessment",
        "category",
        "status",
        ("owner", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["category", "owner"]
    search_fields = ["code", "title", "description"]
    sortable_by = [
        "code",
        "title",
        "impact",
        "likelihood",
        "score",
        "level_display",
        "live_display",
        "review_display",
        "status",
    ]
    ordering = ["-score", "number"]
    list_per_page = 50
    paginator = DeferredJoinPaginator
    autocomplete_fields = ["owner", "category", "components"]
    readonly_fields = [
        "code",
        "score",
        "level_display",
        "live_display",
        "review_display",
        "stated_level",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "number",
                    "title",
                    "category",
                    "status",
                    "live_display",
                    "owner",
                    "next_review_date",
                    "review_display",
                ]
            },
        ),
        (
            _("Assessment"),
            {"fields": ["impact", "likelihood", "change_reason", "score", "level_display", "stated_level"]},
        ),
        (_("Details"), {"fields": ["description", "impact_text", "components"]}),
        (_("Timestamps"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [MitigationInline, IndicatorInline, CausesInline, CausedByInline, ScoreChangeInline]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "not_a_duplicate"]}), *rest]

    def get_queryset(self, request):
        # The badge colour comes from the level bands; a subquery keeps it to one query per page.
        colour = LevelBand.objects.filter(level=OuterRef("level")).values("colour")[:1]
        return super().get_queryset(request).annotate(level_colour=Subquery(colour))

    @admin.display(description=_("level"), ordering="score")
    def level_display(self, obj):
        if not obj.level:
            return "—"
        colour = getattr(obj, "level_colour", None)
        if colour is None:
            colour = LevelBand.objects.filter(level=obj.level).values_list("colour", flat=True).first()
        return level_badge(obj.level, obj.get_level_display(), colour)

    @admin.display(description=_("live"), ordering="live_status")
    def live_display(self, obj):
        if not obj.live_status:
            return "—"
        return level_badge(obj.live_status, obj.get_live_status_display(), LIVE_COLOURS.get(obj.live_status))

    @admin.display(description=_("review"), ordering="-needs_reassessment")
    def review_display(self, obj):
        if not obj.needs_reassessment:
            return "—"
        return format_html(
            '<span class="riskregister-review-now" title="{}" style="background:#c9302c;color:#fff;padding:2px 8px;'
            'border-radius:10px;font-weight:bold">{}</span> <small>{}</small>',
            obj.review_reason,
            _("review now"),
            obj.review_reason,
        )

    def save_model(self, request, obj, form, change):
        obj.save(
            changed_by=request.user,
            change_reason=form.cleaned_data.get("change_reason", ""),
            change_source=ScoreSource.MANUAL,
        )


class RiskChildAdmin(OwnedRiskPermissions, SimpleHistoryAdmin):
    list_select_related = ["risk"]
    autocomplete_fields = ["risk"]

    def get_readonly_fields(self, request, obj=None):
        # Moving an item to another risk is for register administrators; an assignee edits it in place.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not is_register_admin(request.user):
            fields.append("risk")
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "risk":
            kwargs["queryset"] = Risk.objects.editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Mitigation)
class MitigationAdmin(RiskChildAdmin):
    list_display = ["__str__", "risk", "kind", "status", "owner", "due_date"]
    list_filter = ["kind", "status"]
    list_select_related = ["risk", "owner"]
    search_fields = ["title", "detail", "risk__code", "risk__title"]
    readonly_fields = ["detail_preview"]

    @admin.display(description=_("snippet"))
    def detail_preview(self, obj):
        return format_html('<pre class="riskregister-code">{}</pre>', obj.detail) if obj.detail else "—"


@admin.register(Indicator)
class IndicatorAdmin(RiskChildAdmin):
    list_display = ["name", "risk", "metric", "rule_kind", "rule_text"]
    list_filter = ["rule_kind"]
    list_select_related = ["risk", "metric"]
    search_fields = ["name", "rule_text", "risk__code", "risk__title"]
    autocomplete_fields = ["risk", "metric"]


@admin.register(ScoreChange)
class ScoreChangeAdmin(admin.ModelAdmin):
    list_display = ["risk", "changed_at", "changed_by", "old_score", "new_score", "source", "reason"]
    list_filter = ["source"]
    list_select_related = ["risk", "changed_by"]
    search_fields = ["risk__code", "risk__title", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    search_fields = ["name"]


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ["name", "aliases"]
    search_fields = ["name", "aliases"]


@admin.register(ScaleBand)
class ScaleBandAdmin(admin.ModelAdmin):
    list_display = ["axis", "label", "level", "min_value", "max_value", "description"]
    list_filter = ["axis"]


@admin.register(LevelBand)
class LevelBandAdmin(admin.ModelAdmin):
    list_display = ["level", "min_score", "max_score", "swatch"]
    fields = ["level", "min_score", "colour"]

    @admin.display(description=_("colour"))
    def swatch(self, obj):
        return level_badge(obj.level, obj.colour, obj.colour)


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "detail_language"]
    list_filter = ["kind"]
    search_fields = ["title", "detail"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "detail":
            kwargs["widget"] = _CODE_WIDGET
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# Reviews (checklists, re-assessment, reports) live in their own module.
from riskregister import review_admin  # noqa: E402, F401
