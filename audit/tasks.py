from celery import shared_task

from audit import seal


@shared_task
def seal_audit() -> int:
    """Beat, every minute: chain the entries written since the last run (idempotent)."""
    return seal.seal()


@shared_task
def prune_audit() -> int:
    """Beat, daily: archive and prune entries past AUDIT_RETENTION_DAYS (0: nothing)."""
    from audit import retention

    return retention.prune()
