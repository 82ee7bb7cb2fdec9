"""Review evidence: figures for a period, computed when a review opens (and on refresh).

Each source of figures is a module here that reads its app's rows directly (reviews sit above the
register, monitoring and incidents in the dependency order): ``register`` (score changes, new risks),
``readings`` (metric trends, alert episodes per risk, mitigations before/after) and ``incidents``
(alert precision and noise, incidents and MTTR). Every figure is computed from stored rows; where
there are none the evidence says so ("no data") instead of showing a number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils import timezone

from reviews.choices import EvidenceKind
from reviews.evidence import incidents, readings, register
from reviews.evidence.window import NO_METRIC, NO_READINGS, Window, change_pct, percentile
from reviews.periods import Period

__all__ = [
    "NO_METRIC",
    "NO_READINGS",
    "Window",
    "change_pct",
    "item_evidence",
    "mitigation_evidence",
    "percentile",
    "period_summary",
    "risk_evidence",
]

# Figures for the whole period, by the evidence kind of a checklist item.
PERIOD_FIGURES: dict[str, Callable[[Window], dict]] = {
    EvidenceKind.RISKS: register.risk_changes,
    EvidenceKind.ALERTS: incidents.alert_figures,
    EvidenceKind.INCIDENTS: incidents.incident_figures,
}
# Figures per risk and per mitigation, merged into one dict per row.
RISK_FIGURES = (
    register.risk_score_changes,
    readings.alert_episodes,
    incidents.risk_incidents,
    readings.forecasts,
    readings.slo_budgets,
)
MITIGATION_FIGURES = (readings.before_after,)


def _period_figures(kind: str, window: Window, cache: dict) -> dict | None:
    if kind not in PERIOD_FIGURES:
        return None
    if kind not in cache:
        cache[kind] = PERIOD_FIGURES[kind](window)
    return cache[kind]


def item_evidence(items: Iterable, period: Period, programme_ids: list[int] | None = None) -> None:
    """Compute and store the evidence of review items over the rows of ``programme_ids`` (None: all)
    — a few queries for all items together."""
    items = list(items)
    window, previous = Window(period, programme_ids), Window(period.previous(), programme_ids)
    metric_ids = {m.pk for item in items for m in item.metrics.all()}
    trends = readings.metric_trends(metric_ids, window, previous) if metric_ids else {}
    cache: dict = {}
    computed_at = timezone.now().isoformat()
    for item in items:
        evidence: dict = {"computed_at": computed_at, "kind": item.evidence_kind}
        if item.evidence_kind != EvidenceKind.MANUAL and item.evidence_kind != EvidenceKind.METRIC:
            evidence[item.evidence_kind] = _period_figures(item.evidence_kind, window, cache)
        metrics = [trends.get(m.pk) or {"name": m.name, "no_data": NO_READINGS} for m in item.metrics.all()]
        if metrics:
            evidence["metrics"] = metrics
        elif item.evidence_kind == EvidenceKind.METRIC:
            evidence["no_data"] = NO_METRIC
        item.evidence = evidence
    if items:
        type(items[0]).objects.bulk_update(items, ["evidence"])


def period_summary(period: Period, programme_ids: list[int] | None = None) -> dict:
    """The period-wide figures a report shows whatever the checklist binds: alerts, incidents, risks
    (of ``programme_ids``; None: the whole organisation)."""
    window, cache = Window(period, programme_ids), {}
    return {kind: _period_figures(kind, window, cache) for kind in ("alerts", "incidents", "risks")}


def risk_evidence(risk_ids: list[int], period: Period) -> dict[int, dict]:
    window = Window(period)
    merged: dict[int, dict] = {pk: {} for pk in risk_ids}
    for provider in RISK_FIGURES:
        for pk, figures in provider(risk_ids, window).items():
            merged.setdefault(pk, {}).update(figures)
    return merged


def mitigation_evidence(mitigations: list, period: Period) -> dict[int, dict]:
    window = Window(period)
    merged: dict[int, dict] = {m.pk: {} for m in mitigations}
    for provider in MITIGATION_FIGURES:
        for pk, figures in provider(mitigations, window).items():
            merged.setdefault(pk, {}).update(figures)
    return merged
