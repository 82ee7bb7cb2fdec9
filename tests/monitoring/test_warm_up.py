"""No alarm from the register's own start-up: a polled metric's breaches count once its target has
read normal once, or METRIC_WARMUP_SECONDS after its first reading (monitoring.alerting.evaluation.arm)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.intake.ingest import record_readings
from monitoring.intake.sources.base import NoData, SourceError, Value
from monitoring.models import Alert, Indicator, IndicatorState, Metric

pytestmark = pytest.mark.django_db
T0 = timezone.now().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def probe(risk, settings):
    settings.METRIC_WARMUP_SECONDS = 120
    metric = Metric.objects.create(
        name="API response time",
        key="api-latency",
        unit="ms",
        direction="higher_is_worse",
        warning=200,
        critical=500,
        source="http",
        source_config={"url": "http://127.0.0.1:1/health/", "measure": "latency_ms"},
    )
    indicator = Indicator.objects.create(risk=risk, name="API response time", metric=metric)
    IndicatorState.objects.create(indicator=indicator, for_count=2, keep_count=2, nodata_count=2)
    return metric


def collect(metric, timeline):
    """Record (seconds after T0, result) one at a time, as the collection tasks would."""
    for seconds, result in timeline:
        record_readings(Metric.objects.get(pk=metric.pk), [(T0 + timedelta(seconds=seconds), result)])


def test_a_start_up_spike_raises_nothing_and_later_breaches_still_do(probe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        collect(probe, [(0, Value(3400)), (10, SourceError("refused")), (15, Value(1300)), (20, Value(90))])
        assert not Alert.objects.exists()
        collect(probe, [(30, Value(700)), (40, Value(700))])
    probe.refresh_from_db()
    assert probe.armed_at == T0 + timedelta(seconds=20)  # its first normal reading
    alert = Alert.objects.get()
    assert (alert.state, alert.started_at) == ("firing", T0 + timedelta(seconds=30))


def test_a_target_broken_from_the_start_alerts_after_the_warm_up(probe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        collect(probe, [(s, Value(900)) for s in range(0, 120, 15)])
        assert not Alert.objects.exists()
        collect(probe, [(120, Value(900)), (135, Value(900))])
    alert = Alert.objects.get(kind="breach")
    assert (alert.state, alert.started_at) == ("firing", T0 + timedelta(seconds=120))


def test_no_data_while_warming_up_is_no_source_alert(probe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        collect(probe, [(s, NoData("empty")) for s in (0, 10, 20, 30)])
    assert not Alert.objects.exists()
    assert IndicatorState.objects.get().unhealthy == 0


@pytest.mark.parametrize("warm_up", [0, 120])
def test_pushed_readings_count_at_once(latency, risk, settings, warm_up, django_capture_on_commit_callbacks):
    from monitoring.intake import push

    settings.METRIC_WARMUP_SECONDS = warm_up
    indicator = Indicator.objects.create(risk=risk, name="API response time", metric=latency)
    IndicatorState.objects.create(indicator=indicator, for_count=2)
    with django_capture_on_commit_callbacks():
        push.store(
            [
                {"metric": "api-latency", "value": 900, "observed_at": (T0 + timedelta(seconds=s)).isoformat()}
                for s in (0, 5)
            ]
        )
    assert Alert.objects.get().state == "firing"
