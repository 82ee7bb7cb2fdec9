"""Deliver notification rows: at-least-once, with retries and backoff, once per key and destination."""

from __future__ import annotations

import json
import smtplib
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from notifications import rendering
from notifications.choices import ChannelKind, NotificationStatus
from notifications.models import Notification
from notifications.signals import notification_result

MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=2)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


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


def _finish(notification_id: int, key: str, outcome: str, error: str = "", **fields) -> str:
    Notification.objects.filter(pk=notification_id).update(claimed_at=None, **fields)
    notification_result.send(
        sender=Notification, notification_id=notification_id, key=key, status=outcome, error=error[:300]
    )
    return outcome


def deliver(notification_id: int) -> str:
    now = timezone.now()
    # Claim: only one worker moves a due row from pending to sending.
    claimed = Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.PENDING, next_attempt_at__lte=now
    ).update(status=NotificationStatus.SENDING, claimed_at=now)
    if not claimed:
        return "not due"
    notification = Notification.objects.select_related("channel").get(pk=notification_id)
    attempts = notification.attempts + 1
    # Outside the try: a bug building the message must surface, not become a retry.
    body = rendering.body_for(notification)
    if body is None:
        # What it was about is gone (an alert deleted with its metric): nothing left to say.
        return _finish(
            notification_id,
            notification.key,
            "failed",
            "its subject no longer exists",
            status=NotificationStatus.FAILED,
            attempts=attempts,
            last_error="its subject no longer exists",
        )
    try:
        send(notification.channel, body, notification.recipient)
    except (OSError, requests.RequestException, smtplib.SMTPException) as exc:
        failed = attempts >= MAX_ATTEMPTS
        return _finish(
            notification_id,
            notification.key,
            "failed" if failed else "retry",
            str(exc),
            status=NotificationStatus.FAILED if failed else NotificationStatus.PENDING,
            attempts=attempts,
            last_error=f"{exc.__class__.__name__}: {exc}"[:500],
            next_attempt_at=now + backoff(attempts),
        )
    return _finish(
        notification_id,
        notification.key,
        "sent",
        status=NotificationStatus.SENT,
        attempts=attempts,
        sent_at=timezone.now(),
        last_error="",
    )


def due_for_retry(now: datetime) -> list[int]:
    stale = Notification.objects.filter(status=NotificationStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    stale.update(status=NotificationStatus.PENDING, claimed_at=None)
    return list(
        Notification.objects.filter(Q(status=NotificationStatus.PENDING) & Q(next_attempt_at__lte=now)).values_list(
            "pk", flat=True
        )[:1000]
    )
