"""Questions the graph and the vector store answer (admin pages and API share these)."""

from __future__ import annotations

from projections import documents, embeddings, graph, vectors
from projections import search as hybrid

MAX_HOPS = 6


def _open_states() -> list[str]:
    from incidents.models import FINAL_STATES, Status

    return [s for s in Status.values if s not in FINAL_STATES]


def _hops(hops: int) -> int:
    return max(1, min(int(hops), MAX_HOPS))


def cascade(risk_pk: int, hops: int = 4, programmes: list[int] | None = None) -> dict:
    """Risks reachable from this one through CAUSES within ``hops``: each with its distance, and the
    cumulative exposure (sum of scores of everything reached). A reached risk of a programme outside
    ``programmes`` (None: all) is only counted (``elsewhere``): the graph returns nothing of it."""
    hops = _hops(hops)
    start = documents.key("risk", risk_pk)
    rows = graph.run(
        f"MATCH p = (a:Risk {{key: $key}})-[:CAUSES*1..{hops}]->(b:Risk) WHERE b.key <> $key "
        "WITH b, min(length(p)) AS hops, ($programmes IS NULL OR b.programme IN $programmes) AS seen "
        "RETURN CASE WHEN seen THEN b.key END AS key, CASE WHEN seen THEN b.code END AS code, "
        "CASE WHEN seen THEN b.title END AS title, CASE WHEN seen THEN b.score END AS score, hops "
        "ORDER BY hops, code",
        key=start,
        programmes=programmes,
    )
    reached = [row for row in rows if row["key"] is not None]
    keys = [start] + [r["key"] for r in reached]
    edges = graph.run(
        "MATCH (x:Risk)-[:CAUSES]->(y:Risk) WHERE x.key IN $keys AND y.key IN $keys "
        "RETURN x.key AS source, y.key AS target ORDER BY source, target",
        keys=keys,
    )
    origin = graph.run(
        "MATCH (a:Risk {key: $key}) RETURN a.key AS key, a.code AS code, a.title AS title, a.score AS score",
        key=start,
    )
    running = 0
    for row in reached:
        running += row["score"] or 0
        row["cumulative_exposure"] = running
    return {
        "risk": origin[0] if origin else None,
        "hops": hops,
        "reached": reached,
        "exposure": running,
        "edges": edges,
        # Linked risks in programmes the reader cannot see: that they exist, nothing of what they are.
        "elsewhere": len(rows) - len(reached),
    }


def blast_radius(component_pk: int, programmes: list[int] | None = None) -> dict:
    """Risks affecting a component (of ``programmes``; None: all — components are the
    organisation's, their risks are not), with their indicators' metrics, mitigations and open
    incidents."""
    rows = graph.run(
        "MATCH (c:Component {key: $key})<-[:AFFECTS]-(r:Risk) "
        "WHERE $programmes IS NULL OR r.programme IN $programmes "
        "OPTIONAL MATCH (r)-[:MONITORED_BY]->(m:Metric) "
        "OPTIONAL MATCH (r)-[:MITIGATED_BY]->(g:Mitigation) "
        "OPTIONAL MATCH (i:Incident)-[:REALIZES]->(r) "
        "RETURN r.key AS key, r.code AS code, r.title AS title, r.score AS score, "
        "collect(DISTINCT m.name) AS metrics, collect(DISTINCT g.title) AS mitigations, "
        "collect(DISTINCT [i.key, i.title, i.status]) AS incidents "
        "ORDER BY score DESC, code",
        key=documents.key("component", component_pk),
        programmes=programmes,
    )
    open_states = _open_states()
    for row in rows:
        row["metrics"] = sorted(m for m in row["metrics"] if m)
        row["mitigations"] = sorted(m for m in row["mitigations"] if m)
        row["open_incidents"] = sorted(
            ({"key": k, "title": t, "status": s} for k, t, s in row.pop("incidents") if k and s in open_states),
            key=lambda i: i["key"],
        )
    return {"component": documents.key("component", component_pk), "risks": rows}


def systemic_ranking(hops: int = 4, limit: int = 20, programmes: list[int] | None = None) -> list[dict]:
    """Risks of ``programmes`` (None: all) ordered by downstream exposure: the scores of every risk
    of those programmes they cascade into."""
    hops = _hops(hops)
    return graph.run(
        "MATCH (a:Risk) WHERE $programmes IS NULL OR a.programme IN $programmes "
        f"OPTIONAL MATCH (a)-[:CAUSES*1..{hops}]->(b:Risk) "
        "WHERE b.key <> a.key AND ($programmes IS NULL OR b.programme IN $programmes) "
        "WITH a, collect(DISTINCT b) AS down "
        "RETURN a.key AS key, a.code AS code, a.title AS title, a.score AS score, size(down) AS downstream, "
        "reduce(total = 0, x IN down | total + x.score) AS exposure "
        "ORDER BY exposure DESC, score DESC, code LIMIT $limit",
        limit=int(limit),
        programmes=programmes,
    )


def incident_path(incident_pk: int) -> dict:
    """Incident → the risks it realised → their mitigations, each marked as in place when the
    incident was detected (implemented on or before that day) or not."""
    from incidents.models import Incident

    incident = Incident.objects.filter(pk=incident_pk).first()
    rows = graph.run(
        "MATCH (i:Incident {key: $key})-[:REALIZES]->(r:Risk) OPTIONAL MATCH (r)-[:MITIGATED_BY]->(m:Mitigation) "
        "RETURN r.key AS key, r.code AS code, r.title AS title, "
        "collect([m.key, m.title, m.status, m.done_on]) AS mitigations ORDER BY code",
        key=documents.key("incident", incident_pk),
    )
    detected = incident.detected_at.date().isoformat() if incident else None
    for row in rows:
        row["mitigations"] = [
            {"key": k, "title": t, "status": s, "done_on": d, "in_place": bool(d and detected and d <= detected)}
            for k, t, s, d in row["mitigations"]
            if k
        ]
    return {"incident": documents.key("incident", incident_pk), "detected_on": detected, "risks": rows}


def search(text: str, kind: str = "risk", limit: int = 10, programmes: list[int] | None = None) -> list[dict]:
    """Hybrid search (projections/search.py) among the documents of ``programmes`` (None: all): []
    when nothing matches."""
    return hybrid.search(kind, text, limit, programmes=programmes)


def _related(entity: str, text: str, limit: int, programmes: list[int] | None = None) -> list[dict]:
    """The nearest documents that are matches at all (the model's search threshold)."""
    threshold = embeddings.search_threshold()
    return [h for h in vectors.query(entity, text, limit, programmes) if h["similarity"] >= threshold]


def possible_duplicates(
    title: str, description: str = "", exclude_pk: int | None = None, programmes: list[int] | None = None
) -> list[dict]:
    """Existing risks of ``programmes`` (None: all) whose text is close to this one (similarity at or
    above the model's duplicate threshold)."""
    threshold = embeddings.duplicate_threshold()
    exclude = documents.key("risk", exclude_pk) if exclude_pk else None
    hits = vectors.query("risk", "\n".join(p for p in (title, description) if p), 5, programmes)
    return [h for h in hits if h["similarity"] >= threshold and h["key"] != exclude]


def similar_incidents(incident_pk: int, limit: int = 5, programmes: list[int] | None = None) -> list[dict]:
    """Past incidents whose text is close to this one's, with their root causes and the mitigations
    of their risks implemented after them (what followed)."""
    from incidents.models import Incident

    (doc,) = documents.incident_documents([incident_pk])
    hits = [h for h in _related("incident", doc.text, limit + 1, programmes) if h["key"] != doc.key][:limit]
    found = {
        i.pk: i
        for i in Incident.objects.filter(pk__in=[documents.split_key(h["key"])[1] for h in hits]).prefetch_related(
            "risks__mitigations"
        )
    }
    result = []
    for hit in hits:
        past = found.get(documents.split_key(hit["key"])[1])
        if past is None:
            continue
        followed = [
            {"risk": m.risk.code, "title": m.title, "done_on": m.done_on.isoformat()}
            for r in past.risks.all()
            for m in r.mitigations.all()
            if m.done_on and m.done_on >= past.detected_at.date()
        ]
        result.append(
            {
                "id": past.pk,
                "title": past.title,
                "similarity": hit["similarity"],
                "root_cause": past.root_cause,
                "mitigations_after": followed,
            }
        )
    return result


def suggested_risks(incident_pk: int, limit: int = 3, programmes: list[int] | None = None) -> list[dict]:
    """Risks whose text is close to the incident's and that it is not linked to yet."""
    from incidents.models import Incident

    linked = {
        documents.key("risk", pk) for pk in Incident.objects.get(pk=incident_pk).risks.values_list("pk", flat=True)
    }
    (doc,) = documents.incident_documents([incident_pk])
    return [h for h in _related("risk", doc.text, limit + len(linked), programmes) if h["key"] not in linked][:limit]
