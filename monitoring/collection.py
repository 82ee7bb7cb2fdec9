"""Poll sources: which metrics are due, and one collection of one metric through its breaker."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from monitoring import breaker
from monitoring.choices import Source
from monitoring.ingest import record_readings
from monitoring.models import Metric, Reading
from monitoring.sources import SourceError, source_for


def claim_due(now: datetime) -> list[tuple[int, datetime]]:
    """Claim every due polled metric for one slot each: (metric id, slot time).

    The claim is a conditional UPDATE of ``next_due_at``; a second beat or a retried sweep that
    reads the same row loses the race and collects nothing twice.
    """
    claimed = []
    due = (
        Metric.objects.filter(enabled=True)
        .exclude(source=Source.PUSH)
        .filter(Q(next_due_at__isnull=True) | Q(next_due_at__lte=now))
        .values_list("pk", "next_due_at", "interval_seconds")
    )
    for pk, due_at, interval in due:
        slot = (due_at or now).replace(microsecond=0)
        if due_at is not None and due_at < now - timedelta(seconds=interval):
            slot = now.replace(microsecond=0)  # far behind (worker was down): collect now, don't replay
        won = Metric.objects.filter(pk=pk, next_due_at=due_at).update(next_due_at=slot + timedelta(seconds=interval))
        if won:
            claimed.append((pk, slot))
    return claimed


def collect(metric: Metric, slot: datetime | None = None) -> Reading | None:
    """Collect one value for ``slot`` (default: now). Idempotent: a slot already recorded is left alone.

    The reading is stamped with when the source answered, not with the slot: an alert must never
    appear to start before the outage that caused it.
    """
    slot = (slot or timezone.now()).replace(microsecond=0)
    if Reading.objects.filter(metric=metric, slot=slot).exists():
        return None
    source = source_for(metric.source)
    key = source.breaker_key(metric)
    if breaker.allow(key, timezone.now()):
        result = source.collect(metric)
        failed = isinstance(result, SourceError) and not result.config_error
        breaker.record(key, ok=not failed, now=timezone.now(), error=getattr(result, "reason", ""))
    else:
        result = SourceError("circuit breaker open: the source failed repeatedly; retrying after the cool-down")
    measured_at = timezone.now()
    readings = record_readings(metric, [(measured_at, result)], slot=slot)
    return readings[0] if readings else None
