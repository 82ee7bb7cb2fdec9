"""Inhibition along the risk graph, as Alertmanager's inhibit rules but derived from the register.

When an immediate-priority breach or burn-rate alert of risk A fires and A causes B (a ``RiskLink`` with
``inhibits``, on by default), B's alerts are inhibited: their transitions are stored and shown with
the inhibiting alert, but nobody is paged and no incident opens for them — B is a consequence of
what is already being handled. Checked when a transition is announced (fired, escalated, resolved),
so an alert is inhibited exactly while its cause fires; one hop, the direct causes only.
"""

from __future__ import annotations

from django.db.models import F

from monitoring.choices import RISK_ALERT_KINDS, AlertState, Priority


def inhibitors(risk_ids) -> dict[int, object]:
    """For each of these risks, the firing immediate alert of a direct cause that inhibits it (the
    one that fired first), if any: one query however many risks."""
    from monitoring.models import Alert

    risk_ids = set(risk_ids)
    if not risk_ids:
        return {}
    # filter() and annotate() on the same link join: the effect is the link the filter matched.
    candidates = (
        Alert.objects.filter(
            kind__in=RISK_ALERT_KINDS,
            state=AlertState.FIRING,
            priority=Priority.IMMEDIATE,
            indicator__risk__effect_links__effect_id__in=risk_ids,
            indicator__risk__effect_links__inhibits=True,
        )
        .annotate(effect_id=F("indicator__risk__effect_links__effect_id"), cause_id=F("indicator__risk_id"))
        .order_by("fired_at", "pk")
    )
    found: dict[int, object] = {}
    for alert in candidates:
        if alert.cause_id != alert.effect_id:
            found.setdefault(alert.effect_id, alert)
    return found


def update_all(alerts) -> None:
    """Set or clear each alert's inhibitor as the graph stands now (``alert.inhibited_by``): one
    query to find them, one UPDATE per distinct change."""
    from monitoring.models import Alert

    def risk_of(alert) -> int | None:
        return alert.indicator.risk_id if alert.kind in RISK_ALERT_KINDS and alert.indicator_id else None

    found = inhibitors({risk_of(a) for a in alerts} - {None})
    moved: dict[int | None, list[int]] = {}
    for alert in alerts:
        inhibitor = found.get(risk_of(alert))
        if (inhibitor.pk if inhibitor else None) != alert.inhibited_by_id:
            alert.inhibited_by = inhibitor
            moved.setdefault(alert.inhibited_by_id, []).append(alert.pk)
    for inhibitor_id, pks in moved.items():
        Alert.objects.filter(pk__in=pks).update(inhibited_by_id=inhibitor_id)
