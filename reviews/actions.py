"""Opening and completing reviews: the rules the admin, the API, the command and beat share."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import queue
from register.choices import MitigationStatus, RiskStatus, ScoreSource
from register.models import Mitigation, Programme, Risk
from reviews import evidence, proposals
from reviews.choices import ReviewStatus
from reviews.models import MitigationEvaluation, Reassessment, Review, ReviewItem, ReviewTemplate
from reviews.periods import Period, default_period, parse_period


def due_date(period: Period) -> date:
    # A weekly review is due by the end of its week; a monthly one a week after the month it covers.
    return period.end if period.kind == "weekly" else period.end + timedelta(days=7)


def programmes_reviewed(kind: str):
    """The programmes beat opens a ``kind`` review for: the active ones with a template of that kind
    or risks of their own (a portfolio above its programmes has neither, and no review of its own)."""
    return (
        Programme.objects.active()
        .filter(Q(pk__in=ReviewTemplate.objects.filter(kind=kind).values("programme_id")) | Q(risks__isnull=False))
        .distinct()
        .order_by("code")
    )


@transaction.atomic
def open_review(
    kind: str, label: str | None = None, today: date | None = None, programme: Programme | None = None
) -> tuple[Review, bool]:
    """Open a programme's review of a period (default: the current week, or the month just ended),
    once; without a programme, the register's only one.

    Re-running for the same period returns the existing review and changes nothing.
    """
    period = parse_period(kind, label) if label else default_period(kind, today or timezone.localdate())
    programme = programme or Programme.objects.default()
    review, created = Review.objects.get_or_create(
        programme=programme,
        kind=kind,
        period=period.label,
        defaults={"period_start": period.start, "period_end": period.end, "due_date": due_date(period)},
    )
    if not created:
        return review, False
    template = ReviewTemplate.objects.filter(programme=programme, kind=kind).prefetch_related("items__metrics").first()
    if template is not None:
        sources = list(template.items.all())
        items = ReviewItem.objects.bulk_create(
            [
                ReviewItem(
                    review=review,
                    order=item.order,
                    section=item.section,
                    text=item.text,
                    description=item.description,
                    evidence_kind=item.evidence,
                )
                for item in sources
            ]
        )
        ReviewItem.metrics.through.objects.bulk_create(
            [
                ReviewItem.metrics.through(reviewitem_id=item.pk, metric_id=metric.pk)
                for item, source in zip(items, sources, strict=True)
                for metric in source.metrics.all()
            ]
        )
    # The monthly review re-assesses every open risk; the weekly one the risks flagged "review now".
    # Flagged risks come first either way.
    risks = Risk.objects.filter(programme__in=review.programme_ids()).exclude(status=RiskStatus.CLOSED)
    if kind == "weekly":
        risks = risks.filter(needs_reassessment=True)
    Reassessment.objects.bulk_create(
        [
            Reassessment(
                review=review,
                risk=risk,
                current_impact=risk.impact,
                current_likelihood=risk.likelihood,
                flagged=risk.needs_reassessment,
                flag_reason=risk.review_reason,
            )
            for risk in risks.order_by("-needs_reassessment", "-score", "number").only(
                "pk", "impact", "likelihood", "needs_reassessment", "review_reason"
            )
        ]
    )
    if kind == "monthly":
        mitigations = Mitigation.objects.filter(
            risk__in=risks, status__in=[MitigationStatus.DONE, MitigationStatus.IN_PROGRESS]
        )
        MitigationEvaluation.objects.bulk_create(
            [MitigationEvaluation(review=review, mitigation=m) for m in mitigations.only("pk")]
        )
    refresh_evidence(review)
    return review, True


@transaction.atomic
def refresh_evidence(review: Review) -> Review:
    """(Re)compute the figures shown with the items, the re-assessment rows and the mitigations."""
    if review.is_locked:
        raise ValidationError(_("This review is completed already."))
    period = review.get_period()
    evidence.item_evidence(review.items.prefetch_related("metrics"), period, review.programme_ids())
    rows = list(review.reassessments.select_related("risk"))
    if rows:
        figures = evidence.risk_evidence([row.risk_id for row in rows], period)
        # What each risk's own record proposes (shown with the row; applied only by the reviewer).
        proposed = proposals.proposals_for([row.risk for row in rows])
        for row in rows:
            row.evidence = {**figures.get(row.risk_id, {}), "proposal": proposed.get(row.risk_id)}
        Reassessment.objects.bulk_update(rows, ["evidence"], batch_size=500)
    evaluations = list(review.mitigation_evaluations.select_related("mitigation"))
    if evaluations:
        figures = evidence.mitigation_evidence([e.mitigation for e in evaluations], period)
        for row in evaluations:
            row.evidence = figures.get(row.mitigation_id, {})
        MitigationEvaluation.objects.bulk_update(evaluations, ["evidence"], batch_size=500)
    return review


@transaction.atomic
def apply_proposals(review: Review) -> int:
    """Copy the evidence's proposals into the rows the reviewer has not filled in yet.

    The reviewer's own numbers win: a row with a proposed score or target keeps it. Nothing reaches a
    risk until the reviewer completes the review. Returns how many rows took a proposal.
    """
    if review.is_locked:
        raise ValidationError(_("This review is completed already."))
    applied = []
    for row in review.reassessments.all():
        proposal = (row.evidence or {}).get("proposal")
        if not proposal:
            continue
        took = False
        if proposal.get("likelihood") and row.proposed_likelihood is None and row.proposed_impact is None:
            row.proposed_likelihood, took = proposal["likelihood"], True
        if proposal.get("target_likelihood") and row.proposed_target is None:
            row.proposed_target_impact = proposal["target_impact"]
            row.proposed_target_likelihood, took = proposal["target_likelihood"], True
        if took:
            if not row.rationale.strip():
                row.rationale = "; ".join(proposal.get("reasons", []))
            applied.append(row)
    Reassessment.objects.bulk_update(
        applied, ["proposed_likelihood", "proposed_target_impact", "proposed_target_likelihood", "rationale"]
    )
    return len(applied)


def next_review_date(risk: Risk, today: date) -> date:
    return today + timedelta(days=settings.REVIEW_INTERVAL_DAYS[risk.level])


class ScoresMoved(ValidationError):
    """Risks were re-scored since the review opened: completing would have written over that."""

    def __init__(self, message: str, rows: list):
        super().__init__(message, code="scores_moved")
        self.rows = rows


def complete(review: Review, user) -> Review:
    """Apply the re-assessments (score history source "review"), set next review dates, lock.

    All or nothing: one invalid row leaves every risk and the review as they were. A risk re-scored
    since the review opened (in the admin, the API or an import) is never reset to the score the
    review captured: completion is refused, the re-assessment rows are brought up to the newer score
    so the reviewer sees it beside their proposal, and completing again applies the proposal over it.
    """
    try:
        return _complete(review, user)
    except ScoresMoved as moved:
        for row, risk in moved.rows:
            newer = {"current_impact": risk.impact, "current_likelihood": risk.likelihood}
            Reassessment.objects.filter(pk=row.pk).update(**newer)
        raise ValidationError(moved.messages) from None


@transaction.atomic
def _complete(review: Review, user) -> Review:
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not user.has_perm("reviews.complete_review"):
        raise PermissionDenied(_("Only reviewers complete reviews."))
    if review.is_locked:
        raise ValidationError(_("This review is completed already."))
    today = timezone.localdate()
    rows = list(review.reassessments.all())
    # The risks as they are now, locked: what a re-score since opening changed is what we compare.
    risks = Risk.objects.select_for_update().in_bulk([row.risk_id for row in rows])
    moved = [
        (row, risks[row.risk_id])
        for row in rows
        if row.changes
        and (risks[row.risk_id].impact, risks[row.risk_id].likelihood) != (row.current_impact, row.current_likelihood)
    ]
    if moved:
        said = "; ".join(
            _("%(risk)s is now %(impact)d × %(likelihood)d (the review captured %(was_i)d × %(was_l)d)")
            % {
                "risk": risk.code,
                "impact": risk.impact,
                "likelihood": risk.likelihood,
                "was_i": row.current_impact,
                "was_l": row.current_likelihood,
            }
            for row, risk in moved
        )
        raise ScoresMoved(
            _(
                "Not completed: risks were re-scored since this review opened — %(said)s. The re-assessments"
                " now show the newer scores; check each proposal and complete again."
            )
            % {"said": said},
            moved,
        )
    for row in rows:
        row.risk = risks[row.risk_id]
        row.full_clean()
    for row in rows:
        risk = row.risk
        if row.changes:
            risk.impact = row.proposed_impact or row.current_impact
            risk.likelihood = row.proposed_likelihood or row.current_likelihood
        if row.proposed_target:
            risk.target_impact, risk.target_likelihood = row.proposed_target
        risk.needs_reassessment, risk.review_reason, risk.review_flagged_at = False, "", None
        risk.full_clean()
        risk.save(changed_by=user, change_reason=row.rationale.strip(), change_source=ScoreSource.REVIEW)
        Risk.objects.filter(pk=risk.pk).update(next_review_date=next_review_date(risk, today))
    review.status, review.completed_at, review.completed_by = ReviewStatus.COMPLETED, timezone.now(), user
    review.save(update_fields=["status", "completed_at", "completed_by"])
    # The report shows the register after the re-scores: render and mail it once they are committed
    # (a broker outage must not turn a committed completion into an error page).
    queue.after_commit("reviews.tasks.send_review_report", review.pk)
    return review


def remind_overdue(today: date) -> int:
    """Mail each overdue review's reviewers (or, when none are named, everyone in the reviewer role)."""
    from django.core.mail import send_mail

    from register.roles import REVIEWER

    sent = 0
    overdue = Review.objects.exclude(status=ReviewStatus.COMPLETED).filter(due_date__lt=today)
    for review in overdue.exclude(reminded_on=today).select_related("programme").prefetch_related("reviewers"):
        # Claimed by a conditional UPDATE so two beat runs on the same day send one reminder.
        if not Review.objects.filter(pk=review.pk).exclude(reminded_on=today).update(reminded_on=today):
            continue
        people = list(review.reviewers.all()) or list(review.programme.people_in_role(REVIEWER))
        recipients = sorted({p.email for p in people if p.email})
        if not recipients:
            continue
        days = (today - review.due_date).days
        send_mail(
            _("Overdue review: %(review)s") % {"review": review},
            _("%(review)s was due on %(due)s (%(days)d days ago). Complete it here: %(url)s")
            % {
                "review": review,
                "due": review.due_date.isoformat(),
                "days": days,
                "url": f"{settings.SITE_URL}/admin/reviews/review/{review.pk}/change/",
            },
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
        sent += 1
    return sent
