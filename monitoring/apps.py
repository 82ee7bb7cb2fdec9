from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the readings and alerts figures reviews show (the core never imports monitoring).
        from monitoring import evidence  # noqa: F401
