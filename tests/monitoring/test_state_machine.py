"""The alert state machine: a table of scenarios and properties over random sequences."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.alerting.state_machine import (
    CRITICAL,
    ERROR,
    FIRING,
    NO_DATA,
    NORMAL,
    OK,
    PENDING,
    RECOVERING,
    WARNING,
    Config,
    State,
    full_step,
    is_flapping,
    step,
)


def run(observations, config=None, state=None):
    config, state = config or Config(), state or State()
    kinds, phases = [], []
    for n, observation in enumerate(observations):
        state, events = step(state, observation, config, now=float(n))
        kinds.append([e.kind for e in events])
        phases.append(state.phase)
    return state, kinds, phases


@pytest.mark.parametrize(
    ("observations", "expected_events", "final_phase"),
    [
        ([OK, OK], [[], []], NORMAL),
        ([WARNING], [["pending"]], PENDING),
        ([WARNING, WARNING], [["pending"], ["fired"]], FIRING),
        ([WARNING, OK], [["pending"], ["cancelled"]], NORMAL),
        ([WARNING, WARNING, OK], [["pending"], ["fired"], ["recovering"]], RECOVERING),
        ([WARNING, WARNING, OK, OK], [["pending"], ["fired"], ["recovering"], ["resolved"]], NORMAL),
        ([WARNING, WARNING, OK, WARNING], [["pending"], ["fired"], ["recovering"], ["relapsed"]], FIRING),
        ([WARNING, WARNING, CRITICAL], [["pending"], ["fired"], ["escalated"]], FIRING),
        ([WARNING, CRITICAL], [["pending"], ["fired"]], FIRING),
        ([WARNING, WARNING, ERROR, ERROR, ERROR], [["pending"], ["fired"], [], [], ["source_unhealthy"]], FIRING),
        ([NO_DATA, NO_DATA, NO_DATA, OK], [[], [], ["source_unhealthy"], ["source_recovered"]], NORMAL),
        ([WARNING, WARNING, ERROR, OK, OK], [["pending"], ["fired"], [], ["recovering"], ["resolved"]], NORMAL),
    ],
)
def test_scenarios(observations, expected_events, final_phase):
    state, kinds, _ = run(observations)
    assert kinds == expected_events
    assert state.phase == final_phase


def test_severity_escalates_but_never_drops_within_an_episode():
    state, _, _ = run([CRITICAL, CRITICAL, WARNING, WARNING])
    assert (state.phase, state.severity) == (FIRING, CRITICAL)


def test_for_count_one_fires_on_the_first_breach():
    _, kinds, _ = run([CRITICAL], Config(for_count=1))
    assert kinds == [["pending", "fired"]]


def test_flap_guard_counts_firings_within_the_hour():
    config = Config(for_count=1, keep_count=1, flap_limit=2)
    state = State()
    for n in range(3):
        state, _ = step(state, WARNING, config, now=float(n * 10))
        state, _ = step(state, OK, config, now=float(n * 10 + 5))
    assert is_flapping(state, config, now=30.0)
    assert not is_flapping(state, config, now=30.0 + 3600)


observations = st.lists(st.sampled_from([OK, WARNING, CRITICAL, NO_DATA, ERROR]), max_size=60)
configs = st.builds(Config, for_count=st.integers(1, 5), keep_count=st.integers(1, 5), nodata_count=st.integers(1, 5))


@settings(max_examples=300)
@given(observations, configs)
def test_never_fires_before_for_count_consecutive_breaches(sequence, config):
    state = State()
    streak = 0  # breaches since the last OK; no-data and errors neither count nor break the streak
    for n, observation in enumerate(sequence):
        if observation in (WARNING, CRITICAL):
            streak += 1
        elif observation == OK:
            streak = 0
        state, events = step(state, observation, config, float(n))
        if any(e.kind == "fired" for e in events):
            assert streak >= config.for_count


@settings(max_examples=300)
@given(observations, configs)
def test_only_a_run_of_keep_count_oks_resolves_and_errors_never_do(sequence, config):
    state = State()
    oks = 0
    for n, observation in enumerate(sequence):
        oks = oks + 1 if observation == OK else (oks if observation in (NO_DATA, ERROR) else 0)
        state, events = step(state, observation, config, float(n))
        if any(e.kind == "resolved" for e in events):
            assert observation == OK
            assert oks >= config.keep_count


@settings(max_examples=300)
@given(observations, configs)
def test_phases_and_events_agree(sequence, config):
    state = State()
    for n, observation in enumerate(sequence):
        before = state
        state, events = step(state, observation, config, float(n))
        for event in events:
            assert event.from_phase == before.phase or event.kind == "escalated"
        if observation in (NO_DATA, ERROR):
            assert state.phase == before.phase
        if state.phase == NORMAL:
            assert state.severity == ""
        else:
            assert state.severity in (WARNING, CRITICAL)
        source_events = [e.kind for e in events if e.kind.startswith("source_")]
        assert len(source_events) <= 1


@settings(max_examples=300)
@given(observations, configs)
def test_the_steady_state_shortcut_is_the_full_step(sequence, config):
    """step() skips the work when a normal machine sees a normal value; from any state a sequence
    reaches, it answers exactly as full_step does."""
    state = State()
    for n, observation in enumerate([*sequence, OK, OK]):
        expected = full_step(state, observation, config, float(n))
        assert step(state, observation, config, float(n)) == expected
        state = expected[0]
