"""The incident workflow: every allowed and forbidden transition, and the guards."""

import itertools

import pytest
from django.utils import timezone

from incidents import workflow
from incidents.choices import Severity, Status
from incidents.models import Incident, Postmortem

pytestmark = pytest.mark.django_db

ALL = [s.value for s in Status]


def make(status=Status.DETECTED, severity=Severity.HIGH, **fields):
    incident = Incident.objects.create(title="t", severity=severity, **fields)
    Incident.objects.filter(pk=incident.pk).update(status=status)
    incident.refresh_from_db()
    return incident


def satisfy_guards(incident, to):
    """Make every guard pass so only the transition table decides."""
    incident.root_cause = "a cause"
    if to == Status.MERGED:
        incident.duplicate_of = Incident.objects.create(title="original", severity="low")
    Postmortem.objects.update_or_create(incident=incident, defaults={"completed_at": timezone.now()})
    incident.save()
    if incident.status == Status.ASSESSED and to in workflow.BRANCH.values():
        incident.severity = next(sev for sev, branch in workflow.BRANCH.items() if branch == to)
        incident.save()


@pytest.mark.parametrize(("start", "to"), list(itertools.product(ALL, ALL)))
def test_transition_table(start, to):
    incident = make(status=start)
    satisfy_guards(incident, to)
    if to in workflow.TRANSITIONS[start]:
        moved = workflow.transition(incident, to)
        assert moved.status == to
        assert moved.events.filter(kind="status").last().data == {"from": start, "to": to}
    else:
        with pytest.raises(workflow.TransitionError) as info:
            workflow.transition(incident, to)
        assert set(info.value.allowed) <= set(workflow.TRANSITIONS[start])
        incident.refresh_from_db()
        assert incident.status == start


def test_severity_must_be_set_to_assess():
    incident = make(severity="")
    with pytest.raises(workflow.TransitionError, match="severity"):
        workflow.transition(incident, Status.ASSESSED)
    assert workflow.allowed(incident) == [Status.DECLINED]


@pytest.mark.parametrize(("severity", "branch"), [("high", "escalated"), ("medium", "assigned"), ("low", "backlogged")])
def test_the_branch_follows_severity(severity, branch):
    incident = make(status=Status.ASSESSED, severity=severity)
    assert [s for s in workflow.allowed(incident) if s in workflow.BRANCH.values()] == [branch]
    wrong = next(s for s in workflow.BRANCH.values() if s != branch)
    with pytest.raises(workflow.TransitionError, match="goes to"):
        workflow.transition(incident, wrong)
    assert workflow.transition(incident, branch).status == branch


def test_resolving_needs_a_root_cause():
    incident = make(status=Status.DEPLOYING)
    with pytest.raises(workflow.TransitionError, match="root cause") as info:
        workflow.transition(incident, Status.RESOLVED)
    assert Status.RESOLVED not in info.value.allowed
    incident.root_cause = "a missing index"
    incident.save()
    assert workflow.transition(incident, Status.RESOLVED).resolved_at is not None


@pytest.mark.parametrize(("severity", "needs_postmortem"), [("high", True), ("medium", True), ("low", False)])
def test_closing_needs_a_completed_postmortem_for_high_and_medium(severity, needs_postmortem):
    incident = make(status=Status.RESOLVED, severity=severity)
    if needs_postmortem:
        with pytest.raises(workflow.TransitionError, match="postmortem"):
            workflow.transition(incident, Status.CLOSED)
        Postmortem.objects.create(incident=incident, summary="…")
        with pytest.raises(workflow.TransitionError, match="postmortem"):
            workflow.transition(incident, Status.CLOSED)
        Postmortem.objects.filter(incident=incident).update(completed_at=timezone.now())
        incident.refresh_from_db()
    assert workflow.transition(incident, Status.CLOSED).closed_at is not None


def test_merging_needs_the_original():
    incident = make()
    with pytest.raises(workflow.TransitionError, match="duplicates"):
        workflow.transition(incident, Status.MERGED)


def test_first_entry_times_are_kept():
    incident = make(status=Status.ASSESSED, severity="high")
    moved = workflow.transition(incident, Status.ESCALATED)
    first = moved.escalated_at
    assert moved.status_times[Status.ESCALATED] == first.isoformat()
    assert moved.events.count() == 1
