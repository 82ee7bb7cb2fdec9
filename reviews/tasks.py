from celery import shared_task
from django.utils import timezone

from reviews.actions import open_review, programmes_reviewed


def _open_each(kind: str) -> str:
    # One programme's review per transaction: a failure in one leaves the others opened.
    done = []
    for programme in programmes_reviewed(kind):
        review, created = open_review(kind, programme=programme)
        done.append(f"{programme.code} {review} {'opened' if created else 'already open'}")
    return "; ".join(done) or "no programme to review"


@shared_task
def open_weekly_review() -> str:
    """Beat, Fridays (the plan's 毎週金曜日): each programme's review of this week, once."""
    return _open_each("weekly")


@shared_task
def open_monthly_review() -> str:
    """Beat, on the 1st: each programme's review of the month just ended, once."""
    return _open_each("monthly")


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_review_report(review_id: int) -> str:
    """Render a completed review's report and mail it, once (a report already sent is not re-sent)."""
    from reviews import reports
    from reviews.models import Review, ReviewReport

    review = Review.objects.filter(pk=review_id).first()
    if review is None:
        return "gone"
    existing = ReviewReport.objects.filter(review=review, sent_at__isnull=False).first()
    if existing is not None:
        return "already sent"
    report = reports.store(review)
    return f"sent to {reports.send(report)}"


@shared_task
def remind_overdue_reviews() -> int:
    """Beat, daily: mail the reviewers of each overdue review, at most once a day per review."""
    from reviews.actions import remind_overdue

    return remind_overdue(timezone.localdate())
