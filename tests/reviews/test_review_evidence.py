"""Evidence computed from stored readings, rollups, alerts and incidents, with exact figures."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from incidents.models import Incident
from monitoring.models import Alert, Indicator, Metric, Reading, ReadingRollup
from register.models import Mitigation, Risk
from reviews import evidence
from reviews.actions import open_review, refresh_evidence
from reviews.models import Review, ReviewTemplate, ReviewTemplateItem
from reviews.periods import parse_period, period_containing

pytestmark = pytest.mark.django_db


def at(day, hour=10, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def latency(db):
    return Metric.objects.create(
        name="API response time", key="api-latency", unit="ms", warning=200, critical=500, source="push"
    )


@pytest.fixture
def risk(db):
    risk = Risk(title="API latency", impact=4, likelihood=3)
    risk.save()
    return risk


def template(kind, *items):
    tpl = ReviewTemplate.objects.create(kind=kind, name=kind)
    for order, (text, evidence_kind, metrics) in enumerate(items, start=1):
        item = ReviewTemplateItem.objects.create(template=tpl, order=order, text=text, evidence=evidence_kind)
        item.metrics.set(metrics)
    return tpl


def readings(metric, start, values):
    Reading.objects.bulk_create(
        Reading(metric=metric, observed_at=start + timedelta(minutes=n), value=v, status="normal")
        for n, v in enumerate(values)
    )


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200))
def test_p95_is_a_value_with_at_least_95_percent_at_or_below_it(values):
    p95 = evidence.percentile(values, 95)
    assert p95 in values
    assert sum(v <= p95 for v in values) >= 0.95 * len(values)
    assert sum(v < p95 for v in values) < 0.95 * len(values)


def test_weekly_trend_p95_this_week_vs_last_from_readings(latency):
    week = period_containing("weekly", timezone.localdate())
    template("weekly", ("API応答時間トレンド確認", "metric", [latency]))
    readings(latency, at(week.start, 10), range(1, 101))  # p95 95, mean 50.5
    readings(latency, at(week.previous().start, 10), range(1, 21))  # p95 19
    review, _ = open_review("weekly", week.label)
    figures = review.items.get().evidence["metrics"][0]
    assert figures["basis"] == "readings"
    assert figures["current"] == {"count": 100, "p95": 95, "mean": 50.5, "max": 100}
    assert figures["previous"]["p95"] == 19
    assert figures["p95_change_pct"] == 400.0 and figures["worse"] is True
    assert figures["daily"] == [[week.start.isoformat(), 50.5]]


def test_an_old_month_is_judged_on_hourly_rollups(latency):
    month = period_containing("monthly", timezone.localdate() - timedelta(days=100))
    template("monthly", ("trend", "metric", [latency]))
    for n, average in enumerate([10, 20, 30, 40]):
        ReadingRollup.objects.create(
            metric=latency, hour=at(month.start, n), count=60, minimum=average, maximum=average, average=average
        )
    for n in range(2):
        ReadingRollup.objects.create(
            metric=latency, hour=at(month.previous().start, n), count=60, minimum=10, maximum=10, average=10
        )
    review, _ = open_review("monthly", month.label)
    figures = review.items.get().evidence["metrics"][0]
    assert figures["basis"] == "hourly averages"
    assert (figures["current"]["p95"], figures["current"]["mean"], figures["previous"]["p95"]) == (40, 25, 10)
    assert figures["p95_change_pct"] == 300.0


def test_no_data_is_said_never_invented(latency):
    week = period_containing("weekly", timezone.localdate())
    template(
        "weekly", ("テストカバレッジ確認", "metric", []), ("API応答時間", "metric", [latency]), ("脆弱性", "manual", [])
    )
    review, _ = open_review("weekly", week.label)
    unbound, bound, manual = (item.evidence for item in review.items.order_by("order"))
    assert unbound["no_data"] == "no data: bind a metric" and "metrics" not in unbound
    (figures,) = bound["metrics"]
    assert figures["current"] is None and figures["no_data"] == "no data in this period"
    assert set(manual) == {"computed_at", "kind"}


def test_alert_counts_precision_and_noise(risk, latency):
    week = period_containing("weekly", timezone.localdate())
    template("weekly", ("監視アラート精度確認", "alerts", []))
    indicator = Indicator.objects.create(risk=risk, name="latency", metric=latency)
    fired = at(week.start, 9)

    def alert(key, **fields):
        return Alert.objects.create(
            indicator=indicator, metric=latency, dedup_key=key, fired_at=fired, title=key, **fields
        )

    paged = alert("a1", priority="immediate", state="firing", severity="critical")
    alert("a2", priority="watch", state="resolved", severity="warning", resolved_at=fired + timedelta(minutes=5))
    alert(
        "a3",
        priority="immediate",
        state="resolved",
        severity="critical",
        acknowledged_at=fired,
        resolved_at=fired + timedelta(hours=1),
    )
    alert("s1", kind="source", priority="watch", state="firing")
    alert("old", priority="watch", state="resolved")
    Alert.objects.filter(dedup_key="old").update(fired_at=fired - timedelta(days=30))  # another period
    incident = Incident.objects.create(title="latency", severity="high", detected_at=fired)
    incident.alerts.add(paged)
    review, _ = open_review("weekly", week.label)
    assert review.items.get().evidence["alerts"] == {
        "fired": 3,
        "by_priority": {"immediate": 2, "watch": 1},
        "led_to_incident": 1,
        "noise": 1,
        "precision_pct": 33.3,
        "source_unhealthy": 1,
    }


def test_incidents_opened_resolved_and_mttr(risk):
    week = period_containing("weekly", timezone.localdate())
    template("weekly", ("インシデント発生状況分析", "incidents", []))
    start = at(week.start, 10)
    first = Incident.objects.create(
        title="a", severity="high", detected_at=start, resolved_at=start + timedelta(minutes=90)
    )
    first.risks.add(risk)
    Incident.objects.create(
        title="b",
        severity="low",
        detected_at=start + timedelta(days=1),
        resolved_at=start + timedelta(days=1, minutes=30),
    )
    Incident.objects.create(title="c <unlinked>", severity="low", detected_at=start + timedelta(days=2))
    Incident.objects.create(title="last week", detected_at=start - timedelta(days=7))
    review, _ = open_review("weekly", week.label)
    figures = review.items.get().evidence["incidents"]
    assert (figures["opened"], figures["resolved"], figures["mttr_minutes"]) == (3, 2, 60.0)
    assert figures["by_severity"] == {"high": 1, "low": 2}
    assert [i["title"] for i in figures["unlinked"]] == ["b", "c <unlinked>"]


def test_reassessment_rows_carry_incidents_alert_episodes_and_time_in_bands(risk, latency):
    month = period_containing("monthly", timezone.localdate() - timedelta(days=40))
    indicator = Indicator.objects.create(risk=risk, name="latency", metric=latency)
    start = at(month.start, 10)
    Alert.objects.create(
        indicator=indicator,
        metric=latency,
        dedup_key="x1",
        state="resolved",
        severity="critical",
        fired_at=start,
        resolved_at=start + timedelta(hours=3),
        title="x",
    )
    # Fired two hours before the month ended and still firing: two hours count in this month.
    Alert.objects.create(
        indicator=indicator,
        metric=latency,
        dedup_key="x2",
        state="firing",
        severity="warning",
        fired_at=at(month.end, 22),
        title="y",
    )
    Incident.objects.create(title="i", detected_at=start).risks.add(risk)
    review, _ = open_review("monthly", month.label)
    row = review.reassessments.get()
    figures = {k: v for k, v in row.evidence.items() if k != "proposal"}
    assert figures == {"alert_episodes": 2, "hours_warning": 2.0, "hours_critical": 3.0, "incidents": 1}
    # The proposal looks at the last 90 days from today (tests/reviews/test_review_proposals.py).
    assert "proposal" in row.evidence
    assert row.flagged and row.flag_reason.startswith("incident INC-")


def test_mitigation_effectiveness_compares_the_indicator_before_and_after(risk, latency):
    month = period_containing("monthly", timezone.localdate() - timedelta(days=60))
    Indicator.objects.create(risk=risk, name="latency", metric=latency)
    pivot = month.start + timedelta(days=20)
    done = Mitigation.objects.create(risk=risk, number=1, title="cache", status="done", done_on=pivot)
    Mitigation.objects.create(risk=risk, number=2, title="index", status="in_progress")
    Mitigation.objects.create(risk=risk, number=3, title="later", status="planned")
    for hours_before, count, average in [(30, 10, 400), (5, 30, 200)]:
        hour = at(pivot, 0) - timedelta(hours=hours_before)
        ReadingRollup.objects.create(metric=latency, hour=hour, count=count, minimum=0, maximum=0, average=average)
    ReadingRollup.objects.create(metric=latency, hour=at(pivot, 3), count=20, minimum=0, maximum=0, average=100)
    review, _ = open_review("monthly", month.label)
    rows = {row.mitigation.title: row.evidence for row in review.mitigation_evaluations.select_related("mitigation")}
    assert set(rows) == {"cache", "index"}  # planned mitigations have nothing to evaluate yet
    assert rows["cache"] == {
        "done_on": pivot.isoformat(),
        "indicators": [
            {
                "name": "API response time",
                "unit": "ms",
                "before": 250.0,
                "after": 100.0,
                "change_pct": -60.0,
                "improved": True,
            }
        ],
    }
    assert rows["index"] == {"no_data": "not implemented yet"}
    assert done.done_on == pivot


def test_refresh_recomputes_and_a_completed_review_refuses(latency, django_user_model):
    week = period_containing("weekly", timezone.localdate())
    template("weekly", ("API", "metric", [latency]))
    review, _ = open_review("weekly", week.label)
    assert review.items.get().evidence["metrics"][0]["current"] is None
    readings(latency, at(week.start, 8), [120, 80])
    refresh_evidence(review)
    assert review.items.get().evidence["metrics"][0]["current"]["count"] == 2
    Review.objects.filter(pk=review.pk).update(status="completed")
    review.refresh_from_db()
    with pytest.raises(Exception, match="completed already"):
        refresh_evidence(review)


@pytest.mark.parametrize(
    ("zone", "inside"),
    [("Asia/Tokyo", True), ("UTC", False)],
)
def test_a_week_starts_at_local_midnight(zone, inside):
    # Sunday 15:30 UTC is already Monday 00:30 in Tokyo: week 48 there, still week 47 in UTC.
    moment = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
    with timezone.override(zone):
        window = evidence.Window(parse_period("weekly", "2026-W48"))
        assert window.start.date().isoformat() == "2026-11-23" and window.hours == 7 * 24
        assert (window.start <= moment < window.end) is inside
