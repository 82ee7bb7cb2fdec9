"""`make run`'s demo watches the register's own stack: R-2's connection success rate is the Bolt
server's, so stopping the graph server turns it red."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from monitoring.intake import collection
from monitoring.models import Metric
from register.models import Risk

pytestmark = pytest.mark.django_db


def test_the_demo_binds_its_metrics_to_the_registers_own_signals(
    stores, redis_url, settings, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = redis_url
    call_command("bootstrap", stdout=open("/dev/null", "w"))  # noqa: SIM115
    sources = dict(Metric.objects.values_list("name", "source"))
    assert sources["Connection success rate"] == "service" and sources["Memory utilization"] == "host"
    connection = Metric.objects.get(name="Connection success rate")
    assert connection.source_config["service"] == "graph"
    with django_capture_on_commit_callbacks():
        up = collection.collect(connection)
        latency = collection.collect(Metric.objects.get(name="Connection latency"))
        memory = collection.collect(Metric.objects.get(name="Memory utilization"))
    assert (up.value, up.status) == (100.0, "normal") and latency.status == "normal"
    assert 0 < memory.value < 100
    assert Risk.objects.get(programme__code="P2", code="R-2").live_status == "normal"
    settings.NEO4J_URI = "bolt://127.0.0.1:1"  # the graph server is gone
    with django_capture_on_commit_callbacks():
        down = collection.collect(Metric.objects.get(pk=connection.pk), timezone.now() + timedelta(seconds=15))
    assert (down.value, down.status) == (0.0, "critical")
