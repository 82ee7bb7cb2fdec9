"""Review reports: one template rendered to HTML and (with WeasyPrint) to PDF, kept with the review
and mailed to the subscribers."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import charts
from register import appetite
from register.choices import AcceptanceState, AppetiteStatus, MitigationStatus, RiskStatus
from register.heatmap import grid_from_counts, heatmap
from register.heatmap import legend as heatmap_legend
from register.models import Appetite, Mitigation, Risk, RiskAcceptance, ScoreChange
from reviews import evidence
from reviews.choices import Effectiveness
from reviews.models import ReportSubscription, Review, ReviewReport

TOP_RISKS = 10
EXPIRING_DAYS = 30


class ReportError(Exception):
    """The PDF cannot be produced here (WeasyPrint's system libraries are missing)."""


def context(review: Review) -> dict:
    period = review.get_period()
    window = evidence.Window(period, review.programme_ids())
    until = review.completed_at or timezone.now()
    open_risks = Risk.objects.filter(programme__in=review.programme_ids()).exclude(status=RiskStatus.CLOSED)
    rows = list(review.reassessments.select_related("risk"))
    before: dict[tuple[int, int], int] = {}
    for row in rows:
        key = (row.current_impact, row.current_likelihood)
        before[key] = before.get(key, 0) + 1
    items = list(review.items.all())
    for item in items:
        for metric in item.evidence.get("metrics", []):
            metric["chart"] = charts.trend_chart_svg(metric, width=460)
    changes = (
        window.within(
            ScoreChange.objects.filter(changed_at__gte=window.start, changed_at__lte=until), "risk__programme"
        )
        .filter(~Q(old_impact=None))
        .select_related("risk", "changed_by")
        .order_by("risk__number", "changed_at")
    )
    today = timezone.localdate()
    return {
        "review": review,
        "period": period,
        "items": items,
        "heatmap": heatmap(open_risks),
        "heatmap_legend": heatmap_legend(grid_from_counts({})),
        "heatmap_before": grid_from_counts(before) if review.kind == "monthly" and rows else None,
        "top_risks": list(open_risks.select_related("owner", "category").order_by("-score", "number")[:TOP_RISKS]),
        "score_changes": list(changes),
        "summary": evidence.period_summary(period, review.programme_ids()),
        "reassessments": [row for row in rows if row.changes or row.flagged],
        # Rated mitigations only: a monthly review of a large register holds hundreds of "not yet".
        "evaluations": list(
            review.mitigation_evaluations.exclude(rating=Effectiveness.NOT_YET).select_related("mitigation__risk")
        ),
        "unrated": review.mitigation_evaluations.filter(rating=Effectiveness.NOT_YET).count(),
        "actions": list(review.actions.select_related("owner")),
        "new_risks": list(
            Risk.objects.filter(created_at__gte=window.start, created_at__lt=window.end).order_by("number")
        )
        if review.kind == "monthly"
        else None,
        "overdue_mitigations": list(
            Mitigation.objects.filter(
                due_date__lt=today, status__in=[MitigationStatus.PLANNED, MitigationStatus.IN_PROGRESS]
            )
            .exclude(risk__status=RiskStatus.CLOSED)
            .select_related("risk", "owner")
            .order_by("due_date")
        ),
        **treatment_context(open_risks, today),
        "generated_at": timezone.now(),
        "site_url": settings.SITE_URL,
    }


def treatment_context(open_risks, today) -> dict:
    """What the report says about treatment: risks outside appetite, acceptances ending soon, and
    where every open risk started, is and is going."""
    in_force = Appetite.objects.in_force()
    outside = list(
        open_risks.filter(appetite_status=AppetiteStatus.OUTSIDE).select_related("category", "owner").order_by("-score")
    )
    for risk in outside:
        risk.appetite_in_force = appetite.version_for(risk.programme_id, risk.category_id, in_force)
    return {
        "outside_appetite": outside,
        "acceptances_expiring": list(
            RiskAcceptance.objects.filter(
                state=AcceptanceState.ACTIVE,
                expires_on__lte=today + timedelta(days=EXPIRING_DAYS),
                risk__in=open_risks.values("pk"),
            )
            .select_related("risk", "decided_by")
            .order_by("expires_on")
        ),
        "expiring_days": EXPIRING_DAYS,
        "trajectories": list(open_risks.order_by("-score", "number")),
    }


def render_html(review: Review, language: str | None = None) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string("reviews/review_report.html", context(review))


def render_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # pango/harfbuzz missing: WeasyPrint cannot load its libraries
        raise ReportError(f"WeasyPrint cannot start ({exc}); run scripts/install-report-deps.sh") from exc
    return HTML(string=html, base_url=settings.SITE_URL).write_pdf()


@transaction.atomic
def store(review: Review) -> ReviewReport:
    """Render both formats and keep them with the review (replacing an earlier rendering)."""
    html = render_html(review)
    report, _created = ReviewReport.objects.update_or_create(
        review=review, defaults={"html": html, "pdf": render_pdf(html), "rendered_at": timezone.now()}
    )
    return report


def subscribers(review: Review) -> list[str]:
    rows = ReportSubscription.objects.filter(active=True).filter(Q(kind="") | Q(kind=review.kind))
    return sorted({row.email for row in rows})


def send(report: ReviewReport) -> int:
    """Mail the report (HTML body, PDF attached) to the subscribers; returns the number of recipients."""
    review = report.review
    recipients = subscribers(review)
    if not recipients:
        return 0
    subject = _("Risk review report: %(review)s") % {"review": review}
    text = _("The %(review)s report is attached (PDF). Open it in the register: %(url)s") % {
        "review": review,
        "url": f"{settings.SITE_URL}/admin/reviews/review/{review.pk}/change/",
    }
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, bcc=recipients)
    message.attach_alternative(report.html, "text/html")
    if report.pdf:
        message.attach(f"review-{review.kind}-{review.period}.pdf", bytes(report.pdf), "application/pdf")
    message.send()
    ReviewReport.objects.filter(pk=report.pk).update(sent_at=timezone.now())
    return len(recipients)


def report_response(review: Review, fmt: str) -> HttpResponse:
    """The stored report of a completed review, or one rendered now for an open review."""
    stored = getattr(review, "report", None) if review.is_locked else None
    html = stored.html if stored else render_html(review)
    name = f"review-{review.kind}-{review.period}"
    if fmt == "html":
        return HttpResponse(html, content_type="text/html; charset=utf-8")
    try:
        pdf = bytes(stored.pdf) if stored and stored.pdf else render_pdf(html)
    except ReportError as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
