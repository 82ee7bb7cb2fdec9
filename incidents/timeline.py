"""An incident's timeline: one event per thing that happened to it, written by every path that acts."""

from __future__ import annotations

from incidents.models import Incident, TimelineEvent


def record(incident: Incident, kind: str, message: str, actor=None, **data) -> TimelineEvent:
    user = actor if actor is not None and actor.is_authenticated else None
    return TimelineEvent.objects.create(incident=incident, kind=kind, message=message, actor=user, data=data)
