"""Celery tasks. Each takes ids, is idempotent, and leaves the work itself in database rows.

The names are the ones these tasks had when they lived in monitoring: they are keys in
CELERY_TASK_ROUTES, in beat's rows and in messages already waiting in the broker.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from notifications import delivery


@shared_task(name="monitoring.tasks.deliver_notification")
def deliver_notification(notification_id: int) -> str:
    return delivery.deliver(notification_id)


@shared_task(name="monitoring.tasks.sweep_notifications")
def sweep_notifications() -> int:
    """Re-queue notifications that are due again or whose worker died mid-send."""
    due = delivery.due_for_retry(timezone.now())
    for pk in due:
        deliver_notification.delay(pk)
    return len(due)
