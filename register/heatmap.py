"""The 5×5 impact × likelihood grid, shared by the admin page and the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db.models import Count, QuerySet

from register import scoring
from register.models import LevelBand, Risk


@dataclass(frozen=True)
class Cell:
    impact: int
    likelihood: int
    score: int
    level: str
    colour: str
    count: int


def heatmap(risks: QuerySet[Risk] | None = None) -> list[list[Cell]]:
    """Rows from impact 5 down to 1, columns likelihood 1 to 5, as risk matrices are drawn. Two queries."""
    risks = Risk.objects.all() if risks is None else risks
    counts = {
        (row["impact"], row["likelihood"]): row["n"]
        for row in risks.order_by().values("impact", "likelihood").annotate(n=Count("id"))
    }
    return grid_from_counts(counts)


def grid_from_counts(counts: dict[tuple[int, int], int]) -> list[list[Cell]]:
    """The grid for given (impact, likelihood) → count, e.g. the scores a review started from. One query."""
    bands = list(LevelBand.objects.all())
    ranges = scoring.bands_from_minimums({b.level: b.min_score for b in bands}) if bands else scoring.DEFAULT_BANDS
    colours = {b.level: b.colour for b in bands}
    grid = []
    for impact in range(scoring.SCALE_MAX, scoring.SCALE_MIN - 1, -1):
        row = []
        for likelihood in range(scoring.SCALE_MIN, scoring.SCALE_MAX + 1):
            value = impact * likelihood
            level = scoring.level_for(value, ranges)
            row.append(
                Cell(
                    impact, likelihood, value, level, colours.get(level, "#cccccc"), counts.get((impact, likelihood), 0)
                )
            )
        grid.append(row)
    return grid


def heatmap_as_dicts(risks: QuerySet[Risk] | None = None) -> list[dict]:
    return [asdict(cell) for row in heatmap(risks) for cell in row]
