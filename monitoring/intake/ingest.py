"""Store readings (polled or pushed) and evaluate them, in one transaction."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models.base import ModelState

from core.bulk import insert_rows, update_rows
from core.gcpause import collection_paused
from monitoring.alerting.evaluation import Evaluator
from monitoring.choices import ReadingStatus
from monitoring.intake.sources import NoData, Result, SourceError, Value
from monitoring.models import Metric, Reading
from monitoring.slos import evaluation as slo_evaluation


class Baseline:
    """Trailing averages for metrics judged by change (``baseline_minutes``)."""

    def __init__(self, metric: Metric, history: list[tuple[datetime, float]]):
        self.window = timedelta(minutes=metric.baseline_minutes or 0)
        self.history = history

    @classmethod
    def load(cls, batch: dict[Metric, Sequence[datetime]]) -> dict[int, Baseline]:
        """The history each metric judged by change needs for these times: one query for the batch."""
        wanted = {m: times for m, times in batch.items() if m.baseline_minutes and times}
        if not wanted:
            return {}
        start = min(min(times) - timedelta(minutes=m.baseline_minutes) for m, times in wanted.items())
        end = max(max(times) for times in wanted.values())
        history: dict[int, list] = {m.pk: [] for m in wanted}
        rows = (
            Reading.objects.filter(
                metric_id__in=history, value__isnull=False, observed_at__gte=start, observed_at__lt=end
            )
            .order_by("observed_at")
            .values_list("metric_id", "observed_at", "value")
        )
        for pk, at, value in rows:
            history[pk].append((at, value))
        return {m.pk: cls(m, history[m.pk]) for m in wanted}

    def before(self, at: datetime) -> float | None:
        values = [v for t, v in self.history if at - self.window <= t < at]
        return sum(values) / len(values) if values else None

    def add(self, at: datetime, value: float) -> None:
        self.history.append((at, value))


def reading_for(
    metric: Metric,
    observed_at: datetime,
    result: Result,
    baseline: Baseline | None = None,
    slot: datetime | None = None,
) -> Reading:
    value: float | None = None
    if isinstance(result, Value) and math.isnan(result.value):
        status, detail = ReadingStatus.NO_DATA, "NaN"
    elif isinstance(result, Value):
        value = result.value
        if metric.baseline_minutes and baseline is not None:
            status, detail = metric.classify_change(value, baseline.before(observed_at))
            baseline.add(observed_at, value)
        else:
            status, detail = metric.classify(value), result.detail
    else:
        status = ReadingStatus.NO_DATA if isinstance(result, NoData) else ReadingStatus.ERROR
        detail = result.reason
    # Built as Django builds a row it loaded (``Model.from_db`` without ``__init__``): every field
    # set at once. ``__init__`` sets each through its descriptor (the foreign key's checks its cache)
    # and was a quarter of pushing 10,000 readings (cProfile). Nothing listens to a reading's
    # pre_init/post_init (tests/monitoring/test_reading_construction.py holds that).
    reading = Reading.__new__(Reading)
    reading._state = ModelState()
    reading.__dict__.update(
        id=None,
        metric_id=metric.pk,
        observed_at=observed_at,
        value=value,
        status=status,
        detail=detail[:300],
        slot=slot,
    )
    reading._state.fields_cache["metric"] = metric
    return reading


@dataclass(frozen=True)
class Batch:
    """What one metric brings to ``record_many``: its results, and the collection slot they fill."""

    metric_id: int
    results: Sequence[tuple[datetime, Result]]
    slot: datetime | None = None


def record_readings(
    metric: Metric, results: Sequence[tuple[datetime, Result]], slot: datetime | None = None
) -> list[Reading]:
    """Store what is new of one metric's results, evaluate it, return it (see ``record_many``)."""
    return record_many([Batch(metric.pk, results, slot)]).get(metric.pk, [])


def record_many(batches: Sequence[Batch]) -> dict[int, list[Reading]]:
    """Store what is new for a batch of metrics, evaluate it, return the new readings per metric.

    Repeats of (metric, observed_at), or of a metric's collection ``slot``, are ignored, so a
    redelivered task writes nothing twice. One transaction holds the readings and everything they
    cause (alerts, transitions, notifications, live status); the queries per call do not grow with
    the metrics in it, and a metric appears at most once per call. The cyclic garbage collector is
    paused meanwhile (``core/gcpause.py``): everything built here lives until the commit.
    """
    with transaction.atomic(), collection_paused():
        # Serialises ingestion per metric, so two workers never step one indicator's machine at once;
        # locked in key order, so two batches sharing metrics wait for each other, never deadlock.
        metrics = {
            m.pk: m
            for m in Metric.objects.select_for_update().filter(pk__in={b.metric_id for b in batches}).order_by("pk")
        }
        batches = [b for b in batches if b.metric_id in metrics]
        slots = {b.slot for b in batches if b.slot is not None}
        taken = set(
            Reading.objects.filter(metric_id__in=metrics, slot__in=slots).values_list("metric_id", "slot")
            if slots
            else ()
        )
        # A redelivered collection of a slot already recorded brings nothing.
        batches = [b for b in batches if (b.metric_id, b.slot) not in taken]
        times = {at for b in batches for at, _ in b.results}
        seen = set(already_stored([b.metric_id for b in batches], times).values_list("metric_id", "observed_at"))
        baselines = Baseline.load({metrics[b.metric_id]: [at for at, _ in b.results] for b in batches})
        fresh: dict[int, dict[datetime, Reading]] = {}
        for b in batches:
            metric, mine = metrics[b.metric_id], fresh.setdefault(b.metric_id, {})
            for at, result in sorted(b.results, key=lambda item: item[0]):
                if (metric.pk, at) not in seen and at not in mine:
                    mine[at] = reading_for(metric, at, result, baselines.get(metric.pk), b.slot)
        # Nothing refers to a reading by key, so they go in without reading keys back (COPY on PostgreSQL).
        insert_rows(
            [r for mine in fresh.values() for r in mine.values()],
            ["metric", "observed_at", "value", "status", "detail", "slot"],
        )
        created = {pk: list(mine.values()) for pk, mine in fresh.items() if mine}
        watermarks = {pk: metrics[pk].last_collected_at for pk in created}
        for b in batches:
            if b.metric_id in created:
                note_newest(metrics[b.metric_id], created[b.metric_id], b.results)
        update_rows([metrics[pk] for pk in created], ["last_value", "last_status", "last_collected_at", "config_error"])
        armed_before = {pk for pk in created if metrics[pk].armed_at is not None}
        if created:
            Evaluator([metrics[pk] for pk in created]).evaluate(created, after=watermarks)
        newly_armed = [metrics[pk] for pk in created if pk not in armed_before and metrics[pk].armed_at is not None]
        if newly_armed:
            # The metric's readings just began to count: its SLOs read them now rather than at beat's
            # next minute, so a risk does not show "No data" while its probes already read normal.
            slo_evaluation.evaluate_unevaluated(newly_armed)
        return created


# A batch spanning at most this long is checked for repeats by its time range; a longer one (a
# backfill over days) by its list of times, so a dense metric's weeks of readings are never read.
SEEN_BY_RANGE = timedelta(hours=6)


def already_stored(metric_ids: list[int], times: set[datetime]):
    """The stored readings of these metrics at any of these times (possibly a few more, in between)."""
    if not times:
        return Reading.objects.none()
    readings = Reading.objects.filter(metric_id__in=metric_ids)
    if max(times) - min(times) <= SEEN_BY_RANGE:
        # A range, not an IN list: 10,000 parameters cost more to send than a few hours' rows to read.
        return readings.filter(observed_at__gte=min(times), observed_at__lte=max(times))
    return readings.filter(observed_at__in=times)


def note_newest(metric: Metric, readings: list[Reading], results: Sequence[tuple[datetime, Result]]) -> None:
    """The metric's latest value and configuration error, as its newest readings say (not saved)."""
    newest = max(readings, key=lambda r: r.observed_at)
    if metric.last_collected_at is None or newest.observed_at >= metric.last_collected_at:
        metric.last_value, metric.last_status, metric.last_collected_at = (
            newest.value,
            newest.status,
            newest.observed_at,
        )
    config_errors = [r for r in results if isinstance(r[1], SourceError) and r[1].config_error]
    metric.config_error = config_errors[-1][1].reason if config_errors else ""
