"""Workflows on alerts that people start from the admin or the API."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import Alert


def acknowledge(alert: Alert, user) -> bool:
    """Mark an open alert as seen by ``user``; returns False when there was nothing to do."""
    if not alert.is_open or alert.acknowledged_at:
        return False
    alert.acknowledged_at, alert.acknowledged_by = timezone.now(), user
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return True


def silence(alert: Alert, until: datetime, reason: str, now: datetime | None = None) -> None:
    """Hold the alert's notifications until ``until``; the alert itself keeps evaluating."""
    now = now or timezone.now()
    errors = {}
    if until is None or until <= now:
        errors["until"] = _("Silence until a time in the future.")
    if not (reason or "").strip():
        errors["reason"] = _("Say why the alert is silenced.")
    if errors:
        raise ValidationError(errors)
    alert.silenced_until, alert.silence_reason = until, reason.strip()[:300]
    alert.save(update_fields=["silenced_until", "silence_reason"])


def flag_unhealthy_sources(now: datetime) -> int:
    """Flag "review now" the risks whose source-unhealthy alert has been firing for too long."""
    from django.conf import settings

    from monitoring.choices import AlertKind
    from monitoring.models.alerts import OPEN_STATES
    from register.models import Risk

    since = now - timedelta(hours=settings.SOURCE_UNHEALTHY_REVIEW_HOURS)
    flagged = 0
    alerts = Alert.objects.filter(
        kind=AlertKind.SOURCE, state__in=OPEN_STATES, fired_at__lte=since, indicator__isnull=False
    ).select_related("indicator")
    for alert in alerts:
        hours = int((now - alert.fired_at).total_seconds() // 3600)
        flagged += Risk.objects.filter(pk=alert.indicator.risk_id).flag_for_review(
            f"source unhealthy for {hours} h: {alert.indicator.name}"
        )
    return flagged
