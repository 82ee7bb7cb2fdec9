"""Error budgets and multi-window burn rates, as pure functions (Google SRE Workbook, "Alerting on SLOs").

An SLO of 99.5 % over 30 days allows 0.5 % of events (or of time) to be bad: that 0.5 % is the error
budget. The *burn rate* over a window is the window's bad ratio divided by the budget: 1 spends the
budget exactly over the SLO window, 14.4 spends 2 % of a 30-day budget in one hour. An alert fires
when the burn rate exceeds a factor over a long window *and* a short one: the long window makes it
significant, the short one makes it stop soon after the burning does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from monitoring.choices import Direction, Priority, SLIMeasures

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_duration(text: str) -> int:
    """Seconds in a Prometheus-style duration of one unit ("5m", "6h", "28d")."""
    match = _DURATION.match(str(text))
    if not match or int(match[1]) == 0:
        raise ValueError(f"{text!r} is not a duration such as 5m, 1h or 3d")
    return int(match[1]) * _UNITS[match[2]]


def format_duration(seconds: int) -> str:
    """The largest whole unit: 300 → "5m", 86400 → "1d", 90 → "90s"."""
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class BurnWindow:
    """One row of the alerting table: alert at ``priority`` when both windows burn faster than ``factor``."""

    long: int
    short: int
    factor: float
    priority: str

    def as_dict(self) -> dict:
        return {
            "long": format_duration(self.long),
            "short": format_duration(self.short),
            "factor": self.factor,
            "priority": self.priority,
        }

    @classmethod
    def from_dict(cls, row: Mapping) -> BurnWindow:
        """Read a stored or typed row; ValueError names what is wrong."""
        if not isinstance(row, Mapping):
            raise ValueError("each alert window is an object with long, short, factor and priority")
        unknown = set(row) - {"long", "short", "factor", "priority"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        long, short = parse_duration(row.get("long", "")), parse_duration(row.get("short", ""))
        if short >= long:
            raise ValueError(f"the short window ({row['short']}) must be shorter than the long one ({row['long']})")
        factor = row.get("factor")
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not math.isfinite(factor) or factor <= 0:
            raise ValueError(f"factor must be a positive number, not {factor!r}")
        priority = row.get("priority")
        if priority not in Priority.values:
            raise ValueError(f"priority must be one of {', '.join(Priority.values)}, not {priority!r}")
        return cls(long, short, float(factor), priority)


# The workbook's recommended table for a 30-day SLO: page on 2 % of the budget spent in an hour or 5 %
# in six hours, open a ticket on 10 % in a day or in three days.
DEFAULT_WINDOWS = (
    BurnWindow(3600, 300, 14.4, Priority.IMMEDIATE),
    BurnWindow(6 * 3600, 1800, 6.0, Priority.IMMEDIATE),
    BurnWindow(86400, 7200, 3.0, Priority.WATCH),
    BurnWindow(3 * 86400, 6 * 3600, 1.0, Priority.WATCH),
)


def default_windows() -> list[dict]:
    return [row.as_dict() for row in DEFAULT_WINDOWS]


def read_windows(rows: Iterable[Mapping]) -> list[BurnWindow]:
    """Stored rows as BurnWindows; ValueError names the row that is wrong."""
    if not isinstance(rows, list | tuple) or not rows:
        raise ValueError("give at least one alert window")
    windows = []
    for n, row in enumerate(rows, start=1):
        try:
            windows.append(BurnWindow.from_dict(row))
        except (ValueError, KeyError) as exc:
            raise ValueError(f"alert window {n}: {exc}") from None
    return windows


def error_budget(objective: float) -> float:
    """The fraction of events allowed to be bad: 99.5 (%) → 0.005."""
    if not 0 < objective < 100:
        raise ValueError("an objective is a percentage strictly between 0 and 100")
    return 1 - objective / 100


def burn_rate(error_ratio: float, objective: float) -> float:
    """How many times faster than allowed the budget burns at this bad ratio."""
    return error_ratio / error_budget(objective)


def budget_remaining(error_ratio: float, objective: float) -> float:
    """The fraction of the window's budget not yet spent; negative once overspent."""
    return 1 - burn_rate(error_ratio, objective)


def budget_spent(factor: float, window: int, slo_window: int) -> float:
    """The fraction of the budget a burn at ``factor`` spends in ``window`` seconds."""
    return factor * window / slo_window


def factor_for(spent: float, window: int, slo_window: int) -> float:
    """The burn rate that spends ``spent`` of the budget in ``window`` (the workbook's derivation)."""
    return spent * slo_window / window


def time_to_exhaustion(burn: float, slo_window: int) -> float | None:
    """Seconds until a whole budget is gone at this burn rate (None when nothing burns)."""
    return slo_window / burn if burn > 0 else None


def windows_needed(windows: Iterable[BurnWindow]) -> list[int]:
    """Every window a table reads, shortest first."""
    return sorted({w for row in windows for w in (row.long, row.short)})


# A window counts for alerting once the SLI has history for at least this share of it: 20 minutes of
# a new metric's readings say nothing yet about its last three days, and a 30-second blip among them
# would otherwise read as a day-long burn.
MIN_COVERAGE = 0.5


def covered(window: int, history: float | None) -> bool:
    """Has an SLI with ``history`` seconds of readings (None: unknown, as long as Prometheus keeps)
    enough of this window to alert on it?"""
    return history is None or history >= window * MIN_COVERAGE


def firing(burn_rates: Mapping[int, float | None], windows: Iterable[BurnWindow]) -> dict[str, BurnWindow | None]:
    """Per priority, the first row whose long and short windows both burn above its factor.

    A window without a burn rate (no traffic, no data) meets nothing: an SLO cannot fire on silence.
    """
    result: dict[str, BurnWindow | None] = dict.fromkeys(Priority.values)
    for row in windows:
        long, short = burn_rates.get(row.long), burn_rates.get(row.short)
        met = long is not None and short is not None and long > row.factor and short > row.factor
        if met and result[row.priority] is None:
            result[row.priority] = row
    return result


# How a plan names a rate of good events and a rate of bad ones, in the languages plans are written in.
_GOOD_WORDS = (
    "availability",
    "uptime",
    "success rate",
    "success ratio",
    "稼働率",
    "可用性",
    "可用率",
    "成功率",
    "正常率",
)
_USAGE_WORDS = ("usage", "utilization", "utilisation", "使用率", "利用率")
_BAD_WORDS = ("error rate", "error ratio", "failure rate", "failure ratio", "エラー率", "失敗率", "障害率", "異常率")


def objective_from_bands(
    name: str, category: str, unit: str, direction: str, warning: float
) -> tuple[float, str] | None:
    """The SLO a plan's metric states, or None: (objective %, "good" or "bad").

    A percentage named as a rate of good events (稼働率, success rate) whose normal band is above
    ``warning`` states the objective ``warning`` ("> 99.5 %" → 99.5); one named as a rate of bad
    events (エラー率, error rate) whose normal band is below ``warning`` states ``100 − warning``
    ("< 1 %" → 99). The name decides; an availability category (可用性) only for a percentage
    where lower is worse whose name says neither. CPU or memory *usage* percentages are not SLIs,
    whatever their bands or category.
    """
    if unit.strip() != "%" or not 0 < warning < 100:
        return None
    text, group = name.casefold(), category.casefold()
    if any(word in text for word in _USAGE_WORDS):
        return None
    if any(word in text for word in _BAD_WORDS):
        measures = SLIMeasures.BAD
    elif any(word in text for word in _GOOD_WORDS):
        measures = SLIMeasures.GOOD
    elif any(word in group for word in _GOOD_WORDS) and direction == Direction.LOWER_IS_WORSE:
        # An availability-category percentage where lower is worse (health checks passing).
        measures = SLIMeasures.GOOD
    else:
        return None
    if measures == SLIMeasures.GOOD and direction == Direction.LOWER_IS_WORSE:
        return warning, measures
    if measures == SLIMeasures.BAD and direction == Direction.HIGHER_IS_WORSE:
        return 100 - warning, measures
    return None
