"""The incident workflow of the plan (対応的対策 1), in one place for the admin, the API and tasks.

detect → assess severity → high: escalate / medium: assign / low: backlog → root-cause analysis →
fix → test → deploy → resolved → post-incident review → closed; side exits ``declined`` (a false
positive) and ``merged`` (into ``duplicate_of``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import escalation
from incidents.choices import EventKind, Severity, Status
from incidents.models import Incident
from incidents.timeline import record

_SIDE_EXITS = (Status.DECLINED, Status.MERGED)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DETECTED: (Status.ASSESSED, *_SIDE_EXITS),
    Status.ASSESSED: (Status.ESCALATED, Status.ASSIGNED, Status.BACKLOGGED, *_SIDE_EXITS),
    Status.ESCALATED: (Status.INVESTIGATING, *_SIDE_EXITS),
    Status.ASSIGNED: (Status.INVESTIGATING, *_SIDE_EXITS),
    Status.BACKLOGGED: (Status.INVESTIGATING, *_SIDE_EXITS),
    Status.INVESTIGATING: (Status.FIXING, *_SIDE_EXITS),
    Status.FIXING: (Status.TESTING, Status.MERGED),
    Status.TESTING: (Status.DEPLOYING, Status.FIXING, Status.MERGED),
    Status.DEPLOYING: (Status.RESOLVED, Status.FIXING, Status.MERGED),
    Status.RESOLVED: (Status.REVIEWING, Status.CLOSED),
    Status.REVIEWING: (Status.CLOSED,),
    Status.CLOSED: (),
    Status.DECLINED: (),
    Status.MERGED: (),
}
# The branch after assessment follows the severity (the plan's flowchart).
BRANCH = {Severity.HIGH: Status.ESCALATED, Severity.MEDIUM: Status.ASSIGNED, Severity.LOW: Status.BACKLOGGED}
# Fields stamped the first time their status is entered.
STAMPS = {
    Status.ESCALATED: "escalated_at",
    Status.RESOLVED: "resolved_at",
    Status.CLOSED: "closed_at",
}


def _start_review(incident: Incident, now) -> None:
    from incidents.postmortem import start

    start(incident)


# What entering a state does (escalation, assignment, backlog, the postmortem draft).
EFFECTS = {**escalation.EFFECTS, Status.REVIEWING: _start_review}


class TransitionError(ValueError):
    def __init__(self, message: str, allowed: list[str]):
        self.allowed = allowed
        super().__init__(message)


def guard(incident: Incident, to: str) -> str | None:
    """Why ``incident`` may not move to ``to`` right now (None when it may)."""
    if to not in TRANSITIONS[incident.status]:
        return _("%(current)s cannot move to %(to)s.") % {"current": incident.status, "to": to}
    if incident.status == Status.DETECTED and to == Status.ASSESSED and not incident.severity:
        return _("Set the severity to assess the incident.")
    if incident.status == Status.ASSESSED and to in BRANCH.values() and to != BRANCH.get(incident.severity):
        return _("A %(severity)s incident goes to %(branch)s.") % {
            "severity": incident.severity,
            "branch": BRANCH[incident.severity],
        }
    if to == Status.RESOLVED and not incident.root_cause.strip():
        return _("Record the root cause before resolving.")
    if to == Status.CLOSED and incident.severity in (Severity.HIGH, Severity.MEDIUM):
        postmortem = getattr(incident, "postmortem", None)
        if postmortem is None or not postmortem.is_complete:
            return _("High and medium incidents close only after a completed postmortem.")
    if to == Status.MERGED and (incident.duplicate_of_id is None or incident.duplicate_of_id == incident.pk):
        return _("Say which incident this one duplicates before merging.")
    return None


def allowed(incident: Incident) -> list[str]:
    """The next states this incident may move to now, guards included."""
    return [to for to in TRANSITIONS[incident.status] if guard(incident, to) is None]


@transaction.atomic
def transition(incident: Incident, to: str, actor=None, note: str = "") -> Incident:
    """Move ``incident`` to ``to`` or raise TransitionError naming the states it may move to."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    problem = guard(incident, to)
    if problem:
        raise TransitionError(problem, allowed(incident))
    before, now = incident.status, timezone.now()
    incident.status = to
    incident.status_times.setdefault(to, now.isoformat())
    fields = ["status", "status_times", "updated_at"]
    stamp = STAMPS.get(to)
    if stamp and getattr(incident, stamp) is None:
        setattr(incident, stamp, now)
        fields.append(stamp)
    incident.save(update_fields=fields)
    message = _("%(before)s → %(after)s") % {"before": before, "after": to}
    record(
        incident,
        EventKind.STATUS,
        f"{message}. {note}".strip() if note else message,
        actor,
        **{"from": before, "to": to},
    )
    effect = EFFECTS.get(to)
    if effect is not None:
        effect(incident, now)
    return incident


@transaction.atomic
def acknowledge(incident: Incident, actor) -> bool:
    """A person has seen it: stops the escalation policy. False when it was acknowledged already."""
    updated = Incident.objects.filter(pk=incident.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    if updated:
        record(incident, EventKind.ASSIGNMENT, f"acknowledged by {actor.get_username()}", actor)
        incident.refresh_from_db(fields=["acknowledged_at"])
    return bool(updated)


def snapshot(incident: Incident) -> dict:
    """What an edit may change that the timeline must show (taken before the edit)."""
    if incident.pk is None:
        return {}
    stored = Incident.objects.filter(pk=incident.pk).values("severity", "assignee_id", "commander_id").first() or {}
    stored["risks"] = set(incident.risks.values_list("code", flat=True))
    return stored


def record_edit(incident: Incident, before: dict, actor=None) -> None:
    """Timeline events for an edit from any entry point (admin, API): severity, people, risk links."""
    if not before:
        return
    if before["severity"] != incident.severity:
        record(
            incident,
            EventKind.SEVERITY,
            f"severity {before['severity'] or '—'} → {incident.severity}",
            actor,
            **{"from": before["severity"], "to": incident.severity},
        )
    if (before["assignee_id"], before["commander_id"]) != (incident.assignee_id, incident.commander_id):
        record(
            incident,
            EventKind.ASSIGNMENT,
            f"commander {incident.commander or '—'}, assignee {incident.assignee or '—'}",
            actor,
        )
    risks = set(incident.risks.values_list("code", flat=True))
    if risks != before["risks"]:
        added, removed = sorted(risks - before["risks"]), sorted(before["risks"] - risks)
        record(
            incident,
            EventKind.LINK,
            "risks: " + ", ".join([f"+{c}" for c in added] + [f"-{c}" for c in removed]),
            actor,
            added=added,
            removed=removed,
        )
