"""Polling: HTTP probes of a real local server, the circuit breaker, slot claiming, rollups."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.intake import breaker, collection, retention
from monitoring.models import Alert, Indicator, Metric, Reading, ReadingRollup, SourceState
from register.models import Programme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.SOURCE_RETRIES = 1
    settings.SOURCE_BACKOFF_SECONDS = 0.01
    settings.BREAKER_FAILURES = 5
    settings.BREAKER_RESET_SECONDS = 60


@pytest.fixture
def probe(target, risk):
    metric = Metric.objects.create(
        name="health latency",
        key="health-latency",
        unit="ms",
        direction="higher_is_worse",
        warning=200,
        critical=500,
        source="http",
        source_config={"url": f"{target.url}/health/detailed", "timeout_ms": 1500},
    )
    Indicator.objects.create(risk=risk, name="health latency", metric=metric)
    return metric


def slot(n):
    return timezone.now().replace(microsecond=0) - timedelta(minutes=60 - n)


def test_an_http_probe_that_slows_down_and_then_fails(probe, target, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        target.delay = 0.0
        fast = collection.collect(probe, slot(0))
        target.delay = 0.3
        slow = [collection.collect(probe, slot(n)) for n in (1, 2)]
        target.delay, target.status = 0.0, 500
        last = slot(5)  # once: the assertion below may run in a later second
        failed = [collection.collect(probe, at) for at in (slot(3), slot(4), last)]
    assert fast.status == "normal" and fast.value < 200
    assert [r.status for r in slow] == ["warning", "warning"] and all(r.value >= 300 for r in slow)
    assert [r.status for r in failed] == ["error"] * 3 and "HTTP 500" in failed[0].detail
    alerts = {a.kind: a for a in Alert.objects.all()}
    assert alerts["breach"].state == "firing"  # errors never resolve it
    assert alerts["source"].state == "firing" and alerts["source"].priority == "watch"
    probe.refresh_from_db()
    # Stamped with when the source answered (after the slot it was claimed for), keyed by the slot.
    assert probe.last_status == "error" and probe.last_collected_at == failed[-1].observed_at
    assert failed[-1].slot == last and failed[-1].observed_at > last


def test_up_probes_count_a_refused_connection_as_down(target, risk):
    metric = Metric.objects.create(
        name="up",
        key="up",
        unit="",
        direction="lower_is_worse",
        warning=0.5,
        critical=0.5 - 1e-9,
        source="http",
        source_config={"url": target.url, "measure": "up"},
    )
    assert collection.collect(metric, slot(0)).value == 1.0
    target.close()
    down = collection.collect(metric, slot(1))
    assert (down.value, down.status) == (0.0, "critical")


def test_json_field_extraction_and_expectation(target, risk):
    target.body = b'{"status": "degraded", "queue": {"depth": 42}}'
    depth = Metric.objects.create(
        name="depth",
        key="depth",
        warning=50,
        critical=100,
        source="http",
        source_config={"url": target.url, "measure": "json_value", "json_field": "queue.depth"},
    )
    healthy = Metric.objects.create(
        name="healthy",
        key="healthy",
        direction="lower_is_worse",
        warning=0.5,
        critical=0.1,
        source="http",
        source_config={"url": target.url, "measure": "up", "json_field": "status", "expect": "healthy"},
    )
    assert collection.collect(depth, slot(0)).value == 42
    assert collection.collect(healthy, slot(0)).value == 0.0
    # A field that is no number, or an integer past what a float holds, is the metric's configuration
    # error, stored as an error reading (not an exception that would fail the batch).
    for body in (b'{"queue": {"depth": "deep"}}', b'{"queue": {"depth": 1' + b"0" * 400 + b"}}"):
        target.body = body
        reading = collection.collect(depth, slot(1 + len(body)))
        assert reading.status == "error" and "is not a number" in reading.detail


def test_the_circuit_breaker_opens_after_five_failures_and_half_opens(
    probe, target, django_capture_on_commit_callbacks
):
    target.status = 503
    with django_capture_on_commit_callbacks():
        for n in range(5):
            collection.collect(probe, slot(n))
        key = f"http:{target.url}"
        assert SourceState.objects.get(key=key).state == "open"
        asked = target.requests
        skipped = collection.collect(probe, slot(5))
        assert target.requests == asked  # open: the source is not called at all
        assert "circuit breaker open" in skipped.detail
        # After the cool-down one trial goes through; a success closes the breaker.
        SourceState.objects.filter(key=key).update(opened_at=timezone.now() - timedelta(seconds=61))
        target.status = 200
        assert collection.collect(probe, slot(6)).status == "normal"
    state = SourceState.objects.get(key=key)
    assert (state.state, state.consecutive_failures) == ("closed", 0)


def test_a_failed_half_open_trial_reopens_at_once():
    now = timezone.now()
    for _ in range(5):
        breaker.record("x", ok=False, now=now, error="boom")
    assert not breaker.allow("x", now)
    later = now + timedelta(seconds=61)
    assert breaker.allow("x", later)  # the one trial
    assert not breaker.allow("x", later)  # everyone else waits for it
    breaker.record("x", ok=False, now=later, error="still down")
    assert SourceState.objects.get(key="x").state == "open"


def test_collecting_a_slot_twice_writes_one_reading(probe, django_capture_on_commit_callbacks):
    at = slot(0)  # once: a slow first probe must not move the second call into the next second
    with django_capture_on_commit_callbacks():
        assert collection.collect(probe, at) is not None
        assert collection.collect(probe, at) is None
    assert Reading.objects.filter(metric=probe).count() == 1


def test_due_metrics_are_claimed_once_per_slot(probe):
    now = timezone.now()
    first = collection.claim_due(now)
    assert [pk for pk, _ in first] == [probe.pk]
    assert collection.claim_due(now) == []  # the next slot is not due yet
    probe.refresh_from_db()
    assert probe.next_due_at == first[0][1] + timedelta(seconds=probe.interval_seconds)
    assert [pk for pk, _ in collection.claim_due(now + timedelta(seconds=61))] == [probe.pk]


def test_pushed_and_disabled_metrics_are_not_polled(probe, latency):
    probe.enabled = False
    probe.save()
    assert collection.claim_due(timezone.now()) == []


def test_hourly_rollups_and_pruning(latency, settings):
    settings.READINGS_RAW_DAYS = 14
    now = timezone.now().replace(minute=30, second=0, microsecond=0)
    hour = now.replace(minute=0) - timedelta(hours=2)
    Reading.objects.bulk_create(
        [
            Reading(metric=latency, observed_at=hour + timedelta(minutes=m), value=v, status="normal")
            for m, v in ((0, 100), (10, 200), (50, 600))
        ]
        + [Reading(metric=latency, observed_at=now - timedelta(days=20), value=1, status="normal")]
    )
    result = retention.rollup_and_prune(now)
    rollup = ReadingRollup.objects.get(metric=latency, hour=hour)
    assert (rollup.count, rollup.minimum, rollup.maximum, rollup.average) == (3, 100, 600, 300)
    assert result["pruned_readings"] == 1
    assert Reading.objects.count() == 3
    # Running again (a late reading arrived) updates the hour in place.
    Reading.objects.create(metric=latency, observed_at=hour + timedelta(minutes=55), value=700, status="critical")
    retention.rollup_and_prune(now)
    rollup.refresh_from_db()
    assert (rollup.count, rollup.maximum) == (4, 700)


def test_collect_metrics_command(probe, latency, capsys, django_capture_on_commit_callbacks):
    from django.core.management import CommandError, call_command

    with django_capture_on_commit_callbacks():
        call_command("collect_metrics", "--metric", "health-latency")
    assert "health-latency:" in capsys.readouterr().out
    assert Reading.objects.filter(metric=probe).count() == 1
    with pytest.raises(CommandError, match="unknown metric"):
        call_command("collect_metrics", "--metric", "nope")
    with pytest.raises(CommandError, match="pushed metrics"):
        call_command("collect_metrics", "--metric", "api-latency")
    Metric.objects.filter(pk=probe.pk).update(next_due_at=timezone.now() - timedelta(seconds=30))
    with django_capture_on_commit_callbacks():
        call_command("collect_metrics")  # due ones: the probe's next slot is claimed and collected
    assert Reading.objects.filter(metric=probe).count() == 2


# The demo's bindings (its Bolt server among them): tests/projections/test_demo.py.


def test_trend_keeps_few_points_and_averages_many(latency):
    from monitoring.series import sparkline_svg, trend

    now = timezone.now()
    Reading.objects.bulk_create(
        [
            Reading(metric=latency, observed_at=now - timedelta(minutes=n), value=n % 10, status="normal")
            for n in range(1, 481)
        ]
    )
    points = trend(latency, now, buckets=48)
    assert len(points) == 48
    assert [p["t"] for p in points] == sorted(p["t"] for p in points)
    assert sum(p["value"] for p in points) / 48 == pytest.approx(4.5)
    assert trend(latency, now, hours=0) == []
    svg = sparkline_svg(points)
    assert svg.startswith("<svg") and svg.count(",") == 48


def test_a_reading_carries_the_time_it_was_measured_and_its_slot_once(
    probe, target, django_capture_on_commit_callbacks
):
    """A task that runs late (queued behind others, or redelivered after a killed worker) stamps the
    reading with the moment it measured; the slot stays the claim, so a second run writes nothing."""
    due = timezone.now().replace(microsecond=0) - timedelta(seconds=30)
    with django_capture_on_commit_callbacks():
        before = timezone.now()
        first = collection.collect(probe, due)
        again = collection.collect(probe, due)
    assert first.slot == due and before <= first.observed_at <= timezone.now()
    assert again is None and Reading.objects.filter(metric=probe).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_beats_claiming_at_once_never_claim_a_metric_twice():
    """Two claims racing (a second beat, a retried sweep): each due metric goes to one of them. On
    PostgreSQL the second waits for the first's row locks and finds nothing due; SQLite's single
    writer makes one of them fail instead, and that one claims nothing."""
    from threading import Barrier, Thread

    from django.db import DatabaseError, connection

    programme = Programme.objects.default()
    metrics = [
        Metric(
            programme=programme,
            name=f"probe {n}",
            key=f"probe-{n}",
            source="http",
            interval_seconds=60,
            warning=200,
            critical=500,
        )
        for n in range(200)
    ]
    Metric.objects.bulk_create(metrics)
    now = timezone.now()
    barrier, results, failures = Barrier(2), [], []

    def claim():
        try:
            barrier.wait()
            results.append(collection.claim_due(now))
        except DatabaseError as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    claimed = [pk for result in results for pk, _ in result]
    assert len(claimed) == len(set(claimed)) == 200
    assert len(results) + len(failures) == 2
