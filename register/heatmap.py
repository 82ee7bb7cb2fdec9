"""The 5×5 impact × likelihood grid, shared by the admin page and the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db.models import Count, QuerySet

from core import colours
from register import appetite, scoring
from register.choices import Assessment
from register.models import Appetite, LevelBand, Risk


@dataclass(frozen=True)
class Cell:
    impact: int
    likelihood: int
    score: int
    level: str
    colour: str
    count: int
    # Where this cell's score sits against the programme-wide appetite ("" when none is set): the
    # boundary between "within" and the rest is the appetite line the grids draw.
    appetite: str = ""

    @property
    def text(self) -> str:
        """The colour a cell's figures are written in: readable on whatever colour its band has."""
        return colours.text_on(self.colour)


def heatmap(risks: QuerySet[Risk] | None = None, assessment: str = Assessment.CURRENT) -> list[list[Cell]]:
    """Rows from impact 5 down to 1, columns likelihood 1 to 5, as risk matrices are drawn; counts
    by the chosen assessment (a risk without a target is not on the target grid). Three queries."""
    risks = Risk.objects.all() if risks is None else risks
    impact, likelihood = Risk.ASSESSMENT_FIELDS[Assessment(assessment)]
    counts = {
        (row[impact], row[likelihood]): row["n"]
        for row in risks.filter(**{f"{impact}__isnull": False})
        .order_by()
        .values(impact, likelihood)
        .annotate(n=Count("id"))
    }
    return grid_from_counts(counts)


def legend(grid: list[list[Cell]]) -> list[dict]:
    """The levels a grid shows, highest first, with their colours: the key printed beside it."""
    from register.choices import Level

    seen = {cell.level: cell for row in grid for cell in row}
    return [
        {"label": label, "colour": seen[level].colour, "text": seen[level].text}
        for level, label in reversed(Level.choices)
        if level in seen
    ]


def moves(risks: QuerySet[Risk] | None = None, limit: int = 50) -> list[dict]:
    """Each risk's inherent → current → target cells, highest current score first (the arrows)."""
    risks = Risk.objects.all() if risks is None else risks
    rows = risks.order_by("-score", "number").values_list(
        "code", "inherent_impact", "inherent_likelihood", "impact", "likelihood", "target_impact", "target_likelihood"
    )[:limit]
    return [
        {
            "code": code,
            "inherent": [ii, il] if ii is not None else None,
            "current": [ci, cl],
            "target": [ti, tl] if ti is not None else None,
        }
        for code, ii, il, ci, cl, ti, tl in rows
    ]


def grid_from_counts(counts: dict[tuple[int, int], int]) -> list[list[Cell]]:
    """The grid for given (impact, likelihood) → count, e.g. the scores a review started from. Two queries."""
    programme = Appetite.objects.filter(category__isnull=True).order_by("-set_at", "-pk").first()
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
                    impact,
                    likelihood,
                    value,
                    level,
                    colours.get(level, "#cccccc"),
                    counts.get((impact, likelihood), 0),
                    appetite.judge(value, programme.appetite, programme.tolerance) if programme else "",
                )
            )
        grid.append(row)
    return grid


def heatmap_as_dicts(risks: QuerySet[Risk] | None = None, assessment: str = Assessment.CURRENT) -> list[dict]:
    return [asdict(cell) for row in heatmap(risks, assessment) for cell in row]


CELL_W, CELL_H, LEFT, TOP = 56, 40, 40, 8
ARROW = {"inherent": "#777777", "target": "#1b7f3b"}


def _centre(pair: list[int], offset: float) -> tuple[float, float]:
    impact, likelihood = pair
    x = LEFT + (likelihood - 1) * CELL_W + CELL_W / 2 + offset
    y = TOP + (scoring.SCALE_MAX - impact) * CELL_H + CELL_H / 2 + offset / 2
    return x, y


def moves_svg(grid: list[list[Cell]], risk_moves: list[dict], labels: dict[str, str]) -> str:
    """The grid with each risk's path drawn: grey dashed from inherent to current, green from
    current to target; the appetite line as a heavy border around the cells beyond it."""
    from django.utils.html import escape

    width, height = LEFT + 5 * CELL_W + 4, TOP + 5 * CELL_H + 34
    parts = [
        f'<svg class="riskregister-moves" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        "<defs>"
        + "".join(
            f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6"'
            f' orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            for name, colour in ARROW.items()
        )
        + "</defs>",
    ]
    for row in grid:
        for cell in row:
            x, y = LEFT + (cell.likelihood - 1) * CELL_W, TOP + (scoring.SCALE_MAX - cell.impact) * CELL_H
            border = ' stroke="#222" stroke-width="2.5"' if cell.appetite == "outside" else ' stroke="#fff"'
            parts.append(
                f'<rect x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" fill="{escape(cell.colour)}"'
                f' fill-opacity="0.35"{border}><title>{cell.impact} × {cell.likelihood} = {cell.score}</title></rect>'
            )
    for n in range(scoring.SCALE_MIN, scoring.SCALE_MAX + 1):
        parts.append(
            f'<text x="{LEFT + (n - 0.5) * CELL_W}" y="{TOP + 5 * CELL_H + 12}" text-anchor="middle">{n}</text>'
        )
        parts.append(f'<text x="{LEFT - 8}" y="{TOP + (5.5 - n) * CELL_H + 3}" text-anchor="middle">{n}</text>')
    parts.append(
        f'<text x="{LEFT + 2.5 * CELL_W}" y="{height - 4}" text-anchor="middle">{escape(labels["likelihood"])} →</text>'
    )
    middle = TOP + 2.5 * CELL_H
    parts.append(
        f'<text x="10" y="{middle}" text-anchor="middle" transform="rotate(-90 10 {middle})">'
        f"{escape(labels['impact'])} →</text>"
    )
    for index, move in enumerate(risk_moves):
        offset = (index % 5 - 2) * 4  # risks in the same cell fan out instead of overlapping
        current = _centre(move["current"], offset)
        for start, end, kind in (
            (move["inherent"], move["current"], "inherent"),
            (move["current"], move["target"], "target"),
        ):
            if start is None or end is None or start == end:
                continue
            (x1, y1), (x2, y2) = _centre(start, offset), _centre(end, offset)
            dash = ' stroke-dasharray="4 3"' if kind == "inherent" else ""
            parts.append(
                f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="{ARROW[kind]}"'
                f' stroke-width="1.6"{dash} marker-end="url(#arrow-{kind})"/>'
            )
        parts.append(
            f'<circle cx="{current[0]:.0f}" cy="{current[1]:.0f}" r="3" fill="#222">'
            f"<title>{escape(move['code'])}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
