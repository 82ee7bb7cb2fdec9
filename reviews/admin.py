"""The review workbench: a review's change page is where the reviewer works through the checklist
with the evidence beside each item, re-assesses risks, rates mitigations, records improvements,
completes the review and downloads its report."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import display, extensions
from register import visibility
from register.admin_programmes import ProgrammeScoped
from reviews import actions as reviews
from reviews import reports, workbench
from reviews.models import (
    MitigationEvaluation,
    Reassessment,
    ReportSubscription,
    Review,
    ReviewAction,
    ReviewItem,
    ReviewTemplate,
    ReviewTemplateItem,
)


class ReviewTemplateItemInline(admin.TabularInline):
    model = ReviewTemplateItem
    extra = 0
    fields = ["order", "section", "text", "evidence", "metrics", "description"]
    autocomplete_fields = ["metrics"]


@admin.register(ReviewTemplate)
class ReviewTemplateAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["name", "kind"]
    inlines = [ReviewTemplateItemInline]


class _RowsOfReview(admin.TabularInline):
    """Rows the review opened with: edited in place, never added or removed by hand."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReviewItemInline(_RowsOfReview):
    model = ReviewItem
    fields = ["section", "text", "evidence_display", "done", "note"]
    readonly_fields = ["section", "text", "evidence_display"]
    verbose_name_plural = _("checklist")
    template = "admin/reviews/review/inline_items.html"
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 4})},
        models.BooleanField: {"widget": forms.CheckboxInput(attrs={"class": "wb-done"})},
    }

    @admin.display(description=_("evidence"))
    def evidence_display(self, obj):
        return workbench.render_evidence(obj.evidence)


class ReassessmentInline(_RowsOfReview):
    model = Reassessment
    fields = [
        "risk",
        "flag_display",
        "figures",
        "current_impact",
        "current_likelihood",
        "proposal_display",
        "proposed_impact",
        "proposed_likelihood",
        "proposed_target_impact",
        "proposed_target_likelihood",
        "rationale",
    ]
    readonly_fields = ["risk", "flag_display", "figures", "proposal_display", "current_impact", "current_likelihood"]
    template = "admin/reviews/review/inline_reassessments.html"
    formfield_overrides = {
        models.PositiveSmallIntegerField: {"widget": forms.NumberInput(attrs={"min": 1, "max": 5})},
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})},
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("risk")

    @admin.display(description=_("review now"))
    def flag_display(self, obj):
        if not obj.flagged:
            return ""
        return format_html('<strong style="color:#c9302c">{}</strong><br>{}', _("review now"), obj.flag_reason)

    @admin.display(description=_("this period"))
    def figures(self, obj):
        return workbench.risk_figures(obj.evidence)

    @admin.display(description=_("evidence proposes"))
    def proposal_display(self, obj):
        return workbench.proposal(obj.evidence)


class MitigationEvaluationInline(_RowsOfReview):
    model = MitigationEvaluation
    fields = ["mitigation", "before_after", "rating", "note"]
    readonly_fields = ["mitigation", "before_after"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mitigation__risk")

    @admin.display(description=_("indicators before → after"))
    def before_after(self, obj):
        rows = obj.evidence.get("indicators", [])
        if not rows:
            return format_html(
                '<span class="quiet">{}</span>', gettext(obj.evidence["no_data"]) if obj.evidence.get("no_data") else ""
            )
        return format_html_join(
            "",
            "<div>{}: {} → {} {}</div>",
            (
                (
                    r["name"],
                    r["before"] if r["before"] is not None else "–",
                    r["after"] if r["after"] is not None else "–",
                    r["unit"],
                )
                for r in rows
            ),
        )


class ReviewActionInline(admin.TabularInline):
    model = ReviewAction
    extra = 1
    fields = ["text", "owner", "due_date", "done"]
    autocomplete_fields = ["owner"]


@admin.register(Review)
class ReviewAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["__str__", "kind", "period", "status", "due_date", "overdue", "completed_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "programme",
        "kind",
        "period",
        "period_start",
        "period_end",
        "status",
        "completed_at",
        "completed_by",
        "new_risks",
    ]
    autocomplete_fields = ["reviewers"]
    actions = ["complete_reviews"]
    change_form_template = "admin/reviews/review/change_form.html"

    def get_fields(self, request, obj=None):
        fields = ["kind", "period", "status", "due_date", "reviewers", "summary", "completed_at", "completed_by"]
        if self.several_programmes(request):
            fields.insert(0, "programme")  # whose review it is, when the user sees several
        if obj is not None and obj.kind == "monthly":
            fields.append("new_risks")
        return fields

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        if obj.kind == "monthly":
            return [ReviewItemInline, ReassessmentInline, MitigationEvaluationInline, ReviewActionInline]
        return [ReviewItemInline, ReassessmentInline, ReviewActionInline]

    def has_add_permission(self, request):
        return False  # reviews are opened by beat or `manage.py open_review`

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_locked)

    @admin.display(boolean=True, description=_("overdue"))
    def overdue(self, obj):
        return obj.is_overdue()

    @admin.display(description=_("new risks (step 1)"))
    def new_risks(self, obj):
        from register.models import Risk
        from reviews import evidence

        window = evidence.Window(obj.get_period(), obj.programme_ids())
        risks = window.within(
            Risk.objects.filter(created_at__gte=window.start, created_at__lt=window.end), "programme"
        ).order_by("number")
        summary = evidence.period_summary(obj.get_period(), obj.programme_ids())
        unlinked = (summary.get("incidents") or {}).get("unlinked", [])
        return format_html(
            "<div>{}</div><div>{}</div>",
            format_html_join(", ", "{} {}", ((r.code, r.title) for r in risks)) or _("No risk was added this month."),
            format_html(
                "{} {}",
                _("Incidents not linked to any risk (candidates):"),
                format_html_join(", ", "INC-{} {}", ((i["id"], i["title"]) for i in unlinked)),
            )
            if unlinked
            else "",
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/complete/", view(self.complete_view), name="reviews_review_complete"),
            path("<int:pk>/refresh/", view(self.refresh_view), name="reviews_review_refresh"),
            path("<int:pk>/apply-proposals/", view(self.proposals_view), name="reviews_review_apply_proposals"),
            path("<int:pk>/report.<str:fmt>", view(self.report_view), name="reviews_review_report"),
            path("portfolio/", view(self.portfolio_view), name="reviews_review_portfolio"),
            *super().get_urls(),
        ]

    def portfolio_view(self, request):
        """The programmes' reviews side by side (reviews/portfolio.py)."""
        from django.template.response import TemplateResponse
        from django.utils import timezone

        from reviews import portfolio

        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = portfolio.summary(request.user, timezone.localdate())
        for row in rows:
            row["last"] = [row["weekly"], row["monthly"]]
        context = {**self.admin_site.each_context(request), "title": _("Reviews across programmes"), "rows": rows}
        return TemplateResponse(request, "admin/reviews/portfolio.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from register.heatmap import grid_from_counts

        review = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_complete": request.user.has_perm("reviews.complete_review"),
            "level_grid": grid_from_counts({}),
        }
        if review is not None:
            extra_context.update(
                progress=workbench.progress(review),
                due_display=date_format(review.due_date, "SHORT_DATE_FORMAT"),
                completed_at_display=display.when(review.completed_at),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        # "Complete review…" saves the edits first, then asks for confirmation with what will change.
        if "_complete" in request.POST:
            return HttpResponseRedirect(reverse("admin:reviews_review_complete", args=[obj.pk]))
        return super().response_change(request, obj)

    def _back(self, review):
        return HttpResponseRedirect(reverse("admin:reviews_review_change", args=[review.pk]))

    def complete_view(self, request, pk: int):
        review = get_object_or_404(Review, pk=pk)
        if request.method != "POST":
            if review.is_locked or not self.has_view_permission(request, review):
                return self._back(review)
            context = {
                **self.admin_site.each_context(request),
                "title": _("Complete %(review)s?") % {"review": review},
                "review": review,
                "opts": self.opts,
                "progress": workbench.progress(review),
                "undone": review.items.filter(done=False),
                "changes": workbench.changes(review),
                "can_complete": request.user.has_perm("reviews.complete_review"),
            }
            return TemplateResponse(request, "admin/reviews/review/complete.html", context)
        try:
            reviews.complete(review, request.user)
        except PermissionDenied:
            raise
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, _("%(review)s completed; the report is on its way.") % {"review": review})
        return self._back(review)

    def refresh_view(self, request, pk: int):
        review = get_object_or_404(Review, pk=pk)
        if not self.has_change_permission(request, review):
            raise PermissionDenied
        if request.method == "POST":
            reviews.refresh_evidence(review)
            self.message_user(request, _("Evidence recomputed."))
        return self._back(review)

    def proposals_view(self, request, pk: int):
        review = get_object_or_404(Review, pk=pk)
        if not self.has_change_permission(request, review):
            raise PermissionDenied
        if request.method == "POST":
            try:
                applied = reviews.apply_proposals(review)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(n)s re-assessment(s) took the evidence's proposal; check them, then complete the review.")
                    % {"n": applied},
                )
        return self._back(review)

    def report_view(self, request, pk: int, fmt: str):
        review = get_object_or_404(Review, pk=pk)
        if not self.has_view_permission(request, review) or fmt not in ("html", "pdf"):
            raise PermissionDenied
        return reports.report_response(review, fmt)

    @admin.action(description=_("Complete selected reviews (apply re-assessments)"), permissions=["change"])
    def complete_reviews(self, request, queryset):
        for review in queryset:
            try:
                reviews.complete(review, request.user)
            except (PermissionDenied, ValidationError) as exc:
                message = "; ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"{review}: {message}", messages.ERROR)
            else:
                self.message_user(request, _("%(review)s completed.") % {"review": review}, messages.SUCCESS)


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["email"]


def review_panel(request):
    """Open and overdue reviews on the admin index."""
    if not request.user.has_perm("reviews.view_review"):
        return None
    from django.utils import timezone

    today = timezone.localdate()
    open_reviews = list(
        visibility.scope(Review.objects.exclude(status="completed"), request.user)
        .select_related("programme")
        .annotate(flagged=Count("reassessments", filter=Q(reassessments__flagged=True)))
        .order_by("due_date", "programme__code")[:10]
    )
    # Reviews of several programmes: say whose each is.
    whose = len({r.programme_id for r in open_reviews}) > 1
    rows = [
        (
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:reviews_review_change", args=[r.pk]),
                f"{r.programme.code} {r}" if whose else str(r),
            ),
            r.due_date.isoformat(),
            format_html('<strong style="color:#c9302c">{}</strong>', _("overdue")) if r.is_overdue(today) else "",
            r.flagged,
        )
        for r in open_reviews
    ]
    if not rows:
        return None
    return {
        "title": format_html(
            '{} · <a href="{}">{}</a>',
            _("Open reviews"),
            reverse("admin:reviews_review_portfolio"),
            _("across programmes"),
        ),
        "columns": [_("review"), _("due date"), "", _("risks to review now")],
        "rows": rows,
    }


extensions.add_index_panel("reviews.open", review_panel, order=10)


def weekly_review_step(request):
    """Start here: this week's review, worked through to the end."""
    if not request.user.has_perm("reviews.change_review"):
        return None
    from django.utils import timezone

    from reviews.periods import period_containing

    period = period_containing("weekly", timezone.localdate())
    reviews_this_week = list(
        visibility.scope(Review.objects.filter(kind="weekly", period=period.label), request.user)[:2]
    )
    review = reviews_this_week[0] if len(reviews_this_week) == 1 else None
    if review is not None:
        url = reverse("admin:reviews_review_change", args=[review.pk])
    elif reviews_this_week:  # one per programme: the week's reviews side by side
        url = reverse("admin:reviews_review_changelist") + f"?kind__exact=weekly&period={period.label}"
    else:
        url = reverse("admin:reviews_review_changelist")
    return {"label": _("Work through this week's review"), "url": url, "done": bool(review and review.is_locked)}


extensions.add_start_step("reviews.weekly", weekly_review_step, order=30)


def overdue_reviews_by_programme(request):
    if not request.user.has_perm("reviews.view_review"):
        return None
    from django.utils import timezone

    overdue = visibility.scope(
        Review.objects.exclude(status="completed").filter(due_date__lt=timezone.localdate()), request.user
    )
    return dict(overdue.values("programme_id").annotate(n=Count("id")).order_by().values_list("programme_id", "n"))


extensions.add_portfolio_figure("reviews.overdue", _("overdue reviews"), overdue_reviews_by_programme, order=40)
