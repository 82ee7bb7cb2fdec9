"""The time window of a review period, and the small statistics every evidence figure uses."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from reviews.periods import Period

# Stored in the evidence as these English msgids and translated where shown ({% translate %}), so a
# review reads in its reader's language whatever language it was opened in.
NO_METRIC = gettext_noop("no data: bind a metric")
NO_READINGS = gettext_noop("no data in this period")


class Window:
    """A period as a half-open range of aware datetimes in the register's time zone, over the rows
    of some programmes (``programme_ids``; None: the whole organisation)."""

    def __init__(self, period: Period, programme_ids: list[int] | None = None):
        tz = timezone.get_current_timezone()
        self.period = period
        self.programme_ids = programme_ids
        self.start = datetime.combine(period.start, time.min, tzinfo=tz)
        self.end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz)

    def within(self, queryset, *paths: str):
        """``queryset`` kept to the window's programmes, reached by any of ``paths``."""
        if self.programme_ids is None:
            return queryset
        condition = Q()
        for path in paths:
            condition |= Q(**{f"{path}__in": self.programme_ids})
        return queryset.filter(condition)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def overlap_hours(self, since: datetime, until: datetime | None, now: datetime) -> float:
        end = min(until or now, self.end, now)
        start = max(since, self.start)
        return max((end - start).total_seconds() / 3600, 0.0)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0–100): always one of the values, never interpolated."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def change_pct(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return round((now - before) / abs(before) * 100, 1)
