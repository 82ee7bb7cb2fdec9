"""A firing immediate alert opens one incident per risk and indicator; repeats attach, never duplicate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from monitoring.intake import push
from monitoring.models import Alert, Indicator, IndicatorState, Metric
from register.models import Risk

pytestmark = pytest.mark.django_db


@pytest.fixture
def wired(db):
    risk = Risk(title="API latency", impact=4, likelihood=3)
    risk.save()
    metric = Metric.objects.create(name="latency", key="latency", unit="ms", warning=200, critical=500, source="push")
    indicator = Indicator.objects.create(risk=risk, name="latency", metric=metric)
    IndicatorState.objects.create(indicator=indicator, for_count=1, keep_count=1)
    return risk, indicator


def feed(values, start=0):
    base = timezone.now() - timedelta(hours=1)
    push.store(
        [
            {"metric": "latency", "value": v, "observed_at": (base + timedelta(minutes=start + n)).isoformat()}
            for n, v in enumerate(values)
        ]
    )


def test_a_critical_alert_opens_an_escalated_high_incident(wired, django_capture_on_commit_callbacks):
    risk, _ = wired
    with django_capture_on_commit_callbacks(execute=True):
        feed([900])
    incident = Incident.objects.get()
    assert (incident.severity, incident.status, incident.source) == ("high", "escalated", "alert")
    assert list(incident.risks.all()) == [risk]
    assert list(incident.alerts.all()) == [Alert.objects.get()]
    assert incident.escalated_at is not None
    assert incident.acknowledged_at is None  # the system escalated; no person has acknowledged yet
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds[:2] == ["created", "alert_fired"] and kinds.count("status") == 2


def test_warnings_do_not_open_incidents(wired, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        feed([300, 300])
    assert Alert.objects.get().state == "firing"
    assert not Incident.objects.exists()


def test_a_flapping_alert_gives_one_incident(wired, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        feed([900, 100, 900, 100, 900, 100])
    assert Alert.objects.filter(fired_at__isnull=False).count() == 3
    incident = Incident.objects.get()
    assert incident.alerts.count() == 3
    assert incident.events.filter(kind="alert_fired").count() == 3
    assert incident.events.filter(kind="alert_resolved").count() == 3
    assert incident.status == "escalated"  # a resolved alert does not close the incident


def test_after_closing_a_new_alert_opens_a_new_incident(wired, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        feed([900, 100])
    first = Incident.objects.get()
    Incident.objects.filter(pk=first.pk).update(status="declined")
    with django_capture_on_commit_callbacks(execute=True):
        feed([900], start=5)
    assert Incident.objects.count() == 2
