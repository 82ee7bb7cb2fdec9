import re

import pytest

from monitoring.models import IndicatorState, Metric

pytestmark = pytest.mark.django_db


def test_metrics_exposes_the_register(staff_client, seeded):
    IndicatorState.objects.create(indicator=seeded_indicator(), last_status="warning")
    Metric.objects.filter(name="API応答時間").update(last_status="warning")
    body = staff_client.get("/metrics").content.decode()
    assert re.search(
        r'riskregister_risk_score\{category="技術的リスク",code="R-1",level="high",programme="DEFAULT"\} 12\.0', body
    )
    assert 'riskregister_indicator_state{indicator="API応答時間",programme="DEFAULT",risk="R-1"} 1.0' in body
    assert 'riskregister_open_alerts{priority="immediate",programme="DEFAULT"} 0.0' in body
    assert 'riskregister_source_up{metric="api応答時間",programme="DEFAULT"} 1.0' in body
    assert 'riskregister_source_up{metric="スループット",programme="DEFAULT"} 0.0' in body
    assert "django_http_requests_total_by_method_total" in body


def test_metrics_count_risks_outside_appetite_and_expiring_acceptances(staff_client, seeded):
    from datetime import timedelta

    from django.utils import timezone

    from register import appetite
    from register.models import Appetite, Risk, RiskAcceptance

    Appetite.objects.create(appetite=6, tolerance=9, reason="cautious")
    appetite.refresh()
    outside = Risk.objects.filter(score__gt=9).exclude(status="closed").count()
    assert outside > 0
    today = timezone.localdate()
    for risk, days in zip(Risk.objects.order_by("number")[:3], (5, 20, 60), strict=True):
        RiskAcceptance.objects.create(
            risk=risk, justification="x", expires_on=today + timedelta(days=days), state="active", accepted_score=1
        )
    body = staff_client.get("/metrics").content.decode()
    assert f"riskregister_risks_outside_appetite {outside:.1f}" in body
    assert f'riskregister_risks_by_appetite{{programme="DEFAULT",status="outside"}} {outside:.1f}' in body
    assert 'riskregister_acceptances_expiring{within_days="7"} 1.0' in body
    assert 'riskregister_acceptances_expiring{within_days="30"} 2.0' in body


def seeded_indicator():
    from monitoring.models import Indicator

    return Indicator.objects.get(risk__code="R-1", name="API応答時間")


def test_metrics_scrape_cost_is_fixed(client, settings, seeded, django_assert_max_num_queries):
    settings.METRICS_TOKEN = "scrape-token"  # as Prometheus scrapes: no session to load
    # Programmes, scores, indicator states, open alerts, sources, risks by appetite, expiring
    # acceptances, SLOs.
    with django_assert_max_num_queries(8):
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").status_code == 200


# Healthy with every service up: tests/projections/test_health.py (it needs the graph and Chroma servers).


def test_health_detailed_degraded_when_redis_is_down(staff_client, settings, tmp_path):
    settings.REDIS_URL = f"redis+socket://{tmp_path}/nothing-here.sock"
    response = staff_client.get("/health/detailed")
    data = response.json()
    assert response.status_code == 200
    assert (data["status"], data["services"]["redis"]["status"]) == ("degraded", "unhealthy")
    assert "error" in data["services"]["redis"]


def test_anonymous_callers_get_neither_metrics_nor_health_detail(client, settings):
    settings.REDIS_URL = "redis+socket:///nonexistent/redis.sock"
    response = client.get("/metrics")
    assert response.status_code == 401 and "METRICS_TOKEN" in response.content.decode()
    assert response["WWW-Authenticate"].startswith("Bearer")
    health = client.get("/health/detailed")
    assert health.json() == {"status": "degraded"}  # the status for load balancers, no internals
    assert client.get("/health/").json() == {"status": "healthy"}


@pytest.mark.parametrize(
    ("configured", "sent", "allowed"),
    [
        ("scrape-token-1", "Bearer scrape-token-1", True),
        ("scrape-token-1", "bearer scrape-token-1", True),
        ("scrape-token-1", "Bearer scrape-token-2", False),
        ("scrape-token-1", "Basic scrape-token-1", False),
        ("scrape-token-1", "", False),
        ("", "Bearer ", False),  # no token configured: a bearer header alone opens nothing
    ],
)
def test_the_metrics_token(client, settings, seeded, configured, sent, allowed):
    settings.METRICS_TOKEN = configured
    headers = {"HTTP_AUTHORIZATION": sent} if sent else {}
    response = client.get("/metrics", **headers)
    assert (response.status_code == 200) is allowed
    assert ("riskregister_risk_score" in response.content.decode()) is allowed


def test_health_detail_waits_on_no_store_longer_than_its_timeout(staff_client, settings):
    """A graph server that accepts the connection and never answers (a store mid-start) costs the
    page one probe timeout, not the sources' five seconds, and the other probes run meanwhile."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever reads
    host, port = silent.getsockname()
    settings.NEO4J_URI, settings.CHROMA_URL = f"bolt://{host}:{port}", f"http://{host}:{port}"
    settings.HEALTH_TIMEOUT_SECONDS, settings.SOURCE_TIMEOUT_SECONDS = 0.5, 5
    try:
        data = staff_client.get("/health/detailed").json()
    finally:
        silent.close()
    graph, vector = data["services"]["graph"], data["services"]["vector"]
    assert (graph["status"], vector["status"]) == ("unhealthy", "unhealthy")
    # Each store waited about its own timeout (the driver adds a little), far below the 5 s of the
    # sources, and they waited at the same time: the database answered meanwhile.
    assert graph["latency_ms"] < 2500 and vector["latency_ms"] < 2500, data


def test_two_programmes_with_the_same_codes_give_distinct_series(staff_client, db):
    """R-1 is a risk of each programme: every series names its programme, so no two samples share
    their labels (which would make the whole scrape invalid)."""
    from prometheus_client.parser import text_string_to_metric_families

    from plans.files import read_plan_file
    from plans.importer import import_plan
    from register.models import Programme
    from tests.conftest import SEED_EN

    for code in ("P2", "PAY"):
        import_plan(read_plan_file(SEED_EN), programme=Programme.objects.create(code=code, name=code))
    body = staff_client.get("/metrics").content.decode()
    for family in text_string_to_metric_families(body):
        if family.name.startswith("riskregister_"):
            labels = [tuple(sorted(sample.labels.items())) for sample in family.samples]
            assert len(labels) == len(set(labels)), family.name
    assert 'programme="PAY"' in body and 'programme="P2"' in body
