"""Review evidence from readings and alerts.

Trends compare this period with the previous one. Raw readings give an exact p95 while they are
kept (READINGS_RAW_DAYS); older periods fall back to the hourly rollups, whose p95 is over hourly
averages. The figure says which ("basis"), because the two are not the same number.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_noop

from monitoring.choices import AlertKind, Direction
from monitoring.models import Alert, Indicator, Metric, Reading, ReadingRollup
from reviews.evidence.window import NO_METRIC, NO_READINGS, Window, change_pct, percentile

BEFORE_AFTER_DAYS = 14


def _stats(values: list[float]) -> dict | None:
    if not values:
        return None
    return {
        "count": len(values),
        "p95": round(percentile(values, 95), 3),
        "mean": round(sum(values) / len(values), 3),
        "max": round(max(values), 3),
    }


def _samples(metric_ids: set[int], since, until) -> tuple[dict[int, list[tuple]], str]:
    """(metric id -> [(time, value)]) over [since, until), from readings while kept, else rollups."""
    by_metric: dict[int, list[tuple]] = defaultdict(list)
    if since >= timezone.now() - timedelta(days=settings.READINGS_RAW_DAYS):
        rows = Reading.objects.filter(
            metric_id__in=metric_ids, observed_at__gte=since, observed_at__lt=until, value__isnull=False
        ).values_list("metric_id", "observed_at", "value")
        basis = gettext_noop("readings")
    else:
        rows = ReadingRollup.objects.filter(
            metric_id__in=metric_ids, hour__gte=since, hour__lt=until, average__isnull=False
        ).values_list("metric_id", "hour", "average")
        basis = gettext_noop("hourly averages")
    for metric_id, at, value in rows.order_by():
        by_metric[metric_id].append((at, value))
    return by_metric, basis


def _daily(samples: list[tuple], window: Window) -> list[list]:
    tz = timezone.get_current_timezone()
    days: dict = defaultdict(list)
    for at, value in samples:
        days[at.astimezone(tz).date()].append(value)
    return [[day.isoformat(), round(sum(v) / len(v), 3)] for day, v in sorted(days.items())]


def metric_trends(metric_ids: set[int], window: Window, previous: Window) -> dict[int, dict]:
    current, basis = _samples(metric_ids, window.start, window.end)
    before, before_basis = _samples(metric_ids, previous.start, previous.end)
    result = {}
    for metric in Metric.objects.filter(pk__in=metric_ids):
        now_stats = _stats([v for _, v in current.get(metric.pk, [])])
        then_stats = _stats([v for _, v in before.get(metric.pk, [])])
        figures = {
            "key": metric.key,
            "name": metric.name,
            "unit": metric.unit,
            "basis": basis,
            "current": now_stats,
            "previous": then_stats,
            "previous_basis": before_basis,
            "daily": _daily(current.get(metric.pk, []), window),
            # For the charts: last period's days beside this period's, and the bands.
            "previous_daily": _daily(before.get(metric.pk, []), previous),
            "warning": metric.warning,
            "critical": metric.critical,
        }
        if now_stats is None:
            figures["no_data"] = NO_READINGS
        if now_stats and then_stats:
            figures["p95_change_pct"] = change_pct(now_stats["p95"], then_stats["p95"])
            rising = now_stats["p95"] > then_stats["p95"]
            falling = now_stats["p95"] < then_stats["p95"]
            figures["worse"] = rising if metric.direction == Direction.HIGHER_IS_WORSE else falling
        result[metric.pk] = figures
    return result


def alert_episodes(risk_ids: list[int], window: Window) -> dict[int, dict]:
    """Per risk: breach episodes that fired in or overlapped the period, and hours spent in each band."""
    now = timezone.now()
    rows = (
        Alert.objects.filter(
            indicator__risk_id__in=risk_ids, kind=AlertKind.BREACH, fired_at__isnull=False, fired_at__lt=window.end
        )
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=window.start))
        .values_list("indicator__risk_id", "severity", "fired_at", "resolved_at")
        .order_by()
    )
    result: dict[int, dict] = {}
    for risk_id, severity, fired_at, resolved_at in rows:
        figures = result.setdefault(risk_id, {"alert_episodes": 0, "hours_warning": 0.0, "hours_critical": 0.0})
        figures["alert_episodes"] += 1
        if severity in ("warning", "critical"):
            figures[f"hours_{severity}"] += window.overlap_hours(fired_at, resolved_at, now)
    for figures in result.values():
        figures["hours_warning"] = round(figures["hours_warning"], 1)
        figures["hours_critical"] = round(figures["hours_critical"], 1)
    return result


def before_after(mitigations: list, window: Window) -> dict[int, dict]:
    """Per done mitigation: each of its risk's monitored indicators, mean over the 14 days before the
    mitigation was implemented vs the 14 days after (cut at the period's end), from the rollups.

    Summed per metric and local day in SQL: a month of 1,000 metrics is 30,000 rows, not 720,000.
    """

    dated = [m for m in mitigations if m.done_on]
    result = {m.pk: {"no_data": "not implemented yet"} for m in mitigations if not m.done_on}
    if not dated:
        return result
    metrics_of: dict[int, list] = defaultdict(list)
    for risk_id, metric_id in Indicator.objects.filter(
        risk_id__in={m.risk_id for m in dated}, metric__isnull=False
    ).values_list("risk_id", "metric_id"):
        metrics_of[risk_id].append(metric_id)
    span = timedelta(days=BEFORE_AFTER_DAYS)
    last_day = window.period.end
    all_metrics = {pk for m in dated for pk in metrics_of[m.risk_id]}
    tz = timezone.get_current_timezone()
    since = datetime.combine(min(m.done_on for m in dated) - span, time.min, tzinfo=tz)
    until = datetime.combine(
        min(max(m.done_on for m in dated) + span, last_day + timedelta(days=1)), time.min, tzinfo=tz
    )
    daily: dict[int, dict] = defaultdict(dict)
    for metric_id, day, weighted, count in (
        ReadingRollup.objects.filter(
            metric_id__in=all_metrics, hour__gte=since, hour__lt=until, count__gt=0, average__isnull=False
        )
        .annotate(day=TruncDate("hour", tzinfo=tz))
        .values("metric_id", "day")
        .annotate(weighted=Sum(F("count") * F("average")), n=Sum("count"))
        .values_list("metric_id", "day", "weighted", "n")
        .order_by()
    ):
        daily[metric_id][day] = (weighted, count)
    metrics = {m.pk: m for m in Metric.objects.filter(pk__in=all_metrics)}

    def mean(days: dict, first, last) -> float | None:
        rows = [value for day, value in days.items() if first <= day < last]
        total = sum(n for _, n in rows)
        return round(sum(w for w, _ in rows) / total, 3) if total else None

    for mitigation in dated:
        pivot = mitigation.done_on
        figures = []
        for metric_id in metrics_of[mitigation.risk_id]:
            metric = metrics[metric_id]
            days = daily.get(metric_id, {})
            before = mean(days, pivot - span, pivot)
            after = mean(days, pivot, min(pivot + span, last_day + timedelta(days=1)))
            entry = {"name": metric.name, "unit": metric.unit, "before": before, "after": after}
            if before is not None and after is not None:
                entry["change_pct"] = change_pct(after, before)
                better = after < before if metric.direction == Direction.HIGHER_IS_WORSE else after > before
                entry["improved"] = better
            figures.append(entry)
        result[mitigation.pk] = {"done_on": pivot.isoformat(), "indicators": figures}
        if not figures:
            result[mitigation.pk]["no_data"] = NO_METRIC
    return result


def forecasts(risk_ids: list[int], window: Window) -> dict[int, dict]:
    """Per risk: its indicators' time-to-breach forecasts that cross (monitoring.forecasts.breach_forecasts),
    as they stood when the evidence was gathered."""
    from monitoring.models import IndicatorState

    result: dict[int, dict] = {}
    states = IndicatorState.objects.filter(indicator__risk_id__in=risk_ids).select_related("indicator")
    for state in states.order_by("indicator__order", "indicator__pk"):
        stored = state.forecast or {}
        if not stored.get("crosses_at"):
            continue
        result.setdefault(state.indicator.risk_id, {"forecasts": []})["forecasts"].append(
            {
                "indicator": state.indicator.name,
                "rule": state.indicator.rule_text,
                **{key: stored.get(key) for key in ("crosses_at", "low", "high")},
            }
        )
    return result


def slo_budgets(risk_ids: list[int], window: Window) -> dict[int, dict]:
    """Per risk: the error budget each of its SLOs spent in the period (of a whole window's budget),
    and what was left when the evidence was gathered. One SLI read per SLO."""
    from monitoring.models import SLO
    from monitoring.slos import budget
    from monitoring.slos import sources as slo_sources

    now = timezone.now()
    end = min(window.end, now)
    seconds = int((end - window.start).total_seconds())
    result: dict[int, dict] = {}
    if seconds <= 0:
        return result
    for slo in SLO.objects.filter(risk_id__in=risk_ids, enabled=True).order_by("key"):
        try:
            ratio = slo_sources.error_ratios(slo, [seconds], end, past=end < now)[seconds]
        except slo_sources.SLIError:
            ratio = None
        spent = None if ratio is None else budget.burn_rate(ratio, slo.objective) * seconds / slo.window_seconds
        result.setdefault(slo.risk_id, {"slos": []})["slos"].append(
            {
                "slo": slo.name,
                "objective": slo.objective,
                "window_days": slo.window_days,
                "spent": None if spent is None else round(spent, 4),
                "remaining": slo.budget_remaining,
            }
        )
    return result
