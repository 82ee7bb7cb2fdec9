"""What the stores should hold, computed from the database (the truth): graph nodes with their
properties and outgoing relationships, and vector-store documents with their metadata.

Both the projector and the consistency check use these functions, so "projected" and "expected"
cannot drift apart in code.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch

LABELS = {
    "risk": "Risk",
    "mitigation": "Mitigation",
    "metric": "Metric",
    "component": "Component",
    "category": "Category",
    "incident": "Incident",
}
# Which entities each store holds. Mitigation nodes are written with their risk (its aggregate).
GRAPH_ENTITIES = ("risk", "metric", "component", "category", "incident")
VECTOR_ENTITIES = ("risk", "mitigation", "incident")
COLLECTIONS = {"risk": "risks", "mitigation": "mitigations", "incident": "incidents"}


def key(entity: str, pk: int) -> str:
    """The id of an entity in both stores (and of its outbox row): ``risk:12``."""
    return f"{entity}:{pk}"


def split_key(value: str) -> tuple[str, int]:
    entity, _, pk = value.partition(":")
    return entity, int(pk)


def digest(data) -> str:
    return hashlib.sha1(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass
class Node:
    label: str
    key: str
    props: dict
    rels: list[tuple[str, str, str]] = field(default_factory=list)  # (type, target label, target key)
    # The outbox row this state answers (higher wins in the store: a slower drain with older state
    # cannot overwrite a newer one). Not part of the content digest.
    version: int = 0

    @property
    def digest(self) -> str:
        return node_digest(self.props, self.rels)


def node_digest(props: dict, rels: Iterable) -> str:
    props = {k: v for k, v in props.items() if k not in ("key", "version") and v is not None}
    return digest([props, sorted(tuple(r) for r in rels)])


def _ids_filter(queryset, ids):
    return queryset if ids is None else queryset.filter(pk__in=ids)


def risk_nodes(ids=None) -> list[Node]:
    """Risks with their mitigation nodes: the risk is the aggregate the graph writes together."""
    from monitoring.models import Indicator
    from register.models import Mitigation, Risk, RiskLink

    risks = _ids_filter(Risk.objects.all(), ids).prefetch_related(
        "components",
        Prefetch("mitigations", queryset=Mitigation.objects.order_by("number")),
        Prefetch("indicators", queryset=Indicator.objects.filter(metric__isnull=False).only("risk_id", "metric_id")),
        Prefetch("effect_links", queryset=RiskLink.objects.only("cause_id", "effect_id")),
    )
    nodes = []
    for risk in risks:
        rels = [("AFFECTS", "Component", key("component", c.pk)) for c in risk.components.all()]
        rels += [("CAUSES", "Risk", key("risk", link.effect_id)) for link in risk.effect_links.all()]
        rels += [("MONITORED_BY", "Metric", key("metric", i.metric_id)) for i in risk.indicators.all()]
        if risk.category_id:
            rels.append(("IN_CATEGORY", "Category", key("category", risk.category_id)))
        mitigations = list(risk.mitigations.all())
        rels += [("MITIGATED_BY", "Mitigation", key("mitigation", m.pk)) for m in mitigations]
        nodes.append(
            Node(
                "Risk",
                key("risk", risk.pk),
                {
                    "code": risk.code,
                    "title": risk.title,
                    "score": risk.score,
                    "level": risk.level,
                    "status": risk.status,
                    # Queries keep to the programmes their reader sees (register.visibility).
                    "programme": risk.programme_id,
                },
                sorted(set(rels)),
            )
        )
        nodes += [
            Node(
                "Mitigation",
                key("mitigation", m.pk),
                {
                    "title": m.title,
                    "status": m.status,
                    "risk": risk.code,
                    "done_on": m.done_on.isoformat() if m.done_on else None,
                    "programme": risk.programme_id,
                },
            )
            for m in mitigations
        ]
    return nodes


def metric_nodes(ids=None) -> list[Node]:
    from monitoring.models import Metric

    rows = _ids_filter(Metric.objects.all(), ids).values_list("pk", "key", "name", "unit", "programme_id")
    return [
        Node("Metric", key("metric", pk), {"name": name, "metric_key": k, "unit": unit, "programme": programme})
        for pk, k, name, unit, programme in rows
    ]


def component_nodes(ids=None) -> list[Node]:
    from register.models import Component

    return [
        Node("Component", key("component", pk), {"name": name})
        for pk, name in _ids_filter(Component.objects.all(), ids).values_list("pk", "name")
    ]


def category_nodes(ids=None) -> list[Node]:
    from register.models import Category

    return [
        Node("Category", key("category", pk), {"name": name, "programme": programme})
        for pk, name, programme in _ids_filter(Category.objects.all(), ids).values_list("pk", "name", "programme_id")
    ]


def incident_nodes(ids=None) -> list[Node]:
    from incidents.models import Incident

    incidents = _ids_filter(Incident.objects.all(), ids).prefetch_related("risks")
    return [
        Node(
            "Incident",
            key("incident", i.pk),
            {
                "title": i.title,
                "status": i.status,
                "severity": i.severity,
                "detected_at": i.detected_at.isoformat(),
                "programme": i.programme_id,
            },
            sorted(("REALIZES", "Risk", key("risk", r.pk)) for r in i.risks.all()),
        )
        for i in incidents
    ]


GRAPH_BUILDERS = {
    "risk": risk_nodes,
    "metric": metric_nodes,
    "component": component_nodes,
    "category": category_nodes,
    "incident": incident_nodes,
}


@dataclass
class Document:
    collection: str
    key: str
    text: str
    metadata: dict
    version: int = 0


def _document(entity: str, pk: int, text: str, metadata: dict) -> Document:
    # The digest of the text rides in the metadata: a changed text shows as stale metadata.
    from projections.embeddings import current

    metadata = {k: v for k, v in metadata.items() if v not in (None, "")}
    return Document(
        COLLECTIONS[entity],
        key(entity, pk),
        text,
        {**metadata, "text_digest": digest(text), "embedding_model": current().id},
    )


def risk_documents(ids=None) -> list[Document]:
    from register.models import Risk

    rows = _ids_filter(Risk.objects.all(), ids).values_list(
        "pk", "code", "title", "description", "impact_text", "level", "programme_id"
    )
    return [
        _document(
            "risk",
            pk,
            "\n".join(p for p in (title, description, impact) if p),
            # The programme is filtered on by the store (vectors.where): search keeps to what its
            # reader sees.
            {"code": code, "title": title, "level": level, "programme": programme},
        )
        for pk, code, title, description, impact, level, programme in rows
    ]


def mitigation_documents(ids=None) -> list[Document]:
    from register.models import Mitigation

    rows = _ids_filter(Mitigation.objects.all(), ids).values_list(
        "pk", "title", "detail", "status", "risk__code", "risk__programme_id"
    )
    return [
        _document(
            "mitigation",
            pk,
            f"{title}\n{detail[:2000]}".strip(),
            {"title": title, "risk": code, "status": status, "programme": programme},
        )
        for pk, title, detail, status, code, programme in rows
    ]


def incident_documents(ids=None) -> list[Document]:
    from incidents.models import Incident

    incidents = _ids_filter(Incident.objects.all(), ids).select_related("postmortem")
    docs = []
    for i in incidents:
        postmortem = getattr(i, "postmortem", None)
        parts = [i.title, i.description, i.root_cause, i.contributing_factors]
        if postmortem is not None:
            parts += [postmortem.summary, postmortem.root_cause]
        docs.append(
            _document(
                "incident",
                i.pk,
                "\n".join(p for p in parts if p),
                {"title": i.title, "status": i.status, "severity": i.severity, "programme": i.programme_id},
            )
        )
    return docs


VECTOR_BUILDERS = {"risk": risk_documents, "mitigation": mitigation_documents, "incident": incident_documents}


def graph_state(entity: str, ids=None) -> dict[str, dict[str, str]]:
    """label -> {key: digest} that the graph should hold for these entities (all when ids is None)."""
    state: dict[str, dict[str, str]] = defaultdict(dict)
    for node in GRAPH_BUILDERS[entity](ids):
        state[node.label][node.key] = node.digest
    return state
