"""A risk's live status follows its indicators' bindings: bound to a metric that has not been read
yet is "No data", not "Not monitored"; unbinding or deleting the last bound indicator makes it
"Not monitored" again; moving an indicator re-judges both risks."""

from __future__ import annotations

import pytest

from monitoring.models import Indicator
from register.choices import LiveStatus
from register.models import Risk

pytestmark = pytest.mark.django_db


def live(risk) -> str:
    return Risk.objects.get(pk=risk.pk).live_status


def test_binding_makes_a_risk_monitored_before_its_first_reading(risk, latency):
    indicator = Indicator.objects.create(risk=risk, name="API response time")
    assert live(risk) == LiveStatus.NONE
    indicator.metric = latency
    indicator.save()
    assert live(risk) == LiveStatus.UNKNOWN
    indicator.metric = None
    indicator.save()
    assert live(risk) == LiveStatus.NONE


def test_moving_or_deleting_an_indicator_re_judges_its_risks(risk, latency):
    other = Risk(title="Sign-in failure", impact=3, likelihood=2)
    other.save()
    indicator = Indicator.objects.create(risk=risk, name="API response time", metric=latency)
    assert (live(risk), live(other)) == (LiveStatus.UNKNOWN, LiveStatus.NONE)
    indicator.risk = other
    indicator.save()
    assert (live(risk), live(other)) == (LiveStatus.NONE, LiveStatus.UNKNOWN)
    Indicator.objects.get(pk=indicator.pk).delete()
    assert live(other) == LiveStatus.NONE


def test_a_plan_import_binds_its_indicators_as_no_data(seeded):
    bound = Risk.objects.filter(indicators__metric__isnull=False).distinct()
    assert bound.exists()
    assert set(bound.values_list("live_status", flat=True)) == {LiveStatus.UNKNOWN}
    assert set(Risk.objects.exclude(pk__in=bound).values_list("live_status", flat=True)) <= {LiveStatus.NONE}
