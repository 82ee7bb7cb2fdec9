from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring.intake import push
from monitoring.models import Alert, AlertTransition

pytestmark = pytest.mark.django_db


@pytest.fixture
def firing(indicator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        push.store(
            [
                {
                    "metric": "api-latency",
                    "value": v,
                    "observed_at": (timezone.now() - timedelta(minutes=5 - n)).isoformat(),
                }
                for n, v in enumerate([100, 150, 300, 320])
            ]
        )
    return Alert.objects.get()


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_alerts_changelist_is_bounded(client, superuser, firing, risk, latency, django_capture_on_commit_callbacks):
    from monitoring.models import Indicator

    client.force_login(superuser)
    url = reverse("admin:monitoring_alert_changelist")
    few, body = queries(client, url)
    assert firing.title in body
    for n in range(10):
        other = Indicator.objects.create(risk=risk, name=f"extra {n}", metric=latency)
        assert other.pk
    with django_capture_on_commit_callbacks():
        push.store([{"metric": "api-latency", "value": 900, "observed_at": timezone.now().isoformat()}])
    many, _ = queries(client, url)
    assert Alert.objects.count() > 5
    assert many == few


def test_silence_action_asks_until_when_and_why(client, superuser, firing):
    client.force_login(superuser)
    url = reverse("admin:monitoring_alert_changelist")
    form = client.post(url, {"action": "silence", "_selected_action": [firing.pk]})
    assert form.status_code == 200 and "Silence until" in form.content.decode()
    bad = client.post(
        url,
        {
            "action": "silence",
            "_selected_action": [firing.pk],
            "apply": "1",
            "until": "2000-01-01 00:00",
            "reason": "old",
        },
    )
    assert "future" in bad.content.decode()
    until = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    done = client.post(
        url,
        {"action": "silence", "_selected_action": [firing.pk], "apply": "1", "until": until, "reason": "deploy window"},
    )
    assert done.status_code == 302
    firing.refresh_from_db()
    assert firing.silence_reason == "deploy window" and firing.is_silenced()


def test_acknowledge_action(client, superuser, firing):
    client.force_login(superuser)
    client.post(
        reverse("admin:monitoring_alert_changelist"), {"action": "acknowledge", "_selected_action": [firing.pk]}
    )
    firing.refresh_from_db()
    assert firing.acknowledged_by == superuser


def test_metric_page_shows_chart_and_source_health(client, superuser, firing, latency):
    client.force_login(superuser)
    _, body = queries(client, reverse("admin:monitoring_metric_change", args=[latency.pk]))
    assert "riskregister-trend" in body and "band-critical" in body  # the chart, with its threshold lines
    assert "no circuit breaker for this source" in body


def test_risk_page_shows_live_indicators(client, superuser, firing, indicator):
    client.force_login(superuser)
    _, body = queries(client, reverse("admin:register_risk_change", args=[indicator.risk.pk]))
    assert "Live indicators" in body and "320 ms" in body and "riskregister-sparkline" in body
    _, listing = queries(client, reverse("admin:register_risk_changelist") + "?live_status__exact=warning")
    assert f">{indicator.risk.code}<" in listing


def test_flapping_alerts_hold_their_notifications(indicator, webhook, django_capture_on_commit_callbacks):

    state = indicator.live
    state.for_count, state.keep_count, state.flap_limit = 1, 1, 2
    state.save()
    start = timezone.now() - timedelta(minutes=30)
    with django_capture_on_commit_callbacks():
        push.store(
            [
                {
                    "metric": "api-latency",
                    "value": 300 if n % 2 == 0 else 100,
                    "observed_at": (start + timedelta(minutes=n)).isoformat(),
                }
                for n in range(8)
            ]
        )
    fired = Alert.objects.filter(fired_at__isnull=False).order_by("fired_at")
    assert fired.count() == 4
    assert [a.flapping for a in fired] == [False, False, True, True]
    announced = AlertTransition.objects.filter(event="fired").notifications().count()
    assert announced == 2
