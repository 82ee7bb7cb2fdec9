"""Drift found and repaired; cascade, blast radius, ranking and incident path on a hand-built graph;
semantic search, duplicates and similar incidents through the real Chroma server."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.models import Incident
from monitoring.models import Indicator, Reading
from projections import consistency, graph, queries, vectors
from register.models import Mitigation
from tests.projections.conftest import drain_all, make_risk

pytestmark = pytest.mark.django_db


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
    collection = vectors.collection("risk")
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


def test_the_check_feeds_the_plans_risk_4_indicators(stores, seeded):
    drain_all()
    graph.run("MATCH (c:Category) DETACH DELETE c")  # drift: every category node gone
    report = consistency.check()
    consistency.record(report)
    values = dict(
        Reading.objects.filter(metric__key__in=["consistency_ratio", "sync_errors"]).values_list("metric__key", "value")
    )
    assert values == {"consistency_ratio": report.consistency_ratio, "sync_errors": float(report.sync_errors)}
    assert report.sync_errors > 0 and values["consistency_ratio"] < 99
    indicator = Indicator.objects.select_related("metric").get(name="データ整合性率")
    assert (indicator.metric.key, indicator.risk.code) == ("consistency_ratio", "R-4")
    assert Reading.objects.get(metric__key="consistency_ratio").status == "critical"  # < 99 %


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
