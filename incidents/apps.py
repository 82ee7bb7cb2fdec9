"""Incidents: the plan's response flow, timeline, escalation, postmortems and the Alertmanager
receiver, opened from the register's alerts or from outside."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import extensions
        from incidents.api.serializers import RiskIncidentsField
        from register import roles, visibility

        for label, path in {
            "incidents.incident": "programme",
            "incidents.timelineevent": "incident__programme",
            "incidents.postmortem": "incident__programme",
            "incidents.actionitem": "postmortem__incident__programme",
            "incidents.externalalert": "incident__programme",
            "incidents.labelmapping": "risk__programme",
            "incidents.integrationtoken": "programme",
        }.items():
            visibility.add_path(label, path)

        roles.grant(
            roles.INCIDENT_RESPONDER,
            "incidents",
            [f"{a}_{m}" for a in ("add", "change") for m in ("incident", "timelineevent", "postmortem")],
        )
        extensions.add_risk_detail_field("incidents", RiskIncidentsField, order=10, prefetch=["incidents"])

        from incidents.receivers import on_alerts_announced, on_notification_result
        from monitoring.signals import alerts_announced
        from notifications.signals import notification_result

        alerts_announced.connect(on_alerts_announced, dispatch_uid="incidents.open_from_alert")
        notification_result.connect(on_notification_result, dispatch_uid="incidents.notification_timeline")

        from django.db.models.signals import m2m_changed

        from incidents.models import Incident
        from incidents.receivers import on_risks_linked

        m2m_changed.connect(on_risks_linked, sender=Incident.risks.through, dispatch_uid="incidents.flag_risks")
