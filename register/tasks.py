from celery import shared_task

from register import acceptances


@shared_task
def run_due_acceptances() -> dict:
    """Beat, daily: activate, expire and remind acceptances (idempotent; a rerun the same day is a no-op)."""
    return acceptances.run_due()
