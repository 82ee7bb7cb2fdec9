"""The colours of a reading's status, as a badge on the metric, indicator and SLO pages."""

from __future__ import annotations

from core.admin_mixins import level_badge

STATUS_COLOURS = {
    "normal": "#3c8d40",
    "warning": "#e69a00",
    "critical": "#c9302c",
    "unknown": "#777777",
    "no_data": "#777777",
    "error": "#777777",
    "firing": "#c9302c",
    "pending": "#e69a00",
    "recovering": "#417690",
    "resolved": "#3c8d40",
    "cancelled": "#999999",
}


def status_badge(status: str, label: str):
    return level_badge(status, label, STATUS_COLOURS.get(status, "#777777"))
