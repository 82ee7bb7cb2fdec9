"""The Cypher riskregister uses, run against whichever Bolt server NEO4J_TEST_URI names (ArcadeDB's
embedded server by default; set NEO4J_TEST_URI, _USER, _PASSWORD, _DATABASE for a Neo4j 5)."""

import pytest

from projections import graph

pytestmark = pytest.mark.django_db


def test_the_cypher_subset(stores):
    graph.ensure_schema()  # CREATE CONSTRAINT … IF NOT EXISTS twice is fine
    graph._schema_ready = False
    graph.ensure_schema()
    graph.run(
        "UNWIND $rows AS row MERGE (n:Risk {key: row.key}) SET n = row.props SET n.key = row.key",
        rows=[{"key": f"c:{n}", "props": {"score": n, "title": f"t{n}"}} for n in range(1, 5)],
    )
    graph.run("MATCH (n:Risk {key: 'c:1'}) SET n += $props", props={"extra": "x"})
    graph.run(
        "UNWIND $pairs AS p MATCH (a:Risk {key: p.a}) MERGE (b:Risk {key: p.b}) MERGE (a)-[:CAUSES]->(b)",
        pairs=[{"a": "c:1", "b": "c:2"}, {"a": "c:2", "b": "c:3"}, {"a": "c:1", "b": "c:4"}],
    )
    rows = graph.run(
        "MATCH p = (a:Risk {key: 'c:1'})-[:CAUSES*1..4]->(b:Risk) RETURN b.key AS key, min(length(p)) AS hops "
        "ORDER BY hops, key"
    )
    assert rows == [{"key": "c:2", "hops": 1}, {"key": "c:4", "hops": 1}, {"key": "c:3", "hops": 2}]
    rows = graph.run(
        "MATCH (a:Risk) WHERE a.key STARTS WITH 'c:' OPTIONAL MATCH (a)-[:CAUSES*1..4]->(b:Risk) "
        "WITH a, collect(DISTINCT b) AS down RETURN a.key AS key, size(down) AS n, "
        "reduce(t = 0, x IN down | t + x.score) AS exposure ORDER BY exposure DESC, key"
    )
    assert [(r["key"], r["n"], r["exposure"]) for r in rows] == [
        ("c:1", 3, 9),
        ("c:2", 1, 3),
        ("c:3", 0, 0),
        ("c:4", 0, 0),
    ]
    assert graph.run("RETURN COUNT { MATCH (r:Risk) WHERE r.key STARTS WITH 'c:' } AS n") == [{"n": 4}]
    assert graph.run("MATCH (r:Risk {key: 'c:1'}) RETURN properties(r) AS p")[0]["p"] == {
        "key": "c:1",
        "score": 1,
        "title": "t1",
        "extra": "x",
    }
    graph.run("MATCH (n:Risk {key: 'c:1'})-[r:CAUSES]->() WHERE true DELETE r")
    assert graph.run("MATCH (:Risk {key: 'c:1'})-[r]->() RETURN count(r) AS n") == [{"n": 0}]
    graph.run("MATCH (n:Risk) WHERE n.key IN $keys DETACH DELETE n", keys=["c:2"])
    assert graph.run("MATCH (n:Risk) WHERE n.key STARTS WITH 'c:' RETURN count(n) AS n") == [{"n": 3}]
    from django.conf import settings

    with graph.driver().session(database=settings.NEO4J_DATABASE) as session:
        tx = session.begin_transaction()
        tx.run("CREATE (:Risk {key: 'c:rolled-back'})")
        tx.rollback()
    assert graph.run("MATCH (n:Risk {key: 'c:rolled-back'}) RETURN count(n) AS n") == [{"n": 0}]
