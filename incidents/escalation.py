"""What entering a branch of the flow does, and the escalation policy the periodic task drives.

high → escalated: the emergency team joins, the policy's steps notify channels and page the
commander, round after round, until someone acknowledges. medium → assigned: the linked risk's
owner is assigned and told. low → backlogged: a backlog reference for the next sprint.
Every message is a notification owed by key (notifications.outbox), so re-running a step sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents.choices import EventKind, Status
from incidents.models import EscalationPolicy, Incident, TimelineEvent
from incidents.timeline import record
from notifications import outbox
from notifications.keys import NotificationKey


def _payload(incident: Incident, headline: str) -> dict:
    url = settings.SITE_URL.rstrip("/") + reverse("admin:incidents_incident_change", args=[incident.pk])
    return {
        "text": f"[{incident.get_severity_display()}] {headline}: INC-{incident.pk} {incident.title}. {url}",
        "event": headline.lower().replace(" ", "_"),
        "incident": {
            "id": incident.pk,
            "title": incident.title,
            "severity": incident.severity,
            "status": incident.status,
            "url": url,
        },
        "risks": [r.code for r in incident.risks.all()],
    }


def _notify(incident: Incident, key: str, headline: str, *, channel=None, recipient: str = "") -> bool:
    """Owe one message (idempotent on key + destination); its delivery is queued after commit."""
    return outbox.owe(key, _payload(incident, headline), channel=channel, recipient=recipient)


def policy_for(incident: Incident) -> EscalationPolicy | None:
    return incident.escalation_policy or EscalationPolicy.objects.filter(is_default=True).first()


def on_escalated(incident: Incident, now: datetime) -> None:
    policy = policy_for(incident)
    if policy and policy.responder_group_id:
        members = list(policy.responder_group.user_set.filter(is_active=True))
        incident.responders.add(*members)
        if members:
            record(
                incident,
                EventKind.ASSIGNMENT,
                "emergency team assembled: " + ", ".join(m.get_username() for m in members),
            )
    escalate(incident, now)


def on_assigned(incident: Incident, now: datetime) -> None:
    if incident.assignee_id is None:
        owner = next((r.owner for r in incident.risks.select_related("owner") if r.owner_id), None)
        if owner is not None:
            incident.assignee = owner
            incident.save(update_fields=["assignee"])
            record(incident, EventKind.ASSIGNMENT, f"assigned to {owner.get_username()}, the risk's owner")
    if incident.assignee_id and incident.assignee.email:
        _notify(
            incident,
            str(NotificationKey("incident", incident.pk, ("assigned", str(incident.assignee_id)))),
            "Assigned to you",
            recipient=incident.assignee.email,
        )


def on_backlogged(incident: Incident, now: datetime) -> None:
    if not incident.backlog_reference:
        incident.backlog_reference = f"next sprint (backlogged {now:%Y-%m-%d})"
        incident.save(update_fields=["backlog_reference"])
    record(incident, EventKind.NOTE, f"backlog: {incident.backlog_reference}")


EFFECTS = {Status.ESCALATED: on_escalated, Status.ASSIGNED: on_assigned, Status.BACKLOGGED: on_backlogged}


def escalate(incident: Incident, now: datetime) -> int:
    """Run every step of the policy that is due and not yet run; returns how many messages it owed."""
    if incident.status != Status.ESCALATED or incident.acknowledged_at or incident.escalated_at is None:
        return 0
    policy = policy_for(incident)
    if policy is None:
        return 0
    steps = list(policy.steps.select_related("channel"))
    if not steps:
        return 0
    cycle = timedelta(minutes=max(s.delay_minutes for s in steps) + policy.round_minutes)
    owed = 0
    for round_number in range(policy.repeat):
        for step in steps:
            due = incident.escalated_at + round_number * cycle + timedelta(minutes=step.delay_minutes)
            if due > now:
                continue
            key = str(NotificationKey("incident", incident.pk, ("escalation", str(round_number), str(step.order))))
            headline = "Escalated" if round_number == 0 else f"Still unacknowledged (round {round_number + 1})"
            sent = 0
            if step.channel_id:
                sent += _notify(incident, key, headline, channel=step.channel)
            if step.page_commander and incident.commander_id and incident.commander.email:
                sent += _notify(incident, key, headline, recipient=incident.commander.email)
            if sent:
                record(
                    incident,
                    EventKind.NOTE,
                    f"escalation round {round_number + 1}, step {step.order}: {sent} message(s)",
                )
            owed += sent
    return owed


def escalate_due(now: datetime | None = None) -> int:
    """The periodic sweep: every escalated, unacknowledged incident gets its due steps."""
    now = now or timezone.now()
    owed = 0
    for incident in Incident.objects.filter(status=Status.ESCALATED, acknowledged_at__isnull=True).select_related(
        "commander"
    ):
        with transaction.atomic():
            owed += escalate(incident, now)
    return owed


def remind_stuck(now: datetime | None = None) -> int:
    """A timeline reminder for incidents that sat in one state longer than their severity allows."""
    now = now or timezone.now()
    limits = settings.INCIDENT_STUCK_HOURS
    count = 0
    for incident in Incident.objects.exclude(status__in=(Status.CLOSED, Status.DECLINED, Status.MERGED)):
        entered = incident.status_times.get(incident.status)
        limit = limits.get(incident.severity or "high")
        if not entered or limit is None:
            continue
        since = datetime.fromisoformat(entered)
        if now - since < timedelta(hours=limit):
            continue
        marker = f"stuck:{incident.status}:{entered}"
        if TimelineEvent.objects.filter(incident=incident, kind=EventKind.NOTE, data__marker=marker).exists():
            continue
        TimelineEvent.objects.create(
            incident=incident,
            kind=EventKind.NOTE,
            data={"marker": marker},
            message=f"reminder: {incident.status} for more than {limit} h",
        )
        count += 1
    return count
