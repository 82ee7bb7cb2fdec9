"""Drift found and repaired; cascade, blast radius, ranking and incident path on a hand-built graph;
semantic search, duplicates and similar incidents through the real Chroma server."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.models import Incident
from monitoring.models import Metric, Reading
from projections import consistency, graph, queries, vectors
from riskregister.models import Component, Indicator, Mitigation, Risk, RiskLink
from tests.projections.conftest import drain_all

pytestmark = pytest.mark.django_db


def make_risk(title, impact, likelihood, **fields):
    risk = Risk(title=title, impact=impact, likelihood=likelihood, **fields)
    risk.save()
    return risk


@pytest.fixture
def chain(stores):
    """A → B → C → D, A → E, B → E (scores 12, 6, 4, 20, 9); F stands alone."""
    a = make_risk("ChromaDB–Neo4j sync error", 4, 3)
    b = make_risk("Database connection error", 3, 2)
    c = make_risk("API latency", 2, 2)
    d = make_risk("Memory growth", 5, 4)
    e = make_risk("Auth outage", 3, 3)
    f = make_risk("Team coordination", 1, 1)
    for cause, effect in [(a, b), (b, c), (c, d), (a, e), (b, e)]:
        RiskLink.objects.create(cause=cause, effect=effect)
    graph_component = Component.objects.create(name="Graph cluster (test)")
    a.components.add(graph_component)
    b.components.add(graph_component)
    metric = Metric.objects.create(name="Bolt latency", key="bolt", unit="ms", warning=100, critical=500, source="push")
    Indicator.objects.create(risk=a, name="bolt latency", metric=metric)
    Mitigation.objects.create(
        risk=a, number=1, title="Retry with backoff", status="done", done_on=timezone.localdate() - timedelta(days=10)
    )
    Mitigation.objects.create(
        risk=a, number=2, title="Nightly consistency check", status="done", done_on=timezone.localdate()
    )
    incident = Incident.objects.create(title="Graph sync lag", detected_at=timezone.now() - timedelta(days=2))
    incident.risks.add(a)
    Incident.objects.create(title="Old closed", status="closed").risks.add(b)
    drain_all()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "component": graph_component, "incident": incident}


def test_cascade_reports_hops_and_cumulative_exposure(chain):
    result = queries.cascade(chain["a"].pk, hops=4)
    assert [(r["code"], r["hops"], r["score"]) for r in result["reached"]] == [
        (chain["b"].code, 1, 6),
        (chain["e"].code, 1, 9),
        (chain["c"].code, 2, 4),
        (chain["d"].code, 3, 20),
    ]
    assert result["exposure"] == 39 and [r["cumulative_exposure"] for r in result["reached"]] == [6, 15, 19, 39]
    assert len(result["edges"]) == 5
    assert [r["code"] for r in queries.cascade(chain["a"].pk, hops=1)["reached"]] == [chain["b"].code, chain["e"].code]


def test_systemic_ranking_orders_by_downstream_exposure(chain):
    ranking = queries.systemic_ranking(hops=4, limit=3)
    assert [(r["code"], r["downstream"], r["exposure"]) for r in ranking] == [
        (chain["a"].code, 4, 39),
        (chain["b"].code, 3, 33),
        (chain["c"].code, 1, 20),
    ]


def test_blast_radius_of_a_component(chain):
    result = queries.blast_radius(chain["component"].pk)
    rows = {r["code"]: r for r in result["risks"]}
    assert list(rows) == [chain["a"].code, chain["b"].code]
    a = rows[chain["a"].code]
    assert a["metrics"] == ["Bolt latency"]
    assert a["mitigations"] == ["Nightly consistency check", "Retry with backoff"]
    assert [i["title"] for i in a["open_incidents"]] == ["Graph sync lag"]
    assert rows[chain["b"].code]["open_incidents"] == []  # the closed one is not open


def test_incident_path_marks_mitigations_in_place_when_it_happened(chain):
    path = queries.incident_path(chain["incident"].pk)
    (risk,) = path["risks"]
    in_place = {m["title"]: m["in_place"] for m in risk["mitigations"]}
    assert in_place == {"Retry with backoff": True, "Nightly consistency check": False}


def test_drift_is_found_by_key_and_content_and_repaired(chain):
    assert consistency.check().consistent
    graph.run("MATCH (r:Risk {key: $key}) DETACH DELETE r", key=f"risk:{chain['c'].pk}")
    graph.run("MATCH (r:Risk {key: $key}) SET r.score = 1", key=f"risk:{chain['d'].pk}")
    graph.run("CREATE (:Component {key: 'component:999999', name: 'ghost'})")
    collection = vectors.collection("risks")
    collection.update(ids=[f"risk:{chain['e'].pk}"], metadatas=[{"title": "tampered"}])
    report = consistency.check()
    diffs = {(d.store, d.kind): d for d in report.diffs}
    assert diffs["graph", "Risk"].missing == [f"risk:{chain['c'].pk}"]
    # Deleting C also removed B's CAUSES edge to it: B is stale too, and D has the wrong score.
    assert diffs["graph", "Risk"].stale == sorted([f"risk:{chain['b'].pk}", f"risk:{chain['d'].pk}"])
    assert diffs["graph", "Component"].extra == ["component:999999"]
    assert diffs["vector", "risks"].stale == [f"risk:{chain['e'].pk}"]
    assert report.sync_errors == 5 and report.consistency_ratio < 100
    out = StringIO()
    call_command("check_consistency", "--repair", "--json", stdout=out)
    repaired = json.loads(out.getvalue())
    assert repaired["sync_errors"] == 5 and repaired["after_repair"]["sync_errors"] == 0
    assert consistency.check().consistent


def test_the_check_feeds_the_plans_risk_4_metrics(chain):
    report = consistency.check()
    consistency.record(report)
    values = dict(
        Reading.objects.filter(metric__key__in=["consistency_ratio", "sync_errors"]).values_list("metric__key", "value")
    )
    assert values == {"consistency_ratio": 100.0, "sync_errors": 0.0}


INCIDENTS = [
    ("Neo4jへの接続がタイムアウトし、グラフ同期が停止した", "接続プールの枯渇"),
    ("メモリ使用量が増え続け、ワーカーがOOMで強制終了した", "キャッシュの上限が未設定"),
    ("JWT token validation failed for every login after key rotation", "old signing key removed too early"),
    ("API p95 response time rose to 900 ms after the release", "missing database index"),
]


@pytest.fixture
def past_incidents(stores):
    rows = [Incident.objects.create(title=t, root_cause=rc, status="closed") for t, rc in INCIDENTS]
    drain_all()
    return rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("グラフデータベースへの接続でタイムアウトが発生", 0),
        ("ワーカーのメモリ不足によるクラッシュ", 1),
        ("users could not sign in: token verification errors", 2),
        ("the API became slow after we deployed", 3),
    ],
)
def test_semantic_search_finds_the_paraphrased_incident(past_incidents, query, expected):
    hits = queries.search(query, "incident", 4)
    assert hits[0]["key"] == f"incident:{past_incidents[expected].pk}", hits


def test_a_near_identical_risk_title_is_a_possible_duplicate(stores):
    existing = make_risk("ChromaDB-Neo4j同期エラー", 4, 3, description="ChromaDBとNeo4jの間でデータの不整合が発生する")
    make_risk("開発チーム間の連携不足", 2, 4)
    drain_all()
    found = queries.possible_duplicates("ChromaDB–Neo4j 同期エラー", "ChromaDBとNeo4jのデータが不整合になる")
    assert [h["key"] for h in found] == [f"risk:{existing.pk}"]
    assert queries.possible_duplicates("オフィスの引っ越し") == []
    assert queries.possible_duplicates("ChromaDB-Neo4j同期エラー", exclude_pk=existing.pk) == []


def test_similar_incidents_with_root_causes_and_what_followed(past_incidents):
    risk = make_risk("Graph database connection errors", 4, 3)
    past_incidents[0].risks.add(risk)
    Mitigation.objects.create(risk=risk, number=1, title="Pool size 50", status="done", done_on=timezone.localdate())
    new = Incident.objects.create(title="Neo4jとの接続がタイムアウトして同期できない")
    drain_all()
    similar = queries.similar_incidents(new.pk, limit=2)
    assert similar[0]["id"] == past_incidents[0].pk and similar[0]["root_cause"] == "接続プールの枯渇"
    assert similar[0]["mitigations_after"][0]["title"] == "Pool size 50"
    assert queries.suggested_risks(new.pk, limit=1)[0]["key"] == f"risk:{risk.pk}"
