"""Inhibition along the risk graph, as Alertmanager's inhibit rules but derived from the register.

When an immediate-priority breach or burn-rate alert of risk A fires and A causes B (a ``RiskLink`` with
``inhibits``, on by default), B's alerts are inhibited: their transitions are stored and shown with
the inhibiting alert, but nobody is paged and no incident opens for them — B is a consequence of
what is already being handled. Checked when a transition is announced (fired, escalated, resolved),
so an alert is inhibited exactly while its cause fires; one hop, the direct causes only.
"""

from __future__ import annotations

from monitoring.choices import RISK_ALERT_KINDS, AlertState, Priority


def inhibitor_for(alert):
    """The firing immediate alert of a direct cause of the alert's risk that inhibits it, or None."""
    from monitoring.models import Alert

    if alert.kind not in RISK_ALERT_KINDS or alert.indicator_id is None:
        return None
    risk_id = alert.indicator.risk_id
    return (
        Alert.objects.filter(
            kind__in=RISK_ALERT_KINDS,
            state=AlertState.FIRING,
            priority=Priority.IMMEDIATE,
            indicator__risk__effect_links__effect_id=risk_id,
            indicator__risk__effect_links__inhibits=True,
        )
        .exclude(indicator__risk_id=risk_id)
        .order_by("fired_at", "pk")
        .first()
    )


def update(alert) -> bool:
    """Set or clear the alert's inhibitor as the graph stands now; whether it is inhibited."""
    inhibitor = inhibitor_for(alert)
    if (inhibitor.pk if inhibitor else None) != alert.inhibited_by_id:
        alert.inhibited_by = inhibitor
        type(alert).objects.filter(pk=alert.pk).update(inhibited_by=inhibitor)
    return inhibitor is not None
