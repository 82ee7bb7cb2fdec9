"""SLOs through the real evaluation on the database: a percentage metric's readings as the SLI, the
budget and burn rates stored, page and ticket alerts fired and resolved by the workbook's windows,
incidents, notifications, the risk's live status and inhibition along the risk graph."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import Incident
from monitoring.intake import push
from monitoring.models import SLO, Alert, AlertTransition, Indicator, IndicatorState, Metric
from monitoring.slos import evaluation as slo_evaluation
from notifications.models import Channel
from register.choices import LiveStatus
from register.models import Risk, RiskLink

pytestmark = pytest.mark.django_db
# Half an hour ago, so the test can also push readings "later" without pushing into the future.
NOW = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)


def percent_metric(key, direction="lower_is_worse", warning=99.5, critical=99.0):
    return Metric.objects.create(
        name=key, key=key, unit="%", direction=direction, warning=warning, critical=critical, source="push"
    )


def feed(metric, values_by_minute_ago: dict[int, float]):
    push.store(
        [
            {"metric": metric.key, "value": v, "observed_at": (NOW - timedelta(minutes=m)).isoformat()}
            for m, v in values_by_minute_ago.items()
        ]
    )


def history(minutes, value, end=0):
    return dict.fromkeys(range(end, end + minutes), value)


@pytest.fixture
def service(db):
    risk = Risk(title="Service unavailable", impact=5, likelihood=3)
    risk.save()
    metric = percent_metric("availability")
    slo = SLO(name="Availability 99.5 %", risk=risk, metric=metric, objective=99.5, window_days=30)
    slo.full_clean()
    slo.save()
    Channel.objects.create(name="pager", kind="email", target="ops@example.org", immediate=True, watch=True)
    return risk, metric, slo


def evaluate(slo, at=NOW):
    return slo_evaluation.evaluate(slo.pk, at)


def test_an_slo_reports_through_an_indicator_of_its_risk(service):
    risk, _metric, slo = service
    indicator = Indicator.objects.get(slo=slo)
    assert (indicator.risk, indicator.name, indicator.metric) == (risk, slo.name, None)
    risk.refresh_from_db()
    assert risk.live_status == LiveStatus.UNKNOWN  # monitored, not read yet


def test_budget_and_burn_rates_from_readings(service, django_capture_on_commit_callbacks):
    _risk, metric, slo = service
    feed(metric, history(24 * 60, 99.75))  # half the budget's rate for a day
    assert evaluate(slo) == "evaluated"
    slo.refresh_from_db()
    assert slo.sli == pytest.approx(0.9975)
    assert slo.budget_remaining == pytest.approx(0.5)
    assert slo.burn_rates["1h"] == pytest.approx(0.5)
    assert slo.burn_rates["1d"] == pytest.approx(0.5)
    assert slo.burn_rates["3d"] is None  # a day of readings says nothing yet about three days
    assert not Alert.objects.exists()
    assert IndicatorState.objects.get(indicator=slo.indicator).last_status == "normal"


def test_a_fast_burn_pages_opens_an_incident_and_resolves_when_it_stops(service, django_capture_on_commit_callbacks):
    risk, metric, slo = service
    with django_capture_on_commit_callbacks(execute=True):
        # 10 % errors for the last hour: 20×. The metric's first readings arm it, and its SLO reads
        # them at once (Evaluator.arm → evaluate_unevaluated); the tick after finds the same.
        feed(metric, history(24 * 60, 100.0, end=60) | history(60, 90.0))
        assert SLO.objects.get(pk=slo.pk).evaluated_at == NOW
        evaluate(slo)
    page = Alert.objects.get(slo=slo, priority="immediate")
    assert (page.kind, page.state, page.severity, page.indicator) == ("burn_rate", "firing", "critical", slo.indicator)
    assert "20.0× over 1h" in page.reason and "14.4×" in page.reason
    assert not Alert.objects.filter(slo=slo, priority="watch").exists()  # a day at 0.8×: no ticket
    assert AlertTransition.objects.filter(alert=page).notifications().count() == 1
    assert Incident.objects.filter(risks=risk).count() == 1
    risk.refresh_from_db()
    assert risk.live_status == LiveStatus.CRITICAL and risk.needs_reassessment
    assert "14.4×" in risk.review_reason
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate(slo, NOW - timedelta(seconds=1)) == "already evaluated"  # an older task changes nothing
        evaluate(slo, NOW + timedelta(seconds=30))  # still burning: no second page
    assert AlertTransition.objects.filter(alert=page).notifications().count() == 1

    later = NOW + timedelta(minutes=10)
    push.store(
        [
            {"metric": metric.key, "value": 100.0, "observed_at": (later - timedelta(minutes=m)).isoformat()}
            for m in range(9)
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(slo, later)
    page.refresh_from_db()
    assert page.state == "resolved"  # the 5-minute window is clean again, though the hour still burns
    risk.refresh_from_db()
    assert risk.live_status == LiveStatus.NORMAL


def test_a_slow_burn_opens_a_ticket_not_a_page(service, django_capture_on_commit_callbacks):
    _risk, metric, slo = service
    feed(metric, history(3 * 24 * 60, 99.25))  # 1.5× for three days: 15 % of the budget
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(slo)
    assert list(Alert.objects.filter(slo=slo).values_list("priority", "state")) == [("watch", "firing")]
    assert not Incident.objects.exists()  # a ticket, not a page


def test_a_short_blip_alerts_nobody(service, django_capture_on_commit_callbacks):
    _risk, metric, slo = service
    feed(metric, history(24 * 60, 100.0, end=3) | history(3, 80.0))  # 20 % errors for three minutes
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(slo)
    slo.refresh_from_db()
    assert slo.burn_rates["5m"] > 14.4 > slo.burn_rates["1h"]
    assert not Alert.objects.exists()


def test_an_error_rate_metric_counts_percent_bad(db):
    metric = percent_metric("error-rate", direction="higher_is_worse", warning=1, critical=5)
    slo = SLO.objects.create(name="Errors", metric=metric, metric_measures="bad", objective=99)
    feed(metric, history(60, 0.5))
    evaluate(slo)
    slo.refresh_from_db()
    assert slo.burn_rates["1h"] == pytest.approx(0.5)
    assert slo.indicator is None  # an SLO of no risk alerts, but speaks for no risk


def test_no_readings_is_no_data_not_an_alert(service):
    _risk, _metric, slo = service
    assert evaluate(slo) == "no data"
    slo.refresh_from_db()
    assert slo.budget_remaining is None and set(slo.burn_rates.values()) == {None}
    assert IndicatorState.objects.get(indicator=slo.indicator).last_status == "no_data"


def test_a_burn_downstream_of_a_firing_cause_is_inhibited(service, django_capture_on_commit_callbacks):
    risk, metric, slo = service
    cause = Risk(title="Database down", impact=5, likelihood=2)
    cause.save()
    RiskLink.objects.create(cause=cause, effect=risk)
    db_metric = Metric.objects.create(
        name="db", key="db", unit="ms", direction="higher_is_worse", warning=100, critical=500, source="push"
    )
    Indicator.objects.create(risk=cause, name="db latency", metric=db_metric)
    with django_capture_on_commit_callbacks(execute=True):
        push.store(
            [{"metric": "db", "value": 900, "observed_at": (NOW - timedelta(minutes=m)).isoformat()} for m in (2, 1)]
        )
        feed(metric, history(24 * 60, 100.0, end=60) | history(60, 90.0))
        evaluate(slo)
    upstream = Alert.objects.get(indicator__risk=cause)
    page = Alert.objects.get(slo=slo, priority="immediate")
    assert page.inhibited_by == upstream
    assert not AlertTransition.objects.filter(alert=page).notifications().exists()
    assert not Incident.objects.filter(risks=risk).exclude(risks=cause).exists()


def test_renaming_or_moving_an_slo_carries_its_indicator(service):
    risk, _metric, slo = service
    other = Risk(title="Other", impact=2, likelihood=2)
    other.save()
    slo.name, slo.risk = "Uptime", other
    slo.save()
    indicator = Indicator.objects.get(slo=slo)
    assert (indicator.risk, indicator.name) == (other, "Uptime")
    assert not risk.indicators.filter(name__startswith="Availability").exists()
    slo.risk = None
    slo.save()
    assert not Indicator.objects.filter(name="Uptime").exists()
    slo.risk = risk
    slo.save()
    slo.delete()
    assert not Indicator.objects.filter(name="Uptime").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"objective": 100}, "objective"),
        ({"objective": 0}, "objective"),
        ({"objective": float("nan")}, "objective"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": 2}, "alert_windows"),  # the 3-day ticket window is longer than the SLO's
        ({"alert_windows": []}, "alert_windows"),
        ({"alert_windows": [{"long": "1h", "short": "2h", "factor": 2, "priority": "watch"}]}, "alert_windows"),
        ({"metric": None}, "metric"),
        ({"sli_kind": "prometheus"}, "total_query"),
        ({"sli_kind": "prometheus", "total_query": "t", "good_query": "g", "bad_query": "b"}, "good_query"),
        (
            {"sli_kind": "prometheus", "total_query": "t", "good_query": "g", "prometheus_url": "prom:9090"},
            "prometheus_url",
        ),
        ({"name": "latency"}, "name"),  # the risk has an indicator of that name
        ({"name": "Errors", "key": ""}, "key"),  # derives the key of another SLO
    ],
)
def test_an_invalid_slo_is_refused_naming_the_field(service, changes, field):
    risk, metric, slo = service
    Indicator.objects.create(risk=risk, name="latency")
    SLO.objects.create(name="Errors", metric=metric, objective=99)
    for name, value in changes.items():
        setattr(slo, name, value)
    with pytest.raises(ValidationError) as refused:
        slo.full_clean()
    assert field in refused.value.message_dict


def test_a_metric_that_is_not_a_percentage_cannot_be_an_sli(db):
    metric = Metric.objects.create(name="lat", key="lat", unit="ms", warning=1, critical=2, source="push")
    with pytest.raises(ValidationError, match="percentage"):
        SLO(name="x", metric=metric, objective=99).full_clean()


def test_metrics_export_budget_and_burn_rates(service, client, settings):
    _risk, metric, slo = service
    feed(metric, history(60, 99.0))
    evaluate(slo)
    settings.METRICS_TOKEN = "scrape-token"
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").content.decode()
    risk = slo.risk.code
    # 2× over all the readings there are: the budget is overspent.
    assert f'riskregister_slo_budget_remaining{{programme="DEFAULT",risk="{risk}",slo="{slo.key}"}} -1.0' in body
    assert f'riskregister_slo_burn_rate{{slo="{slo.key}",window="1h"}} 2.0' in body
    assert f'riskregister_slo_burn_rate{{slo="{slo.key}",window="3d"}}' not in body  # not covered yet


def test_the_api_lists_slos_with_their_budget(service, admin_client):
    _risk, metric, slo = service
    feed(metric, history(60, 90.0))
    evaluate(slo)
    listed = admin_client.get("/api/v1/slos/").json()["results"]
    assert [s["key"] for s in listed] == [slo.key]
    detail = admin_client.get(f"/api/v1/slos/{slo.key}/").json()
    assert detail["objective"] == 99.5 and detail["window_days"] == 30
    assert detail["budget_total"] == pytest.approx(0.005)
    assert detail["burn_rates"]["1h"] == pytest.approx(20.0)
    # An hour of readings at 20×: a page; the day and three days are not covered yet, so no ticket.
    assert [(a["priority"], a["state"]) for a in detail["open_alerts"]] == [("immediate", "firing")]
    assert admin_client.get("/api/v1/slos/nothing-here/").status_code == 404


def test_the_risk_page_and_the_dashboard_show_the_budget(service, admin_client, django_assert_max_num_queries):
    risk, metric, slo = service
    feed(metric, history(60, 99.0))
    evaluate(slo)
    page = admin_client.get(f"/admin/register/risk/{risk.pk}/change/").content.decode()
    assert 'id="risk-slos"' in page and slo.name in page and "-100%" in page
    index = admin_client.get("/admin/").content.decode()
    assert "Error budgets" in index and slo.name in index
    assert admin_client.get("/admin/monitoring/slo/").status_code == 200
    assert admin_client.get(f"/admin/monitoring/slo/{slo.pk}/change/").status_code == 200


def test_a_review_carries_the_budget_spent_in_its_period(
    service, client, superuser, django_capture_on_commit_callbacks
):
    from reviews.actions import open_review

    risk, metric, slo = service
    feed(metric, history(24 * 60, 100.0, end=60) | history(60, 90.0))
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(slo)  # the page flags the risk: the weekly review re-assesses it
    review, _ = open_review("weekly")
    [budget] = review.reassessments.get(risk=risk).evidence["slos"]
    slo.refresh_from_db()
    assert (budget["slo"], budget["objective"], budget["remaining"]) == (slo.name, 99.5, slo.budget_remaining)
    assert 0 < budget["spent"] <= 60 / (30 * 24) * 20  # at most an hour at 20× of a 30-day budget
    client.force_login(superuser)
    page = client.get(f"/admin/reviews/review/{review.pk}/change/").content.decode()
    assert "Error budgets" in page and f"{slo.name}: " in page and "of the budget spent this period" in page


def test_the_slo_list_and_changelist_cost_the_same_for_few_and_many(db, admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def costs():
        counts = []
        for url in ("/api/v1/slos/", "/admin/monitoring/slo/", "/admin/"):
            with CaptureQueriesContext(connection) as queries:
                assert admin_client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    def add(n):
        for k in range(n):
            risk = Risk(title=f"risk {n}-{k}", impact=3, likelihood=3)
            risk.save()
            metric = percent_metric(f"m-{n}-{k}")
            slo = SLO.objects.create(name=f"slo {n}-{k}", risk=risk, metric=metric, objective=99.5)
            feed(metric, history(60, 90.0))
            evaluate(slo)  # open alerts on each

    add(2)
    few = costs()
    add(8)
    assert costs() == few


def test_readings_from_before_the_metric_was_armed_do_not_count(service):
    """A register starting up probes stores that are still starting (Evaluator.arm): those readings
    are not the service failing, for an SLO no more than for a threshold."""
    _risk, metric, slo = service
    feed(metric, history(60, 0.0, end=30) | history(30, 100.0))
    Metric.objects.filter(pk=metric.pk).update(armed_at=NOW - timedelta(minutes=29, seconds=30))
    evaluate(slo)
    slo.refresh_from_db()
    assert slo.budget_remaining == 1.0 and not Alert.objects.exists()
    Metric.objects.filter(pk=metric.pk).update(armed_at=None)
    assert evaluate(slo, NOW + timedelta(minutes=1)) == "no data"


@pytest.mark.parametrize(
    ("minutes", "fires"),
    [(20, False), (29, False), (31, True), (24 * 60, True)],
)
def test_a_young_sli_cannot_page_on_a_window_it_has_not_half_covered(service, minutes, fires):
    """Half the requests failing for the last 10 minutes of a metric read for ``minutes``: the hour's
    burn rate (and so the page) needs half an hour of readings; a start-up blip must not read as an
    hour's burn."""
    _risk, metric, slo = service
    feed(metric, history(minutes - 10, 100.0, end=10) | history(10, 50.0))
    evaluate(slo)
    slo.refresh_from_db()
    assert (slo.burn_rates["1h"] is not None) == (minutes >= 30)
    assert Alert.objects.filter(slo=slo, priority="immediate").exists() == fires
    # Young readings are data: the SLO reads normal until a window it covers burns, not "No data".
    assert IndicatorState.objects.get(indicator=slo.indicator).last_status == ("critical" if fires else "normal")


def test_a_window_ending_in_the_past_leaves_later_readings_out(service):
    from monitoring.slos import sources as slo_sources

    _risk, metric, slo = service
    feed(metric, history(60, 90.0, end=60) | history(60, 100.0))  # bad an hour ago, good since
    slo.refresh_from_db()
    an_hour_ago = NOW - timedelta(minutes=60)
    assert slo_sources.error_ratios(slo, [3600], an_hour_ago + timedelta(seconds=1))[3600] == pytest.approx(0.1)
    assert slo_sources.error_ratios(slo, [3600], NOW)[3600] == pytest.approx(0.0)
