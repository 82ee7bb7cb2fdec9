"""Notifications: channels, the notification outbox, rendering, delivery and its sweep, and the
register's messages to risk owners. Every app above hands it messages through
``notifications.outbox.owe`` (docs/notifications.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import owner_notices
        from register import notices, roles

        # Every role sees the channels and the outbox; administrators change them.
        roles.grant(roles.ADMINISTRATOR, "notifications")
        notices.owner_notice.connect(owner_notices.owe, dispatch_uid="notifications.owner_notices")
