"""Inhibition along the risk graph through the real evaluator: A causes B; while A's immediate alert
fires, B's alerts are stored and shown with their inhibitor, and nobody is paged for them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from monitoring.intake import push
from monitoring.models import Alert, AlertTransition, Indicator, IndicatorState, Metric
from notifications.models import Channel
from register.models import Risk, RiskLink

pytestmark = pytest.mark.django_db
T0 = timezone.now().replace(microsecond=0) - timedelta(hours=1)


def feed(key, values, start):
    push.store(
        [
            {"metric": key, "value": v, "observed_at": (T0 + timedelta(minutes=start + n)).isoformat()}
            for n, v in enumerate(values)
        ]
    )


def watched(title, key):
    risk = Risk(title=title, impact=4, likelihood=3)
    risk.save()
    metric = Metric.objects.create(
        name=key, key=key, unit="ms", direction="higher_is_worse", warning=200, critical=500, source="push"
    )
    indicator = Indicator.objects.create(risk=risk, name=key, metric=metric)
    IndicatorState.objects.create(indicator=indicator, for_count=2, keep_count=2, nodata_count=3)
    return risk


@pytest.fixture
def chain(db):
    upstream, downstream = watched("Graph database down", "graph-latency"), watched("API slow", "api-latency")
    link = RiskLink.objects.create(cause=upstream, effect=downstream)
    Channel.objects.create(name="pager", kind="email", target="ops@example.org", immediate=True, watch=True)
    return upstream, downstream, link


def pages_for(risk):
    return AlertTransition.objects.filter(alert__indicator__risk=risk).notifications().count()


def test_a_downstream_alert_is_inhibited_while_its_cause_fires(chain, django_capture_on_commit_callbacks):
    upstream, downstream, _link = chain
    with django_capture_on_commit_callbacks(execute=True):
        feed("graph-latency", [900, 900], 0)  # the cause fires, immediate
        feed("api-latency", [900, 900], 0)  # the effect fires while it does
    cause = Alert.objects.get(indicator__risk=upstream)
    effect = Alert.objects.get(indicator__risk=downstream)
    assert (cause.state, cause.priority, effect.state) == ("firing", "immediate", "firing")
    assert effect.inhibited_by == cause
    assert pages_for(upstream) == 1 and pages_for(downstream) == 0
    assert "inhibited by alert" in effect.transitions.get(event="fired").reason
    # The cause's page opened an incident; the effect opened none of its own.
    assert (
        Incident.objects.filter(risks=upstream).count() == 1 and not Incident.objects.filter(risks=downstream).exists()
    )

    with django_capture_on_commit_callbacks(execute=True):
        feed("graph-latency", [100, 100], 2)  # the cause resolves
        feed("api-latency", [100, 100], 2)  # then the effect: announced again, now on its own
    effect.refresh_from_db()
    assert effect.state == "resolved" and effect.inhibited_by is None
    assert pages_for(downstream) == 1  # its resolution is the first thing anyone hears of it


def test_a_link_that_does_not_inhibit_pages_both(chain, django_capture_on_commit_callbacks):
    upstream, downstream, link = chain
    link.inhibits = False
    link.save()
    with django_capture_on_commit_callbacks(execute=True):
        feed("graph-latency", [900, 900], 0)
        feed("api-latency", [900, 900], 0)
    assert Alert.objects.get(indicator__risk=downstream).inhibited_by is None
    assert pages_for(upstream) == 1 and pages_for(downstream) == 1


def test_only_the_cause_inhibits_not_the_effect(chain, django_capture_on_commit_callbacks):
    upstream, downstream, _link = chain
    with django_capture_on_commit_callbacks(execute=True):
        feed("api-latency", [900, 900], 0)  # the effect first
        feed("graph-latency", [900, 900], 0)  # the cause is not inhibited by its effect
    assert Alert.objects.get(indicator__risk=upstream).inhibited_by is None
    assert pages_for(upstream) == 1 and pages_for(downstream) == 1


def test_inhibited_alerts_are_shown_with_their_inhibitor(
    chain, client, administrator, api_as, django_capture_on_commit_callbacks
):
    upstream, downstream, _link = chain
    with django_capture_on_commit_callbacks(execute=True):
        feed("graph-latency", [900, 900], 0)
        feed("api-latency", [900, 900], 0)
    cause = Alert.objects.get(indicator__risk=upstream)
    body = api_as(administrator).get(f"/api/v1/alerts/{Alert.objects.get(indicator__risk=downstream).pk}/").json()
    assert body["inhibited_by"] == cause.pk
    live = api_as(administrator).get(reverse("api:risk-detail", args=[downstream.code])).json()["indicators"][0]["live"]
    assert live["open_alerts"][0]["inhibited_by"] == cause.pk
    client.force_login(administrator)
    listing = client.get(reverse("admin:monitoring_alert_changelist"), {"inhibited_by__isempty": "0"}).content.decode()
    assert downstream.code in listing and listing.count('class="field-title"') == 1
