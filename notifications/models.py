from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.choices import ChannelKind, NotificationStatus


class Channel(models.Model):
    """Where alerts go: e-mail addresses or a webhook, for immediate and/or watch priority."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    target = models.CharField(
        _("target"), max_length=500, help_text=_("Comma-separated e-mail addresses, or the webhook URL.")
    )
    immediate = models.BooleanField(_("immediate alerts"), default=True)
    watch = models.BooleanField(_("watch alerts"), default=False)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def accepts(self, priority: str) -> bool:
        return self.enabled and bool(getattr(self, priority, False))


class Notification(models.Model):
    """One message owed to one destination (the outbox row), about one subject named by its ``key``
    (``<subject>:<pk>[:<detail>…]``, notifications.keys): an alert transition, an incident's
    escalation step, an acceptance about to expire … Its body is the ``payload`` stored with it, or —
    for a subject whose app renders it at delivery (notifications.rendering) — built then."""

    key = models.CharField(_("key"), max_length=200, help_text=_("What this message is about."))
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    # A person rather than a channel (an incident's commander or assignee): e-mailed directly.
    recipient = models.EmailField(_("recipient"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            # Once per key and destination. Two partial constraints, not one over (key, channel,
            # recipient): NULLs are distinct in a unique index, so a message to a person (no
            # channel) would not have been unique at all.
            models.UniqueConstraint(
                fields=["key", "channel"], condition=Q(channel__isnull=False), name="notification_once_per_channel"
            ),
            models.UniqueConstraint(
                fields=["key", "recipient"], condition=Q(channel__isnull=True), name="notification_once_per_person"
            ),
            models.CheckConstraint(
                condition=Q(channel__isnull=False) | ~Q(recipient=""), name="notification_has_destination"
            ),
            models.CheckConstraint(condition=~Q(key=""), name="notification_has_subject"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.channel or self.recipient} ← {self.key} ({self.status})"
