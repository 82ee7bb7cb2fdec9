"""The audit trail: every write to the register's data by any path, and sign-ins, sign-outs and
refusals, recorded by the database, append-only and chained by hash (docs/audit.md)."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit import receivers, triggers

        receivers.connect()
        # After every migrate, the triggers match the tables as they now are (columns come and go).
        post_migrate.connect(triggers.install_after_migrate, dispatch_uid="audit.install_triggers")
