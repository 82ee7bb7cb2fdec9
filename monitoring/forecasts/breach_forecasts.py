"""Time-to-breach forecasts kept up to date: each threshold indicator's hourly means of the last
week through ``forecast.time_to_breach``, stored on its state, shown on the risk page and in the
API, and a crossing due before the risk's next review flags the risk "review now"."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from monitoring.choices import RuleKind
from monitoring.forecasts import forecast
from monitoring.models import Indicator, IndicatorState, Reading, ReadingRollup

LOOKBACK = timedelta(days=7)
# Without a next review date, a crossing within this long asks for one.
DEFAULT_REVIEW_WITHIN = timedelta(days=7)


def hourly_means(metric_id: int, since: datetime, until: datetime) -> list[tuple[datetime, float]]:
    """The rolled-up hours, and the raw readings of the hours not rolled up yet, as (hour, mean)."""
    hours: dict[datetime, float] = dict(
        ReadingRollup.objects.filter(metric_id=metric_id, hour__gte=since, hour__lt=until, average__isnull=False)
        .order_by("hour")
        .values_list("hour", "average")
    )
    newest = max(hours, default=since)
    raw: dict[datetime, list[float]] = defaultdict(list)
    readings = Reading.objects.filter(
        metric_id=metric_id, observed_at__gte=newest, observed_at__lt=until, value__isnull=False
    ).values_list("observed_at", "value")
    for at, value in readings:
        hour = at.replace(minute=0, second=0, microsecond=0)
        if hour not in hours:
            raw[hour].append(value)
    hours.update({hour: sum(values) / len(values) for hour, values in raw.items()})
    return sorted(hours.items())


def refresh(now: datetime | None = None) -> dict:
    """Forecast every threshold indicator bound to a metric; idempotent for a given ``now``."""
    now = now or timezone.now()
    counts = {"forecast": 0, "crossing": 0, "flagged": 0}
    indicators = Indicator.objects.filter(rule_kind=RuleKind.THRESHOLD, metric__isnull=False).select_related(
        "risk", "metric"
    )
    for indicator in indicators:
        result = for_indicator(indicator, now)
        state, _ = IndicatorState.objects.get_or_create(indicator=indicator)
        state.forecast = {**result.as_dict(), "computed_at": now.isoformat()}
        state.save(update_fields=["forecast"])
        counts["forecast"] += 1
        if result.crosses_at is not None:
            counts["crossing"] += 1
            counts["flagged"] += flag_if_due(indicator, result, now)
    return counts


def for_indicator(indicator: Indicator, now: datetime) -> forecast.Forecast:
    points = hourly_means(indicator.metric_id, now - LOOKBACK, now)
    if indicator.rule_on_complement:  # a rule on the shortfall from 100 % (errors of a success rate)
        points = [(at, 100 - value) for at, value in points]
    rising = indicator.operator in (">", ">=")
    return forecast.time_to_breach(points, indicator.threshold, rising, now)


def flag_if_due(indicator: Indicator, result: forecast.Forecast, now: datetime) -> int:
    from register.models import Risk

    risk = indicator.risk
    if risk.next_review_date:
        deadline = timezone.make_aware(datetime.combine(risk.next_review_date + timedelta(days=1), datetime.min.time()))
    else:
        deadline = now + DEFAULT_REVIEW_WITHIN
    if result.crosses_at > deadline:
        return 0
    return Risk.objects.filter(pk=risk.pk).flag_for_review(
        gettext("forecast: %(indicator)s %(rule)s in %(when)s")
        % {"indicator": indicator.name, "rule": indicator.rule_display, "when": describe_wait(result, now)}
    )


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 48:
        n = max(1, round(hours))
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    n = round(hours / 24)
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def describe_wait(result: forecast.Forecast, now: datetime) -> str:
    """ "~3 days (2–5 days)": the crossing from now, with its range."""
    if result.crosses_at is None:
        return ""
    main = _span(result.crosses_at - now)
    low = _span(result.low - now) if result.low else main
    high = _span(result.high - now) if result.high else gettext("never at the slowest trend")
    if low == high == main:  # a range that rounds to one figure says nothing more
        return gettext("~%(main)s") % {"main": main}
    return gettext("~%(main)s (%(low)s – %(high)s)") % {"main": main, "low": low, "high": high}


REASONS = {
    forecast.TOO_FEW: lambda: gettext("not enough hours of readings yet"),
    forecast.ALREADY: lambda: gettext("past the threshold already"),
    forecast.AWAY: lambda: gettext("not heading towards the threshold"),
    forecast.FAR: lambda: gettext("no crossing within 30 days"),
}


def describe(stored: dict, rule: str, now: datetime | None = None) -> str:
    """A stored forecast in words, in the reader's language: "> 80 % in ~3 days (2 days – 5 days)"."""
    if not stored:
        return ""
    now = now or timezone.now()
    if not stored.get("crosses_at"):
        reason = REASONS.get(stored.get("reason", ""))
        return reason() if reason else ""
    result = forecast.Forecast(
        crosses_at=datetime.fromisoformat(stored["crosses_at"]),
        low=datetime.fromisoformat(stored["low"]) if stored.get("low") else None,
        high=datetime.fromisoformat(stored["high"]) if stored.get("high") else None,
    )
    if not rule:
        return gettext("crosses in %(when)s") % {"when": describe_wait(result, now)}
    return gettext("%(rule)s in %(when)s") % {"rule": rule, "when": describe_wait(result, now)}
