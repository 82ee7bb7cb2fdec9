"""Review evidence: figures for a period, computed when a review opens (and on refresh).

The core computes what it owns (score changes, new risks). The monitoring and incidents apps
register providers for readings, alerts and incidents in their ``ready()``, so the core never
imports them (design.md §3: dependencies point incidents → monitoring → riskregister).

Every figure is computed from stored rows; where there are none the evidence says so ("no data")
instead of showing a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from riskregister.choices import EvidenceKind
from riskregister.periods import Period

# name -> provider. Period providers: fn(window) -> dict. "metrics": fn(metric_ids, window, previous) ->
# {metric_id: dict}. Per-risk and per-mitigation providers return {pk: dict} and are merged.
_period_providers: dict[str, Callable] = {}
_metric_provider: list[Callable] = []
_risk_providers: list[Callable] = []
_mitigation_providers: list[Callable] = []

NO_METRIC = "no data: bind a metric"
NO_READINGS = "no data in this period"


def register_period(kind: str) -> Callable:
    def decorator(fn: Callable) -> Callable:
        _period_providers[kind] = fn
        return fn

    return decorator


def register_metrics(fn: Callable) -> Callable:
    _metric_provider[:] = [fn]
    return fn


def register_risks(fn: Callable) -> Callable:
    if fn not in _risk_providers:
        _risk_providers.append(fn)
    return fn


def register_mitigations(fn: Callable) -> Callable:
    if fn not in _mitigation_providers:
        _mitigation_providers.append(fn)
    return fn


class Window:
    """A period as a half-open range of aware datetimes in the register's time zone."""

    def __init__(self, period: Period):
        tz = timezone.get_current_timezone()
        self.period = period
        self.start = datetime.combine(period.start, time.min, tzinfo=tz)
        self.end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def overlap_hours(self, since: datetime, until: datetime | None, now: datetime) -> float:
        end = min(until or now, self.end, now)
        start = max(since, self.start)
        return max((end - start).total_seconds() / 3600, 0.0)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0–100): always one of the values, never interpolated."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def change_pct(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return round((now - before) / abs(before) * 100, 1)


def _period_figures(kind: str, window: Window, cache: dict) -> dict | None:
    if kind not in _period_providers:
        return None
    if kind not in cache:
        cache[kind] = _period_providers[kind](window)
    return cache[kind]


def item_evidence(items: Iterable, period: Period) -> None:
    """Compute and store the evidence of review items (a few queries for all items together)."""
    items = list(items)
    window, previous = Window(period), Window(period.previous())
    metric_ids = {m.pk for item in items for m in item.metrics.all()}
    trends = _metric_provider[0](metric_ids, window, previous) if metric_ids and _metric_provider else {}
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


def period_summary(period: Period) -> dict:
    """The period-wide figures a report shows whatever the checklist binds: alerts, incidents, risks."""
    window, cache = Window(period), {}
    return {kind: _period_figures(kind, window, cache) for kind in ("alerts", "incidents", "risks")}


def risk_evidence(risk_ids: list[int], period: Period) -> dict[int, dict]:
    window = Window(period)
    merged: dict[int, dict] = {pk: {} for pk in risk_ids}
    for provider in _risk_providers:
        for pk, figures in provider(risk_ids, window).items():
            merged.setdefault(pk, {}).update(figures)
    return merged


def mitigation_evidence(mitigations: list, period: Period) -> dict[int, dict]:
    window = Window(period)
    merged: dict[int, dict] = {m.pk: {} for m in mitigations}
    for provider in _mitigation_providers:
        for pk, figures in provider(mitigations, window).items():
            merged.setdefault(pk, {}).update(figures)
    return merged


@register_period(EvidenceKind.RISKS)
def risk_changes(window: Window) -> dict:
    from riskregister.models import Risk, ScoreChange

    changes = ScoreChange.objects.filter(
        changed_at__gte=window.start, changed_at__lt=window.end, old_impact__isnull=False
    ).annotate(old=F("old_impact") * F("old_likelihood"), new=F("new_impact") * F("new_likelihood"))
    return {
        "score_changes": changes.count(),
        "raised": changes.filter(new__gt=F("old")).count(),
        "lowered": changes.filter(new__lt=F("old")).count(),
        "new_risks": Risk.objects.filter(created_at__gte=window.start, created_at__lt=window.end).count(),
    }


@register_risks
def risk_score_changes(risk_ids: list[int], window: Window) -> dict[int, dict]:
    from riskregister.models import ScoreChange

    rows = (
        ScoreChange.objects.filter(risk_id__in=risk_ids, changed_at__gte=window.start, changed_at__lt=window.end)
        .filter(~Q(old_impact=None))
        .values("risk_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["risk_id"]: {"score_changes": row["n"]} for row in rows}
