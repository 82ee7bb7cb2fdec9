"""Incident figures: MTTA and MTTR per severity, and a risk's incident summary."""

from __future__ import annotations

from datetime import timedelta

from incidents.choices import Severity
from incidents.models import FINAL_STATES, Incident


def mean_minutes(durations: list[timedelta]) -> float | None:
    return round(sum(d.total_seconds() for d in durations) / len(durations) / 60, 1) if durations else None


def mtta_mttr(incidents=None) -> dict[str, dict]:
    """Mean minutes from detection to acknowledgement (MTTA) and to resolution (MTTR), per severity,
    of ``incidents`` (default: all)."""
    rows = (
        (incidents if incidents is not None else Incident.objects.all())
        .exclude(severity="")
        .values_list("severity", "detected_at", "acknowledged_at", "resolved_at")
    )
    acked: dict[str, list] = {s: [] for s in Severity.values}
    resolved: dict[str, list] = {s: [] for s in Severity.values}
    counts = dict.fromkeys(Severity.values, 0)
    for severity, detected, acknowledged, resolved_at in rows:
        counts[severity] += 1
        if acknowledged:
            acked[severity].append(acknowledged - detected)
        if resolved_at:
            resolved[severity].append(resolved_at - detected)
    return {
        s: {"incidents": counts[s], "mtta_minutes": mean_minutes(acked[s]), "mttr_minutes": mean_minutes(resolved[s])}
        for s in Severity.values
    }


def for_risk(risk) -> dict:
    incidents = list(risk.incidents.all())
    durations = [i.resolved_at - i.detected_at for i in incidents if i.resolved_at]
    last = max(incidents, key=lambda i: i.detected_at, default=None)
    return {
        "count": len(incidents),
        "open": sum(1 for i in incidents if i.status not in FINAL_STATES),
        "mttr_minutes": mean_minutes(durations),
        "last": {
            "id": last.pk,
            "title": last.title,
            "status": last.status,
            "severity": last.severity,
            "detected_at": last.detected_at,
        }
        if last
        else None,
    }
