"""How a notification's body is made: the payload stored with it, or a renderer of its subject.

Most messages carry their body from the moment they are owed (an incident's escalation, an owner's
reminder). An alert transition's message is rendered when it is delivered, from the rows as they
are then (monitoring registers the ``alert-transition`` renderer), so owing thousands of them in an
evaluation tick costs no rendering. A renderer returns None when its subject no longer exists.
"""

from __future__ import annotations

from collections.abc import Callable

from notifications.keys import NotificationKey
from notifications.models import Notification

# subject -> (notification, parsed key) -> body dict, or None when the subject is gone.
Renderer = Callable[[Notification, NotificationKey], dict | None]
_renderers: dict[str, Renderer] = {}


def add_renderer(subject: str, renderer: Renderer) -> None:
    """Render the messages of keys ``<subject>:…`` at delivery (registered from ``AppConfig.ready``)."""
    _renderers[subject] = renderer


def body_for(notification: Notification) -> dict | None:
    """The body to send, with the idempotency key receivers deduplicate on; None: nothing to send."""
    key = NotificationKey.parse(notification.key)
    renderer = _renderers.get(key.subject) if key else None
    body = renderer(notification, key) if renderer else dict(notification.payload)
    if body is None:
        return None
    destination = notification.channel_id or notification.recipient
    # A retried delivery repeats it, so a receiver can drop the repeat.
    return {**body, "idempotency_key": f"{notification.key}:{destination}"}
