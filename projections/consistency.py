"""Is every projection what the database says it should be? (The plan's risk 4: ChromaDB–Neo4j
sync errors.) Compares, per entity type, the set of keys and a digest of each entry's content —
not counts — and reports missing, extra and stale entries per store; repair re-projects them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.utils import timezone

from projections import documents, graph, outbox, vectors
from projections.documents import GRAPH_ENTITIES, LABELS, VECTOR_ENTITIES

RATIO_METRIC = "consistency_ratio"
ERRORS_METRIC = "sync_errors"


@dataclass
class Diff:
    store: str
    kind: str  # graph label or vector collection
    expected: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def errors(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.stale)


@dataclass
class Report:
    diffs: list[Diff]
    repaired: bool = False
    after: dict | None = None  # the summary of a second check, after a repair

    @property
    def sync_errors(self) -> int:
        return sum(d.errors for d in self.diffs)

    @property
    def consistency_ratio(self) -> float | None:
        """Percent of entries that are as they should be (None when a store could not be read)."""
        if any(d.error for d in self.diffs):
            return None
        total = sum(d.expected + len(d.extra) for d in self.diffs)
        return round(100.0 * (total - self.sync_errors) / total, 3) if total else 100.0

    @property
    def consistent(self) -> bool:
        return self.sync_errors == 0 and not any(d.error for d in self.diffs)

    def summary(self) -> dict:
        return {
            "consistent": self.consistent,
            "consistency_ratio": self.consistency_ratio,
            "sync_errors": self.sync_errors,
            "repaired": self.repaired,
            "after_repair": self.after,
            "unavailable": sorted({d.store for d in self.diffs if d.error}),
        }

    def as_dict(self) -> dict:
        return {**self.summary(), "diffs": [asdict(d) for d in self.diffs]}


def _pk(key: str) -> int:
    return int(key.split(":", 1)[1])


def _compare(diff: Diff, expected: dict, actual: dict) -> Diff:
    diff.expected = len(expected)
    diff.missing = sorted(k for k in expected if k not in actual)
    diff.extra = sorted(k for k in actual if k not in expected)
    diff.stale = sorted(k for k in expected if k in actual and actual[k] != expected[k])
    return diff


def check_graph() -> list[Diff]:
    diffs = []
    for entity in GRAPH_ENTITIES:
        expected = documents.graph_state(entity)
        labels = [LABELS[entity]] + (["Mitigation"] if entity == "risk" else [])
        for label in labels:
            diff = Diff("graph", label)
            try:
                diffs.append(_compare(diff, expected.get(label, {}), graph.state(label)))
            except graph.GraphUnavailable as exc:
                diff.error = str(exc)
                diffs.append(diff)
    return diffs


def check_vectors() -> list[Diff]:
    diffs = []
    for entity in VECTOR_ENTITIES:
        expected = {d.key: d.metadata for d in documents.VECTOR_BUILDERS[entity]()}
        diff = Diff("vector", documents.COLLECTIONS[entity])
        try:
            diffs.append(_compare(diff, expected, vectors.state(entity)))
        except vectors.VectorUnavailable as exc:
            diff.error = str(exc)
            diffs.append(diff)
    return diffs


def repair_diffs(diffs: list[Diff]) -> None:
    from riskregister.models import Mitigation

    for diff in diffs:
        if diff.error or not diff.errors:
            continue
        wrong = set(diff.missing) | set(diff.stale)
        if diff.store == "graph":
            if diff.kind == "Mitigation":
                # Mitigation nodes are written with their risk.
                risks = set(Mitigation.objects.filter(pk__in=[_pk(k) for k in wrong]).values_list("risk_id", flat=True))
                if risks:
                    outbox.apply_graph("risk", risks)
                graph.delete("Mitigation", diff.extra)
                continue
            entity = next(e for e, label in LABELS.items() if label == diff.kind)
            graph.delete(diff.kind, diff.extra)
            if wrong:
                outbox.apply_graph(entity, {_pk(k) for k in wrong})
        else:
            entity = next(e for e, name in documents.COLLECTIONS.items() if name == diff.kind)
            vectors.delete(entity, diff.extra)
            if wrong:
                outbox.apply_vectors(entity, {_pk(k) for k in wrong})


def check(repair: bool = False) -> Report:
    """What drifted; with ``repair``, also fix it and say how things stand afterwards."""
    report = Report(check_graph() + check_vectors())
    if repair and report.sync_errors:
        repair_diffs(report.diffs)
        report.repaired = True
        report.after = Report(check_graph() + check_vectors()).summary()
    return report


def record(report: Report) -> dict:
    """Feed the result to the metrics the plan's risk 4 watches (when they exist)."""
    from monitoring import push
    from monitoring.models import Metric

    now = timezone.now().isoformat()
    items = []
    if report.consistency_ratio is not None:
        items.append({"metric": RATIO_METRIC, "value": report.consistency_ratio, "observed_at": now})
        items.append({"metric": ERRORS_METRIC, "value": report.sync_errors, "observed_at": now})
    items = [i for i in items if Metric.objects.filter(key=i["metric"]).exists()]
    return push.store(items) if items else {"received": 0}
