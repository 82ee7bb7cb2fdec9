"""Opening incidents from alerts (the register's own, through monitoring's signal, and Alertmanager's)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction

from incidents import workflow
from incidents.choices import EventKind, Severity, Source, Status
from incidents.models import FINAL_STATES, Incident


def open_or_attach_by_key(
    key: str, open_new: Callable[[], Incident], attach: Callable[[Incident], None]
) -> tuple[Incident, bool]:
    """The open incident with this key gets ``attach``; without one, ``open_new`` makes it.

    The partial unique index on open keys decides races: if another worker opened the incident
    between our look-up and our insert, ours fails and we attach to theirs. Returns (incident, created).
    """
    for _attempt in range(2):
        existing = Incident.objects.filter(dedup_key=key).exclude(status__in=FINAL_STATES).first()
        if existing is not None:
            attach(existing)
            return existing, False
        try:
            with transaction.atomic():
                return open_new(), True
        except IntegrityError:
            continue
    raise RuntimeError(f"could not open or find the incident for {key}")


def dedup_key_for(alert) -> str:
    """One incident per risk and indicator (the plan's "same dedup key")."""
    return f"risk:{alert.indicator.risk_id}:indicator:{alert.indicator_id}"


def open_or_attach(alert) -> tuple[Incident, bool]:
    """Open a high-severity incident for a firing immediate alert, or attach the alert to the open
    incident with the same key."""

    def fired(incident: Incident) -> None:
        workflow.record(
            incident,
            EventKind.ALERT_FIRED,
            f"{alert.title}: {alert.reason}",
            alert_id=alert.pk,
            severity=alert.severity,
            priority=alert.priority,
        )

    def attach(incident: Incident) -> None:
        if not incident.alerts.filter(pk=alert.pk).exists():
            incident.alerts.add(alert)
            workflow.record(incident, EventKind.LINK, f"alert attached: {alert.title}", alert_id=alert.pk)
        fired(incident)

    def open_new() -> Incident:
        incident = Incident.objects.create(
            programme_id=alert.indicator.risk.programme_id,
            title=alert.title,
            source=Source.ALERT,
            dedup_key=dedup_key_for(alert),
            severity=Severity.HIGH,
            description=f"Opened by the register's alert: {alert.reason}",
        )
        incident.risks.add(alert.indicator.risk)
        incident.alerts.add(alert)
        workflow.record(incident, EventKind.CREATED, f"opened by alert {alert.title}", alert_id=alert.pk)
        fired(incident)
        # Severity is known (high), so assessment and escalation follow at once.
        workflow.transition(incident, Status.ASSESSED, note="severity high from an immediate alert")
        workflow.transition(incident, Status.ESCALATED)
        incident.refresh_from_db()
        return incident

    return open_or_attach_by_key(dedup_key_for(alert), open_new, attach)


def alert_resolved(alert) -> int:
    """Note an alert's resolution on its incidents (it does not close them)."""
    count = 0
    for incident in alert.incidents.exclude(status__in=FINAL_STATES):
        workflow.record(incident, EventKind.ALERT_RESOLVED, f"{alert.title} resolved", alert_id=alert.pk)
        count += 1
    return count
