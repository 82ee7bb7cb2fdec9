"""Feed readings to the alert state machine of every indicator linked to their metric, and persist
what happens: alert rows, transitions with reasons, notification rows, the risks' live status.

Called inside the transaction that stores the readings (``ingest.record_readings``), so a reading,
the transitions it caused and the notifications they owe commit together or not at all (outbox).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from monitoring import inhibition, signals, thresholds
from monitoring import state_machine as sm
from monitoring.choices import AlertKind, AlertState, Band, Direction, Priority, ReadingStatus, Source
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
from register import acceptances
from register.choices import LiveStatus
from register.models import Risk

Kind = sm.EventKind
# The state a breach alert is in after each event of the machine.
EVENT_STATE = {
    Kind.PENDING: AlertState.PENDING,
    Kind.FIRED: AlertState.FIRING,
    Kind.ESCALATED: AlertState.FIRING,
    Kind.RECOVERING: AlertState.RECOVERING,
    Kind.RELAPSED: AlertState.FIRING,
    Kind.RESOLVED: AlertState.RESOLVED,
    Kind.CANCELLED: AlertState.CANCELLED,
}
_SOURCE_EVENTS = (Kind.SOURCE_UNHEALTHY, Kind.SOURCE_RECOVERED)
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
    if indicator.rule_is_met(value, metric):
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


def warming_up(metric: Metric, reading: Reading, first_at: datetime) -> bool:
    """Is this reading still in the metric's warm-up? (See Evaluator.arm.)"""
    if metric.source == Source.PUSH or reading.status == ReadingStatus.NORMAL:
        return False
    return (reading.observed_at - first_at).total_seconds() < settings.METRIC_WARMUP_SECONDS


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

    def arm(self, ordered: list[Reading]) -> list[Reading]:
        """The readings the state machines may see.

        A polled metric's breaches start to count once its target has answered normal once, or
        METRIC_WARMUP_SECONDS (120) after its first reading, whichever comes first: a register
        starting up probes stores that are still starting, and must not page anyone about itself.
        A target that is broken from the start still alerts, after the warm-up. Pushed readings
        count at once (they are sent when something happened). Held readings are stored, not replayed.
        """
        if self.metric.armed_at is not None or not ordered:
            return ordered
        first = Reading.objects.filter(metric=self.metric).order_by("observed_at").values_list("observed_at", flat=True)
        first_at = first.first() or ordered[0].observed_at
        for index, reading in enumerate(ordered):
            if not warming_up(self.metric, reading, first_at):
                self.metric.armed_at = reading.observed_at
                Metric.objects.filter(pk=self.metric.pk).update(armed_at=reading.observed_at)
                return ordered[index:]
        return []

    def evaluate(self, readings: Iterable[Reading], after: datetime | None = None) -> None:
        """Step every indicator through ``readings`` in time order. Readings at or before ``after``
        (the metric's newest reading before this batch) arrived late: stored, not replayed."""
        ordered = sorted((r for r in readings if after is None or r.observed_at > after), key=lambda r: r.observed_at)
        ordered = self.arm(ordered)
        changed: dict[tuple, list[int]] = {}
        for indicator in self.indicators:
            state = self.states[indicator.pk]
            before = state.stored()
            machine, config = state.machine_state(), state.machine_config()
            for reading in ordered:
                observed = observation(indicator, self.metric, state, reading)
                machine, events = sm.step(machine, observed, config, reading.observed_at.timestamp())
                state.apply(machine, observed)
                for event in events:
                    if event.kind in _SOURCE_EVENTS:
                        self._apply_source(indicator, event, reading)
                    else:
                        self._apply_breach(indicator, machine, config, event, reading)
            after_state = state.stored()
            if after_state != before:
                changed.setdefault(after_state, []).append(state.pk)
        # Indicators of one metric mostly change alike: one UPDATE per distinct new state, and none
        # at all in the steady state, so a tick's queries do not grow with the indicators per metric.
        for values, pks in changed.items():
            IndicatorState.objects.filter(pk__in=pks).update(
                **dict(zip(IndicatorState.STORED_FIELDS, values, strict=True))
            )
        queue_notifications(self.notifications)
        if changed:
            update_live_status({i.risk_id for i in self.indicators})

    def _apply_source(self, indicator: Indicator, event: sm.Event, reading: Reading) -> None:
        """A source alert: opened when the source turns unhealthy, resolved when it recovers."""
        at = reading.observed_at
        key = f"source:{indicator.pk}"
        alert = self.open_alerts.get(key)
        if event.kind == Kind.SOURCE_UNHEALTHY:
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

    def _apply_breach(
        self, indicator: Indicator, machine: sm.State, config: sm.Config, event: sm.Event, reading: Reading
    ) -> None:
        """A breach alert: one episode from pending to resolved (or cancelled), under one key."""
        at = reading.observed_at
        key = f"indicator:{indicator.pk}"
        alert = self.open_alerts.get(key)
        severity = machine.severity or event.severity
        if event.kind == Kind.PENDING or alert is None:
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
            if event.kind == Kind.PENDING:
                self._transition(alert, event, "", AlertState.PENDING, reading)
                return
        before = alert.state
        alert.state = EVENT_STATE[event.kind]
        alert.reason, alert.last_value = event.reason, reading.value
        if event.severity:
            alert.severity = event.severity if event.kind == Kind.ESCALATED else severity
            # Priority only ever rises within an episode (a watch alert that turns critical pages).
            if priority_for(self.metric, alert.severity, reading.value, self.rules) == Priority.IMMEDIATE:
                alert.priority = Priority.IMMEDIATE
        if event.kind == Kind.FIRED:
            alert.fired_at = at
            alert.flapping = sm.is_flapping(machine, config, at.timestamp())
        if alert.state in (AlertState.RESOLVED, AlertState.CANCELLED):
            alert.resolved_at = at
            del self.open_alerts[key]
        alert.save()
        self._transition(alert, event, before, alert.state, reading)

    def _transition(self, alert: Alert, event: sm.Event, before: str, after: str, reading: Reading) -> None:
        self.notifications += record_transition(
            alert, event, before, after, reading.observed_at, reading.value, self.channels
        )


def record_transition(
    alert: Alert, event: sm.Event, before: str, after: str, at: datetime, value: float | None, channels: list[Channel]
) -> list[Notification]:
    """Store an alert's transition and announce it: the risk flagged and its acceptance invalidated
    on a critical fire, inhibition along the risk graph, the signal incidents listen to, and the
    notifications owed (returned unsaved, so a caller writes a batch in one INSERT)."""
    transition = AlertTransition.objects.create(
        alert=alert,
        at=at,
        event=event.kind,
        from_state=before,
        to_state=after,
        severity=alert.severity,
        value=value,
        reason=event.reason,
    )
    if event.kind not in sm.ANNOUNCED:
        return []
    if event.kind in (Kind.FIRED, Kind.ESCALATED) and alert.severity == Band.CRITICAL and alert.indicator_id:
        Risk.objects.filter(pk=alert.indicator.risk_id).flag_for_review(
            gettext("%(state)s: %(indicator)s (%(why)s)")
            % {"state": Band(alert.severity).label, "indicator": alert.indicator.name, "why": event.reason}
        )
        # What was accepted no longer describes a risk whose indicator is critical.
        acceptances.invalidate_on_critical(
            alert.indicator.risk_id, f"indicator {alert.indicator.name} went critical ({event.reason})"
        )
    if inhibition.update(alert):
        # Its cause is firing and being handled: recorded and shown, nobody paged, no incident.
        transition.reason = f"{transition.reason} (inhibited by alert {alert.inhibited_by_id}: {alert.inhibited_by})"[
            :500
        ]
        transition.save(update_fields=["reason"])
        return []
    transaction.on_commit(
        lambda: signals.alert_transition.send(
            sender=Alert,
            transition=signals.AlertAnnounced(
                alert_id=alert.pk, event=event.kind, priority=Priority(alert.priority), kind=AlertKind(alert.kind)
            ),
        ),
        robust=True,
    )
    if alert.flapping or alert.is_silenced(at):
        return []
    return [
        Notification(transition=transition, channel=channel) for channel in channels if channel.accepts(alert.priority)
    ]


def queue_notifications(notifications: list[Notification]) -> None:
    """Write the notifications and queue each delivery once the transaction commits."""
    if not notifications:
        return
    from monitoring.tasks import deliver_notification

    # SQLite ≥ 3.35 and PostgreSQL return the new keys from a bulk insert.
    for notification in Notification.objects.bulk_create(notifications):
        # robust: a broker outage must not fail the committed evaluation; the sweep resends.
        transaction.on_commit(lambda pk=notification.pk: deliver_notification.delay(pk), robust=True)


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
    # Monitored: bound to a metric, or reporting an SLO's budget.
    indicators = Indicator.objects.filter(
        Q(metric__isnull=False) | Q(slo__isnull=False), risk_id__in=risk_ids
    ).select_related("live")
    for indicator in indicators:
        status = indicator_live_status(getattr(indicator, "live", None))
        if _LIVE_RANK[status] > _LIVE_RANK[worst[indicator.risk_id]]:
            worst[indicator.risk_id] = status
    for status in set(worst.values()):
        Risk.objects.filter(pk__in=[pk for pk, s in worst.items() if s == status]).exclude(live_status=status).update(
            live_status=status
        )
