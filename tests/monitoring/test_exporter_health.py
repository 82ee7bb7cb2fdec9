import re

import pytest

from monitoring.models import IndicatorState, Metric

pytestmark = pytest.mark.django_db


def test_metrics_exposes_the_register(client, seeded):
    IndicatorState.objects.create(indicator=seeded_indicator(), last_status="warning")
    Metric.objects.filter(name="API応答時間").update(last_status="warning")
    body = client.get("/metrics").content.decode()
    assert re.search(r'riskregister_risk_score\{category="技術的リスク",code="R-1",level="high"\} 12\.0', body)
    assert 'riskregister_indicator_state{indicator="API応答時間",risk="R-1"} 1.0' in body
    assert 'riskregister_open_alerts{priority="immediate"} 0.0' in body
    assert 'riskregister_source_up{metric="api応答時間"} 1.0' in body
    assert 'riskregister_source_up{metric="スループット"} 0.0' in body
    assert "django_http_requests_total_by_method_total" in body


def seeded_indicator():
    from monitoring.models import Indicator

    return Indicator.objects.get(risk__code="R-1", name="API応答時間")


def test_metrics_scrape_cost_is_fixed(client, seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/metrics")


# Healthy with every service up: tests/projections/test_health.py (it needs the graph and Chroma servers).


def test_health_detailed_degraded_when_redis_is_down(client, settings, tmp_path):
    settings.REDIS_URL = f"redis+socket://{tmp_path}/nothing-here.sock"
    response = client.get("/health/detailed")
    data = response.json()
    assert response.status_code == 200
    assert (data["status"], data["services"]["redis"]["status"]) == ("degraded", "unhealthy")
    assert "error" in data["services"]["redis"]
