"""When will a slowly moving indicator cross its threshold? A time-to-breach forecast on hourly means.

The model is the Theil–Sen line (``scipy.stats.theilslopes``): the median of the slopes between every
pair of hours. It ignores a few wild hours (a restart, a scrape gap) where a least-squares fit
would swing, it needs no seasonality or tuning the plan's indicators cannot give, and it comes with
Sen's confidence interval for the slope, which turns into a range for the crossing: the steeper
bound crosses first (``low``), the shallower one last (``high``; none when that bound does not head
towards the threshold at all). Holt's linear trend (statsmodels) was the alternative; on hourly
means of a week it is no better at a trend and worse on outliers, for a heavier dependency.

Everything here is pure: hours in, a ``Forecast`` out; ``monitoring.tasks`` stores it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy.stats import theilslopes

MIN_POINTS = 6  # hourly means: less than six hours says nothing about a trend
HORIZON = timedelta(days=30)  # beyond this a crossing is "not in sight", not a date
CONFIDENCE = 0.90


@dataclass(frozen=True)
class Forecast:
    """``crosses_at`` is the fitted line's crossing; ``low``..``high`` the range from the slope's
    confidence interval (``high`` None: the slow bound never gets there). ``reason`` says why there
    is no crossing (then the times are None)."""

    crosses_at: datetime | None = None
    low: datetime | None = None
    high: datetime | None = None
    slope_per_day: float | None = None
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "crosses_at": self.crosses_at.isoformat() if self.crosses_at else None,
            "low": self.low.isoformat() if self.low else None,
            "high": self.high.isoformat() if self.high else None,
            "slope_per_day": self.slope_per_day,
            "reason": self.reason,
        }


# Why there is no crossing: stored as these codes, worded where shown (monitoring/admin.py).
TOO_FEW = "too_few_points"
ALREADY = "already_past"
AWAY = "not_heading_there"
FAR = "beyond_horizon"


def time_to_breach(points: list[tuple[datetime, float]], threshold: float, rising: bool, now: datetime) -> Forecast:
    """``points``: (hour, mean) pairs, oldest first; ``rising``: the threshold is crossed upwards
    (``>``, ``>=``) rather than downwards."""
    usable = [(at, value) for at, value in points if value is not None and math.isfinite(value)]
    if len(usable) < MIN_POINTS:
        return Forecast(reason=TOO_FEW)
    origin = usable[0][0]
    hours = [(at - origin).total_seconds() / 3600 for at, _ in usable]
    values = [value for _, value in usable]
    slope, intercept, slow, fast = theilslopes(values, hours, alpha=CONFIDENCE)
    if not rising:  # mirror: a falling threshold is a rising one for -value
        slope, intercept, slow, fast, threshold = -slope, -intercept, -fast, -slow, -threshold
        slow, fast = min(slow, fast), max(slow, fast)
    hours_now = (now - origin).total_seconds() / 3600
    fitted_now = intercept + slope * hours_now
    per_day = round(slope * 24 * (1 if rising else -1), 6)
    if fitted_now >= threshold:
        return Forecast(reason=ALREADY, slope_per_day=per_day)
    if slope <= 0:
        return Forecast(reason=AWAY, slope_per_day=per_day)
    signed = values if rising else [-v for v in values]

    def crossing(rate: float) -> datetime | None:
        # The line of this slope through the data (its own median intercept, as Theil–Sen fits one),
        # where it meets the threshold; None when it never does, or not within ten horizons.
        if rate <= 0:
            return None
        level = float(np.median([v - rate * h for v, h in zip(signed, hours, strict=True)]))
        wait = (threshold - level) / rate - hours_now
        if wait * 3600 > HORIZON.total_seconds() * 10:
            return None
        return now + timedelta(hours=max(wait, 0.0))

    crosses_at = crossing(slope)
    if crosses_at is None or crosses_at - now > HORIZON:
        return Forecast(reason=FAR, slope_per_day=per_day)
    low, high = crossing(max(fast, slope)), crossing(min(slow, slope))
    return Forecast(
        crosses_at=crosses_at,
        low=min(low, crosses_at) if low else crosses_at,
        high=max(high, crosses_at) if high else None,
        slope_per_day=per_day,
    )
