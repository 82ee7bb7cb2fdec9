"""Evaluate an SLO: read each window's bad ratio, store the budget and burn rates, and step its alerts.

Each priority (immediate = page, watch = ticket) has its own episode under the key
``slo:<id>:<priority>``, run by the same pure state machine as threshold alerts with one observation
per evaluation: the alert table's windows already decide significance (long window) and reset (short
window), so it fires on the first evaluation that meets a row and resolves on the first that meets
none. Transitions, notifications, incidents, review flags and inhibition go through
``evaluation.record_transition``, as a threshold alert's do.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext

from monitoring.alerting import state_machine as sm
from monitoring.alerting.evaluation import EVENT_STATE, queue_notifications, record_transition
from monitoring.choices import AlertKind, AlertState, Band, Priority, ReadingStatus
from monitoring.models import SLO, Alert, Indicator, IndicatorState
from monitoring.models.alerts import OPEN_STATES
from monitoring.slos import budget
from monitoring.slos import sources as slo_sources
from notifications.models import Channel

Kind = sm.EventKind
SEVERITY = {Priority.IMMEDIATE: Band.CRITICAL, Priority.WATCH: Band.WARNING}
CONFIG = sm.Config(for_count=1, keep_count=1, nodata_count=3, flap_limit=4)
_WORST = [ReadingStatus.CRITICAL, ReadingStatus.WARNING, ReadingStatus.NORMAL, ReadingStatus.NO_DATA]


def burn_rates(ratios: dict[int, float | None], objective: float) -> dict[int, float | None]:
    return {w: None if r is None else budget.burn_rate(r, objective) for w, r in ratios.items()}


def describe(row: budget.BurnWindow, burns: dict[int, float | None], slo_window: int) -> str:
    """Why a burn alert fires, in the register's language (read in notifications and on the risk)."""
    return gettext(
        "burning %(long_rate).1f× over %(long)s and %(short_rate).1f× over %(short)s "
        "(alert above %(factor)g×: %(spent)s of the budget in %(long)s)"
    ) % {
        "long_rate": burns[row.long],
        "long": budget.format_duration(row.long),
        "short_rate": burns[row.short],
        "short": budget.format_duration(row.short),
        "factor": row.factor,
        "spent": f"{budget.budget_spent(row.factor, row.long, slo_window):.0%}",
    }


def observe(slo: SLO, ratios: dict[int, float | None], now: datetime, history: float | None = None) -> None:
    """Apply one evaluation's ratios to the SLO (not saved) and step its alerts; locked by the caller.

    ``history``: seconds of readings the SLI has (None: unknown). An alert window it covers less than
    half of has no burn rate yet (``slo.covered``); the budget is what the readings there are say.
    """
    windows = slo.windows()
    burns = {w: b if budget.covered(w, history) else None for w, b in burn_rates(ratios, slo.objective).items()}
    whole = ratios.get(slo.window_seconds)
    slo.sli = None if whole is None else 1 - whole
    # Rounded as the burn rates are: float noise (-0.9999999999999982) is not information.
    slo.budget_remaining = None if whole is None else round(budget.budget_remaining(whole, slo.objective), 6)
    slo.burn_rates = {
        budget.format_duration(w): None if burns.get(w) is None else round(burns[w], 6)
        for w in budget.windows_needed(windows)
    }
    slo.evaluated_at = now
    fire = budget.firing(burns, windows)
    # No data is no readings at all; readings too young to cover a window read normal (nothing we can
    # judge is burning), so a new SLO does not turn its risk "No data" for its first minutes.
    no_data = all(ratios.get(w) is None for w in budget.windows_needed(windows))
    channels = list(Channel.objects.filter(enabled=True))
    open_alerts = {a.dedup_key: a for a in slo.alerts.filter(state__in=OPEN_STATES)}
    notifications, observed_all = [], []
    for priority in Priority.values:
        row = fire[priority]
        observed = sm.NO_DATA if no_data else (SEVERITY[priority] if row else sm.OK)
        observed_all.append(observed)
        stored = slo.alert_states.get(priority) or {}
        state = sm.State(**{**stored, "fire_times": tuple(stored.get("fire_times", ()))})
        state, events = sm.step(state, observed, CONFIG, now.timestamp())
        slo.alert_states[priority] = asdict(state) | {"fire_times": list(state.fire_times)}
        key = f"slo:{slo.pk}:{priority}"
        for event in events:
            if event.kind in (Kind.SOURCE_UNHEALTHY, Kind.SOURCE_RECOVERED):
                continue  # an SLI that cannot be read shows as no data and the SLO's last error
            reason = (
                describe(row, burns, slo.window_seconds)
                if row
                else gettext("the burn rate is back under every alert's factor")
            )
            notifications += _apply(slo, key, priority, event, reason, now, open_alerts, channels)
    _report_on_indicator(slo, observed_all)
    queue_notifications(notifications)


def _apply(slo, key, priority, event, reason, now, open_alerts, channels) -> list:
    alert = open_alerts.get(key)
    if alert is None:
        if event.kind != Kind.PENDING:
            return []
        indicator = slo.indicator
        alert = Alert.objects.create(
            kind=AlertKind.BURN_RATE,
            slo=slo,
            indicator=indicator,
            metric=slo.metric,
            dedup_key=key,
            state=AlertState.PENDING,
            severity=SEVERITY[priority],
            priority=priority,
            started_at=now,
            title=f"{indicator.risk.code} {slo.name}" if indicator else slo.name,
            reason=reason[:500],
        )
        open_alerts[key] = alert
        return record_transition(alert, event, "", AlertState.PENDING, now, None, channels)
    before = alert.state
    alert.state, alert.reason = EVENT_STATE[event.kind], reason[:500]
    if event.kind == Kind.FIRED:
        alert.fired_at = now
    if alert.state in (AlertState.RESOLVED, AlertState.CANCELLED):
        alert.resolved_at = now
        del open_alerts[key]
    alert.save()
    return record_transition(
        alert,
        sm.Event(event.kind, event.from_phase, event.to_phase, event.severity, reason),
        before,
        alert.state,
        now,
        None,
        channels,
    )


def _report_on_indicator(slo: SLO, observed: list[str]) -> None:
    """The SLO's indicator reads critical while it pages, warning while it tickets (the risk's live status)."""
    if slo.indicator_id is None:
        return
    status = next(s for s in _WORST if s in observed)
    firing = status in (ReadingStatus.CRITICAL, ReadingStatus.WARNING)
    values = {
        "last_status": status,
        "phase": sm.FIRING if firing else sm.NORMAL,
        "severity": status if firing else "",
    }
    state, created = IndicatorState.objects.get_or_create(indicator_id=slo.indicator_id, defaults=values)
    if created or any(getattr(state, k) != v for k, v in values.items()):
        IndicatorState.objects.filter(pk=state.pk).update(**values)
        Indicator.refresh_live_status({slo.indicator.risk_id})


def evaluate(slo_id: int, now: datetime) -> str:
    """Read the SLI (outside any transaction: it may wait on Prometheus), then apply it under a lock.
    An evaluation older than the stored one (a redelivered task) changes nothing; one at the same
    moment finds what the stored one found (the windows already decide, nothing counts twice)."""
    slo = SLO.objects.select_related("metric").filter(pk=slo_id, enabled=True).first()
    if slo is None:
        return "gone"
    needed = sorted({*budget.windows_needed(slo.windows()), slo.window_seconds})
    try:
        ratios, error = slo_sources.error_ratios(slo, needed, now), ""
    except slo_sources.SLIError as exc:
        ratios, error = dict.fromkeys(needed), str(exc)
    with transaction.atomic():
        slo = SLO.objects.select_for_update(of=("self",)).select_related("indicator__risk", "metric").get(pk=slo_id)
        if slo.evaluated_at is not None and slo.evaluated_at > now:
            return "already evaluated"
        slo.last_error = error
        observe(slo, ratios, now, slo_sources.history_seconds(slo, now))
        fields = ("evaluated_at", "sli", "budget_remaining", "burn_rates", "last_error", "alert_states")
        SLO.objects.filter(pk=slo.pk).update(**{name: getattr(slo, name) for name in fields})
    return "no data" if error or slo.sli is None else "evaluated"


def evaluate_unevaluated(metrics) -> None:
    """The SLOs on these metrics that were never evaluated, evaluated now (called once per metric,
    when its readings begin to count: Evaluator.arm); one query when they have none."""
    newest = {m.pk: m.last_collected_at for m in metrics}
    unevaluated = SLO.objects.filter(metric_id__in=newest, enabled=True, evaluated_at__isnull=True)
    # As of the newest reading: a later evaluation (beat's, at its own now) still takes over.
    for pk, metric_id in unevaluated.values_list("pk", "metric_id"):
        evaluate(pk, newest[metric_id])
