"""Hourly rollups (min/max/avg/count) and pruning of raw readings and old rollups."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count, Max, Min
from django.db.models.functions import TruncHour

from monitoring.models import Reading, ReadingRollup


def rollup_and_prune(now: datetime) -> dict:
    current_hour = now.replace(minute=0, second=0, microsecond=0)
    latest = ReadingRollup.objects.order_by("-hour").values_list("hour", flat=True).first()
    # Redo the last rolled-up hour too: a pushed reading may have arrived late for it.
    start = latest if latest is not None else current_hour - timedelta(days=settings.READINGS_RAW_DAYS)
    rows = (
        Reading.objects.filter(observed_at__gte=start, observed_at__lt=current_hour, value__isnull=False)
        .annotate(hour=TruncHour("observed_at"))
        .values("metric_id", "hour")
        .annotate(count=Count("id"), minimum=Min("value"), maximum=Max("value"), average=Avg("value"))
    )
    rollups = [
        ReadingRollup(
            metric_id=r["metric_id"],
            hour=r["hour"],
            count=r["count"],
            minimum=r["minimum"],
            maximum=r["maximum"],
            average=r["average"],
        )
        for r in rows
    ]
    ReadingRollup.objects.bulk_create(
        rollups,
        update_conflicts=True,
        unique_fields=["metric", "hour"],
        update_fields=["count", "minimum", "maximum", "average"],
    )
    pruned, _ = Reading.objects.filter(observed_at__lt=now - timedelta(days=settings.READINGS_RAW_DAYS)).delete()
    expired, _ = ReadingRollup.objects.filter(hour__lt=now - timedelta(days=settings.ROLLUPS_DAYS)).delete()
    return {"rolled_up": len(rollups), "pruned_readings": pruned, "expired_rollups": expired}
