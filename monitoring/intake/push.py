"""Validate and store a batch of pushed readings: all items are good, or nothing is written."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from monitoring.choices import Source
from monitoring.intake.ingest import Batch, record_many
from monitoring.intake.sources import Value
from monitoring.intake.timestamps import parse_instant
from monitoring.models import Metric

MAX_ITEMS = 10_000
MAX_FUTURE = timedelta(minutes=5)


class BatchError(ValueError):
    def __init__(self, errors):
        self.errors = errors
        super().__init__("invalid batch")


FIELDS = frozenset({"metric", "value", "observed_at"})


def _number(raw) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError("must be a number")
    try:
        value = float(raw)
    except OverflowError:  # an integer of hundreds of digits: JSON allows it, a float cannot hold it
        value = math.inf
    if not math.isfinite(value):
        raise ValueError("must be a finite number (not NaN or infinite)")
    return value


def _refusal(metric: Metric) -> str:
    """Why readings cannot be pushed to this metric, or ""."""
    if metric.source != Source.PUSH:
        return f"{metric.key!r} is collected from {metric.source}; push only to push metrics"
    if not metric.enabled:
        return f"{metric.key!r} is disabled"
    return ""


def validate(items, now: datetime | None = None, metrics=None) -> list[tuple[Metric, datetime, float]]:
    """The readings of ``items`` — to ``metrics`` (a queryset; default every metric) — or BatchError
    naming every problem."""
    now = now or timezone.now()
    if not isinstance(items, list):
        raise BatchError({"non_field_errors": ["send a JSON list of {metric, value, observed_at}"]})
    if not items:
        raise BatchError({"non_field_errors": ["the list is empty"]})
    if len(items) > MAX_ITEMS:
        raise BatchError({"non_field_errors": [f"at most {MAX_ITEMS} readings per request, got {len(items)}"]})
    # Only strings that could be keys reach the query (a NUL would be a DataError on PostgreSQL).
    keys = {
        item["metric"]
        for item in items
        if isinstance(item, dict) and isinstance(item.get("metric"), str) and "\x00" not in item["metric"]
    }
    metrics = {m.key: m for m in (metrics if metrics is not None else Metric.objects.all()).filter(key__in=keys)}
    # What holds for every reading of a metric, and the window, are worked out once per request, not
    # once per reading: the loop below is most of validating 10,000 readings.
    refusals = {key: _refusal(metric) for key, metric in metrics.items()}
    newest, oldest = now + MAX_FUTURE, now - timedelta(days=settings.READINGS_RAW_DAYS)
    valid, errors = [], []
    for item in items:
        if not isinstance(item, dict):
            errors.append({"non_field_errors": ["each reading is an object {metric, value, observed_at}"]})
            continue
        problems: dict[str, list[str]] = {}
        raw_metric = item.get("metric")
        metric = metrics.get(raw_metric) if isinstance(raw_metric, str) else None
        if not isinstance(raw_metric, str):
            problems["metric"] = ["must be a metric key (a string)"]
        elif metric is None:
            problems["metric"] = [f"unknown metric {raw_metric!r}"]
        elif refusals[raw_metric]:
            problems["metric"] = [refusals[raw_metric]]
        try:
            value = _number(item.get("value"))
        except (TypeError, ValueError) as exc:
            problems["value"] = [str(exc) if "number" in str(exc) else "must be a number"]
        raw_time = item.get("observed_at")
        observed_at = now
        if raw_time is not None:
            parsed = parse_instant(raw_time)
            if parsed is None:
                problems["observed_at"] = ["must be an ISO 8601 date-time that exists"]
            else:
                observed_at = parsed
                if observed_at > newest:
                    problems["observed_at"] = ["is in the future"]
                elif observed_at < oldest:
                    # Older than raw readings are kept: it would be pruned at once, after having
                    # opened (or resolved) an alert that started then.
                    problems["observed_at"] = [f"is older than the {settings.READINGS_RAW_DAYS} days readings are kept"]
        if not item.keys() <= FIELDS:
            problems["non_field_errors"] = [f"unknown fields: {', '.join(sorted(item.keys() - FIELDS))}"]
        errors.append(problems)
        if not problems:
            valid.append((metric, observed_at, value))
    if len(valid) < len(items):
        raise BatchError(errors)
    return valid


def store(items, metrics=None) -> dict:
    """Store pushed readings, all or none; ``metrics`` are the ones the pusher may push to (the API:
    those of the programmes where it holds the integration role — another's is an unknown metric)."""
    valid = validate(items, metrics=metrics)
    by_metric: dict[int, list] = defaultdict(list)
    for metric, at, value in valid:
        by_metric[metric.pk].append((at, Value(value)))
    created = record_many([Batch(pk, results) for pk, results in by_metric.items()])
    count = sum(len(readings) for readings in created.values())
    return {"received": len(valid), "created": count, "duplicates": len(valid) - count}
