"""The seams other apps hook into. Both signals are sent after the change is committed.

The incidents app connects receivers that open (or attach to) an incident when an immediate-priority
alert fires, and that put an incident's messages on its timeline — so monitoring never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

from monitoring.choices import AlertKind, Priority
from monitoring.state_machine import EventKind


@dataclass(frozen=True)
class AlertAnnounced:
    """An alert transition people hear about (``state_machine.ANNOUNCED``)."""

    alert_id: int
    event: EventKind
    priority: Priority
    kind: AlertKind


@dataclass(frozen=True)
class NotificationKey:
    """A notification's idempotency key: ``<subject>:<pk>[:<detail>...]`` (e.g. ``incident:7:escalation:0:1``).

    Alert notifications have no key (their transition identifies them); other apps address
    messages about their own objects by subject.
    """

    subject: str
    pk: int
    detail: tuple[str, ...] = ()

    def __str__(self) -> str:
        return ":".join([self.subject, str(self.pk), *self.detail])

    @classmethod
    def parse(cls, key: str) -> NotificationKey | None:
        subject, _, rest = key.partition(":")
        pk, _, detail = rest.partition(":")
        if not subject or not pk.isdigit():
            return None
        return cls(subject, int(pk), tuple(detail.split(":")) if detail else ())


# kwargs: transitions (tuple of AlertAnnounced, in the order they happened): one signal per batch of
# readings or SLO evaluation, so a receiver can look up what it needs for all of them at once.
alerts_announced = Signal()

# kwargs: notification_id (int), key (str, empty for alert transitions), status ("sent" | "retry" |
# "failed"), error (str). Sent by the delivering worker after each attempt.
notification_result = Signal()
