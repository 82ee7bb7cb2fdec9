"""Celery tasks. Each takes ids, is idempotent, and leaves the work itself in database rows."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monitoring.alerting import actions
from monitoring.forecasts import breach_forecasts
from monitoring.intake import collection, retention
from monitoring.models import SLO, Metric
from monitoring.slos import evaluation as slo_evaluation


@shared_task
def collect_due_metrics() -> int:
    """Beat's trigger: claim due metrics and queue their collections, COLLECTION_BATCH to a task."""
    claimed = [(pk, slot.isoformat()) for pk, slot in collection.claim_due(timezone.now())]
    size = max(1, settings.COLLECTION_BATCH)
    for start in range(0, len(claimed), size):
        batch = claimed[start : start + size]
        transaction.on_commit(lambda batch=batch: collect_metrics.delay(batch))
    return len(claimed)


@shared_task
def collect_metrics(due: list[tuple[int, str]]) -> dict[str, int]:
    """Collect a batch of (metric id, slot): read concurrently, stored and evaluated in one
    transaction. A redelivered batch reads and writes nothing already recorded."""
    slots = {int(pk): datetime.fromisoformat(slot) for pk, slot in due}
    metrics = Metric.objects.filter(pk__in=slots, enabled=True)
    readings = collection.collect_many([(metric, slots[metric.pk]) for metric in metrics])
    return {"due": len(due), "collected": len(readings)}


@shared_task
def collect_metric(metric_id: int, slot: str | None = None) -> str:
    """One metric (tasks queued by an earlier release, and a single trigger by hand)."""
    metric = Metric.objects.filter(pk=metric_id, enabled=True).first()
    if metric is None:
        return "gone"
    reading = collection.collect(metric, datetime.fromisoformat(slot) if slot else None)
    return reading.status if reading else "already collected"


@shared_task
def rollup_readings() -> dict:
    return retention.rollup_and_prune(timezone.now())


@shared_task
def flag_unhealthy_sources() -> int:
    """A source unhealthy for longer than SOURCE_UNHEALTHY_REVIEW_HOURS flags its risk "review now":
    the indicator has been blind that long, and the risk may be larger than its score says."""
    return actions.flag_unhealthy_sources(timezone.now())


@shared_task
def forecast_breaches() -> dict:
    """Hourly: each threshold indicator's time-to-breach; a crossing before the risk's next review
    flags it "review now" (monitoring/forecasts/breach_forecasts.py)."""
    return breach_forecasts.refresh(timezone.now())


@shared_task
def evaluate_slos() -> int:
    """Beat's trigger (every minute): one evaluation per enabled SLO."""
    ids = list(SLO.objects.filter(enabled=True).values_list("pk", flat=True))
    for pk in ids:
        evaluate_slo.delay(pk)
    return len(ids)


@shared_task
def evaluate_slo(slo_id: int) -> str:
    """Budget, burn rates and burn alerts of one SLO (monitoring/slos/evaluation.py)."""
    return slo_evaluation.evaluate(slo_id, timezone.now())
