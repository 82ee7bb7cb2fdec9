"""The portfolio's reviews: where each programme the reader sees stands with its reviews — its last
completed weekly and monthly review, how many risks that review took up, and its open reviews (and
whether they are overdue) — on one page, read before an organisation's own review. A handful of
queries whatever the number of programmes or of reviews kept."""

from __future__ import annotations

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from register import visibility
from reviews.choices import ReviewKind, ReviewStatus
from reviews.models import Review


def summary(user, today) -> list[dict]:
    """One row per programme the user sees (in the selector's narrowing), by code."""
    programmes = list(visibility.visible_programmes(user).order_by("code").values("pk", "code", "name"))
    reviews = visibility.scope(Review.objects.all(), user)
    latest = (
        reviews.filter(status=ReviewStatus.COMPLETED)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("programme_id"), F("kind")], order_by=F("completed_at").desc()),
            taken_up=Count("reassessments", distinct=True),
            flagged=Count("reassessments", filter=Q(reassessments__flagged=True), distinct=True),
        )
        .filter(rank=1)
    )
    done = {(r.programme_id, r.kind): r for r in latest}
    open_reviews: dict[int, list[Review]] = {}
    for review in reviews.exclude(status=ReviewStatus.COMPLETED).order_by("due_date", "kind"):
        open_reviews.setdefault(review.programme_id, []).append(review)
    rows = []
    for programme in programmes:
        pending = open_reviews.get(programme["pk"], [])
        rows.append(
            {
                **programme,
                "weekly": done.get((programme["pk"], ReviewKind.WEEKLY)),
                "monthly": done.get((programme["pk"], ReviewKind.MONTHLY)),
                "open": [(review, review.is_overdue(today)) for review in pending],
                "overdue": sum(1 for review in pending if review.is_overdue(today)),
            }
        )
    return rows
