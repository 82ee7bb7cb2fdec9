from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.models import Alert, Metric, Reading
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(db):
    return make_user("ci-bot", "integration", staff=False)


@pytest.fixture
def responder(db):
    return make_user("rita", "incident responder")


def test_push_a_batch(api_as, integration, indicator, django_capture_on_commit_callbacks):
    now = timezone.now().replace(microsecond=0)
    items = [
        {"metric": "api-latency", "value": 100 + n, "observed_at": (now - timedelta(minutes=n)).isoformat()}
        for n in range(5)
    ]
    with django_capture_on_commit_callbacks():
        response = api_as(integration).post("/api/v1/readings/", items, format="json")
        again = api_as(integration).post("/api/v1/readings/", items, format="json")
    assert response.status_code == 201, response.data
    assert response.data == {"received": 5, "created": 5, "duplicates": 0}
    assert again.data == {"received": 5, "created": 0, "duplicates": 5}
    assert Reading.objects.count() == 5


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({"metric": "nope", "value": 1}, "metric", "unknown metric"),
        ({"metric": "api-latency", "value": "NaN"}, "value", "finite"),
        ({"metric": "api-latency", "value": "Infinity"}, "value", "finite"),
        ({"metric": "api-latency", "value": "fast"}, "value", "number"),
        ({"metric": "api-latency", "value": None}, "value", "number"),
        ({"metric": "api-latency", "value": True}, "value", "number"),
        ({"metric": "api-latency", "value": 1, "observed_at": "yesterday"}, "observed_at", "ISO 8601"),
        ({"metric": "api-latency", "value": 1, "observed_at": "2999-01-01T00:00:00Z"}, "observed_at", "future"),
        ({"metric": "api-latency", "value": 1, "colour": "red"}, "non_field_errors", "unknown fields"),
    ],
)
def test_a_bad_item_fails_the_whole_batch(api_as, integration, indicator, item, field, message):
    good = {"metric": "api-latency", "value": 5}
    response = api_as(integration).post("/api/v1/readings/", [good, item], format="json")
    assert response.status_code == 400
    assert response.data[0] == {}
    assert message in response.data[1][field][0]
    assert Reading.objects.count() == 0


@pytest.mark.parametrize(("body", "message"), [({"metric": "x"}, "JSON list"), ([], "empty")])
def test_the_batch_must_be_a_non_empty_list(api_as, integration, body, message):
    response = api_as(integration).post("/api/v1/readings/", body, format="json")
    assert response.status_code == 400
    assert message in response.data["non_field_errors"][0]


def test_too_many_readings_in_one_request(api_as, integration, latency):
    items = [{"metric": "api-latency", "value": 1}] * 10_001
    response = api_as(integration).post("/api/v1/readings/", items, format="json")
    assert response.status_code == 400 and "at most 10000" in response.data["non_field_errors"][0]


def test_push_only_to_push_metrics(api_as, integration, latency):
    Metric.objects.create(
        name="polled", key="polled", warning=1, critical=2, source="host", source_config={"measure": "cpu_percent"}
    )
    response = api_as(integration).post("/api/v1/readings/", [{"metric": "polled", "value": 1}], format="json")
    assert response.status_code == 400 and "push only to push metrics" in response.data[0]["metric"][0]


def test_viewers_cannot_push(api_as, viewer, latency):
    assert (
        api_as(viewer).post("/api/v1/readings/", [{"metric": "api-latency", "value": 1}], format="json").status_code
        == 403
    )


def test_metric_crud_validates_source_configuration(api_as, administrator):
    client = api_as(administrator)
    good = {
        "key": "ci-success",
        "name": "CI success rate",
        "unit": "%",
        "direction": "lower_is_worse",
        "warning": 90,
        "critical": 80,
        "source": "prometheus",
        "source_config": {"query": "avg(ci_success_ratio) * 100"},
        "interval_seconds": 60,
    }
    response = client.post("/api/v1/metrics/", good, format="json")
    assert response.status_code == 201, response.data
    assert response.data["source_state"] == "closed"
    bad = {**good, "key": "bad", "name": "bad", "source_config": {"url": "ftp://x"}}
    response = client.post("/api/v1/metrics/", bad, format="json")
    assert response.status_code == 400 and "source_config" in response.data
    inverted = {**good, "key": "inv", "name": "inv", "warning": 80, "critical": 90}
    assert client.post("/api/v1/metrics/", inverted, format="json").status_code == 400
    response = client.patch("/api/v1/metrics/ci-success/", {"interval_seconds": 1}, format="json")
    assert response.status_code == 400 and "interval_seconds" in response.data
    assert client.patch("/api/v1/metrics/ci-success/", {"enabled": False}, format="json").data["enabled"] is False


def test_metric_readings_range(api_as, viewer, latency):
    now = timezone.now().replace(microsecond=0)
    Reading.objects.bulk_create(
        [Reading(metric=latency, observed_at=now - timedelta(minutes=m), value=m, status="normal") for m in range(10)]
    )
    client = api_as(viewer)
    points = client.get("/api/v1/metrics/api-latency/readings/").data
    assert [p["value"] for p in points] == list(range(9, -1, -1))
    since = (now - timedelta(minutes=3)).isoformat()
    assert len(client.get("/api/v1/metrics/api-latency/readings/", {"since": since}).data) == 4
    assert client.get("/api/v1/metrics/api-latency/readings/", {"since": "nope"}).status_code == 400
    assert client.get("/api/v1/metrics/api-latency/readings/", {"step": "week"}).status_code == 400
    assert client.get("/api/v1/metrics/api-latency/readings/", {"step": "hour"}).data == []


def test_alerts_list_acknowledge_and_silence(api_as, viewer, responder, indicator, django_capture_on_commit_callbacks):
    from monitoring.intake import push

    with django_capture_on_commit_callbacks():
        push.store(
            [
                {
                    "metric": "api-latency",
                    "value": 900,
                    "observed_at": (timezone.now() - timedelta(minutes=n)).isoformat(),
                }
                for n in (2, 1)
            ]
        )
    alert = Alert.objects.get()
    listed = api_as(viewer).get("/api/v1/alerts/", {"state": "firing", "priority": "immediate"}).data
    assert [a["id"] for a in listed["results"]] == [alert.pk]
    assert api_as(viewer).get("/api/v1/alerts/", {"indicator__risk__code": "R-99"}).data["count"] == 0
    detail = api_as(viewer).get(f"/api/v1/alerts/{alert.pk}/").data
    assert [t["event"] for t in detail["transitions"]] == ["pending", "fired"]

    assert api_as(viewer).post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 403
    response = api_as(responder).post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 200 and response.data["acknowledged_by"] == "rita"

    url = f"/api/v1/alerts/{alert.pk}/silence/"
    past = {"until": (timezone.now() - timedelta(hours=1)).isoformat(), "reason": "maintenance"}
    assert api_as(responder).post(url, past, format="json").status_code == 400
    assert api_as(responder).post(url, {"until": past["until"]}, format="json").status_code == 400
    future = {"until": (timezone.now() + timedelta(hours=1)).isoformat(), "reason": "maintenance window"}
    response = api_as(responder).post(url, future, format="json")
    assert response.status_code == 200 and response.data["silence_reason"] == "maintenance window"


def test_risk_detail_shows_the_live_indicator(api_as, viewer, indicator, django_capture_on_commit_callbacks):
    from monitoring.intake import push

    with django_capture_on_commit_callbacks():
        push.store(
            [
                {
                    "metric": "api-latency",
                    "value": v,
                    "observed_at": (timezone.now() - timedelta(minutes=10 - n)).isoformat(),
                }
                for n, v in enumerate([100, 300, 320])
            ]
        )
    data = api_as(viewer).get(f"/api/v1/risks/{indicator.risk.code}/").data
    assert data["live_status"] == "warning"
    live = data["indicators"][0]["live"]
    assert (live["status"], live["value"], live["unit"], live["alert_state"]) == ("warning", 320, "ms", "firing")
    assert [p["value"] for p in live["trend"]] == [100, 300, 320]
    assert [a["state"] for a in live["open_alerts"]] == ["firing"]
    listed = api_as(viewer).get("/api/v1/risks/", {"live_status": "warning"}).data
    assert [r["code"] for r in listed["results"]] == [indicator.risk.code]
    assert api_as(viewer).get("/api/v1/risks/", {"live_status": "critical"}).data["count"] == 0
