"""Poll sources: which metrics are due, and collecting a batch of them, each through its breaker."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.bulk import update_rows
from monitoring.choices import Source
from monitoring.intake import breaker
from monitoring.intake.ingest import Batch, record_many
from monitoring.intake.sources import Result, SourceError, prometheus, source_for
from monitoring.models import Metric, Reading


def claim_due(now: datetime) -> list[tuple[int, datetime]]:
    """Claim every due polled metric for one slot each: (metric id, slot time).

    One transaction: the due rows are locked (``FOR UPDATE``, in key order as evaluation locks them)
    and their ``next_due_at`` moved on with one statement, so a second beat or a retried sweep waits,
    then finds nothing due — and 10,000 metrics cost two statements, not 10,000 commits. (SQLite
    has one writer: a second claim fails rather than waits, and the next tick claims again.)
    """
    with transaction.atomic():
        due = list(
            Metric.objects.select_for_update()
            .filter(enabled=True)
            .exclude(source=Source.PUSH)
            .filter(Q(next_due_at__isnull=True) | Q(next_due_at__lte=now))
            .order_by("pk")
            .only("pk", "next_due_at", "interval_seconds")
        )
        claimed = []
        for metric in due:
            due_at, interval = metric.next_due_at, metric.interval_seconds
            slot = (due_at or now).replace(microsecond=0)
            if due_at is not None and due_at < now - timedelta(seconds=interval):
                slot = now.replace(microsecond=0)  # far behind (worker was down): collect now, don't replay
            metric.next_due_at = slot + timedelta(seconds=interval)
            claimed.append((metric.pk, slot))
        update_rows(due, ["next_due_at"])
    return claimed


# Read in a thread pool: network- or OS-bound and free of the ORM. The ``service`` source's database
# probe uses the calling thread's connection, so it is read in the worker's own thread.
CONCURRENT = frozenset({"http", "prometheus", "host"})


def collect(metric: Metric, slot: datetime | None = None) -> Reading | None:
    """Collect one value for ``slot`` (default: now); see ``collect_many``."""
    slot = (slot or timezone.now()).replace(microsecond=0)
    return collect_many([(metric, slot)]).get(metric.pk)


def collect_many(due: list[tuple[Metric, datetime]]) -> dict[int, Reading]:
    """Collect one value per (metric, slot), store and evaluate them together; the new readings by
    metric. Idempotent: a slot already recorded is neither read again nor stored.

    Each reading is stamped with when its source answered, not with the slot: an alert must never
    appear to start before the outage that caused it. Sources are read concurrently (``CONCURRENT``,
    ``COLLECTION_THREADS`` at a time), each through its circuit breaker.
    """
    due = [(metric, slot.replace(microsecond=0)) for metric, slot in due]
    recorded = set(
        Reading.objects.filter(metric__in=[m for m, _ in due], slot__in={s for _, s in due}).values_list(
            "metric_id", "slot"
        )
    )
    due = [(metric, slot) for metric, slot in due if (metric.pk, slot) not in recorded]
    if not due:
        return {}
    keys = {metric.pk: source_for(metric.source).breaker_key(metric) for metric, _ in due}
    allowed = breaker.allow_each(keys.values(), timezone.now())
    results: dict[int, tuple[datetime, Result]] = {}

    def read(group: list[Metric]) -> None:
        if group[0].source == Source.PROMETHEUS:
            answers = prometheus.collect_group(group)
        else:
            answers = [source_for(group[0].source).collect(group[0])]
        at = timezone.now()
        for metric, result in zip(group, answers, strict=True):
            results[metric.pk] = (at, result)

    refused = SourceError("circuit breaker open: the source failed repeatedly; retrying after the cool-down")
    to_read = [metric for metric, _ in due if allowed[keys[metric.pk]]]
    for metric, _ in due:
        if not allowed[keys[metric.pk]]:
            results[metric.pk] = (timezone.now(), refused)
    threaded = reads([m for m in to_read if m.source in CONCURRENT])
    if threaded:
        with ThreadPoolExecutor(max_workers=min(settings.COLLECTION_THREADS, len(threaded))) as pool:
            list(pool.map(read, threaded))
    for metric in to_read:
        if metric.source not in CONCURRENT:
            read([metric])
    breaker.record_each(
        [(keys[m.pk], not failed(results[m.pk][1]), getattr(results[m.pk][1], "reason", "")) for m in to_read],
        timezone.now(),
    )
    return {
        pk: readings[0]
        for pk, readings in record_many(
            [Batch(metric.pk, [results[metric.pk]], slot=slot) for metric, slot in due]
        ).items()
    }


def reads(metrics: list[Metric]) -> list[list[Metric]]:
    """What to read at once: Prometheus metrics grouped by server (one query for each group, see
    ``sources.prometheus.collect_group``), every other metric alone."""
    groups: dict[str, list[Metric]] = {}
    alone = []
    for metric in metrics:
        if metric.source == Source.PROMETHEUS:
            groups.setdefault(prometheus.base_url(metric), []).append(metric)
        else:
            alone.append([metric])
    return [*groups.values(), *alone]


def failed(result: Result) -> bool:
    """A failure the breaker counts: the source did not answer (a wrong configuration is not its fault)."""
    return isinstance(result, SourceError) and not result.config_error
