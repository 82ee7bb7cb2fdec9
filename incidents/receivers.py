"""Reactions to the monitoring app's signals (connected in IncidentsConfig.ready)."""

from __future__ import annotations

from django.db import transaction

from incidents import actions
from monitoring.choices import RISK_ALERT_KINDS, Priority
from monitoring.signals import AlertAnnounced, NotificationKey
from monitoring.state_machine import EventKind as AlertEvent


def on_alert_transition(sender, transition: AlertAnnounced, **kwargs) -> None:
    from monitoring.models import Alert

    if transition.kind not in RISK_ALERT_KINDS:
        return
    alert = Alert.objects.select_related("indicator__risk").filter(pk=transition.alert_id).first()
    if alert is None or alert.indicator_id is None:
        return
    with transaction.atomic():
        if transition.event in (AlertEvent.FIRED, AlertEvent.ESCALATED) and transition.priority == Priority.IMMEDIATE:
            actions.open_or_attach(alert)
        elif transition.event == AlertEvent.RESOLVED:
            actions.alert_resolved(alert)


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
