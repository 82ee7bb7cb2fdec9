from celery import shared_task

from riskregister.reviews import open_review


@shared_task
def open_weekly_review() -> str:
    """Beat, Fridays (the plan's 毎週金曜日): this week's review, once."""
    review, created = open_review("weekly")
    return f"{review} {'opened' if created else 'already open'}"


@shared_task
def open_monthly_review() -> str:
    """Beat, on the 1st: the review of the month just ended, once."""
    review, created = open_review("monthly")
    return f"{review} {'opened' if created else 'already open'}"
