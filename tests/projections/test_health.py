"""/health/detailed and the service probes with the graph and Chroma servers up and down."""

import pytest

from monitoring.intake.sources import service
from monitoring.models import Metric

pytestmark = pytest.mark.django_db


def test_healthy_with_every_service_up(staff_client, settings, redis_url, stores):
    settings.REDIS_URL = redis_url
    response = staff_client.get("/health/detailed")
    data = response.json()
    assert response.status_code == 200 and data["status"] == "healthy", data
    assert {name: s["status"] for name, s in data["services"].items()} == dict.fromkeys(
        ["database", "redis", "graph", "vector"], "healthy"
    )


def test_a_down_graph_or_vector_store_degrades_but_does_not_fail(staff_client, settings, redis_url, stores):
    settings.REDIS_URL = redis_url
    settings.NEO4J_URI = "bolt://127.0.0.1:1"
    settings.CHROMA_URL = "http://127.0.0.1:1"
    data = staff_client.get("/health/detailed").json()
    assert data["status"] == "degraded"
    assert (data["services"]["graph"]["status"], data["services"]["vector"]["status"]) == ("unhealthy", "unhealthy")


def test_the_connection_success_probe_of_the_graph(settings, stores):
    metric = Metric(
        name="graph up",
        key="graph-up",
        unit="%",
        source="service",
        warning=99.5,
        critical=99,
        direction="lower_is_worse",
        source_config={"service": "graph", "measure": "up_percent"},
    )
    assert service.config_errors(metric.source_config) == []
    assert service.collect(metric).value == 100.0
    settings.NEO4J_URI = "bolt://127.0.0.1:1"
    assert service.collect(metric).value == 0.0
