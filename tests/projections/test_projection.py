"""The seed plan projected into the real graph and Chroma servers; changes, deletes, outages."""

import pytest
from django.utils import timezone

from incidents.models import Incident
from monitoring.models import Metric
from projections import consistency, graph, outbox
from projections.models import OutboxEntry
from register.models import Category, Component, Mitigation, Risk, RiskLink
from tests.projections.conftest import drain_all

pytestmark = pytest.mark.django_db


def counts() -> dict:
    nodes = {r["label"]: r["n"] for r in graph.run("MATCH (n) RETURN labels(n)[0] AS label, count(*) AS n")}
    rels = {r["type"]: r["n"] for r in graph.run("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")}
    return {"nodes": nodes, "rels": rels}


def test_the_seed_plan_projects_with_exact_counts(stores, seeded):
    assert OutboxEntry.objects.filter(done_at__isnull=True).exists()  # written with the import
    result = drain_all()
    assert result["failed"] == 0 and not OutboxEntry.objects.filter(done_at__isnull=True).exists()
    from monitoring.models import Indicator, Metric
    from register.models import Category

    expected_nodes = {
        "Risk": Risk.objects.count(),
        "Mitigation": Mitigation.objects.count(),
        "Metric": Metric.objects.count(),
        "Component": Component.objects.count(),
        "Category": Category.objects.count(),
    }
    assert counts()["nodes"] == expected_nodes
    assert counts()["rels"] == {
        "MITIGATED_BY": Mitigation.objects.count(),
        "IN_CATEGORY": Risk.objects.exclude(category=None).count(),
        "MONITORED_BY": Indicator.objects.exclude(metric=None).values("risk", "metric").distinct().count(),
        **({"AFFECTS": n} if (n := Risk.components.through.objects.count()) else {}),
    }
    assert consistency.check().consistent


def test_updates_links_and_deletes_propagate(stores, seeded):
    drain_all()
    r1, r2, r3 = (Risk.objects.get(code=c) for c in ("R-1", "R-2", "R-3"))
    r1.title = "API応答時間遅延（改訂）"
    r1.save()
    RiskLink.objects.create(cause=r2, effect=r1)
    RiskLink.objects.create(cause=r1, effect=r3)
    Mitigation.objects.filter(risk=r3).first().delete()
    incident = Incident.objects.create(title="Neo4j timeouts", detected_at=timezone.now())
    incident.risks.add(r2)
    drain_all()
    assert graph.run("MATCH (r:Risk {code: 'R-1'}) RETURN r.title AS t") == [{"t": "API応答時間遅延（改訂）"}]
    assert graph.run("MATCH (a:Risk)-[:CAUSES]->(b:Risk) RETURN a.code AS a, b.code AS b ORDER BY a") == [
        {"a": "R-1", "b": "R-3"},
        {"a": "R-2", "b": "R-1"},
    ]
    assert graph.run("MATCH (i:Incident)-[:REALIZES]->(r:Risk) RETURN r.code AS code") == [{"code": "R-2"}]
    r3.delete()
    drain_all()
    assert graph.run("MATCH (r:Risk {code: 'R-3'}) RETURN count(r) AS n") == [{"n": 0}]
    assert graph.run("MATCH (:Risk)-[:CAUSES]->(b:Risk) RETURN b.code AS b") == [{"b": "R-1"}]
    assert consistency.check().consistent


def test_the_outbox_survives_a_graph_outage(stores, seeded):
    from tests.stores import restart_graph

    graph_server, _ = stores
    if graph_server.process is None:
        # Only in the opt-in conformance run against someone's Neo4j (NEO4J_TEST_URI), which this test
        # must not stop. Not a missing service: `make test` and CI always start the bundled Bolt
        # server here (and fail under CI=true if it cannot start), so this branch never runs there.
        pytest.skip("an external Neo4j (NEO4J_TEST_URI) is not ours to stop")
    drain_all()
    graph_server.process.stop()
    graph.reset()
    Risk.objects.filter(code="R-5").get().delete()
    risk = Risk(title="グラフ停止中に追加", impact=2, likelihood=2)
    risk.save()
    result = outbox.drain()
    assert result["failed"] > 0
    pending = OutboxEntry.objects.filter(done_at__isnull=True)
    assert pending.exists() and all(row.vector_done and not row.graph_done for row in pending)
    assert "graph" in pending.first().last_error
    restart_graph(graph_server)
    OutboxEntry.objects.update(next_attempt_at=timezone.now())  # skip the backoff wait
    drain_all()
    assert not OutboxEntry.objects.filter(done_at__isnull=True).exists()
    report = consistency.check()
    assert report.consistent, report.as_dict()


def test_an_older_state_never_overwrites_a_newer_one(stores):
    """Two drains racing on one entity: the one answering the later outbox row wins in both stores."""
    from projections import vectors

    risk = Risk(title="newer title", impact=2, likelihood=2)
    risk.save()
    key = f"risk:{risk.pk}"
    outbox.apply_graph("risk", {risk.pk}, {risk.pk: 20})
    outbox.apply_vectors("risk", {risk.pk}, {risk.pk: 20})
    Risk.objects.filter(pk=risk.pk).update(title="older title")  # what a slower drain had read
    outbox.apply_graph("risk", {risk.pk}, {risk.pk: 10})
    outbox.apply_vectors("risk", {risk.pk}, {risk.pk: 10})
    assert graph.run("MATCH (r:Risk {key: $key}) RETURN r.title AS t, r.version AS v", key=key) == [
        {"t": "newer title", "v": 20}
    ]
    assert vectors.state("risk")[key]["title"] == "newer title"
    outbox.apply_graph("risk", {risk.pk}, {risk.pk: 30})
    assert graph.run("MATCH (r:Risk {key: $key}) RETURN r.title AS t", key=key) == [{"t": "older title"}]


def test_a_reading_does_not_queue_a_projection(db):
    """Collection saves a metric's last value on every reading: nothing the stores hold."""
    from monitoring.intake import push
    from monitoring.models import Metric

    Metric.objects.create(name="lat", key="lat", unit="ms", warning=200, critical=500, source="push")
    OutboxEntry.objects.all().delete()
    push.store([{"metric": "lat", "value": 120, "observed_at": timezone.now().isoformat()}])
    assert not OutboxEntry.objects.exists()
    metric = Metric.objects.get(key="lat")
    metric.unit = "s"
    metric.save(update_fields=["unit"])
    assert list(OutboxEntry.objects.values_list("entity", "object_id")) == [("metric", metric.pk)]


def test_what_migrations_create_is_in_the_outbox_from_the_start(db):
    """A fresh install's starter components (and the metrics and categories migrations add) reach
    the graph with the first drain, not the half-hourly repair: migrate writes their outbox rows."""
    from projections import outbox

    OutboxEntry.objects.all().delete()
    assert outbox.enqueue_unseen() == Component.objects.count() + Category.objects.count() + Metric.objects.count()
    assert Component.objects.count() >= 7
    queued = set(OutboxEntry.objects.filter(entity="component").values_list("object_id", flat=True))
    assert queued == set(Component.objects.values_list("pk", flat=True))
    assert outbox.enqueue_unseen() == 0  # once
