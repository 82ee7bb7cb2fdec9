"""A real Prometheus (Debian package) scraping a tiny exporter the test controls."""

import subprocess
import time
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from monitoring import collection, notify
from monitoring.models import Alert, Channel, Indicator, IndicatorState, Metric, Notification, Reading
from register.models import Risk
from tests.integration.services import free_port, prometheus_binary
from tests.monitoring.servers import Receiver, Target

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def exporter():
    server = Target()
    server.content_type = "text/plain; version=0.0.4"
    yield server
    server.close()


def set_gauge(exporter, value):
    exporter.body = f"# TYPE api_latency_ms gauge\napi_latency_ms {value}\n".encode()


@pytest.fixture(scope="module")
def prometheus(exporter, tmp_path_factory):
    binary = prometheus_binary()
    tmp = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    host = exporter.url.removeprefix("http://")
    (tmp / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"scrape_configs:\n  - job_name: register\n    static_configs:\n      - targets: ['{host}']\n"
    )
    set_gauge(exporter, 100)
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_value(url, 100, timeout=60)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def query(url, expr="api_latency_ms"):
    try:
        payload = requests.get(f"{url}/api/v1/query", params={"query": expr}, timeout=2).json()
    except (requests.RequestException, ValueError):
        return None
    result = payload.get("data", {}).get("result") or []
    return float(result[0]["value"][1]) if result else None


def wait_value(url, value, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if query(url) == value:
            return
        time.sleep(0.25)
    raise AssertionError(f"Prometheus did not report {value} within {timeout}s")


def test_a_value_driven_over_the_bands_and_back(prometheus, exporter, django_capture_on_commit_callbacks):
    receiver = Receiver()
    try:
        risk = Risk(title="API response time", impact=4, likelihood=3)
        risk.save()
        metric = Metric.objects.create(
            name="API response time",
            key="api-latency",
            unit="ms",
            warning=200,
            critical=500,
            source="prometheus",
            source_config={"query": "api_latency_ms", "url": prometheus},
        )
        indicator = Indicator.objects.create(risk=risk, name="API response time", metric=metric)
        IndicatorState.objects.create(indicator=indicator, for_count=2, keep_count=2)
        Channel.objects.create(name="hook", kind="webhook", target=receiver.url, immediate=True, watch=True)
        start = timezone.now().replace(microsecond=0)
        with django_capture_on_commit_callbacks():
            for n, value in enumerate([100, 300, 300, 600, 100, 100]):
                set_gauge(exporter, value)
                wait_value(prometheus, value)
                collection.collect(metric, start + timedelta(seconds=n))
        for pk in Notification.objects.order_by("pk").values_list("pk", flat=True):
            notify.deliver(pk)
        readings = list(Reading.objects.filter(metric=metric).order_by("observed_at").values_list("value", "status"))
        assert readings == [
            (100, "normal"),
            (300, "warning"),
            (300, "warning"),
            (600, "critical"),
            (100, "normal"),
            (100, "normal"),
        ]
        alert = Alert.objects.get(kind="breach")
        assert list(alert.transitions.values_list("event", flat=True)) == [
            "pending",
            "fired",
            "escalated",
            "recovering",
            "resolved",
        ]
        assert [b["event"] for b in receiver.bodies] == ["fired", "escalated", "resolved"]
        assert receiver.bodies[1]["alert"]["priority"] == "immediate"
    finally:
        receiver.close()


def test_bad_promql_is_a_configuration_error_on_the_metric(prometheus, django_capture_on_commit_callbacks):
    metric = Metric.objects.create(
        name="broken",
        key="broken",
        warning=1,
        critical=2,
        source="prometheus",
        source_config={"query": "sum(", "url": prometheus},
    )
    with django_capture_on_commit_callbacks():
        reading = collection.collect(metric)
    metric.refresh_from_db()
    assert reading.status == "error"
    assert "bad_data" in metric.config_error


def test_an_empty_result_is_no_data(prometheus, django_capture_on_commit_callbacks):
    metric = Metric.objects.create(
        name="absent",
        key="absent",
        warning=1,
        critical=2,
        source="prometheus",
        source_config={"query": "does_not_exist", "url": prometheus},
    )
    with django_capture_on_commit_callbacks():
        assert collection.collect(metric).status == "no_data"


def test_an_unreachable_prometheus_is_a_source_error(django_capture_on_commit_callbacks, settings):
    settings.SOURCE_RETRIES = 0
    metric = Metric.objects.create(
        name="gone",
        key="gone",
        warning=1,
        critical=2,
        source="prometheus",
        source_config={"query": "up", "url": f"http://127.0.0.1:{free_port()}"},
    )
    with django_capture_on_commit_callbacks():
        reading = collection.collect(metric)
    assert reading.status == "error" and "ConnectionError" in reading.detail
