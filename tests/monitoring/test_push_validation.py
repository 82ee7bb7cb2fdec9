"""A pushed batch is judged item by item: each item's errors are what it would get alone, wherever it
stands in the batch, and the batch stores only when every item alone would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.intake import push
from monitoring.models import Metric

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

METRIC_KEYS = st.sampled_from(["pushed", "polled", "off", "unknown", "pushed\x00"]) | st.none() | st.integers()
VALUES = (
    st.integers(min_value=-(10**30), max_value=10**30)
    | st.just(10**400)
    | st.floats()
    | st.sampled_from(["12.5", "NaN", "-Infinity", "fast", " 7 ", ""])
    | st.none()
    | st.booleans()
    | st.lists(st.integers(), max_size=1)
)
TIMES = (
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC) | st.none()
    ).map(datetime.isoformat)
    | st.sampled_from(["2026-02-30T00:00:00Z", "yesterday", " 2026-12-03T11:00:00Z ", "0001-01-01T00:00:00"])
    | st.none()
    | st.integers()
)
ITEMS = (
    st.fixed_dictionaries(
        {"metric": METRIC_KEYS, "value": VALUES},
        optional={"observed_at": TIMES, "colour": st.just("red"), "unit": st.just("ms")},
    )
    | st.integers()
    | st.text(max_size=3)
    | st.lists(st.integers(), max_size=2)
)


@pytest.fixture
def metrics(db):
    Metric.objects.create(name="pushed", key="pushed", warning=1, critical=2, source="push")
    Metric.objects.create(name="off", key="off", warning=1, critical=2, source="push", enabled=False)
    Metric.objects.create(
        name="polled", key="polled", warning=1, critical=2, source="host", source_config={"measure": "cpu_percent"}
    )


def alone(item) -> dict:
    """The errors of ``item`` pushed on its own ({} when it would be stored)."""
    try:
        push.validate([item], now=NOW)
    except push.BatchError as exc:
        return exc.errors[0]
    return {}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ITEMS, min_size=1, max_size=12))
def test_each_item_is_judged_as_it_would_be_alone(metrics, items):
    expected = [alone(item) for item in items]
    try:
        valid = push.validate(items, now=NOW)
    except push.BatchError as exc:
        assert exc.errors == expected
        assert any(expected)
        for problems in exc.errors:
            # Every problem is a field's list of readable sentences (what the API returns as a 400).
            assert all(isinstance(m, str) and m for messages in problems.values() for m in messages)
    else:
        assert not any(expected)
        assert [(m.key, at, value) for m, at, value in valid] == [
            (item["metric"], push.validate([item], now=NOW)[0][1], float(item["value"])) for item in items
        ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10**400, "finite"),  # a JSON integer no float can hold
        (-(10**400), "finite"),
        (10**300, None),
        ("1e400", "finite"),
    ],
    ids=["10**400", "-10**400", "10**300", "1e400 as text"],
)
def test_numbers_past_a_float_are_refused_by_name(metrics, value, message):
    item = {"metric": "pushed", "value": value, "observed_at": NOW.isoformat()}
    if message is None:
        assert push.validate([item], now=NOW)[0][2] == float(value)
    else:
        assert message in alone(item)["value"][0]


def test_a_huge_integer_over_the_api_is_400_not_500(api_as, administrator, metrics):
    body = '[{"metric": "pushed", "value": 1' + "0" * 400 + "}]"
    response = api_as(administrator).post("/api/v1/readings/", body, content_type="application/json")
    assert response.status_code == 400 and "finite" in response.json()[0]["value"][0]


def test_the_window_is_the_registers(metrics, settings):
    settings.READINGS_RAW_DAYS = 3
    old = {"metric": "pushed", "value": 1, "observed_at": (NOW - timedelta(days=3, seconds=1)).isoformat()}
    edge = {"metric": "pushed", "value": 1, "observed_at": (NOW - timedelta(days=3)).isoformat()}
    future = {"metric": "pushed", "value": 1, "observed_at": (NOW + push.MAX_FUTURE + timedelta(seconds=1)).isoformat()}
    assert alone(old) == {"observed_at": ["is older than the 3 days readings are kept"]}
    assert alone(edge) == {}
    assert alone(future) == {"observed_at": ["is in the future"]}
