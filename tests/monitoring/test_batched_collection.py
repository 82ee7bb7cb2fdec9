"""Collecting a batch of metrics in one task (collection.collect_many, tasks.collect_metrics):
sources read at once, one breaker answer per source, a redelivered batch reads nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring import tasks
from monitoring.intake import breaker, collection
from monitoring.models import Metric, Reading, SourceState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.SOURCE_RETRIES = 0
    settings.BREAKER_FAILURES = 5


def probes(target, count: int, path: str = "health") -> list[Metric]:
    return [
        Metric.objects.create(
            name=f"probe {n}",
            key=f"probe-{path}-{n}",
            unit="ms",
            warning=2000,
            critical=5000,
            source="http",
            source_config={"url": f"{target.url}/{path}/{n}", "timeout_ms": 3000},
        )
        for n in range(count)
    ]


SLOT = timezone.now().replace(microsecond=0) - timedelta(minutes=5)


def test_a_batch_reads_its_sources_at_once_and_stores_one_reading_each(
    target, settings, django_capture_on_commit_callbacks
):
    settings.COLLECTION_THREADS = 4
    target.delay = 0.3
    metrics = probes(target, 8)
    with django_capture_on_commit_callbacks():
        readings = collection.collect_many([(m, SLOT) for m in metrics])
    assert sorted(readings) == sorted(m.pk for m in metrics)
    assert all(r.status == "normal" and r.value >= 300 and r.slot == SLOT for r in readings.values())
    # Four threads: four requests in flight together, never more.
    assert target.requests == 8 and target.most_in_flight == 4
    # One breaker row for the host, clean.
    assert list(SourceState.objects.values_list("consecutive_failures", "state")) == [(0, "closed")]


def test_a_redelivered_batch_reads_and_writes_nothing(target, django_capture_on_commit_callbacks):
    metrics = probes(target, 3)
    with django_capture_on_commit_callbacks():
        collection.collect_many([(m, SLOT) for m in metrics])
        again = collection.collect_many([(m, SLOT) for m in metrics])
    assert again == {} and target.requests == 3 and Reading.objects.count() == 3


def test_an_open_breaker_refuses_every_metric_of_its_source(target, settings, django_capture_on_commit_callbacks):
    settings.BREAKER_FAILURES = 2
    target.status = 500
    metrics = probes(target, 3)
    with django_capture_on_commit_callbacks():
        collection.collect_many([(m, SLOT) for m in metrics])  # three failures in a row: open
        assert SourceState.objects.get().state == "open"
        refused = collection.collect_many([(m, SLOT + timedelta(minutes=1)) for m in metrics])
    assert target.requests == 3  # the second batch called nobody
    assert all(r.status == "error" and "circuit breaker open" in r.detail for r in refused.values())
    assert not breaker.allow_each([SourceState.objects.get().key], timezone.now())[SourceState.objects.get().key]


def test_beat_queues_due_metrics_in_batches(target, settings, django_capture_on_commit_callbacks):
    settings.COLLECTION_BATCH = 2
    metrics = probes(target, 5)
    with django_capture_on_commit_callbacks() as queued:
        assert tasks.collect_due_metrics() == 5
    assert len(queued) == 3  # 2 + 2 + 1
    # The task itself, as a worker runs it: every slot collected once, however often it is delivered.
    due = [(m.pk, SLOT.isoformat()) for m in metrics]
    with django_capture_on_commit_callbacks():
        assert tasks.collect_metrics(due) == {"due": 5, "collected": 5}
        assert tasks.collect_metrics(due) == {"due": 5, "collected": 0}
    Metric.objects.filter(pk=metrics[0].pk).update(enabled=False)
    with django_capture_on_commit_callbacks():
        later = [(m.pk, (SLOT + timedelta(minutes=1)).isoformat()) for m in metrics]
        assert tasks.collect_metrics(later) == {"due": 5, "collected": 4}  # a disabled metric is skipped
