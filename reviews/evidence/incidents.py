"""Review evidence from incidents and from what alerts led to.

Alert precision is the plan's 監視アラート精度: of the alerts that fired in the period, the share
that led to an incident. An alert that resolved on its own, unacknowledged and without an incident,
counts as noise.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef

from incidents.models import Incident
from incidents.stats import mean_minutes
from monitoring.choices import AlertKind, Priority
from monitoring.models import Alert
from reviews.evidence.window import Window


def alert_figures(window: Window) -> dict:
    linked = Incident.alerts.through.objects.filter(alert_id=OuterRef("pk"))
    fired = (
        window.within(
            Alert.objects.filter(fired_at__gte=window.start, fired_at__lt=window.end),
            "metric__programme",
            "slo__programme",
        )
        .annotate(led=Exists(linked))
        .values_list("kind", "priority", "led", "acknowledged_at", "resolved_at")
    )
    by_priority = dict.fromkeys(Priority.values, 0)
    total = led = noise = source = 0
    for kind, priority, has_incident, acknowledged_at, resolved_at in fired:
        if kind == AlertKind.SOURCE:
            source += 1
            continue
        total += 1
        by_priority[priority] += 1
        led += has_incident
        noise += bool(resolved_at and not acknowledged_at and not has_incident)
    return {
        "fired": total,
        "by_priority": by_priority,
        "led_to_incident": led,
        "noise": noise,
        "precision_pct": round(led / total * 100, 1) if total else None,
        "source_unhealthy": source,
    }


def incident_figures(window: Window) -> dict:
    incidents = window.within(Incident.objects.all(), "programme")
    opened = incidents.filter(detected_at__gte=window.start, detected_at__lt=window.end)
    resolved = list(
        incidents.filter(resolved_at__gte=window.start, resolved_at__lt=window.end).values_list(
            "detected_at", "resolved_at"
        )
    )
    by_severity = dict(opened.exclude(severity="").values_list("severity").annotate(n=Count("id")).order_by())
    unlinked = opened.filter(risks__isnull=True).order_by("detected_at").values("id", "title", "detected_at")[:50]
    return {
        "opened": opened.count(),
        "resolved": len(resolved),
        "mttr_minutes": mean_minutes([done - detected for detected, done in resolved]),
        "by_severity": by_severity,
        "unlinked": [
            {"id": row["id"], "title": row["title"], "detected_at": row["detected_at"].isoformat()} for row in unlinked
        ],
    }


def risk_incidents(risk_ids: list[int], window: Window) -> dict[int, dict]:
    rows = (
        Incident.risks.through.objects.filter(
            risk_id__in=risk_ids,
            incident__detected_at__gte=window.start,
            incident__detected_at__lt=window.end,
        )
        .values("risk_id")
        .annotate(n=Count("incident_id"))
        .order_by()
    )
    return {row["risk_id"]: {"incidents": row["n"]} for row in rows}
