"""Small server-rendered SVG charts for the admin and the review reports: no JavaScript, no
external assets, so they work offline, in e-mail and in the PDF."""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core import display


def sparkline_svg(values: list[float], width: int = 120, height: int = 24) -> str:
    """A tiny inline polyline of ``values``; empty when there are fewer than two points."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    coords = " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in enumerate(values)
    )
    return (
        f'<svg class="riskregister-sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<polyline fill="none" stroke="#417690" stroke-width="1.5" points="{coords}"/></svg>'
    )


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values covering [low, high] for an axis (1, 2, 2.5 or 5 × a power of ten apart)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0]
    if high - low <= 1e-9 * max(1.0, abs(low), abs(high)):
        # A flat line: an axis around it (half its size, or ±0.5 near zero).
        pad = max(abs(low), abs(high), 1.0) / 2
        low, high = low - pad, high + pad
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= raw)
    start = math.floor(low / step) * step
    ticks = [round(start, 10)]
    while ticks[-1] < high and len(ticks) < 20:
        ticks.append(round(start + len(ticks) * step, 10))
    return ticks


def line_chart_svg(
    points: list[tuple[str, float | None]],
    unit: str = "",
    *,
    previous: list[float | None] | None = None,
    bands: dict[str, float | None] | None = None,
    title: str = "",
    words: dict[str, str] | None = None,
    width: int = 520,
    height: int = 170,
) -> str:
    """A line chart with axes: y ticks with the unit, x labels (each point's label, thinned to fit),
    the warning/critical thresholds as dashed lines, the previous period as a grey dashed line, a
    legend, and each point's value on hover. ``points`` are (label, value); ``words`` translates
    the legend ("this period", "last period", "warning", "critical")."""
    words = {
        "current": gettext("this period"),
        "previous": gettext("last period"),
        "warning": gettext("warning"),
        "critical": gettext("critical"),
    } | (words or {})
    values = [v for _, v in points if v is not None and math.isfinite(v)]
    if len(values) < 2:
        return ""
    before = [v for v in (previous or []) if v is not None and math.isfinite(v)]
    lines = {k: v for k, v in (bands or {}).items() if v is not None and math.isfinite(v)}
    ticks = nice_ticks(min(values + before + list(lines.values())), max(values + before + list(lines.values())))
    low, high = ticks[0], ticks[-1]
    span = (high - low) or 1.0
    left, right, top, bottom = 64, 8, 8, 38
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(1, len(points) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + inner_h - (v - low) / span * inner_h

    def label(v: float) -> str:
        return display.number(v, unit)

    parts = [
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + inner_h}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top + inner_h}" x2="{width - right}" y2="{top + inner_h}" stroke="#888"/>',
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{left - 3}" y1="{y(tick):.1f}" x2="{width - right}" y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 5}" y="{y(tick) + 3:.1f}" text-anchor="end">{escape(label(tick))}</text>'
        )
    every = max(1, math.ceil(len(points) / 8))
    for i, (name, _value) in enumerate(points):
        if i % every == 0 or i == len(points) - 1:
            anchor = "start" if i == 0 else "end" if i == len(points) - 1 else "middle"
            parts.append(
                f'<text x="{x(i):.1f}" y="{top + inner_h + 12}" text-anchor="{anchor}">{escape(str(name))}</text>'
            )
    colours = {"warning": "#b26b00", "critical": "#c9302c"}
    for name, value in lines.items():
        colour = colours.get(name, "#555")
        parts.append(
            f'<line class="band-{escape(name)}" x1="{left}" y1="{y(value):.1f}" x2="{width - right}" '
            f'y2="{y(value):.1f}" stroke="{colour}" stroke-dasharray="6 3"><title>{escape(words.get(name, name))}: '
            f"{escape(label(value))}</title></line>"
        )
    if before:
        coords = " ".join(
            f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(previous or []) if v is not None and i < len(points)
        )
        parts.append(f'<polyline class="previous" fill="none" stroke="#999" stroke-dasharray="3 3" points="{coords}"/>')
    coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points) if v is not None)
    parts.append(f'<polyline class="current" fill="none" stroke="#205067" stroke-width="2" points="{coords}"/>')
    for i, (name, v) in enumerate(points):
        if v is not None:
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="#205067">'
                f"<title>{escape(str(name))}: {escape(label(v))}</title></circle>"
            )
    legend = [("current", "#205067", "")]
    if before:
        legend.append(("previous", "#999", ' stroke-dasharray="3 3"'))
    legend += [(name, colours.get(name, "#555"), ' stroke-dasharray="6 3"') for name in lines]
    lx = left
    for name, colour, dash in legend:
        text = words.get(name, name)
        parts.append(
            f'<line x1="{lx}" y1="{height - 6}" x2="{lx + 18}" y2="{height - 6}" stroke="{colour}"'
            f' stroke-width="2"{dash}/>'
            f'<text x="{lx + 22}" y="{height - 2}">{escape(text)}</text>'
        )
        lx += 30 + sum(10 if ord(c) > 0x2E80 else 6 for c in text)  # CJK glyphs are wider
    return mark_safe(
        f'<svg class="riskregister-trend" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="10" font-family="sans-serif" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(parts)}</svg>'
    )


def trend_chart_svg(metric: dict, words: dict[str, str] | None = None, width: int = 520) -> str:
    """The chart of one metric of review evidence: its daily means this period, last period's
    beside them, and its thresholds (as stored with the evidence)."""
    daily = metric.get("daily") or []
    points = [(day[5:], value) for day, value in daily]  # "2026-12-01" -> "12-01"
    previous = [value for _, value in metric.get("previous_daily") or []] or None
    bands = {"warning": metric.get("warning"), "critical": metric.get("critical")}
    return line_chart_svg(
        points,
        metric.get("unit", ""),
        previous=previous,
        bands=bands,
        title=metric.get("name", ""),
        words=words,
        width=width,
    )
