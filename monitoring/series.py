"""Time series for charts, sparklines and review evidence: raw readings for short ranges,
hourly rollups for long ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from core import charts
from monitoring.models import Metric, Reading, ReadingRollup

RAW_LIMIT = timedelta(days=2)


def series(metric: Metric, since: datetime, until: datetime, step: str = "auto") -> list[dict]:
    if step == "hour" or (step == "auto" and until - since > RAW_LIMIT):
        rows = ReadingRollup.objects.filter(metric=metric, hour__gte=since, hour__lt=until).order_by("hour")
        return [{"t": r.hour, "min": r.minimum, "max": r.maximum, "avg": r.average, "count": r.count} for r in rows]
    rows = (
        Reading.objects.filter(metric=metric, observed_at__gte=since, observed_at__lt=until)
        .order_by("observed_at")
        .values_list("observed_at", "value", "status")
    )
    return [{"t": at, "value": value, "status": status} for at, value, status in rows]


def trend(metric: Metric, now: datetime, hours: int = 24, buckets: int = 48) -> list[dict]:
    """The last ``hours`` as at most ``buckets`` points: raw when there are few readings (a fresh
    metric still draws a line), otherwise consecutive readings averaged in equal groups."""
    rows = list(
        Reading.objects.filter(
            metric=metric, observed_at__gte=now - timedelta(hours=hours), observed_at__lte=now, value__isnull=False
        )
        .order_by("observed_at")
        .values_list("observed_at", "value")
    )
    if len(rows) <= buckets:
        return [{"t": at, "value": value} for at, value in rows]
    size = len(rows) / buckets
    groups = [rows[int(n * size) : int((n + 1) * size)] for n in range(buckets)]
    return [{"t": group[-1][0], "value": sum(v for _, v in group) / len(group)} for group in groups if group]


def sparkline_svg(points: list[dict], width: int = 120, height: int = 24) -> str:
    """A tiny inline SVG polyline of the points' values (no JavaScript, no external assets)."""
    return charts.sparkline_svg([p["value"] for p in points if p.get("value") is not None], width, height)


def parse_range(since: datetime | None, until: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    until = until or now
    since = since or until - timedelta(hours=24)
    if since >= until:
        raise ValueError("since must be before until")
    return since, until
