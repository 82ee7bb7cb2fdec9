from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from audit import presentation as audit_display
from core import display, extensions
from core.admin_mixins import ObjectToolsMixin, level_badge
from core.pagination import DeferredJoinPaginator
from register import visibility
from register.admin_programmes import ProgrammeScoped
from register.choices import ScoreSource
from register.models import (
    Category,
    Component,
    LevelBand,
    Mitigation,
    Programme,
    Risk,
    RiskAcceptance,
    RiskLink,
    ScaleBand,
    ScoreChange,
    Strategy,
)
from register.models.risks import is_register_admin

APPETITE_COLOURS = {"within": "#3c8d40", "watch": "#e69a00", "outside": "#c9302c"}
LIVE_COLOURS = {"normal": "#3c8d40", "unknown": "#777777", "warning": "#e69a00", "critical": "#c9302c"}
_CODE_WIDGET = forms.Textarea(attrs={"rows": 10, "cols": 100, "class": "vLargeTextField riskregister-code"})


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


class ScoreChangeInline(admin.TabularInline):
    model = ScoreChange
    fields = ["changed_at", "assessment", "changed_by", "old_score_display", "new_score_display", "source", "reason"]
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
        if obj.new_score is None:
            return _("cleared")
        return f"{obj.new_impact} × {obj.new_likelihood} = {obj.new_score}"


class AcceptanceInline(admin.TabularInline):
    """The risk's acceptances, read-only here: they move through their own page's actions."""

    model = RiskAcceptance
    fk_name = "risk"
    fields = ["state", "starts_on", "expires_on", "requested_by", "decided_by", "accepted_score", "end_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by", "decided_by")


class CausesInline(admin.TabularInline):
    """Risk interdependencies: this risk makes the listed ones more likely (the graph's CAUSES)."""

    model = RiskLink
    fk_name = "cause"
    fields = ["effect", "note", "inhibits"]
    autocomplete_fields = ["effect"]
    extra = 0
    verbose_name = _("causes")
    verbose_name_plural = _("causes (this risk makes these more likely)")
    # The other end of a link may be a risk of a programme the user does not see: such a link is
    # left out here, and the summary says how many there are (RiskAdmin.summary).
    other_end = "effect"

    def get_queryset(self, request):
        visible = visibility.scope(Risk.objects.all(), request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.other_end}__in": visible})


class CausedByInline(CausesInline):
    fk_name = "effect"
    fields = ["cause", "note", "inhibits"]
    autocomplete_fields = ["cause"]
    other_end = "cause"
    verbose_name = _("caused by")
    verbose_name_plural = _("caused by (these make this risk more likely)")


class RiskAdminForm(forms.ModelForm):
    user = None  # set by RiskAdmin.get_form: whose duplicates may be listed
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

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("title") and not cleaned.get("not_a_duplicate"):
            # Other apps find existing risks like a new one (the search app does it semantically).
            found = [
                hit
                for find in extensions.duplicate_finders.values()
                for hit in find(
                    cleaned["title"], cleaned.get("description", ""), programmes=visibility.programme_filter(self.user)
                )
            ]
            # Only risks this user sees (the finder's store keeps to them, and the database says so
            # again): a duplicate check must not tell another programme's titles.
            seen = set(
                visibility.scope(Risk.objects.filter(pk__in=[h["pk"] for h in found]), self.user).values_list(
                    "pk", flat=True
                )
            )
            found = [hit for hit in found if hit["pk"] in seen]
            if found:
                listed = "; ".join(f"{h['code']} {h['title']} ({h['similarity']:.0%})" for h in found)
                raise forms.ValidationError(
                    _('Possible duplicates: %(risks)s. Tick "Not a duplicate" to save anyway.') % {"risks": listed}
                )
        return cleaned

    class Meta:
        model = Risk
        fields = [
            "programme",
            "number",
            "title",
            "category",
            "status",
            "owner",
            "next_review_date",
            "impact",
            "likelihood",
            "inherent_impact",
            "inherent_likelihood",
            "target_impact",
            "target_likelihood",
            "treatment",
            "treatment_counterparty",
            "treatment_rationale",
            "description",
            "impact_text",
            "components",
        ]


@admin.register(Risk)
class RiskAdmin(ProgrammeScoped, ObjectToolsMixin, OwnedRiskPermissions, SimpleHistoryAdmin):
    form = RiskAdminForm
    programme_column = False  # the code says whose: P2 R-1
    # Fits 1366 px beside the filters: long titles and categories truncate (full text on hover).
    list_display = [
        "code",
        "title_display",
        "category_display",
        "score_display",
        "level_display",
        "appetite_display",
        "live_display",
        "review_display",
        "status",
        "owner",
    ]
    list_display_links = ["code", "title_display"]
    list_filter = [
        ("programme", admin.RelatedOnlyFieldListFilter),
        "level",
        "live_status",
        "needs_reassessment",
        "appetite_status",
        "treatment",
        "category",
        "status",
        ("owner", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["programme", "category", "owner"]
    search_fields = ["code", "title", "description"]
    sortable_by = [
        "code",
        "title_display",
        "category_display",
        "score_display",
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
        "assessments_display",
        "appetite_display",
        "treatment_decision",
        "level_display",
        "live_display",
        "review_display",
        "stated_level",
        "created_at",
        "updated_at",
        "recent_changes",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "programme",
                    "code",
                    "number",
                    "title",
                    "category",
                    "status",
                    "owner",
                    "next_review_date",
                ]
            },
        ),
        (
            _("Assessment"),
            {
                "fields": [
                    "assessments_display",
                    ("impact", "likelihood"),
                    "change_reason",
                    ("score", "level_display", "appetite_display"),
                    "stated_level",
                    ("inherent_impact", "inherent_likelihood"),
                    ("target_impact", "target_likelihood"),
                ]
            },
        ),
        (
            _("Treatment"),
            {"fields": ["treatment", "treatment_counterparty", "treatment_rationale", "treatment_decision"]},
        ),
        (_("Details"), {"fields": ["description", "impact_text", "components"]}),
        (_("Timestamps"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
        (_("Recent changes"), {"fields": ["recent_changes"], "classes": ["collapse"]}),
    ]
    change_form_template = "admin/register/risk/change_form.html"
    # The register's own inlines; other apps add theirs through extensions.add_risk_inline.
    own_inlines = [
        (10, MitigationInline),
        (15, AcceptanceInline),
        (30, CausesInline),
        (40, CausedByInline),
        (50, ScoreChangeInline),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        risk = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if risk is not None:
            extra_context["summary"] = self.summary(risk, request.user)
            blocks = (block(request, risk) for block in extensions.risk_summary_blocks.values())
            extra_context["summary_blocks"] = [block for block in blocks if block]
        return super().change_view(request, object_id, form_url, extra_context)

    def summary(self, risk, user=None) -> dict:
        """The read-first top of a risk's page: where it stands, in words."""
        if risk.needs_reassessment:
            review = format_html(
                "{} {}", level_badge("review", _("review now"), "#c9302c"), risk.review_reason or _("(no cause given)")
            )
        else:
            review = _("Nothing asks for a review before the next one.")
        return {
            "score": format_html("{} × {} = <strong>{}</strong>", risk.impact, risk.likelihood, risk.score)
            if risk.score is not None
            else "—",
            "level": self.level_display(risk),
            "assessments": self.assessments_display(risk),
            "live": self.live_display(risk) if risk.live_status else _("Not monitored"),
            "appetite": self.appetite_display(risk),
            "owner": risk.owner.get_full_name() or risk.owner.get_username() if risk.owner_id else _("nobody yet"),
            "treatment": risk.get_treatment_display() if risk.treatment else _("undecided"),
            "next_review": date_format(risk.next_review_date, "SHORT_DATE_FORMAT") if risk.next_review_date else "—",
            "status": risk.get_status_display(),
            "review": review,
            "hidden_links": self.hidden_links(risk, user),
        }

    @staticmethod
    def hidden_links(risk, user) -> str:
        """Links to risks of programmes the viewer cannot see: that they exist, never what they are."""
        visible = visibility.scope(Risk.objects.all(), user).values("pk")
        hidden = (
            RiskLink.objects.filter(cause=risk).exclude(effect__in=visible).count()
            + RiskLink.objects.filter(effect=risk).exclude(cause__in=visible).count()
        )
        if not hidden:
            return ""
        return ngettext(
            "%(n)d linked risk in a programme you cannot see.",
            "%(n)d linked risks in programmes you cannot see.",
            hidden,
        ) % {"n": hidden}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    @admin.display(description=_("from the audit trail"))
    def recent_changes(self, risk):
        """The risk's last ten entries in the audit trail: who changed which fields when, by any path
        (the whole trail, with values, is the auditors': the Audit trail link above)."""
        if risk.pk is None:
            return "—"
        return audit_display.recent(risk, limit=10)

    def get_inlines(self, request, obj):
        contributed = [(c.order, c.value) for c in extensions.risk_inlines]
        return [inline for _order, inline in sorted(self.own_inlines + contributed, key=lambda pair: pair[0])]

    def get_fieldsets(self, request, obj=None):
        (name, options), *rest = super().get_fieldsets(request, obj)
        fields = list(options["fields"])
        if obj is None:
            fields.append("not_a_duplicate")
        return [(name, {**options, "fields": fields}), *rest]

    def get_list_display(self, request):
        # With risks of several programmes on the page, R-1 alone names two of them: say whose.
        shown = super().get_list_display(request)
        if not self.several_programmes(request):
            return shown
        return ["qualified_code" if name == "code" else name for name in shown]

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        return ["qualified_code" if name == "code" and "qualified_code" in list_display else name for name in links]

    def get_sortable_by(self, request):
        return [*super().get_sortable_by(request), "qualified_code"]

    @admin.display(description=_("code"), ordering="number")
    def qualified_code(self, obj):
        return f"{obj.programme.code} {obj.code}"

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

    @admin.display(description=_("appetite"), ordering="appetite_status")
    def appetite_display(self, obj):
        if not obj.appetite_status:
            return "—"
        return level_badge(
            obj.appetite_status, obj.get_appetite_status_display(), APPETITE_COLOURS[obj.appetite_status]
        )

    @admin.display(description=_("inherent → current → target"))
    def assessments_display(self, obj):
        def one(score):
            return "—" if score is None else str(score)

        return format_html(
            '<span class="riskregister-assessments">{} {} → <strong>{} {}</strong> → {} {}</span>',
            _("inherent"),
            one(obj.inherent_score),
            _("current"),
            one(obj.score),
            pgettext_lazy("assessment", "target"),
            one(obj.target_score),
        )

    @admin.display(description=_("decided"))
    def treatment_decision(self, obj):
        if not obj.treatment_decided_at:
            return "—"
        who = obj.treatment_decided_by.get_username() if obj.treatment_decided_by_id else _("the system")
        return format_html("{} · {}", who, date_format(timezone.localtime(obj.treatment_decided_at), "DATETIME_FORMAT"))

    @admin.display(description=_("live"), ordering="live_status")
    def live_display(self, obj):
        if not obj.live_status:
            return "—"
        return level_badge(obj.live_status, obj.get_live_status_display(), LIVE_COLOURS.get(obj.live_status))

    @admin.display(description=_("review"), ordering="-needs_reassessment")
    def review_display(self, obj):
        # The badge alone in the list (its cause on hover); the risk page says the cause in full.
        if not obj.needs_reassessment:
            return "—"
        return level_badge("review", _("review now"), "#c9302c", title=obj.review_reason)

    @admin.display(description=_("title"), ordering="title")
    def title_display(self, obj):
        return format_html('<span class="riskregister-truncate" title="{}">{}</span>', obj.title, obj.title)

    @admin.display(description=_("category"), ordering="category__name")
    def category_display(self, obj):
        if obj.category_id is None:
            return "—"
        name = str(obj.category)
        return format_html('<span class="riskregister-truncate narrow" title="{}">{}</span>', name, name)

    @admin.display(description=_("score"), ordering="score")
    def score_display(self, obj):
        if obj.score is None:
            return "—"
        return format_html(
            '<span title="{}">{} × {} = <strong>{}</strong></span>',
            _("impact × likelihood"),
            obj.impact,
            obj.likelihood,
            obj.score,
        )

    def save_model(self, request, obj, form, change):
        obj.save(
            changed_by=request.user,
            change_reason=form.cleaned_data.get("change_reason", ""),
            change_source=ScoreSource.MANUAL,
        )


class RiskChildAdmin(ProgrammeScoped, OwnedRiskPermissions, SimpleHistoryAdmin):
    list_select_related = ["risk"]
    autocomplete_fields = ["risk"]

    def get_readonly_fields(self, request, obj=None):
        # Moving an item to another risk is for register administrators; an assignee edits it in place.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not is_register_admin(request.user, obj):
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


@admin.register(ScoreChange)
class ScoreChangeAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["risk", "assessment", "changed_at", "changed_by", "old_score", "new_score", "source", "reason"]
    list_filter = ["assessment", "source"]
    list_select_related = ["risk", "changed_by"]
    search_fields = ["risk__code", "risk__title", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["name", "order"]
    search_fields = ["name"]


@admin.register(Component)
class ComponentAdmin(ObjectToolsMixin, admin.ModelAdmin):
    change_form_template = "admin/core/change_form.html"
    list_display = ["name", "aliases"]
    search_fields = ["name", "aliases"]


@admin.register(ScaleBand)
class ScaleBandAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["axis", "label", "level", "min_value", "max_value", "description"]
    list_filter = ["axis"]

    def get_queryset(self, request):
        # The organisation's scale (no programme) is everyone's; a programme's own, its members'.
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if visibility.sees_everything(request.user):
            return queryset
        return queryset.filter(
            Q(programme__isnull=True) | Q(programme__in=visibility.visible_programme_ids(request.user))
        )

    # Always shown, never filled in behind the user's back: empty means the organisation's scale.
    def get_fields(self, request, obj=None):
        return admin.ModelAdmin.get_fields(self, request, obj)

    def get_fieldsets(self, request, obj=None):
        return admin.ModelAdmin.get_fieldsets(self, request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        return admin.ModelAdmin.get_form(self, request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "programme" and not self.may_change_organisation_scale(request):
            field.required = True
        return field

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or obj.programme_id is not None:
            return allowed and (obj is None or request.user.has_perm("register.change_scaleband", obj.programme))
        return allowed and self.may_change_organisation_scale(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj) and super().has_delete_permission(request, obj)

    @staticmethod
    def may_change_organisation_scale(request) -> bool:
        """The organisation's administrator — or, in a register of one programme, whoever may change
        scale bands there (one team's scale is the organisation's)."""
        if visibility.sees_everything(request.user):
            return True
        only = list(Programme.objects.all()[:2])
        return len(only) == 1 and request.user.has_perm("register.change_scaleband", only[0])


@admin.register(LevelBand)
class LevelBandAdmin(admin.ModelAdmin):
    list_display = ["level", "min_score", "max_score", "swatch"]
    fields = ["level", "min_score", "colour"]

    @admin.display(description=_("colour"))
    def swatch(self, obj):
        return level_badge(obj.level, obj.colour, obj.colour)


@admin.register(Strategy)
class StrategyAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["__str__", "kind", "detail_language"]
    list_filter = ["kind"]
    search_fields = ["title", "detail"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "detail":
            kwargs["widget"] = _CODE_WIDGET
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# Acceptances and appetite have pages of their own (register/treatment_admin.py).
from register import treatment_admin  # noqa: E402, F401


def score_change_panel(request):
    """The latest score changes, on the admin index: who moved which risk, when and why."""
    if not request.user.has_perm("register.view_scorechange"):
        return None
    changes = visibility.scope(ScoreChange.objects.all(), request.user)
    changes = list(changes.select_related("risk__programme", "changed_by").order_by("-changed_at", "-pk")[:8])
    # Risks of several programmes: say whose R-7 it is.
    qualified = len({c.risk.programme_id for c in changes}) > 1
    rows = [
        (
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:register_risk_change", args=[c.risk_id]),
                f"{c.risk.programme.code} {c.risk.code}" if qualified else c.risk.code,
            ),
            format_html("{} → <strong>{}</strong>", display.number(c.old_score), display.number(c.new_score)),
            display.when(c.changed_at),
            c.changed_by.get_username() if c.changed_by_id else c.get_source_display(),
        )
        for c in changes
    ]
    return {
        "title": _("Recent score changes"),
        "columns": [_("risk"), _("score"), _("when"), _("by")],
        "rows": rows,
        "empty": _("No score has changed yet."),
    }


extensions.add_index_panel("register.score_changes", score_change_panel, order=40)
