"""Reactions to the monitoring app's signals (connected in IncidentsConfig.ready)."""

from __future__ import annotations

from django.db import transaction

from incidents import actions
from monitoring.alerting.state_machine import EventKind as AlertEvent
from monitoring.choices import RISK_ALERT_KINDS, Priority
from monitoring.signals import AlertAnnounced
from notifications.keys import NotificationKey


def on_alerts_announced(sender, transitions: tuple[AlertAnnounced, ...], **kwargs) -> None:
    """An immediate alert that fires opens (or joins) its incident; a resolved alert is noted on its
    open incidents. A batch costs two queries when none of it concerns incidents."""
    from incidents.models import FINAL_STATES, Incident
    from monitoring.models import Alert

    relevant = [
        t
        for t in transitions
        if t.kind in RISK_ALERT_KINDS
        and (
            (t.event in (AlertEvent.FIRED, AlertEvent.ESCALATED) and t.priority == Priority.IMMEDIATE)
            or t.event == AlertEvent.RESOLVED
        )
    ]
    if not relevant:
        return
    # A resolved alert matters only if an open incident holds it (people may attach any alert).
    resolved = {t.alert_id for t in relevant if t.event == AlertEvent.RESOLVED}
    held = set(
        Incident.objects.filter(alerts__in=resolved).exclude(status__in=FINAL_STATES).values_list("alerts", flat=True)
        if resolved
        else ()
    )
    wanted = {t.alert_id for t in relevant if t.event != AlertEvent.RESOLVED or t.alert_id in held}
    alerts = {}
    if wanted:
        alerts = {
            a.pk: a
            for a in Alert.objects.select_related("indicator__risk").filter(pk__in=wanted, indicator__isnull=False)
        }
    for t in relevant:
        alert = alerts.get(t.alert_id)
        if alert is None:
            continue
        with transaction.atomic():
            if t.event == AlertEvent.RESOLVED:
                actions.alert_resolved(alert)
            else:
                actions.open_or_attach(alert)


def on_notification_result(sender, notification_id: int, key: str, status: str, error: str, **kwargs) -> None:
    """Put an incident's sent or failed messages on its timeline."""
    from incidents.choices import EventKind
    from incidents.models import Incident
    from incidents.workflow import record

    parsed = NotificationKey.parse(key)
    if parsed is None or parsed.subject != "incident" or status == "retry":
        return
    incident = Incident.objects.filter(pk=parsed.pk).first()
    if incident is None:
        return
    kind = EventKind.NOTIFICATION_SENT if status == "sent" else EventKind.NOTIFICATION_FAILED
    record(
        incident,
        kind,
        f"notification {status}" + (f": {error}" if error else ""),
        notification_id=notification_id,
        key=key,
    )


def on_risks_linked(sender, instance, action: str, pk_set, **kwargs) -> None:
    """An incident on a risk is evidence that it materialised: flag it "review now"."""
    from register.models import Risk

    if action == "post_add" and pk_set and not kwargs.get("reverse"):
        Risk.objects.filter(pk__in=pk_set).flag_for_review(f"incident INC-{instance.pk}: {instance.title}")
    elif action == "post_add" and pk_set:  # risk.incidents.add(...): instance is the risk
        Risk.objects.filter(pk=instance.pk).flag_for_review(f"incident INC-{min(pk_set)}")
