"""Feed readings to the alert state machine of every indicator linked to their metric, and persist
what happens: alert rows, transitions with reasons, notification rows, the risks' live status.

Called inside the transaction that stores the readings (``ingest.record_readings``), so a reading,
the transitions it caused and the notifications they owe commit together or not at all (outbox).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from monitoring import signals, thresholds
from monitoring import state_machine as sm
from monitoring.choices import AlertKind, AlertState, Band, Direction, Priority, ReadingStatus
from monitoring.models import (
    Alert,
    AlertRule,
    AlertTransition,
    Channel,
    Indicator,
    IndicatorState,
    Metric,
    Notification,
    Reading,
)
from monitoring.models.alerts import OPEN_STATES
from register.choices import LiveStatus
from register.models import Risk

_EVENT_STATE = {
    "pending": AlertState.PENDING,
    "fired": AlertState.FIRING,
    "escalated": AlertState.FIRING,
    "recovering": AlertState.RECOVERING,
    "relapsed": AlertState.FIRING,
    "resolved": AlertState.RESOLVED,
    "cancelled": AlertState.CANCELLED,
}
# Which events people hear about. Pending, recovering and relapses stay quiet; cancelled episodes
# never fired, so they are never announced.
_NOTIFY = {"fired", "escalated", "resolved", "source_unhealthy", "source_recovered"}
STATE_FIELDS = [
    "phase",
    "severity",
    "breaches",
    "oks",
    "unhealthy",
    "source_alerting",
    "fire_times",
    "last_status",
]
_LIVE_RANK = {
    LiveStatus.NONE: 0,
    LiveStatus.NORMAL: 1,
    LiveStatus.UNKNOWN: 2,
    LiveStatus.WARNING: 3,
    LiveStatus.CRITICAL: 4,
}


def observation(indicator: Indicator, metric: Metric, state: IndicatorState, reading: Reading) -> str:
    """What this reading means for this indicator: the metric's band, raised by the indicator's own
    early-warning rule, with the clear threshold (hysteresis) applied while an episode is open."""
    if reading.status in (ReadingStatus.NO_DATA, ReadingStatus.ERROR):
        return reading.status
    value = reading.value
    result = reading.status
    if indicator.rule_is_met(value):
        result = sm.WARNING if result == sm.OK else result
    if result == sm.OK and state.phase in (sm.FIRING, sm.RECOVERING) and state.clear_threshold is not None:
        cleared = (
            value <= state.clear_threshold
            if metric.direction == Direction.HIGHER_IS_WORSE
            else value >= state.clear_threshold
        )
        if not cleared:
            return state.severity or sm.WARNING
    return result


def priority_for(metric: Metric, severity: str, value: float | None, rules: list[AlertRule]) -> str:
    """critical → immediate, warning → watch; a plan rule marked immediate that the value meets wins."""
    if severity == sm.CRITICAL:
        return Priority.IMMEDIATE
    for rule in rules:
        if (
            rule.priority == Priority.IMMEDIATE
            and rule.operator
            and value is not None
            and thresholds.compare(value, rule.operator, rule.threshold)
        ):
            return Priority.IMMEDIATE
    return Priority.WATCH


def _stored(state: IndicatorState) -> tuple:
    return tuple(tuple(v) if isinstance(v, list) else v for v in (getattr(state, f) for f in STATE_FIELDS))


def _machine_state(state: IndicatorState) -> sm.State:
    return sm.State(
        phase=state.phase,
        severity=state.severity,
        breaches=state.breaches,
        oks=state.oks,
        unhealthy=state.unhealthy,
        source_alerting=state.source_alerting,
        fire_times=tuple(state.fire_times),
    )


def _config(state: IndicatorState) -> sm.Config:
    return sm.Config(
        for_count=state.for_count,
        keep_count=state.keep_count,
        nodata_count=state.nodata_count,
        flap_limit=state.flap_limit,
    )


class Evaluator:
    """Evaluates one metric's new readings for all of its indicators, with a handful of queries."""

    def __init__(self, metric: Metric):
        self.metric = metric
        self.rules = list(AlertRule.objects.filter(metric=metric))
        self.channels = list(Channel.objects.filter(enabled=True))
        self.indicators = list(Indicator.objects.filter(metric=metric).select_related("risk"))
        existing = {s.indicator_id: s for s in IndicatorState.objects.filter(indicator__in=self.indicators)}
        missing = [IndicatorState(indicator=i) for i in self.indicators if i.pk not in existing]
        IndicatorState.objects.bulk_create(missing)
        existing.update({s.indicator_id: s for s in missing})
        self.states = existing
        keys = [f"indicator:{i.pk}" for i in self.indicators] + [f"source:{i.pk}" for i in self.indicators]
        self.open_alerts = {a.dedup_key: a for a in Alert.objects.filter(dedup_key__in=keys, state__in=OPEN_STATES)}
        self.notifications: list[Notification] = []

    def evaluate(self, readings: Iterable[Reading], after: datetime | None = None) -> None:
        """Step every indicator through ``readings`` in time order. Readings at or before ``after``
        (the metric's newest reading before this batch) arrived late: stored, not replayed."""
        ordered = sorted((r for r in readings if after is None or r.observed_at > after), key=lambda r: r.observed_at)
        changed: dict[tuple, list[int]] = {}
        for indicator in self.indicators:
            state = self.states[indicator.pk]
            before = _stored(state)
            machine = _machine_state(state)
            for reading in ordered:
                observed = observation(indicator, self.metric, state, reading)
                machine, events = sm.step(machine, observed, _config(state), reading.observed_at.timestamp())
                self._store_machine(state, machine, observed)
                for event in events:
                    self._apply(indicator, state, machine, event, reading)
            after_state = _stored(state)
            if after_state != before:
                changed.setdefault(after_state, []).append(state.pk)
        # Indicators of one metric mostly change alike: one UPDATE per distinct new state, and none
        # at all in the steady state, so a tick's queries do not grow with the indicators per metric.
        for values, pks in changed.items():
            IndicatorState.objects.filter(pk__in=pks).update(**dict(zip(STATE_FIELDS, values, strict=True)))
        if self.notifications:
            from monitoring.tasks import deliver_notification

            # SQLite ≥ 3.35 and PostgreSQL return the new keys from a bulk insert.
            for notification in Notification.objects.bulk_create(self.notifications):
                # robust: a broker outage must not fail the committed evaluation; the sweep resends.
                transaction.on_commit(lambda pk=notification.pk: deliver_notification.delay(pk), robust=True)
        if changed:
            update_live_status({i.risk_id for i in self.indicators})

    def _store_machine(self, state: IndicatorState, machine: sm.State, observed: str) -> None:
        state.phase, state.severity = machine.phase, machine.severity
        state.breaches, state.oks, state.unhealthy = machine.breaches, machine.oks, machine.unhealthy
        state.source_alerting, state.fire_times = machine.source_alerting, list(machine.fire_times)
        state.last_status = observed

    def _apply(
        self, indicator: Indicator, state: IndicatorState, machine: sm.State, event: sm.Event, reading: Reading
    ) -> None:
        at = reading.observed_at
        if event.kind.startswith("source_"):
            key = f"source:{indicator.pk}"
            alert = self.open_alerts.get(key)
            if event.kind == "source_unhealthy":
                alert = Alert.objects.create(
                    kind=AlertKind.SOURCE,
                    indicator=indicator,
                    metric=self.metric,
                    dedup_key=key,
                    state=AlertState.FIRING,
                    priority=Priority.WATCH,
                    started_at=at,
                    fired_at=at,
                    title=f"{indicator.risk.code} {indicator.name}: source unhealthy",
                    reason=event.reason,
                )
                self.open_alerts[key] = alert
                self._transition(alert, event, "", AlertState.FIRING, reading)
            elif alert is not None:
                alert.state, alert.resolved_at, alert.reason = AlertState.RESOLVED, at, event.reason
                alert.save(update_fields=["state", "resolved_at", "reason"])
                del self.open_alerts[key]
                self._transition(alert, event, AlertState.FIRING, AlertState.RESOLVED, reading)
            return

        key = f"indicator:{indicator.pk}"
        alert = self.open_alerts.get(key)
        severity = machine.severity or event.severity
        if event.kind == "pending" or alert is None:
            alert = Alert.objects.create(
                kind=AlertKind.BREACH,
                indicator=indicator,
                metric=self.metric,
                dedup_key=key,
                state=AlertState.PENDING,
                severity=severity,
                started_at=at,
                last_value=reading.value,
                priority=priority_for(self.metric, severity, reading.value, self.rules),
                title=f"{indicator.risk.code} {indicator.name}",
                reason=event.reason,
            )
            self.open_alerts[key] = alert
            if event.kind == "pending":
                self._transition(alert, event, "", AlertState.PENDING, reading)
                return
        before = alert.state
        alert.state = _EVENT_STATE[event.kind]
        alert.reason, alert.last_value = event.reason, reading.value
        if event.severity:
            alert.severity = event.severity if event.kind == "escalated" else severity
            # Priority only ever rises within an episode (a watch alert that turns critical pages).
            if priority_for(self.metric, alert.severity, reading.value, self.rules) == Priority.IMMEDIATE:
                alert.priority = Priority.IMMEDIATE
        if event.kind == "fired":
            alert.fired_at = at
            alert.flapping = sm.is_flapping(machine, _config(state), at.timestamp())
        if alert.state in (AlertState.RESOLVED, AlertState.CANCELLED):
            alert.resolved_at = at
            del self.open_alerts[key]
        alert.save()
        self._transition(alert, event, before, alert.state, reading)

    def _transition(self, alert: Alert, event: sm.Event, before: str, after: str, reading: Reading) -> None:
        transition = AlertTransition.objects.create(
            alert=alert,
            at=reading.observed_at,
            event=event.kind,
            from_state=before,
            to_state=after,
            severity=alert.severity,
            value=reading.value,
            reason=event.reason,
        )
        if event.kind not in _NOTIFY:
            return
        if event.kind in ("fired", "escalated") and alert.severity == Band.CRITICAL and alert.indicator_id:
            Risk.objects.filter(pk=alert.indicator.risk_id).flag_for_review(
                f"critical: {alert.indicator.name} ({event.reason})"
            )
        transaction.on_commit(
            lambda: signals.alert_transition.send(
                sender=Alert, alert_id=alert.pk, event=event.kind, priority=alert.priority
            ),
            robust=True,
        )
        if alert.flapping or alert.is_silenced(reading.observed_at):
            return
        for channel in self.channels:
            if channel.accepts(alert.priority):
                self.notifications.append(Notification(transition=transition, channel=channel))


def indicator_live_status(state: IndicatorState | None) -> str:
    if state is None or not state.last_status:
        return LiveStatus.UNKNOWN
    if state.last_status in (ReadingStatus.NO_DATA, ReadingStatus.ERROR):
        return LiveStatus.UNKNOWN
    if state.phase in (sm.FIRING, sm.RECOVERING) and state.severity:
        return state.severity
    return state.last_status


def update_live_status(risk_ids: Iterable[int]) -> None:
    """Recompute the stored live status of these risks from their monitored indicators."""
    risk_ids = set(risk_ids)
    if not risk_ids:
        return
    worst: dict[int, str] = dict.fromkeys(risk_ids, LiveStatus.NONE)
    indicators = Indicator.objects.filter(risk_id__in=risk_ids, metric__isnull=False).select_related("live")
    for indicator in indicators:
        status = indicator_live_status(getattr(indicator, "live", None))
        if _LIVE_RANK[status] > _LIVE_RANK[worst[indicator.risk_id]]:
            worst[indicator.risk_id] = status
    for status in set(worst.values()):
        Risk.objects.filter(pk__in=[pk for pk, s in worst.items() if s == status]).exclude(live_status=status).update(
            live_status=status
        )
