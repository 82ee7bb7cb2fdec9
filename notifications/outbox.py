"""The one way an app hands over a message: an outbox row written in the caller's transaction, its
delivery queued once that commits. Idempotent on the key and the destination, so a step that runs
twice (a redelivered task, a killed worker, beat running again) owes one message."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core import queue
from core.bulk import create_rows
from notifications.models import Notification

DELIVER = "monitoring.tasks.deliver_notification"  # notifications.tasks: the name it has always had


def owe(key: str, payload: dict, *, channel=None, recipient: str = "") -> bool:
    """Owe ``payload`` to a channel or to a person's address; False when it was owed already."""
    if channel is None and not recipient:
        raise ValueError("a notification goes to a channel or to a recipient")
    destination = {"channel": channel} if channel is not None else {"channel": None, "recipient": recipient}
    if Notification.objects.filter(key=key, **destination).exists():
        return False
    try:
        # A savepoint: another transaction that owed the same message first makes this insert
        # fail on the once-per-key constraints, and the caller's transaction goes on.
        with transaction.atomic():
            notification = Notification.objects.create(key=key, payload=payload, recipient=recipient, channel=channel)
    except IntegrityError:
        return False
    queue.after_commit(DELIVER, notification.pk)
    return True


def owe_many(notifications: list[Notification]) -> list[Notification]:
    """Write unsaved notifications in one statement and queue each delivery after commit (an
    evaluation tick's messages: their keys are new, the transitions having just been written)."""
    if not notifications:
        return []
    # SQLite ≥ 3.35 and PostgreSQL return the new keys from a bulk insert.
    written = create_rows(notifications)
    for notification in written:
        queue.after_commit(DELIVER, notification.pk)
    return written
