"""Feed readings to the alert state machine of every indicator linked to their metric, and persist
what happens: alert rows, transitions with reasons, notification rows, the risks' live status.

Called inside the transaction that stores the readings (``ingest.record_readings``), so a reading,
the transitions it caused and the notifications they owe commit together or not at all (outbox).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext

from core.bulk import create_rows, update_rows
from monitoring import signals
from monitoring.alerting import inhibition, thresholds
from monitoring.alerting import state_machine as sm
from monitoring.choices import AlertKind, AlertState, Band, Direction, Priority, ReadingStatus, Source
from monitoring.models import (
    Alert,
    AlertRule,
    AlertTransition,
    Indicator,
    IndicatorState,
    Metric,
    Reading,
)
from monitoring.models.alerts import OPEN_STATES
from notifications import outbox
from notifications.models import Channel, Notification
from register import acceptances
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


def observation(indicator: Indicator, metric: Metric, state: IndicatorState, reading: Reading) -> str:
    """What this reading means for this indicator: the metric's band, raised by the indicator's own
    early-warning rule, with the clear threshold (hysteresis) applied while an episode is open."""
    if reading.status in (ReadingStatus.NO_DATA, ReadingStatus.ERROR):
        return reading.status
    value = reading.value
    result = reading.status
    if indicator.rule_kind and indicator.rule_is_met(value, metric):
        result = sm.WARNING if result == sm.OK else result
    if result == sm.OK and state.clear_threshold is not None and state.phase in (sm.FIRING, sm.RECOVERING):
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


@dataclass
class Announcement:
    """An announced transition, with what its notifications depend on as it was at the event (an
    alert may move on within the same batch)."""

    alert: Alert
    transition: AlertTransition
    event: sm.Event
    priority: str
    quiet: bool  # flapping or silenced: recorded and shown, nobody notified


class Writes:
    """Alerts and transitions a batch of readings owes, written a few statements at a time.

    ``flush`` updates the changed alerts in one statement, inserts the new ones in one, checks
    inhibition for every announced transition with one query, inserts the transitions in one, and
    only then announces: flags a risk on a critical fire, sends the signal incidents listen to, and
    returns the notifications owed (unsaved, for ``queue_notifications``). Inhibition therefore sees
    the whole batch — a cause that fires in the same tick as its effect inhibits it whichever metric
    was read first.
    """

    # What evaluation changes on an alert. Acknowledgements and silences are set by people while a
    # tick runs and are not the evaluation's to overwrite, so it never saves the whole row.
    FIELDS = ("state", "severity", "priority", "reason", "last_value", "fired_at", "resolved_at", "flapping")

    def __init__(self, channels: list[Channel]):
        self.channels = channels
        self.new: dict[int, Alert] = {}
        self.changed: dict[int, Alert] = {}
        self.transitions: list[AlertTransition] = []
        self.announcements: list[Announcement] = []

    def alert(self, alert: Alert) -> None:
        """This alert is new or changed: write it at the flush."""
        if alert.pk is None:
            self.new[id(alert)] = alert
        else:
            self.changed[alert.pk] = alert

    def transition(
        self, alert: Alert, event: sm.Event, before: str, after: str, at: datetime, value: float | None
    ) -> None:
        transition = AlertTransition(
            alert=alert,
            at=at,
            event=event.kind,
            from_state=before,
            to_state=after,
            severity=alert.severity,
            value=value,
            reason=event.reason,
        )
        self.transitions.append(transition)
        if event.kind in sm.ANNOUNCED:
            quiet = alert.flapping or alert.is_silenced(at)
            self.announcements.append(Announcement(alert, transition, event, alert.priority, quiet))

    def flush(self) -> list[Notification]:
        # Updates first: an episode that ended in this batch frees its key for the one that opens after.
        update_rows(list(self.changed.values()), self.FIELDS)
        create_rows(list(self.new.values()))
        announced = self.announcements
        inhibition.update_all([a.alert for a in announced])
        for a in announced:
            if a.alert.inhibited_by_id:
                # Its cause is firing and being handled: recorded and shown, nobody paged, no incident.
                a.transition.reason = (
                    f"{a.transition.reason} (inhibited by alert {a.alert.inhibited_by_id}: {a.alert.inhibited_by})"
                )[:500]
        # Transitions of the alerts inserted above take their keys here (create_rows resolves them).
        create_rows(self.transitions)
        self.new, self.changed, self.transitions, self.announcements = {}, {}, [], []
        self._critical(announced)
        notifications: list[Notification] = []
        self.signalled: list[signals.AlertAnnounced] = []
        for a in announced:
            notifications += self._announce(a)
        if self.signalled:
            signalled = tuple(self.signalled)
            transaction.on_commit(
                lambda: signals.alerts_announced.send(sender=Alert, transitions=signalled), robust=True
            )
        return notifications

    @staticmethod
    def _critical(announced: list[Announcement]) -> None:
        """A critical fire flags its risk "review now" and invalidates what was accepted about it; the
        first such event of the batch gives each risk its cause."""
        flags: dict[int, str] = {}
        invalid: dict[int, str] = {}
        for a in announced:
            alert, event = a.alert, a.event
            if event.kind not in (Kind.FIRED, Kind.ESCALATED) or a.transition.severity != Band.CRITICAL:
                continue
            if not alert.indicator_id:
                continue
            risk_id, name = alert.indicator.risk_id, alert.indicator.name
            flags.setdefault(
                risk_id,
                gettext("%(state)s: %(indicator)s (%(why)s)")
                % {"state": Band(a.transition.severity).label, "indicator": name, "why": event.reason},
            )
            # What was accepted no longer describes a risk whose indicator is critical.
            invalid.setdefault(risk_id, f"indicator {name} went critical ({event.reason})")
        Risk.objects.flag_each_for_review(flags)
        if invalid:
            acceptances.invalidate_on_critical(invalid)

    def _announce(self, a: Announcement) -> list[Notification]:
        alert, event = a.alert, a.event
        if alert.inhibited_by_id:
            return []
        self.signalled.append(
            signals.AlertAnnounced(
                alert_id=alert.pk, event=event.kind, priority=Priority(a.priority), kind=AlertKind(alert.kind)
            )
        )
        if a.quiet:
            return []
        return [
            Notification(key=a.transition.notification_key, channel=channel)
            for channel in self.channels
            if channel.accepts(a.priority)
        ]


class Evaluator:
    """Evaluates the new readings of a batch of metrics for all of their indicators.

    The queries do not depend on how many indicators or metrics the batch holds: rules, channels,
    indicators, their states and their open alerts are loaded with one query each; the steady state
    writes no state at all, and what changes — alerts, transitions, states, flags, notifications — is
    written in bulk (``Writes``).
    """

    def __init__(self, metrics: Iterable[Metric]):
        self.metrics = {m.pk: m for m in metrics}
        self.rules: dict[int, list[AlertRule]] = {}
        for rule in AlertRule.objects.filter(metric_id__in=self.metrics):
            self.rules.setdefault(rule.metric_id, []).append(rule)
        self.channels = list(Channel.objects.filter(enabled=True))
        self.indicators: dict[int, list[Indicator]] = {}
        # Without their risks: a risk's code is needed only when an alert opens (``risk_code``).
        indicators = list(Indicator.objects.filter(metric_id__in=self.metrics))
        for indicator in indicators:
            self.indicators.setdefault(indicator.metric_id, []).append(indicator)
        existing = {s.indicator_id: s for s in IndicatorState.objects.filter(indicator__metric_id__in=self.metrics)}
        missing = [IndicatorState(indicator=i) for i in indicators if i.pk not in existing]
        create_rows(missing)
        existing.update({s.indicator_id: s for s in missing})
        self.states = existing
        # By the indicators' metrics rather than by key, so the parameters grow with the metrics, not
        # the indicators. An indicator's alerts of other kinds (an SLO's burn alerts) are left out.
        keys = {f"{kind}:{i.pk}" for i in indicators for kind in ("indicator", "source")}
        by_pk = {i.pk: i for i in indicators}
        self.open_alerts = {}
        for alert in Alert.objects.filter(indicator__metric_id__in=self.metrics, state__in=OPEN_STATES):
            if alert.dedup_key in keys:
                alert.indicator = by_pk[alert.indicator_id]
                self.open_alerts[alert.dedup_key] = alert
        self.writes = Writes(self.channels)
        self._codes: dict[int, str] | None = None

    def risk_code(self, indicator: Indicator) -> str:
        """The code of the indicator's risk, for an alert's title: one query for the whole batch."""
        if self._codes is None:
            risks = {i.risk_id for indicators in self.indicators.values() for i in indicators}
            self._codes = dict(Risk.objects.filter(pk__in=risks).values_list("pk", "code"))
        return self._codes[indicator.risk_id]

    def arm(self, batch: dict[int, list[Reading]]) -> dict[int, list[Reading]]:
        """The readings the state machines may see, per metric.

        A polled metric's breaches start to count once its target has answered normal once, or
        METRIC_WARMUP_SECONDS (120) after its first reading, whichever comes first: a register
        starting up probes stores that are still starting, and must not page anyone about itself.
        A target that is broken from the start still alerts, after the warm-up. Pushed readings
        count at once (they are sent when something happened). Held readings are stored, not replayed.
        """
        unarmed = [pk for pk, ordered in batch.items() if ordered and self.metrics[pk].armed_at is None]
        if not unarmed:
            return batch
        firsts = dict(
            Reading.objects.filter(metric_id__in=unarmed)
            .values("metric_id")
            .annotate(first=Min("observed_at"))
            .values_list("metric_id", "first")
        )
        armed, now_armed = dict(batch), []
        for pk in unarmed:
            metric, ordered = self.metrics[pk], batch[pk]
            first_at = firsts.get(pk) or ordered[0].observed_at
            armed[pk] = []
            for index, reading in enumerate(ordered):
                if not warming_up(metric, reading, first_at):
                    metric.armed_at = reading.observed_at
                    now_armed.append(metric)
                    armed[pk] = ordered[index:]
                    break
        update_rows(now_armed, ["armed_at"])
        return armed

    def evaluate(self, readings: dict[int, Iterable[Reading]], after: dict[int, datetime | None]) -> None:
        """Step every indicator of each metric through its ``readings`` in time order. A metric's
        readings at or before ``after[metric]`` (its newest reading before this batch) arrived late:
        stored, not replayed."""
        batch = {
            pk: sorted(
                (r for r in rs if after.get(pk) is None or r.observed_at > after[pk]), key=lambda r: r.observed_at
            )
            for pk, rs in readings.items()
        }
        batch = self.arm(batch)
        changed: list[IndicatorState] = []
        risks: set[int] = set()
        for pk, ordered in batch.items():
            metric = self.metrics[pk]
            indicators = self.indicators.get(pk, []) if ordered else []
            # Once per reading, not once per reading and indicator.
            stamps = [reading.observed_at.timestamp() for reading in ordered] if indicators else []
            for indicator in indicators:
                state = self.states[indicator.pk]
                before = state.stored()
                machine, config = state.machine_state(), state.machine_config()
                steady = sm.is_steady(machine)
                for reading, stamp in zip(ordered, stamps, strict=True):
                    observed = observation(indicator, metric, state, reading)
                    if steady and observed == sm.OK:
                        # Nearly every step of a busy register: the machine stays where it is (what
                        # ``sm.step`` would answer, without the call).
                        if observed != state.last_status:
                            state.apply(machine, observed)
                        continue
                    stepped, events = sm.step(machine, observed, config, stamp)
                    if stepped is not machine or observed != state.last_status:
                        state.apply(stepped, observed)
                        steady = sm.is_steady(stepped)
                    machine = stepped
                    for event in events:
                        if event.kind in _SOURCE_EVENTS:
                            self._apply_source(metric, indicator, event, reading)
                        else:
                            self._apply_breach(metric, indicator, machine, config, event, reading)
                if state.stored() != before:
                    changed.append(state)
                    risks.add(indicator.risk_id)
        notifications = self.writes.flush()
        update_rows(changed, IndicatorState.STORED_FIELDS)
        queue_notifications(notifications)
        Indicator.refresh_live_status(risks)

    def _apply_source(self, metric: Metric, indicator: Indicator, event: sm.Event, reading: Reading) -> None:
        """A source alert: opened when the source turns unhealthy, resolved when it recovers."""
        at = reading.observed_at
        key = f"source:{indicator.pk}"
        alert = self.open_alerts.get(key)
        if event.kind == Kind.SOURCE_UNHEALTHY:
            alert = Alert(
                kind=AlertKind.SOURCE,
                indicator=indicator,
                metric=metric,
                dedup_key=key,
                state=AlertState.FIRING,
                priority=Priority.WATCH,
                started_at=at,
                fired_at=at,
                title=f"{self.risk_code(indicator)} {indicator.name}: source unhealthy",
                reason=event.reason,
            )
            self.open_alerts[key] = alert
            self._transition(alert, event, "", AlertState.FIRING, reading)
        elif alert is not None:
            alert.state, alert.resolved_at, alert.reason = AlertState.RESOLVED, at, event.reason
            del self.open_alerts[key]
            self._transition(alert, event, AlertState.FIRING, AlertState.RESOLVED, reading)

    def _apply_breach(
        self,
        metric: Metric,
        indicator: Indicator,
        machine: sm.State,
        config: sm.Config,
        event: sm.Event,
        reading: Reading,
    ) -> None:
        """A breach alert: one episode from pending to resolved (or cancelled), under one key."""
        at = reading.observed_at
        key = f"indicator:{indicator.pk}"
        alert = self.open_alerts.get(key)
        severity = machine.severity or event.severity
        rules = self.rules.get(metric.pk, [])
        if event.kind == Kind.PENDING or alert is None:
            alert = Alert(
                kind=AlertKind.BREACH,
                indicator=indicator,
                metric=metric,
                dedup_key=key,
                state=AlertState.PENDING,
                severity=severity,
                started_at=at,
                last_value=reading.value,
                priority=priority_for(metric, severity, reading.value, rules),
                title=f"{self.risk_code(indicator)} {indicator.name}",
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
            if priority_for(metric, alert.severity, reading.value, rules) == Priority.IMMEDIATE:
                alert.priority = Priority.IMMEDIATE
        if event.kind == Kind.FIRED:
            alert.fired_at = at
            alert.flapping = sm.is_flapping(machine, config, at.timestamp())
        if alert.state in (AlertState.RESOLVED, AlertState.CANCELLED):
            alert.resolved_at = at
            del self.open_alerts[key]
        self._transition(alert, event, before, alert.state, reading)

    def _transition(self, alert: Alert, event: sm.Event, before: str, after: str, reading: Reading) -> None:
        self.writes.alert(alert)
        self.writes.transition(alert, event, before, after, reading.observed_at, reading.value)


def record_transition(
    alert: Alert, event: sm.Event, before: str, after: str, at: datetime, value: float | None, channels: list[Channel]
) -> list[Notification]:
    """Store a saved alert's transition and announce it (``Writes``): the notifications owed,
    unsaved, so a caller writes a batch in one INSERT."""
    writes = Writes(channels)
    writes.transition(alert, event, before, after, at, value)
    return writes.flush()


def queue_notifications(notifications: list[Notification]) -> None:
    """Write the notifications and queue each delivery once the transaction commits."""
    outbox.owe_many(notifications)
