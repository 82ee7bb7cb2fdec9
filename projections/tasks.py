"""Celery tasks: drain the outbox (after each change and every 30 s) and check consistency."""

from __future__ import annotations

from celery import shared_task

from projections import consistency, outbox


@shared_task
def project_outbox() -> dict:
    return outbox.drain()


@shared_task
def check_projections() -> dict:
    """Beat, every 30 minutes: compare, repair, and feed the result to the monitoring pipeline."""
    report = consistency.check(repair=True)
    consistency.record(report)
    return report.summary()
