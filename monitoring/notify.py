"""Deliver notification rows: at-least-once, with retries and backoff, one row per (transition, channel)."""

from __future__ import annotations

import json
import smtplib
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from monitoring import signals
from monitoring.choices import ChannelKind, NotificationStatus
from monitoring.models import Notification
from monitoring.state_machine import EventKind

MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=2)
_HEADLINE = {
    EventKind.FIRED: "FIRING",
    EventKind.ESCALATED: "ESCALATED",
    EventKind.RESOLVED: "RESOLVED",
    EventKind.SOURCE_UNHEALTHY: "SOURCE UNHEALTHY",
    EventKind.SOURCE_RECOVERED: "SOURCE RECOVERED",
}


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def payload(notification: Notification) -> dict:
    transition = notification.transition
    alert = transition.alert
    metric = alert.metric
    url = settings.SITE_URL.rstrip("/") + reverse("admin:monitoring_alert_change", args=[alert.pk])
    unit = metric.unit if metric else ""
    value = "" if transition.value is None else f" — value {transition.value:g}{unit}"
    text = (
        f"[{alert.get_priority_display()}] {_HEADLINE.get(transition.event, transition.event.upper())}: "
        f"{alert.title}{value}. {transition.reason}. {url}"
    )
    return {
        "text": text,
        "event": transition.event,
        "alert": {
            "id": alert.pk,
            "title": alert.title,
            "state": alert.state,
            "severity": alert.severity,
            "priority": alert.priority,
            "kind": alert.kind,
            "dedup_key": alert.dedup_key,
            "started_at": alert.started_at.isoformat(),
            "url": url,
        },
        "risk": alert.indicator.risk.code if alert.indicator_id else None,
        "indicator": alert.indicator.name if alert.indicator_id else None,
        "metric": metric.key if metric else None,
        "value": transition.value,
        "unit": unit,
        "at": transition.at.isoformat(),
        "reason": transition.reason,
        # Receivers deduplicate on this: a retried delivery repeats it.
        "idempotency_key": f"{transition.pk}:{notification.channel_id}",
    }


def send(channel, body: dict, recipient: str = "") -> None:
    if channel is None:
        send_mail(
            subject=body["text"][:150],
            message=json.dumps(body, ensure_ascii=False, indent=2),
            from_email=None,
            recipient_list=[recipient],
            fail_silently=False,
        )
        return
    if channel.kind == ChannelKind.EMAIL:
        recipients = [a.strip() for a in channel.target.split(",") if a.strip()]
        send_mail(
            subject=body["text"][:150],
            message=json.dumps(body, ensure_ascii=False, indent=2),
            from_email=None,
            recipient_list=recipients,
            fail_silently=False,
        )
        return
    data = {"text": body["text"]} if channel.kind == ChannelKind.SLACK else body
    response = requests.post(
        channel.target,
        json=data,
        timeout=settings.SOURCE_TIMEOUT_SECONDS,
        headers={"Idempotency-Key": body["idempotency_key"]},
    )
    response.raise_for_status()


def deliver(notification_id: int) -> str:
    now = timezone.now()
    # Claim: only one worker moves a due row from pending to sending.
    claimed = Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.PENDING, next_attempt_at__lte=now
    ).update(status=NotificationStatus.SENDING, claimed_at=now)
    if not claimed:
        return "not due"
    notification = Notification.objects.select_related(
        "channel", "transition__alert__metric", "transition__alert__indicator__risk"
    ).get(pk=notification_id)
    attempts = notification.attempts + 1
    # Outside the try: a bug building the message must surface, not become a retry.
    if notification.transition_id:
        body = payload(notification)
    else:
        destination = notification.channel_id or notification.recipient
        body = {**notification.payload, "idempotency_key": f"{notification.key}:{destination}"}
    try:
        send(notification.channel, body, notification.recipient)
    except (OSError, requests.RequestException, smtplib.SMTPException) as exc:
        failed = attempts >= MAX_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            status=NotificationStatus.FAILED if failed else NotificationStatus.PENDING,
            attempts=attempts,
            last_error=f"{exc.__class__.__name__}: {exc}"[:500],
            next_attempt_at=now + backoff(attempts),
            claimed_at=None,
        )
        outcome = "failed" if failed else "retry"
        signals.notification_result.send(
            sender=Notification,
            notification_id=notification_id,
            key=notification.key,
            status=outcome,
            error=str(exc)[:300],
        )
        return outcome
    Notification.objects.filter(pk=notification_id).update(
        status=NotificationStatus.SENT, attempts=attempts, sent_at=timezone.now(), last_error=""
    )
    signals.notification_result.send(
        sender=Notification, notification_id=notification_id, key=notification.key, status="sent", error=""
    )
    return "sent"


def due_for_retry(now: datetime) -> list[int]:
    stale = Notification.objects.filter(status=NotificationStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    stale.update(status=NotificationStatus.PENDING, claimed_at=None)
    return list(
        Notification.objects.filter(Q(status=NotificationStatus.PENDING) & Q(next_attempt_at__lte=now)).values_list(
            "pk", flat=True
        )[:1000]
    )
