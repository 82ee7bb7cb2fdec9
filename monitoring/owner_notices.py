"""The register's messages to risk owners, delivered as notification rows (register.notices).

Idempotent on the notice's key and recipient (the notification table's unique key), written in the
transaction that caused the notice, delivered after it commits — the same path as alert messages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from register.notices import OwnerNotice


def owe(sender, notice: OwnerNotice, **kwargs) -> None:
    from monitoring.models import Notification
    from monitoring.tasks import deliver_notification

    url = settings.SITE_URL.rstrip("/") + reverse("admin:register_risk_change", args=[notice.risk_id])
    notification, created = Notification.objects.get_or_create(
        key=notice.key,
        channel=None,
        recipient=notice.recipient,
        defaults={
            "payload": {
                "text": f"{notice.headline}: {notice.text} {url}",
                "event": notice.key.split(":", 2)[-1].replace(":", "_"),
                "subject": {"kind": notice.subject, "id": notice.pk},
                "url": url,
            }
        },
    )
    if created:
        transaction.on_commit(lambda: deliver_notification.delay(notification.pk), robust=True)


def indicator_snapshot(risk) -> list[dict]:
    """Each indicator of the risk as an approval saw it: its state and last value."""
    from monitoring.evaluation import indicator_live_status
    from monitoring.models import Indicator

    return [
        {
            "name": indicator.name,
            "metric": indicator.metric.key if indicator.metric_id else None,
            "state": indicator_live_status(getattr(indicator, "live", None)) if indicator.metric_id else "",
            "value": indicator.metric.last_value if indicator.metric_id else None,
            "unit": indicator.metric.unit if indicator.metric_id else "",
        }
        for indicator in Indicator.objects.filter(risk_id=risk.pk).select_related("metric", "live")
    ]
