"""The per-indicator alert state machine of design.md §4, as a pure function.

``step(state, observation, config, now)`` returns the next state and the events it caused; the
evaluation module persists them (alert rows, transitions, notifications). Keeping it pure lets the
property tests drive thousands of sequences without a database.

Phases: normal → pending (first breach) → firing after ``for_count`` consecutive breaches; an OK
while pending returns to normal silently (``cancelled``). firing → recovering on OK → normal after
``keep_count`` consecutive OKs (``resolved``); a breach while recovering continues the same episode
(``relapsed``). A worse breach while pending/firing/recovering is ``escalated`` under the same key.
No data and errors keep the phase and counters; after ``nodata_count`` of them in a row a separate
``source_unhealthy`` event fires, and the next real observation emits ``source_recovered``. Errors
never resolve anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from django.utils.translation import ngettext

NORMAL, PENDING, FIRING, RECOVERING = "normal", "pending", "firing", "recovering"
OK, WARNING, CRITICAL, NO_DATA, ERROR = "normal", "warning", "critical", "no_data", "error"
BREACHES = (WARNING, CRITICAL)
_RANK = {"": 0, WARNING: 1, CRITICAL: 2}
FLAP_WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class Config:
    for_count: int = 2
    keep_count: int = 2
    nodata_count: int = 3
    flap_limit: int = 4


@dataclass(frozen=True)
class State:
    phase: str = NORMAL
    severity: str = ""
    breaches: int = 0
    oks: int = 0
    unhealthy: int = 0
    source_alerting: bool = False
    fire_times: tuple[float, ...] = ()


class EventKind(StrEnum):
    """What a step of the machine did. A StrEnum: stored and sent as its plain value ("fired")."""

    PENDING = "pending"
    FIRED = "fired"
    ESCALATED = "escalated"
    RECOVERING = "recovering"
    RELAPSED = "relapsed"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    SOURCE_UNHEALTHY = "source_unhealthy"
    SOURCE_RECOVERED = "source_recovered"


# The events people hear about. Pending, recovering and relapses stay quiet; cancelled episodes
# never fired, so they are never announced.
ANNOUNCED = frozenset(
    {EventKind.FIRED, EventKind.ESCALATED, EventKind.RESOLVED, EventKind.SOURCE_UNHEALTHY, EventKind.SOURCE_RECOVERED}
)


@dataclass(frozen=True)
class Event:
    kind: EventKind
    from_phase: str
    to_phase: str
    severity: str
    reason: str


def is_flapping(state: State, config: Config, now: float) -> bool:
    recent = [t for t in state.fire_times if now - t < FLAP_WINDOW_SECONDS]
    return len(recent) > config.flap_limit


def is_steady(state: State) -> bool:
    """Normal, with nothing counting: an OK observation leaves this state as it is, with no event."""
    return state.phase == NORMAL and not (state.unhealthy or state.source_alerting or state.breaches)


def step(state: State, observation: str, config: Config, now: float = 0.0) -> tuple[State, list[Event]]:
    """The machine's next state and the events on the way, for one observation."""
    if observation == OK and is_steady(state):
        # The steady state, nearly every step of a busy tick: nothing changes. A shortcut of
        # ``full_step``, which a property test holds it to.
        return state, []
    return full_step(state, observation, config, now)


def full_step(state: State, observation: str, config: Config, now: float = 0.0) -> tuple[State, list[Event]]:
    events: list[Event] = []

    def emit(kind: str, to_phase: str, severity: str, reason: str) -> None:
        events.append(Event(kind, state.phase, to_phase, severity, reason))

    if observation in (NO_DATA, ERROR):
        unhealthy = state.unhealthy + 1
        new = replace(state, unhealthy=unhealthy)
        if unhealthy >= config.nodata_count and not state.source_alerting:
            new = replace(new, source_alerting=True)
            label = "no data" if observation == NO_DATA else "source errors"
            emit(
                EventKind.SOURCE_UNHEALTHY,
                state.phase,
                "",
                f"{unhealthy} evaluations in a row without a value ({label})",
            )
        return new, events

    new = replace(state, unhealthy=0)
    if state.source_alerting:
        new = replace(new, source_alerting=False)
        emit(EventKind.SOURCE_RECOVERED, state.phase, "", "the source answers again")

    if observation in BREACHES:
        worse = _RANK[observation] > _RANK[state.severity]
        if state.phase == NORMAL:
            new = replace(new, phase=PENDING, severity=observation, breaches=1, oks=0)
            emit(EventKind.PENDING, PENDING, observation, f"first {observation} breach")
            if config.for_count <= 1:
                return _fire(new, config, now, events, state.phase)
            return new, events
        if state.phase == PENDING:
            new = replace(new, breaches=state.breaches + 1, severity=observation if worse else state.severity)
            if new.breaches >= config.for_count:
                return _fire(new, config, now, events, PENDING)
            return new, events
        if state.phase == RECOVERING:
            new = replace(new, phase=FIRING, breaches=state.breaches + 1, oks=0)
            emit(
                EventKind.RELAPSED,
                FIRING,
                new.severity,
                f"{observation} breach while recovering; the episode continues",
            )
        else:
            new = replace(new, breaches=state.breaches + 1, oks=0)
        if worse:
            new = replace(new, severity=observation)
            events.append(Event(EventKind.ESCALATED, FIRING, FIRING, observation, f"escalated to {observation}"))
        return new, events

    # observation == OK
    if state.phase == NORMAL:
        return replace(new, breaches=0), events
    if state.phase == PENDING:
        new = replace(new, phase=NORMAL, severity="", breaches=0, oks=0)
        emit(EventKind.CANCELLED, NORMAL, "", f"back to normal after {state.breaches} breach(es), below for_count")
        return new, events
    oks = state.oks + 1
    if oks >= config.keep_count:
        new = replace(new, phase=NORMAL, severity="", breaches=0, oks=0)
        emit(EventKind.RESOLVED, NORMAL, "", f"{oks} normal evaluations in a row")
        return new, events
    if state.phase == FIRING:
        new = replace(new, phase=RECOVERING, oks=oks)
        emit(EventKind.RECOVERING, RECOVERING, state.severity, "first normal evaluation after firing")
        return new, events
    return replace(new, oks=oks), events


def _fire(new: State, config: Config, now: float, events: list[Event], from_phase: str) -> tuple[State, list[Event]]:
    recent = tuple(t for t in new.fire_times if now - t < FLAP_WINDOW_SECONDS) + (now,)
    new = replace(new, phase=FIRING, oks=0, fire_times=recent)
    events.append(
        Event(
            EventKind.FIRED,
            from_phase,
            FIRING,
            new.severity,
            # Read by people (a risk's review cause, a notification): plain words in the register's
            # language (settings.LANGUAGE_CODE, active in the worker), not field names.
            ngettext("%(n)d breach in a row", "%(n)d breaches in a row", new.breaches) % {"n": new.breaches},
        )
    )
    return new, events
