"""What an alert transition's notification says, rendered when it is delivered
(notifications.rendering; registered in monitoring.apps)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from monitoring.alerting.state_machine import EventKind
from monitoring.models import AlertTransition

_HEADLINE = {
    EventKind.FIRED: "FIRING",
    EventKind.ESCALATED: "ESCALATED",
    EventKind.RESOLVED: "RESOLVED",
    EventKind.SOURCE_UNHEALTHY: "SOURCE UNHEALTHY",
    EventKind.SOURCE_RECOVERED: "SOURCE RECOVERED",
}


def render(notification, key) -> dict | None:
    """The message of an alert transition, from the rows as they are at delivery."""
    transition = (
        AlertTransition.objects.select_related("alert__metric", "alert__indicator__risk").filter(pk=key.pk).first()
    )
    if transition is None:
        return None
    alert = transition.alert
    metric = alert.metric
    url = settings.SITE_URL.rstrip("/") + reverse("admin:monitoring_alert_change", args=[alert.pk])
    unit = metric.unit if metric else ""
    value = "" if transition.value is None else f" — value {transition.value:g}{unit}"
    text = (
        f"[{alert.get_priority_display()}] {_HEADLINE.get(transition.event, transition.event.upper())}: "
        f"{alert.title}{value}. {transition.reason}. {url}"
    )
    return {
        "text": text,
        "event": transition.event,
        "alert": {
            "id": alert.pk,
            "title": alert.title,
            "state": alert.state,
            "severity": alert.severity,
            "priority": alert.priority,
            "kind": alert.kind,
            "dedup_key": alert.dedup_key,
            "started_at": alert.started_at.isoformat(),
            "url": url,
        },
        "risk": alert.indicator.risk.code if alert.indicator_id else None,
        "indicator": alert.indicator.name if alert.indicator_id else None,
        "metric": metric.key if metric else None,
        "value": transition.value,
        "unit": unit,
        "at": transition.at.isoformat(),
        "reason": transition.reason,
    }
