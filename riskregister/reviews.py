"""Opening and completing reviews: the rules the admin, the API, the command and beat share."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from riskregister.choices import RiskStatus, ScoreSource
from riskregister.models import Reassessment, Review, ReviewItem, ReviewTemplate, Risk
from riskregister.models.reviews import ReviewStatus
from riskregister.periods import Period, default_period, parse_period


def due_date(period: Period) -> date:
    # A weekly review is due by the end of its week; a monthly one a week after the month it covers.
    return period.end if period.kind == "weekly" else period.end + timedelta(days=7)


@transaction.atomic
def open_review(kind: str, label: str | None = None, today: date | None = None) -> tuple[Review, bool]:
    """Open the review of a period (default: the current week, or the month just ended), once.

    Re-running for the same period returns the existing review and changes nothing.
    """
    period = parse_period(kind, label) if label else default_period(kind, today or timezone.localdate())
    review, created = Review.objects.get_or_create(
        kind=kind,
        period=period.label,
        defaults={"period_start": period.start, "period_end": period.end, "due_date": due_date(period)},
    )
    if not created:
        return review, False
    template = ReviewTemplate.objects.filter(kind=kind).prefetch_related("items").first()
    if template is not None:
        ReviewItem.objects.bulk_create(
            [
                ReviewItem(
                    review=review, order=item.order, section=item.section, text=item.text, description=item.description
                )
                for item in template.items.all()
            ]
        )
    if kind == "monthly":
        # Risks flagged by incidents come first: they are the ones the month says to look at.
        risks = Risk.objects.exclude(status=RiskStatus.CLOSED).order_by("-needs_reassessment", "-score", "number")
        Reassessment.objects.bulk_create(
            [
                Reassessment(
                    review=review,
                    risk=risk,
                    current_impact=risk.impact,
                    current_likelihood=risk.likelihood,
                    flagged=risk.needs_reassessment,
                )
                for risk in risks
            ]
        )
    return review, True


def next_review_date(risk: Risk, today: date) -> date:
    return today + timedelta(days=settings.REVIEW_INTERVAL_DAYS[risk.level])


@transaction.atomic
def complete(review: Review, user) -> Review:
    """Apply the re-assessments (score history source "review"), set next review dates, lock.

    All or nothing: one invalid row leaves every risk and the review as they were.
    """
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not user.has_perm("riskregister.complete_review"):
        raise PermissionDenied(_("Only reviewers complete reviews."))
    if review.is_locked:
        raise ValidationError(_("This review is completed already."))
    today = timezone.localdate()
    rows = list(review.reassessments.select_related("risk"))
    for row in rows:
        row.full_clean()
    for row in rows:
        risk = row.risk
        if row.changes:
            risk.impact = row.proposed_impact or row.current_impact
            risk.likelihood = row.proposed_likelihood or row.current_likelihood
        risk.needs_reassessment = False
        risk.full_clean()
        risk.save(changed_by=user, change_reason=row.rationale.strip(), change_source=ScoreSource.REVIEW)
        Risk.objects.filter(pk=risk.pk).update(next_review_date=next_review_date(risk, today))
    review.status, review.completed_at, review.completed_by = ReviewStatus.COMPLETED, timezone.now(), user
    review.save(update_fields=["status", "completed_at", "completed_by"])
    return review
