"""Small server-rendered SVG charts for the admin and the review reports: no JavaScript, no
external assets, so they work offline, in e-mail and in the PDF."""

from __future__ import annotations

from django.utils.html import format_html


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


def trend_chart_svg(points: list[list], unit: str = "", width: int = 320, height: int = 90) -> str:
    """A line of daily values with its first and last day and the range on the axis; ``points`` are
    [iso date, value] pairs as stored in review evidence."""
    values = [value for _, value in points if value is not None]
    if len(values) < 2:
        return ""
    pad_left, pad_bottom = 44, 16
    inner_w, inner_h = width - pad_left - 4, height - pad_bottom - 6
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = inner_w / (len(values) - 1)
    coords = " ".join(
        f"{pad_left + i * step:.1f},{6 + inner_h - (v - low) / span * inner_h:.1f}" for i, v in enumerate(values)
    )
    return format_html(
        '<svg class="riskregister-trend" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" font-size="9" font-family="sans-serif">'
        '<line x1="{x0}" y1="6" x2="{x0}" y2="{yb}" stroke="#999"/>'
        '<line x1="{x0}" y1="{yb}" x2="{xr}" y2="{yb}" stroke="#999"/>'
        '<text x="{xl}" y="12" text-anchor="end">{high}</text>'
        '<text x="{xl}" y="{yb}" text-anchor="end">{low}</text>'
        '<text x="{x0}" y="{yt}">{first}</text><text x="{xr}" y="{yt}" text-anchor="end">{last}</text>'
        '<polyline fill="none" stroke="#417690" stroke-width="1.5" points="{coords}"/></svg>',
        w=width,
        h=height,
        x0=pad_left,
        xl=pad_left - 3,
        xr=width - 4,
        yb=6 + inner_h,
        yt=height - 3,
        high=f"{high:g}{unit}",
        low=f"{low:g}{unit}",
        first=points[0][0],
        last=points[-1][0],
        coords=coords,
    )
