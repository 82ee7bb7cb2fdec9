"""Store readings (polled or pushed) and evaluate them, in one transaction."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction

from monitoring.choices import ReadingStatus
from monitoring.evaluation import Evaluator
from monitoring.models import Metric, Reading
from monitoring.sources import NoData, Result, SourceError, Value


class Baseline:
    """Trailing averages for metrics judged by change (``baseline_minutes``): one query per batch."""

    def __init__(self, metric: Metric, times: Sequence[datetime]):
        self.window = timedelta(minutes=metric.baseline_minutes or 0)
        self.history: list[tuple[datetime, float]] = []
        if metric.baseline_minutes and times:
            self.history = list(
                Reading.objects.filter(
                    metric=metric,
                    value__isnull=False,
                    observed_at__gte=min(times) - self.window,
                    observed_at__lt=max(times),
                )
                .order_by("observed_at")
                .values_list("observed_at", "value")
            )

    def before(self, at: datetime) -> float | None:
        values = [v for t, v in self.history if at - self.window <= t < at]
        return sum(values) / len(values) if values else None

    def add(self, at: datetime, value: float) -> None:
        self.history.append((at, value))


def reading_for(metric: Metric, observed_at: datetime, result: Result, baseline: Baseline | None = None) -> Reading:
    if isinstance(result, Value):
        if math.isnan(result.value):
            return Reading(metric=metric, observed_at=observed_at, status=ReadingStatus.NO_DATA, detail="NaN")
        if metric.baseline_minutes and baseline is not None:
            status, detail = metric.classify_change(result.value, baseline.before(observed_at))
            baseline.add(observed_at, result.value)
        else:
            status, detail = metric.classify(result.value), result.detail
        return Reading(metric=metric, observed_at=observed_at, value=result.value, status=status, detail=detail[:300])
    status = ReadingStatus.NO_DATA if isinstance(result, NoData) else ReadingStatus.ERROR
    return Reading(metric=metric, observed_at=observed_at, status=status, detail=result.reason[:300])


def record_readings(
    metric: Metric, results: Sequence[tuple[datetime, Result]], slot: datetime | None = None
) -> list[Reading]:
    """Store what is new (repeats of (metric, observed_at), or of a collection ``slot``, are
    ignored), evaluate it, return it."""
    with transaction.atomic():
        # Serialises ingestion per metric, so two workers never step one indicator's machine at once.
        metric = Metric.objects.select_for_update().get(pk=metric.pk)
        if slot is not None and Reading.objects.filter(metric=metric, slot=slot).exists():
            return []  # a redelivered collection of a slot already recorded
        times = [at for at, _ in results]
        seen = set(Reading.objects.filter(metric=metric, observed_at__in=times).values_list("observed_at", flat=True))
        fresh: dict[datetime, Reading] = {}
        baseline = Baseline(metric, times)
        for at, result in sorted(results, key=lambda item: item[0]):
            if at not in seen and at not in fresh:
                fresh[at] = reading_for(metric, at, result, baseline)
        if slot is not None:
            for reading in fresh.values():
                reading.slot = slot
        readings = Reading.objects.bulk_create(list(fresh.values()), batch_size=1000)
        if not readings:
            return []
        newest = max(readings, key=lambda r: r.observed_at)
        watermark = metric.last_collected_at
        if metric.last_collected_at is None or newest.observed_at >= metric.last_collected_at:
            metric.last_value, metric.last_status, metric.last_collected_at = (
                newest.value,
                newest.status,
                newest.observed_at,
            )
        config_errors = [r for r in results if isinstance(r[1], SourceError) and r[1].config_error]
        metric.config_error = config_errors[-1][1].reason if config_errors else ""
        metric.save(update_fields=["last_value", "last_status", "last_collected_at", "config_error"])
        armed_before = metric.armed_at is not None
        Evaluator(metric).evaluate(readings, after=watermark)
        if not armed_before and metric.armed_at is not None:
            # The metric's readings just began to count: its SLOs read them now rather than at beat's
            # next minute, so a risk does not show "No data" while its probes already read normal.
            from monitoring.slo_evaluation import evaluate_unevaluated

            evaluate_unevaluated(metric)
        return readings
