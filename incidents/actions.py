"""Incidents opened from the register's own alerts (the hook monitoring's signal calls)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from incidents import workflow
from incidents.choices import EventKind, Severity, Source, Status
from incidents.models import FINAL_STATES, Incident


def dedup_key_for(alert) -> str:
    """One incident per risk and indicator (the plan's "same dedup key")."""
    return f"risk:{alert.indicator.risk_id}:indicator:{alert.indicator_id}"


def open_or_attach(alert) -> tuple[Incident, bool]:
    """Open a high-severity incident for a firing immediate alert, or attach the alert to the open
    incident with the same key. Returns (incident, created)."""
    key = dedup_key_for(alert)
    for _attempt in range(2):
        existing = Incident.objects.filter(dedup_key=key).exclude(status__in=FINAL_STATES).first()
        if existing is not None:
            if not existing.alerts.filter(pk=alert.pk).exists():
                existing.alerts.add(alert)
                workflow.record(existing, EventKind.LINK, f"alert attached: {alert.title}", alert_id=alert.pk)
            workflow.record(
                existing,
                EventKind.ALERT_FIRED,
                f"{alert.title}: {alert.reason}",
                alert_id=alert.pk,
                severity=alert.severity,
                priority=alert.priority,
            )
            return existing, False
        try:
            with transaction.atomic():
                incident = Incident.objects.create(
                    title=alert.title,
                    source=Source.ALERT,
                    dedup_key=key,
                    severity=Severity.HIGH,
                    description=f"Opened by the register's alert: {alert.reason}",
                )
                incident.risks.add(alert.indicator.risk)
                incident.alerts.add(alert)
                workflow.record(incident, EventKind.CREATED, f"opened by alert {alert.title}", alert_id=alert.pk)
                workflow.record(
                    incident,
                    EventKind.ALERT_FIRED,
                    f"{alert.title}: {alert.reason}",
                    alert_id=alert.pk,
                    severity=alert.severity,
                    priority=alert.priority,
                )
                # Severity is known (high), so assessment and escalation follow at once.
                workflow.transition(incident, Status.ASSESSED, note="severity high from an immediate alert")
                workflow.transition(incident, Status.ESCALATED)
                incident.refresh_from_db()
                return incident, True
        except IntegrityError:
            continue  # another worker opened it between our check and insert: attach to theirs
    raise RuntimeError(f"could not open or find the incident for {key}")


def alert_resolved(alert) -> int:
    """Note an alert's resolution on its incidents (it does not close them)."""
    count = 0
    for incident in alert.incidents.exclude(status__in=FINAL_STATES):
        workflow.record(incident, EventKind.ALERT_RESOLVED, f"{alert.title} resolved", alert_id=alert.pk)
        count += 1
    return count
