"""Reactions to the monitoring app's signals (connected in IncidentsConfig.ready)."""

from __future__ import annotations

from django.db import transaction

from incidents import actions


def on_alert_transition(sender, alert_id: int, event: str, priority: str, **kwargs) -> None:
    from monitoring.models import Alert

    alert = Alert.objects.select_related("indicator__risk").filter(pk=alert_id).first()
    if alert is None or alert.indicator_id is None or alert.kind != "breach":
        return
    with transaction.atomic():
        if event in ("fired", "escalated") and priority == "immediate":
            actions.open_or_attach(alert)
        elif event == "resolved":
            actions.alert_resolved(alert)
