"""A committed change reaches the graph and Chroma through a real Celery worker (no eager mode)."""

import pytest
from django.conf import settings

from projections import graph, vectors
from projections.models import OutboxEntry
from register.models import Risk
from tests.integration.services import start_worker, use_broker, wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_worker_drains_the_outbox_after_commit(stores, redis_url, tmp_path, monkeypatch):
    use_broker(redis_url)
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE", "CHROMA_URL"):
        monkeypatch.setenv(name, str(getattr(settings, name)))
    worker = start_worker(redis_url, tmp_path / "worker.log", name="projections")
    try:
        risk = Risk(title="ワーカー経由の投影", impact=3, likelihood=4)
        risk.save()  # autocommit: the outbox row is committed and the drain queued
        key = f"risk:{risk.pk}"
        wait_for(
            lambda: graph.run("MATCH (r:Risk {key: $key}) RETURN r.score AS s", key=key) == [{"s": 12}],
            120,
            "the worker to project the risk into the graph",
            worker,
        )
        wait_for(lambda: key in vectors.state("risk"), 60, "the worker to project the risk into Chroma", worker)
        wait_for(
            lambda: not OutboxEntry.objects.filter(done_at__isnull=True).exists(), 30, "the outbox to empty", worker
        )
    finally:
        worker.stop()
