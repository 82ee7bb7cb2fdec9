from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from incidents.receivers import on_alert_transition
        from monitoring.signals import alert_transition

        alert_transition.connect(on_alert_transition, dispatch_uid="incidents.open_from_alert")
