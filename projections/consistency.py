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
    from register.models import Mitigation

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
            # Everything is in the current model's collection now: an earlier model's goes.
            vectors.drop_other_models(entity)


def check(repair: bool = False) -> Report:
    """What drifted; with ``repair``, also fix it and say how things stand afterwards."""
    report = Report(check_graph() + check_vectors())
    if repair and report.sync_errors:
        repair_diffs(report.diffs)
        report.repaired = True
        report.after = Report(check_graph() + check_vectors()).summary()
    return report


# The plan's risk 4 watches データ整合性率 / 同期エラー数 (the English demo: "Projection consistency
# rate"). The check feeds the metrics of those names, or creates its own and binds the plan's
# indicators to them, so the result reaches the risk through the normal monitoring pipeline.
FEEDS = {
    "ratio": {
        "key": RATIO_METRIC,
        "names": ("データ整合性率", "Data consistency rate", "Projection consistency rate"),
        "defaults": {
            "name": "Projection consistency",
            "unit": "%",
            "direction": "lower_is_worse",
            "warning": 99.9,
            "critical": 99.0,
        },
    },
    "errors": {
        "key": ERRORS_METRIC,
        "names": ("同期エラー数", "Sync error count", "Projection sync errors"),
        "defaults": {
            "name": "Projection sync errors",
            "unit": "",
            "direction": "higher_is_worse",
            "warning": 1,
            "critical": 10,
        },
    },
}


def feed_metrics(which: str) -> list:
    from django.db.models import Q

    from monitoring.models import Indicator, Metric

    feed = FEEDS[which]
    metrics = list(Metric.objects.filter(Q(key=feed["key"]) | Q(name__in=feed["names"])))
    if not metrics:
        metric, _ = Metric.objects.get_or_create(key=feed["key"], defaults={**feed["defaults"], "source": "push"})
        Indicator.objects.filter(name__in=feed["names"], metric__isnull=True).update(metric=metric)
        metrics = [metric]
    return metrics


def record(report: Report) -> dict:
    """Push the check's result into the metrics the plan's risk 4 indicators watch."""
    from monitoring.intake import push

    if report.consistency_ratio is None:
        return {"received": 0}  # a store could not be read: that is an outage, not a ratio
    now = timezone.now().isoformat()
    values = {"ratio": report.consistency_ratio, "errors": report.sync_errors}
    items = [
        {"metric": metric.key, "value": values[which], "observed_at": now}
        for which in FEEDS
        for metric in feed_metrics(which)
    ]
    return push.store(items)
