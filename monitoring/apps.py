"""Monitoring: metrics and their sources, readings, evaluation, alerts, SLOs, the exporter and
health — and the indicators that bind a risk to a metric. Its messages go through notifications."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models import Prefetch

        from core import extensions
        from monitoring import snapshots
        from monitoring.alerting import alert_messages
        from monitoring.api.serializers import IndicatorSerializer
        from monitoring.models import AlertTransition, Indicator
        from notifications import rendering
        from register import roles, visibility

        visibility.add_path("monitoring.indicator", "risk__programme")
        visibility.add_path("monitoring.indicatorstate", "indicator__risk__programme")
        visibility.add_path("monitoring.metric", "programme")
        visibility.add_path("monitoring.alertrule", "programme")
        visibility.add_path("monitoring.slo", "programme")
        # A threshold or source alert has its metric; a burn-rate alert its SLO (which may have none).
        visibility.add_path("monitoring.alert", "metric__programme", "slo__programme")
        visibility.add_path("monitoring.alerttransition", "alert__metric__programme", "alert__slo__programme")
        visibility.add_path("monitoring.reading", "metric__programme")
        roles.grant(roles.RISK_OWNER, "monitoring", [f"{a}_indicator" for a in ("add", "change", "delete")])
        roles.grant(roles.INCIDENT_RESPONDER, "monitoring", ["change_alert"])
        # Machines that push readings (CI, review tooling) through the API.
        roles.grant(roles.INTEGRATION, "monitoring", ["add_reading"])
        # The risk API's detail shows each indicator with its live state.
        extensions.add_risk_detail_field(
            "indicators",
            lambda: IndicatorSerializer(many=True, read_only=True),
            order=30,
            prefetch=[
                Prefetch("indicators", queryset=Indicator.objects.select_related("metric", "live")),
                "indicators__alerts",
            ],
        )
        # An acceptance's approval snapshots each indicator's state and value.
        extensions.add_snapshot_part("indicators", snapshots.indicator_snapshot)
        # An alert transition's message is rendered when it is delivered.
        rendering.add_renderer(AlertTransition.NOTIFICATION_SUBJECT, alert_messages.render)
