"""A real Prometheus (Debian package) scraping a tiny exporter the test controls."""

import subprocess
import time
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from monitoring.intake import collection
from monitoring.models import Alert, Indicator, IndicatorState, Metric, Reading
from notifications import delivery
from notifications.models import Channel, Notification
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
            delivery.deliver(pk)
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


def queries_answered(url: str) -> float:
    """Prometheus' own count of instant queries it has answered (its /metrics)."""
    text = requests.get(f"{url}/metrics", timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("prometheus_http_requests_total{") and 'handler="/api/v1/query"' in line
    )


# (query, what it reads alone): values, no data, a scalar (cannot be tagged: the group falls back to
# one query each), a comment, more than one series, PromQL the server rejects.
GROUP = [
    ("api_latency_ms", ("normal", 100.0)),
    ("api_latency_ms * 3", ("warning", 300.0)),
    ("sum by (job) (api_latency_ms) / 10  # tenths", ("normal", 10.0)),
    ("does_not_exist_at_all", ("no_data", None)),
    ("api_latency_ms or label_replace(api_latency_ms, 'copy', 'yes', '', '')", ("error", None)),
]


@pytest.mark.parametrize("extra", [None, ("scalar(api_latency_ms) * 2", ("normal", 200.0)), ("sum(", ("error", None))])
def test_metrics_on_one_server_are_read_with_one_query(prometheus, exporter, django_capture_on_commit_callbacks, extra):
    set_gauge(exporter, 100)
    wait_value(prometheus, 100)
    cases = GROUP + ([extra] if extra else [])
    metrics = [
        Metric.objects.create(
            name=f"q{n}",
            key=f"q{n}",
            warning=250,
            critical=500,
            source="prometheus",
            source_config={"query": query, "url": prometheus},
        )
        for n, (query, _) in enumerate(cases)
    ]
    slot = timezone.now().replace(microsecond=0)
    before = queries_answered(prometheus)
    with django_capture_on_commit_callbacks():
        collection.collect_many([(metric, slot) for metric in metrics])
    asked = queries_answered(prometheus) - before
    readings = {r.metric_id: (r.status, r.value) for r in Reading.objects.filter(metric__in=metrics)}
    assert [readings[m.pk] for m in metrics] == [expected for _, expected in cases]
    # One query for the group; a member that cannot be grouped costs the group one query per metric.
    assert asked == (1 if extra is None else 1 + len(cases))
    errors = {m.key: m.config_error for m in Metric.objects.filter(pk__in=[m.pk for m in metrics])}
    assert "series" in errors["q4"]
    if extra and extra[0] == "sum(":
        assert "bad_data" in errors[f"q{len(cases) - 1}"]
