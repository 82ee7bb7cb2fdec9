from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitoring.choices import ChannelKind, NotificationStatus


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
    """One message owed to one channel (the outbox row): for an alert transition, or for another app's
    event (an incident escalation) that brings its own ``key`` and ``payload``."""

    transition = models.ForeignKey(
        "monitoring.AlertTransition",
        verbose_name=_("transition"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    key = models.CharField(
        _("key"),
        max_length=200,
        blank=True,
        help_text=_("What this message is about when it is not an alert transition."),
    )
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
            models.UniqueConstraint(fields=["transition", "channel"], name="notification_once_per_channel"),
            models.UniqueConstraint(
                fields=["key", "channel", "recipient"], condition=~models.Q(key=""), name="notification_once_per_key"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__isnull=False) | ~models.Q(recipient=""), name="notification_has_destination"
            ),
            models.CheckConstraint(
                condition=models.Q(transition__isnull=False) | ~models.Q(key=""), name="notification_has_subject"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.channel or self.recipient} ← {self.transition or self.key} ({self.status})"
