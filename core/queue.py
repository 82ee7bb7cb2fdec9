"""Queue Celery tasks by name: domain code asks for work without importing a task module.

A task module imports the domain it runs (``monitoring.tasks`` → ``monitoring.intake.collection``); if the
domain imported the task module back, the two would be one circle. So the domain names the task —
its ``name``, which is also its key in ``CELERY_TASK_ROUTES``, in beat's rows and in messages
already waiting in the broker — and Celery routes it as ``.delay()`` would.
``tests/test_queue_names.py`` holds every name given here to a registered task.
"""

from __future__ import annotations

from celery import current_app
from django.db import transaction


def send(task: str, *args) -> None:
    """Queue ``task`` now (the caller is not inside a transaction whose outcome matters)."""
    current_app.send_task(task, args=args)


def after_commit(task: str, *args, using: str | None = None) -> None:
    """Queue ``task`` once the current transaction commits (at once in autocommit).

    robust: a broker outage must not turn a committed write into an error; the outbox rows and
    their sweeps re-queue what was not sent.
    """
    transaction.on_commit(lambda: current_app.send_task(task, args=args), using=using, robust=True)
