"""The evidence behind each risk's proposal (register.proposals holds the rules).

Reads the last ``PROPOSAL_WINDOW_DAYS`` of the register's own record — incidents linked to the
risk, breach episodes and hours in each band (the review evidence's own functions), how long the
risk has been watched, and the before/after effect of its done mitigations — in a fixed number of
queries for any number of risks, so the risk list can show proposals.
"""

from __future__ import annotations

from datetime import timedelta
from statistics import median

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from monitoring.models import Indicator, Reading, ReadingRollup
from register import proposals
from register.choices import MitigationStatus
from register.models import Mitigation
from reviews.evidence import incidents, readings
from reviews.evidence.window import Window
from reviews.periods import Period


def window(today=None) -> Window:
    today = today or timezone.localdate()
    days = settings.PROPOSAL_WINDOW_DAYS
    return Window(Period("window", f"last {days} days", today - timedelta(days=days - 1), today))


def _monitored_days(risk_ids: list[int], win: Window, now) -> dict[int, float]:
    metrics_of: dict[int, set[int]] = {}
    for risk_id, metric_id in Indicator.objects.filter(risk_id__in=risk_ids, metric__isnull=False).values_list(
        "risk_id", "metric_id"
    ):
        metrics_of.setdefault(risk_id, set()).add(metric_id)
    metric_ids = {m for ms in metrics_of.values() for m in ms}
    if not metric_ids:
        return {}
    first: dict[int, object] = {}
    for source, column in ((ReadingRollup.objects, "hour"), (Reading.objects, "observed_at")):
        rows = (
            source.filter(metric_id__in=metric_ids, **{f"{column}__gte": win.start})
            .values("metric_id")
            .annotate(first=Min(column))
            .values_list("metric_id", "first")
            .order_by()
        )
        for metric_id, at in rows:
            first[metric_id] = min(at, first.get(metric_id, at))
    result = {}
    for risk_id, ms in metrics_of.items():
        starts = [first[m] for m in ms if m in first]
        if starts:
            result[risk_id] = max((now - max(min(starts), win.start)).total_seconds() / 86400, 0.0)
    return result


def _effects(risk_ids: list[int], win: Window) -> dict[int, list[proposals.MitigationEffect]]:
    done = list(
        Mitigation.objects.filter(
            risk_id__in=risk_ids,
            status=MitigationStatus.DONE,
            done_on__isnull=False,
            done_on__gte=win.period.start - timedelta(days=readings.BEFORE_AFTER_DAYS),
        )
    )
    if not done:
        return {}
    effects: dict[int, list] = {}
    measured = readings.before_after(done, win)
    for mitigation in done:
        figures = measured.get(mitigation.pk, {})
        changes = [
            abs(i["change_pct"]) * (1 if i["improved"] else -1)
            for i in figures.get("indicators", [])
            if i.get("change_pct") is not None
        ]
        if changes:
            effects.setdefault(mitigation.risk_id, []).append(
                proposals.MitigationEffect(mitigation.title, round(median(changes), 1))
            )
    return effects


def evidence_for(risk_ids: list[int], today=None) -> dict[int, proposals.Evidence]:
    win = window(today)
    now = min(timezone.now(), win.end)
    episodes = readings.alert_episodes(risk_ids, win)
    linked = incidents.risk_incidents(risk_ids, win)
    watched = _monitored_days(risk_ids, win, now)
    effects = _effects(risk_ids, win)
    days = settings.PROPOSAL_WINDOW_DAYS
    return {
        pk: proposals.Evidence(
            window_days=days,
            incidents=linked.get(pk, {}).get("incidents", 0),
            alert_episodes=episodes.get(pk, {}).get("alert_episodes", 0),
            hours_warning=episodes.get(pk, {}).get("hours_warning", 0.0),
            hours_critical=episodes.get(pk, {}).get("hours_critical", 0.0),
            monitored_days=round(watched.get(pk, 0.0), 1),
            effects=tuple(effects.get(pk, ())),
        )
        for pk in risk_ids
    }


def proposals_for(risks: list) -> dict[int, dict | None]:
    if not risks:
        return {}
    evidence = evidence_for([r.pk for r in risks])
    return {risk.pk: proposals.propose(risk, evidence[risk.pk]) for risk in risks}
