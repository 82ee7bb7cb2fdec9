"""Escalation with a frozen clock (``now`` passed in) and real notification rows."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from incidents import escalation, workflow
from incidents.models import EscalationPolicy, EscalationStep, Incident
from notifications import delivery
from notifications.models import Channel, Notification
from register.models import Risk
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(receiver):
    team = Group.objects.create(name="emergency team")
    for name in ("erin", "eric"):
        make_user(name).groups.add(team)
    oncall = Channel.objects.create(name="on-call", kind="webhook", target=receiver.url)
    policy = EscalationPolicy.objects.create(
        name="default", is_default=True, responder_group=team, repeat=2, round_minutes=10
    )
    EscalationStep.objects.create(policy=policy, order=1, delay_minutes=0, channel=oncall)
    EscalationStep.objects.create(policy=policy, order=2, delay_minutes=5, page_commander=True)
    return policy


def escalated_incident(commander=None):
    incident = Incident.objects.create(title="graph down", severity="high", commander=commander)
    workflow.transition(incident, "assessed")
    return workflow.transition(incident, "escalated")


def test_high_incidents_escalate_round_after_round_until_acknowledged(
    policy, receiver, django_capture_on_commit_callbacks
):
    commander = make_user("cora")
    commander.email = "cora@example.com"
    commander.save()
    with django_capture_on_commit_callbacks():
        incident = escalated_incident(commander)
    t0 = incident.escalated_at
    assert sorted(u.username for u in incident.responders.all()) == ["eric", "erin"]
    assert Notification.objects.count() == 1  # step 1 at once
    with django_capture_on_commit_callbacks():
        assert escalation.escalate(incident, t0 + timedelta(minutes=4)) == 0
        assert escalation.escalate(incident, t0 + timedelta(minutes=5)) == 1  # page the commander
        assert escalation.escalate(incident, t0 + timedelta(minutes=5)) == 0  # idempotent
        assert escalation.escalate(incident, t0 + timedelta(minutes=15)) == 1  # round 2, step 1
    for pk in Notification.objects.order_by("pk").values_list("pk", flat=True):
        assert delivery.deliver(pk) == "sent"
    assert [b["event"] for b in receiver.bodies] == ["escalated", "still_unacknowledged_(round_2)"]
    assert mail.outbox[0].to == ["cora@example.com"]
    assert incident.events.filter(kind="notification_sent").count() == 3

    assert workflow.acknowledge(incident, commander)
    incident.refresh_from_db()
    with django_capture_on_commit_callbacks():
        assert escalation.escalate(incident, t0 + timedelta(hours=2)) == 0
        assert escalation.escalate_due(t0 + timedelta(hours=2)) == 0
    assert not workflow.acknowledge(incident, commander)  # once


def test_the_sweep_finds_unacknowledged_incidents(policy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        incident = escalated_incident()
        owed = escalation.escalate_due(incident.escalated_at + timedelta(minutes=30))
    assert owed == 1  # round 2 step 1 (no commander to page; round 1 step 1 went at once)
    assert Notification.objects.count() == 2


def test_medium_incidents_go_to_the_risk_owner(seeded, django_capture_on_commit_callbacks):
    owner = make_user("olga")
    owner.email = "olga@example.com"
    owner.save()
    Risk.objects.filter(code="R-3").update(owner=owner)
    incident = Incident.objects.create(title="memory", severity="medium")
    incident.risks.add(Risk.objects.get(code="R-3"))
    with django_capture_on_commit_callbacks():
        workflow.transition(incident, "assessed")
        workflow.transition(incident, "assigned")
    incident.refresh_from_db()
    assert incident.assignee == owner
    notification = Notification.objects.get()
    assert notification.recipient == "olga@example.com"
    assert delivery.deliver(notification.pk) == "sent"
    assert mail.outbox[0].to == ["olga@example.com"] and "Assigned to you" in mail.outbox[0].subject


def test_low_incidents_are_backlogged_for_the_next_sprint():
    incident = Incident.objects.create(title="typo", severity="low")
    workflow.transition(incident, "assessed")
    incident = workflow.transition(incident, "backlogged")
    assert incident.backlog_reference.startswith("next sprint")


def test_stuck_incidents_get_one_reminder(settings):
    settings.INCIDENT_STUCK_HOURS = {"high": 4, "medium": 24, "low": 336}
    incident = Incident.objects.create(title="x", severity="high")
    incident = workflow.transition(incident, "assessed")
    later = timezone.now() + timedelta(hours=5)
    assert escalation.remind_stuck(later) == 1
    assert escalation.remind_stuck(later) == 0
    assert incident.events.filter(message__startswith="reminder").count() == 1
