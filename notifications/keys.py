"""A notification's idempotency key: ``<subject>:<pk>[:<detail>...]``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NotificationKey:
    """What a message is about (e.g. ``incident:7:escalation:0:1``, ``alert-transition:42``).

    Each app addresses messages about its own objects by subject; the key and the destination make
    a message owed once, however often the step that owes it runs.
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
        if not subject or not (pk.isascii() and pk.isdigit()):
            return None
        return cls(subject, int(pk), tuple(detail.split(":")) if detail else ())
