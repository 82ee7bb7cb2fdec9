"""Messages to a risk's owner (expiring acceptances, a move outside appetite …).

The register sits below the app that delivers messages (monitoring owns the notification rows and
channels), so it only announces what the owner should hear; monitoring's receiver turns each notice
into an idempotent notification row in the same transaction. Keys make repeats harmless: a task that
runs twice, or a worker killed after writing, owes one message per key.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

# kwargs: notice (OwnerNotice). Sent inside the transaction that caused it.
owner_notice = Signal()


@dataclass(frozen=True)
class OwnerNotice:
    subject: str  # "risk" or "acceptance"
    pk: int
    detail: tuple[str, ...]
    risk_id: int
    recipient: str
    headline: str
    text: str

    @property
    def key(self) -> str:
        return ":".join([self.subject, str(self.pk), *self.detail])


def tell_owner(risk, *, key: tuple[str, ...], headline: str, text: str, subject: str = "risk", pk=None) -> bool:
    """Announce a message for the risk's owner; False when the risk has no owner with an e-mail."""
    owner = risk.owner if risk.owner_id else None
    if owner is None or not owner.email:
        return False
    notice = OwnerNotice(subject, pk or risk.pk, key, risk.pk, owner.email, str(headline), str(text))
    owner_notice.send(sender=OwnerNotice, notice=notice)
    return True
