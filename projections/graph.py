"""The graph projection over Bolt (Neo4j 5 in production, ArcadeDB's Bolt server embedded).

Only Cypher both servers run (design.md §2): MERGE by key with ``SET n += $props``, explicit
relationship deletes, variable-length ``CAUSES*1..N`` paths, ``OPTIONAL MATCH``, ``collect``.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from django.conf import settings

from projections.documents import LABELS, Node, node_digest

BATCH = 500
_driver = None
_schema_ready = False
_lock = threading.Lock()


class GraphUnavailable(Exception):
    """The Bolt server cannot be reached or refused the work; the outbox retries later."""


def driver():
    global _driver
    with _lock:
        if _driver is None:
            from neo4j import GraphDatabase

            _driver = GraphDatabase.driver(
                settings.NEO4J_URI,
                auth=(settings.NEO4J_USER, settings.NEO4J_PASSWORD),
                connection_timeout=settings.PROJECTION_TIMEOUT_SECONDS,
                connection_acquisition_timeout=settings.PROJECTION_TIMEOUT_SECONDS,
                max_transaction_retry_time=settings.PROJECTION_TIMEOUT_SECONDS,
            )
        return _driver


def reset() -> None:
    """Forget the driver (tests point NEO4J_URI at another server; a restarted server)."""
    global _driver, _schema_ready
    with _lock:
        if _driver is not None:
            _driver.close()
        _driver, _schema_ready = None, False


def run(query: str, **params) -> list[dict]:
    from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

    try:
        ensure_schema()
        records, _summary, _keys = driver().execute_query(query, params, database_=settings.NEO4J_DATABASE)
    except (ServiceUnavailable, SessionExpired, OSError, Neo4jError) as exc:
        raise GraphUnavailable(f"{type(exc).__name__}: {exc}"[:400]) from exc
    return [record.data() for record in records]


def ensure_schema() -> None:
    """Uniqueness constraints on every label's key, once per process (``IF NOT EXISTS``)."""
    global _schema_ready
    if _schema_ready:
        return
    with driver().session(database=settings.NEO4J_DATABASE) as session:
        for label in LABELS.values():
            session.run(
                f"CREATE CONSTRAINT {label.lower()}_key IF NOT EXISTS FOR (n:{label}) REQUIRE n.key IS UNIQUE"
            ).consume()
    _schema_ready = True


def upsert(nodes: list[Node]) -> None:
    """Write nodes with their outgoing relationships, replacing the relationships they had."""
    by_label: dict[str, list[Node]] = defaultdict(list)
    for node in nodes:
        by_label[node.label].append(node)
    for label, group in by_label.items():
        for start in range(0, len(group), BATCH):
            batch = group[start : start + BATCH]
            rows = [
                {"key": n.key, "version": n.version, "props": {k: v for k, v in n.props.items() if v is not None}}
                for n in batch
            ]
            # MERGE by key, written only when this state is at least as new as the stored one; SET n = …
            # drops properties the row no longer has.
            run(
                f"UNWIND $rows AS row MERGE (n:{label} {{key: row.key}}) "
                "WITH n, row WHERE coalesce(n.version, -1) <= row.version "
                "SET n = row.props SET n.key = row.key, n.version = row.version",
                rows=rows,
            )
            # Every outgoing relationship belongs to the node's own projection: replace them all, on
            # the nodes this batch won (a newer state written meanwhile keeps its own).
            run(
                f"UNWIND $rows AS row MATCH (n:{label} {{key: row.key}})-[r]->() "
                "WHERE n.version = row.version DELETE r",
                rows=[{"key": n.key, "version": n.version} for n in batch],
            )
            rels = defaultdict(list)
            for n in batch:
                for rel_type, target_label, target in n.rels:
                    rels[(rel_type, target_label)].append({"source": n.key, "target": target, "version": n.version})
            for (rel_type, target_label), pairs in rels.items():
                # MERGE the target by key: its own projection fills its properties (maybe later).
                run(
                    f"UNWIND $pairs AS p MATCH (a:{label} {{key: p.source}}) WHERE a.version = p.version "
                    f"MERGE (b:{target_label} {{key: p.target}}) MERGE (a)-[:{rel_type}]->(b)",
                    pairs=pairs,
                )


def delete(label: str, keys: list[str]) -> None:
    if not keys:
        return
    if label == "Risk":  # its mitigation nodes belong to it
        run(
            "MATCH (r:Risk) WHERE r.key IN $keys OPTIONAL MATCH (r)-[:MITIGATED_BY]->(m:Mitigation) DETACH DELETE r, m",
            keys=keys,
        )
    else:
        run(f"MATCH (n:{label}) WHERE n.key IN $keys DETACH DELETE n", keys=keys)


def delete_missing_mitigations(risk_keys: list[str], keep: list[str]) -> None:
    """Mitigation nodes of these risks that the database no longer has."""
    run(
        "MATCH (r:Risk)-[:MITIGATED_BY]->(m:Mitigation) WHERE r.key IN $risks AND NOT m.key IN $keep DETACH DELETE m",
        risks=risk_keys,
        keep=keep,
    )


def state(label: str) -> dict[str, str]:
    """key -> digest of what the graph actually holds (properties and outgoing relationships)."""
    rows = run(
        f"MATCH (n:{label}) OPTIONAL MATCH (n)-[r]->(t) "
        "RETURN n.key AS key, properties(n) AS props, collect([type(r), labels(t)[0], t.key]) AS rels"
    )
    return {
        row["key"]: node_digest(row["props"], [tuple(r) for r in row["rels"] if r and r[0] is not None]) for row in rows
    }


def wipe() -> None:
    run("MATCH (n) DETACH DELETE n")


def ping() -> str:
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    try:
        driver().verify_connectivity()
        return driver().get_server_info().agent
    except (ServiceUnavailable, OSError, Neo4jError) as exc:
        raise GraphUnavailable(str(exc)[:300]) from exc
