"""Bad-event ratios of an SLO over each window it needs, from Prometheus or from the register's readings.

Prometheus aggregates: one instant query per SLO returns every window's ratio as a series labelled
``window`` (no raw samples are pulled into Python). A metric SLI is averaged in the database: one
query over the raw readings, one over the hourly rollups of what retention has pruned.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db.models import Count, F, Min, Q, Sum

from monitoring.choices import SLIKind, SLIMeasures
from monitoring.slos.budget import format_duration

# A counter selector Prometheus can take ``increase`` of: a name with optional label matchers.
_SELECTOR = re.compile(r"^\s*[A-Za-z_:][A-Za-z0-9_:]*\s*(\{[^{}]*\})?\s*$")
# Sloth's placeholder for the window inside the user's own expression.
_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")


class SLIError(Exception):
    """The SLI could not be read; the message says why (shown on the SLO)."""


def events_over(query: str, window: int) -> str:
    """PromQL for the events ``query`` counts over ``window`` seconds.

    - ``{{.window}}`` in the query is replaced by the window (Sloth's convention):
      ``sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))``;
    - a bare counter selector is increased over the window: ``http_requests_total{code!~"5.."}``;
    - anything else is taken as a rate and averaged over the window (a subquery).
    Summed, so a query that keeps labels still gives one number.
    """
    duration = format_duration(window)
    if _WINDOW.search(query):
        return f"sum({_WINDOW.sub(duration, query)})"
    if _SELECTOR.match(query):
        return f"sum(increase({query.strip()}[{duration}]))"
    return f"sum(avg_over_time(({query.strip()})[{duration}:]))"


def ratio_query(good: str, bad: str, total: str, windows: list[int]) -> str:
    """One expression: each window's bad ratio, labelled with the window."""
    parts = []
    for window in windows:
        if bad:
            ratio = f"({events_over(bad, window)}) / ({events_over(total, window)})"
        else:
            ratio = f"1 - ({events_over(good, window)}) / ({events_over(total, window)})"
        parts.append(f'label_replace({ratio}, "window", "{format_duration(window)}", "", "")')
    return " or ".join(parts)


def parse_ratios(status_code: int, body: str, windows: list[int]) -> dict[int, float | None]:
    """Read the answer to ``ratio_query``: a window missing or NaN (no traffic) has no ratio."""
    try:
        payload = json.loads(body)
    except ValueError:
        raise SLIError(f"HTTP {status_code}: not JSON ({body[:80]!r})") from None
    if not isinstance(payload, dict) or payload.get("status") != "success":
        error = payload.get("error", "unknown error") if isinstance(payload, dict) else "unexpected JSON"
        raise SLIError(f"HTTP {status_code}: {error}")
    by_name = {format_duration(w): w for w in windows}
    ratios: dict[int, float | None] = dict.fromkeys(windows)
    for series in (payload.get("data") or {}).get("result") or []:
        window = by_name.get(str((series.get("metric") or {}).get("window")))
        try:
            value = float(series["value"][1])
        except (KeyError, IndexError, TypeError, ValueError, OverflowError):
            continue
        if window is not None and math.isfinite(value):
            # A ratio past the ends is counter noise (a reset inside the window): clamp it.
            ratios[window] = min(max(value, 0.0), 1.0)
    return ratios


def prometheus_ratios(slo, windows: list[int], at: datetime | None = None) -> dict[int, float | None]:
    """Each window's ratio ending now, or ending ``at`` (a review's period end)."""
    url = (slo.prometheus_url or settings.PROMETHEUS_URL).rstrip("/")
    if not url:
        raise SLIError("PROMETHEUS_URL is not set and the SLO names no Prometheus")
    query = ratio_query(slo.good_query.strip(), slo.bad_query.strip(), slo.total_query.strip(), windows)
    try:
        response = requests.post(f"{url}/api/v1/query", data={"query": query}, timeout=settings.SOURCE_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise SLIError(f"{exc.__class__.__name__}: {exc}"[:300]) from None
    return parse_ratios(response.status_code, response.text, windows)


def metric_ratios(slo, windows: list[int], now: datetime) -> dict[int, float | None]:
    """The mean bad percentage of the metric's readings over each window, as a ratio.

    Raw readings where they are kept; hourly rollups for the hours before the oldest raw reading
    (retention prunes raw readings after READINGS_RAW_DAYS, so a 30-day window needs both). Only
    from the metric's ``armed_at`` on.
    """
    from monitoring.models import Reading, ReadingRollup

    armed_at = slo.metric.armed_at
    if armed_at is None:
        # Readings taken while the register itself starts (the metric's warm-up, Evaluator.arm) are
        # not the service failing: an SLO counts from when its metric's breaches began to count.
        return dict.fromkeys(windows)

    def since(window: int, field: str) -> Q:
        # The window's start is open, the reading that armed the metric counts.
        return Q(**{f"{field}__gt": now - timedelta(seconds=window), f"{field}__gte": armed_at})

    # Bounded at ``now`` too: a review asks about a period that has ended.
    raw = Reading.objects.filter(
        metric_id=slo.metric_id,
        observed_at__gt=now - timedelta(seconds=max(windows)),
        observed_at__lte=now,
        value__isnull=False,
    ).aggregate(
        oldest=Min("observed_at"),
        **{f"n{w}": Count("id", filter=since(w, "observed_at")) for w in windows},
        **{f"s{w}": Sum("value", filter=since(w, "observed_at")) for w in windows},
    )
    first_raw_hour = (raw["oldest"] or now).replace(minute=0, second=0, microsecond=0)
    rolled = ReadingRollup.objects.filter(
        metric_id=slo.metric_id, hour__lt=first_raw_hour, average__isnull=False
    ).aggregate(
        **{f"n{w}": Sum("count", filter=since(w, "hour")) for w in windows},
        **{f"s{w}": Sum(F("count") * F("average"), filter=since(w, "hour")) for w in windows},
    )
    ratios: dict[int, float | None] = {}
    for window in windows:
        n = (raw[f"n{window}"] or 0) + (rolled[f"n{window}"] or 0)
        if not n:
            ratios[window] = None
            continue
        mean = ((raw[f"s{window}"] or 0.0) + (rolled[f"s{window}"] or 0.0)) / n
        bad = mean if slo.metric_measures == SLIMeasures.BAD else 100 - mean
        ratios[window] = min(max(bad / 100, 0.0), 1.0)
    return ratios


def history_seconds(slo, now: datetime) -> float | None:
    """How long the SLI has had readings that count (None: a Prometheus SLI, whose history is its own)."""
    if slo.sli_kind == SLIKind.PROMETHEUS:
        return None
    armed_at = slo.metric.armed_at
    return 0.0 if armed_at is None else max((now - armed_at).total_seconds(), 0.0)


def error_ratios(slo, windows: list[int], now: datetime, *, past: bool = False) -> dict[int, float | None]:
    """Each window's bad ratio ending at ``now`` (None: no events, no readings); SLIError when the SLI
    cannot be read. ``past``: ``now`` is a moment gone by, which Prometheus is asked about explicitly."""
    if slo.sli_kind == SLIKind.PROMETHEUS:
        return prometheus_ratios(slo, windows, now if past else None)
    return metric_ratios(slo, windows, now)
