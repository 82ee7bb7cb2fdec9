"""Set-based evaluation (ingest.record_many): a batch of metrics costs the same queries whatever
its size or indicators per metric, and ends exactly where evaluating the metrics one at a time ends."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.intake.ingest import Batch, record_many, record_readings
from monitoring.intake.sources import NoData, SourceError, Value
from monitoring.models import Alert, AlertTransition, Indicator, IndicatorState, Metric, Reading
from notifications.models import Channel, Notification
from register.models import Risk

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=2)
# normal, warning, critical for bands 200 / 500; a failed read
VALUES = {"ok": Value(100), "warn": Value(300), "crit": Value(900), "fail": SourceError("connection refused")}
# Plus a value normal for the bands (< 200) that an early-warning rule above 150 raises, one normal but short
# of a clear threshold of 50, and no data.
VALUES_WITH_EDGES = VALUES | {"ruled": Value(160), "unclear": Value(120), "low": Value(10), "none": NoData("empty")}


def register(metrics: int, indicators: int, prefix: str = "m") -> list[Metric]:
    created = []
    for n in range(metrics):
        risk = Risk(title=f"{prefix} risk {n}", impact=3, likelihood=3)
        risk.save()
        metric = Metric.objects.create(
            name=f"{prefix} {n}", key=f"{prefix}-{n}", unit="ms", warning=200, critical=500, source="push"
        )
        for k in range(indicators):
            indicator = Indicator.objects.create(risk=risk, name=f"{prefix} {n}.{k}", metric=metric, order=k)
            IndicatorState.objects.create(indicator=indicator, for_count=2, keep_count=2, nodata_count=2)
        created.append(metric)
    return created


def tick(metrics: list[Metric], minute: int, value: str, slot: bool = False) -> int:
    """One reading per metric in one batch; the queries it took."""
    at = T0 + timedelta(minutes=minute)
    with CaptureQueriesContext(connection) as queries:
        record_many(
            [
                Batch(m.pk, [(at + timedelta(milliseconds=n), VALUES[value])], slot=at if slot else None)
                for n, m in enumerate(metrics)
            ]
        )
    return len(queries)


# A storm: everything breaches, fires, escalates, recovers, resolves, then the source fails.
STORM = ["ok", "warn", "warn", "crit", "ok", "ok", "ok", "fail", "fail", "ok"]


def test_queries_per_batch_do_not_grow_with_metrics_or_indicators(django_capture_on_commit_callbacks):
    Channel.objects.create(name="hook", kind="webhook", target="http://127.0.0.1:9/", immediate=True, watch=True)
    small, large = register(2, 1, "small"), register(12, 4, "large")
    with django_capture_on_commit_callbacks():
        for minute, value in enumerate(STORM):
            queries = tick(small, minute, value)
            assert tick(large, minute, value) == queries, (minute, value)
            # And a bound: the whole batch in a few dozen statements, whatever happened.
            assert queries <= 30, (minute, value)
    assert Alert.objects.filter(metric__in=large, kind="breach").exists()
    assert Notification.objects.exists()


def test_a_redelivered_batch_writes_nothing(django_capture_on_commit_callbacks):
    metrics = register(3, 2)
    with django_capture_on_commit_callbacks():
        for minute, value in enumerate(["warn", "warn", "warn"]):
            tick(metrics, minute, value, slot=True)
        counts = (Reading.objects.count(), AlertTransition.objects.count(), Notification.objects.count())
        for minute, value in enumerate(["warn", "warn", "warn"]):
            tick(metrics, minute, value, slot=True)  # a worker killed after commit, its tasks redelivered
    assert (Reading.objects.count(), AlertTransition.objects.count(), Notification.objects.count()) == counts


def outcome(metrics: list[Metric]) -> list:
    """Everything evaluation wrote, per metric position, without keys or names."""
    result = []
    for metric in metrics:
        states = IndicatorState.objects.filter(indicator__metric=metric).order_by("indicator__order")
        alerts = Alert.objects.filter(metric=metric).order_by("indicator__order", "started_at", "kind")
        result.append(
            (
                [s.stored() for s in states],
                [
                    (
                        a.kind,
                        a.state,
                        a.severity,
                        a.priority,
                        a.started_at,
                        a.fired_at,
                        a.resolved_at,
                        a.last_value,
                        a.flapping,
                        [(t.event, t.from_state, t.to_state, t.severity, t.at) for t in a.transitions.order_by("pk")],
                        sorted(n.channel_id for t in a.transitions.all() for n in t.notifications.all()),
                    )
                    for a in alerts
                ],
                Risk.objects.get(indicators__metric=metric, indicators__order=0).live_status,
            )
        )
    return result


class Rollback(Exception):
    pass


def steps_of(values: dict, per_metric: int):
    """Up to 8 steps; in each, up to ``per_metric`` readings (names of ``values``) for each of 3 metrics."""
    readings = st.lists(st.sampled_from(sorted(values)), min_size=0, max_size=per_metric)
    return st.lists(st.lists(readings, min_size=3, max_size=3), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps_of(VALUES, per_metric=3))
def test_a_batch_ends_where_one_metric_at_a_time_ends(steps, django_capture_on_commit_callbacks):
    """Three metrics, each step some readings for each (one batch), against the same readings fed one
    metric at a time: states, alerts, transitions, notifications and live status all agree."""
    try:
        with transaction.atomic(), django_capture_on_commit_callbacks():
            Channel.objects.create(name="hook", kind="webhook", target="http://127.0.0.1:9/", immediate=True)
            batched, single = register(3, 2, "b"), register(3, 2, "s")
            for minute, per_metric in enumerate(steps):
                readings = [
                    [(T0 + timedelta(minutes=minute, seconds=s), VALUES[v]) for s, v in enumerate(values)]
                    for values in per_metric
                ]
                record_many([Batch(m.pk, r) for m, r in zip(batched, readings, strict=True)])
                for metric, results in zip(single, readings, strict=True):
                    record_readings(metric, results)
            assert outcome(batched) == outcome(single)
            raise Rollback
    except Rollback:
        pass


def varied(prefix: str) -> list[Metric]:
    """Three metrics of two indicators: the second with an early-warning rule of its own, the first
    with a clear threshold (hysteresis), so observations differ from the readings' bands."""
    metrics = register(3, 2, prefix)
    Indicator.objects.filter(metric__in=metrics, order=1).update(rule_kind="threshold", operator=">", threshold=150)
    IndicatorState.objects.filter(indicator__metric__in=metrics, indicator__order=0).update(clear_threshold=50)
    return [Metric.objects.get(pk=m.pk) for m in metrics]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps_of(VALUES_WITH_EDGES, per_metric=4))
def test_the_evaluators_steady_shortcut_ends_where_the_full_step_ends(steps, django_capture_on_commit_callbacks):
    """The evaluator skips the machine while it is steady and the observation normal; with the
    shortcut taken away (every observation through ``full_step``) the same readings end alike."""
    from monitoring.alerting import state_machine

    try:
        with transaction.atomic(), django_capture_on_commit_callbacks():
            Channel.objects.create(name="hook", kind="webhook", target="http://127.0.0.1:9/", immediate=True)
            shortcut, full = varied("b"), varied("s")
            for minute, per_metric in enumerate(steps):
                readings = [
                    [(T0 + timedelta(minutes=minute, seconds=s), VALUES_WITH_EDGES[v]) for s, v in enumerate(values)]
                    for values in per_metric
                ]
                record_many([Batch(m.pk, r) for m, r in zip(shortcut, readings, strict=True)])
                with mock.patch.object(state_machine, "is_steady", lambda state: False):
                    record_many([Batch(m.pk, r) for m, r in zip(full, readings, strict=True)])
            assert outcome(shortcut) == outcome(full)
            raise Rollback
    except Rollback:
        pass


@pytest.mark.parametrize("spacing", [timedelta(minutes=1), timedelta(hours=12)])  # by range, by list of times
def test_repeats_are_found_over_any_span(spacing, django_capture_on_commit_callbacks):
    (metric,) = register(1, 1)
    times = [T0 - spacing * n for n in range(4)]
    with django_capture_on_commit_callbacks():
        first = record_many([Batch(metric.pk, [(at, VALUES["ok"]) for at in times[::2]])])
        # The same times again plus the ones in between: only those are new.
        second = record_many([Batch(metric.pk, [(at, VALUES["ok"]) for at in times])])
    assert len(first[metric.pk]) == 2
    assert sorted(r.observed_at for r in second[metric.pk]) == sorted(times[1::2])
    assert Reading.objects.filter(metric=metric).count() == 4
