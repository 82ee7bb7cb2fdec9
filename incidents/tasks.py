from celery import shared_task

from incidents import escalation


@shared_task
def escalate_incidents() -> int:
    """Every minute: run the due steps of each escalated, unacknowledged incident (idempotent)."""
    return escalation.escalate_due()


@shared_task
def remind_stuck_incidents() -> int:
    return escalation.remind_stuck()
