"""The seam other apps hook into, sent after the change is committed.

The incidents app connects a receiver that opens (or attaches to) an incident when an
immediate-priority alert fires — so monitoring never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

from monitoring.alerting.state_machine import EventKind
from monitoring.choices import AlertKind, Priority


@dataclass(frozen=True)
class AlertAnnounced:
    """An alert transition people hear about (``state_machine.ANNOUNCED``)."""

    alert_id: int
    event: EventKind
    priority: Priority
    kind: AlertKind


# kwargs: transitions (tuple of AlertAnnounced, in the order they happened): one signal per batch of
# readings or SLO evaluation, so a receiver can look up what it needs for all of them at once.
alerts_announced = Signal()
