"""Impact × likelihood scoring. Pure functions so the importer, models and tests share them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

SCALE_MIN = 1
SCALE_MAX = 5
SCORE_MIN = SCALE_MIN * SCALE_MIN
SCORE_MAX = SCALE_MAX * SCALE_MAX


@dataclass(frozen=True)
class Band:
    level: str
    min_score: int
    max_score: int


# The register's defaults (low 1–4, medium 5–9, high 10–25); the admin can move the edges.
DEFAULT_BANDS: tuple[Band, ...] = (
    Band("low", 1, 4),
    Band("medium", 5, 9),
    Band("high", 10, 25),
)


def in_scale(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and SCALE_MIN <= value <= SCALE_MAX


def score(impact: int, likelihood: int) -> int:
    if not in_scale(impact) or not in_scale(likelihood):
        raise ValueError(f"impact and likelihood must be integers 1–5, got {impact!r} × {likelihood!r}")
    return impact * likelihood


def level_for(value: int, bands: Iterable[Band] = DEFAULT_BANDS) -> str:
    for band in bands:
        if band.min_score <= value <= band.max_score:
            return band.level
    raise ValueError(f"score {value} is not covered by any level band")


LEVEL_ORDER = ("low", "medium", "high")


def bands_from_minimums(minimums: dict[str, int]) -> list[Band]:
    """Turn each level's lowest score into bands that tile 1–25.

    Storing only where each level starts makes gaps and overlaps impossible: a band ends where the
    next one starts. The minimums must rise with the level and the lowest level must start at 1.
    """
    levels = [level for level in LEVEL_ORDER if level in minimums]
    if not levels:
        raise ValueError("no level bands")
    starts = [minimums[level] for level in levels]
    if starts[0] != SCORE_MIN:
        raise ValueError(f"the lowest band ({levels[0]}) must start at {SCORE_MIN}, not {starts[0]}")
    for (lower, a), (higher, b) in pairwise(zip(levels, starts, strict=True)):
        if not a < b:
            raise ValueError(f"{higher} must start above {lower} ({b} ≤ {a})")
    if starts[-1] > SCORE_MAX:
        raise ValueError(f"{levels[-1]} starts at {starts[-1]}, beyond the highest score {SCORE_MAX}")
    ends = [b - 1 for b in starts[1:]] + [SCORE_MAX]
    return [Band(level, start, end) for level, start, end in zip(levels, starts, ends, strict=True)]
