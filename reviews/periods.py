"""Review periods: ISO weeks ("2026-W48") and calendar months ("2026-11"), in the register's time zone."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    kind: str  # weekly | monthly
    label: str
    start: date
    end: date  # inclusive

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - timedelta(days=1))


def period_containing(kind: str, day: date) -> Period:
    if kind == "weekly":
        year, week, weekday = day.isocalendar()
        start = day - timedelta(days=weekday - 1)
        return Period(kind, f"{year}-W{week:02d}", start, start + timedelta(days=6))
    if kind == "monthly":
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(kind, f"{day.year}-{day.month:02d}", day.replace(day=1), day.replace(day=last))
    raise ValueError(f"unknown review kind {kind!r}")


def default_period(kind: str, today: date) -> Period:
    """The period a review opened today covers: this ISO week (opened on Friday), or the month just
    ended (opened on the 1st, the monthly review looks back at the whole month)."""
    if kind == "monthly":
        return period_containing("monthly", today).previous()
    return period_containing(kind, today)


def parse_period(kind: str, label: str) -> Period:
    if kind == "weekly":
        match = re.fullmatch(r"(\d{4})-W(\d{2})", label)
        if not match:
            raise ValueError(f"{label!r} is not an ISO week such as 2026-W48")
        try:
            start = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError as exc:
            raise ValueError(f"{label!r}: {exc}") from exc
        return period_containing("weekly", start)
    if kind == "monthly":
        match = re.fullmatch(r"(\d{4})-(\d{2})", label)
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValueError(f"{label!r} is not a month such as 2026-11")
        return period_containing("monthly", date(int(match[1]), int(match[2]), 1))
    raise ValueError(f"unknown review kind {kind!r}")
