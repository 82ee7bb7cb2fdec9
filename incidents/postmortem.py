"""Postmortems: the timeline drafted from events, the Markdown document, action items → mitigations."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from incidents.models import ActionItem, Incident, Postmortem
from register.choices import MitigationKind
from register.models import Mitigation


def draft_timeline(incident: Incident) -> str:
    return "\n".join(
        f"- {event.at:%Y-%m-%d %H:%M} — {event.get_kind_display()}: {event.message}"
        + (f" ({event.actor.get_username()})" if event.actor_id else "")
        for event in incident.events.select_related("actor")
    )


def start(incident: Incident) -> Postmortem:
    """The incident's postmortem, created with what the register already knows."""
    postmortem, created = Postmortem.objects.get_or_create(incident=incident)
    if created:
        postmortem.timeline = draft_timeline(incident)
        postmortem.root_cause = incident.root_cause
        postmortem.contributing_factors = incident.contributing_factors
        postmortem.save()
    return postmortem


def markdown(incident: Incident) -> str:
    postmortem = getattr(incident, "postmortem", None) or Postmortem(incident=incident)
    risks = ", ".join(f"{r.code} {r.title}" for r in incident.risks.all()) or "—"
    lines = [
        f"# Postmortem: INC-{incident.pk} {incident.title}",
        "",
        f"- **Severity**: {incident.get_severity_display() or '—'}",
        f"- **Status**: {incident.get_status_display()}",
        f"- **Risks**: {risks}",
        f"- **Detected**: {incident.detected_at:%Y-%m-%d %H:%M %Z}",
        f"- **Resolved**: {incident.resolved_at:%Y-%m-%d %H:%M %Z}" if incident.resolved_at else "- **Resolved**: —",
        "",
    ]
    for title, text in (
        ("Summary", postmortem.summary),
        ("Impact", postmortem.impact),
        ("Timeline", postmortem.timeline or draft_timeline(incident)),
        ("Root cause", postmortem.root_cause or incident.root_cause),
        ("Contributing factors", postmortem.contributing_factors or incident.contributing_factors),
        ("What went well", postmortem.went_well),
        ("What went badly", postmortem.went_badly),
    ):
        lines += [f"## {title}", "", text.strip() or "—", ""]
    lines += ["## Action items", ""]
    items = list(postmortem.action_items.select_related("owner", "mitigation")) if postmortem.pk else []
    for item in items:
        owner = item.owner.get_username() if item.owner_id else "unassigned"
        due = f", due {item.due_date:%Y-%m-%d}" if item.due_date else ""
        link = f" → mitigation {item.mitigation}" if item.mitigation_id else ""
        lines.append(f"- [ ] {item.title} ({owner}{due}){link}")
    if not items:
        lines.append("—")
    return "\n".join(lines) + "\n"


@transaction.atomic
def to_mitigation(item: ActionItem) -> Mitigation | None:
    """Make the action item a reactive mitigation on the incident's first risk (once)."""
    if item.mitigation_id:
        return item.mitigation
    risk = item.postmortem.incident.risks.order_by("number").first()
    if risk is None:
        return None
    number = (risk.mitigations.aggregate(n=Max("number"))["n"] or 0) + 1
    mitigation = Mitigation(
        risk=risk,
        number=number,
        title=item.title[:200],
        kind=MitigationKind.REACTIVE,
        owner=item.owner,
        due_date=item.due_date,
        detail=f"From the postmortem of INC-{item.postmortem.incident_id}.",
    )
    mitigation.full_clean()
    mitigation.save()
    item.mitigation = mitigation
    item.save(update_fields=["mitigation"])
    return mitigation
