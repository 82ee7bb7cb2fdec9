"""The register's messages to risk owners (register.notices), owed as notifications.

The register sits below this app, so it only announces what an owner should hear; this receiver
owes each notice once per key and recipient, in the transaction that caused it, delivered after it
commits — the same path as every other message.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from notifications import outbox
from register.notices import OwnerNotice


def owe(sender, notice: OwnerNotice, **kwargs) -> None:
    url = settings.SITE_URL.rstrip("/") + reverse("admin:register_risk_change", args=[notice.risk_id])
    outbox.owe(
        notice.key,
        {
            "text": f"{notice.headline}: {notice.text} {url}",
            "event": notice.key.split(":", 2)[-1].replace(":", "_"),
            "subject": {"kind": notice.subject, "id": notice.pk},
            "url": url,
        },
        recipient=notice.recipient,
    )
