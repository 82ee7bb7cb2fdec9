"""Readings in, alerts and notifications out: the pipeline through its real functions and a real
webhook receiver on loopback. Celery is not involved here (see test_worker.py for that)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from monitoring.intake import push
from monitoring.models import Alert, AlertTransition, Reading
from notifications import delivery
from notifications.keys import NotificationKey
from notifications.models import Channel, Notification
from register.models import Risk

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=1)


def feed(values, start=0, key="api-latency"):
    return push.store(
        [
            {"metric": key, "value": v, "observed_at": (T0 + timedelta(minutes=start + n)).isoformat()}
            for n, v in enumerate(values)
        ]
    )


def events(alert):
    return list(alert.transitions.values_list("event", flat=True))


def deliver_all():
    return [delivery.deliver(pk) for pk in Notification.objects.order_by("pk").values_list("pk", flat=True)]


def test_a_value_over_the_bands_and_back(indicator, webhook, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        feed([100, 300, 300, 600, 600, 100, 100])
    statuses = list(Reading.objects.order_by("observed_at").values_list("status", flat=True))
    assert statuses == ["normal", "warning", "warning", "critical", "critical", "normal", "normal"]
    alert = Alert.objects.get()
    assert events(alert) == ["pending", "fired", "escalated", "recovering", "resolved"]
    assert (alert.state, alert.severity, alert.priority) == ("resolved", "critical", "immediate")
    assert all(t.reason for t in AlertTransition.objects.all())
    # Fired, escalated, resolved are announced; pending and recovering are not.
    announced = [
        AlertTransition.objects.get(pk=NotificationKey.parse(n.key).pk).event for n in Notification.objects.all()
    ]
    assert sorted(announced) == ["escalated", "fired", "resolved"]
    # After commit: one delivery task per notification, and one alerts_announced signal for the batch.
    assert len(queued) == 4
    assert deliver_all() == ["sent"] * 3
    assert [b["event"] for b in receiver.bodies] == ["fired", "escalated", "resolved"]
    assert receiver.bodies[0]["risk"] == indicator.risk.code and receiver.bodies[0]["value"] == 300
    assert receiver.headers[0]["Idempotency-Key"] == receiver.bodies[0]["idempotency_key"]
    # Delivering again sends nothing: each row is claimed once.
    assert deliver_all() == ["not due"] * 3
    assert len(receiver.bodies) == 3


def test_pushing_the_same_readings_twice_changes_nothing(indicator, webhook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        first = feed([300, 300, 300])
        second = feed([300, 300, 300])
    assert (first["created"], second["created"], second["duplicates"]) == (3, 0, 3)
    assert Reading.objects.count() == 3
    assert AlertTransition.objects.count() == 2
    assert Notification.objects.count() == 1


def test_a_pending_alert_that_never_fires_is_never_announced(indicator, webhook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        feed([300, 100, 300, 100])
    assert [a.state for a in Alert.objects.order_by("pk")] == ["cancelled", "cancelled"]
    assert Notification.objects.count() == 0


def test_the_risk_shows_its_live_status(indicator, django_capture_on_commit_callbacks):
    risk = indicator.risk
    with django_capture_on_commit_callbacks():
        feed([100])
        assert Risk.objects.get(pk=risk.pk).live_status == "normal"
        feed([300], start=1)
        assert Risk.objects.get(pk=risk.pk).live_status == "warning"
        feed([900, 900], start=2)
        assert Risk.objects.get(pk=risk.pk).live_status == "critical"


def test_the_indicators_early_warning_rule_raises_a_warning_inside_the_normal_band(
    indicator, latency, django_capture_on_commit_callbacks
):
    latency.warning, latency.critical = 1000, 2000
    latency.save()
    indicator.rule_text, indicator.rule_kind, indicator.operator, indicator.threshold = (
        "> 400 ms",
        "threshold",
        ">",
        400,
    )
    indicator.save()
    with django_capture_on_commit_callbacks():
        feed([450, 450])
    assert Reading.objects.filter(status="normal").count() == 2  # by the metric's bands
    assert Alert.objects.get().state == "firing"  # by the indicator's rule


def test_clear_threshold_holds_the_alert_until_the_value_is_really_back(indicator, django_capture_on_commit_callbacks):
    indicator.live.clear_threshold = 150
    indicator.live.save()
    with django_capture_on_commit_callbacks():
        feed([300, 300, 180, 180, 180])
        assert Alert.objects.get().state == "firing"  # 180 is normal by band but not past 150
        feed([120, 120], start=5)
    assert Alert.objects.get().state == "resolved"


def test_silenced_alerts_record_transitions_but_send_nothing(indicator, webhook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        feed([300])
        alert = Alert.objects.get()
        alert.silenced_until, alert.silence_reason = timezone.now() + timedelta(hours=1), "maintenance"
        alert.save()
        feed([300, 100, 100], start=1)
    assert events(Alert.objects.get()) == ["pending", "fired", "recovering", "resolved"]
    assert Notification.objects.count() == 0


def test_channels_are_routed_by_priority(indicator, receiver, django_capture_on_commit_callbacks):
    Channel.objects.create(name="pager", kind="webhook", target=receiver.url, immediate=True, watch=False)
    Channel.objects.create(name="team mail", kind="email", target="team@example.com", immediate=False, watch=True)
    with django_capture_on_commit_callbacks():
        feed([300, 300])  # warning → watch priority: mail only
    deliver_all()
    assert receiver.bodies == []
    assert len(mail.outbox) == 1 and "FIRING" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks():
        feed([900], start=2)  # escalates to critical → immediate: the pager too
    deliver_all()
    assert [b["event"] for b in receiver.bodies] == ["escalated"]


def test_slack_channels_get_a_text_body(indicator, receiver, django_capture_on_commit_callbacks):
    Channel.objects.create(name="slack", kind="slack", target=receiver.url, immediate=True, watch=True)
    with django_capture_on_commit_callbacks():
        feed([300, 300])
    deliver_all()
    assert list(receiver.bodies[0]) == ["text"]
    assert "FIRING" in receiver.bodies[0]["text"] and indicator.risk.code in receiver.bodies[0]["text"]


def test_failed_deliveries_retry_with_backoff(indicator, db, django_capture_on_commit_callbacks):
    from tests.monitoring.servers import Receiver

    flaky = Receiver(fail_first=2)
    try:
        Channel.objects.create(name="flaky", kind="webhook", target=flaky.url, immediate=True, watch=True)
        with django_capture_on_commit_callbacks():
            feed([300, 300])
        pk = Notification.objects.get().pk
        assert delivery.deliver(pk) == "retry"
        row = Notification.objects.get(pk=pk)
        assert (row.status, row.attempts) == ("pending", 1) and "503" in row.last_error
        assert delivery.deliver(pk) == "not due"  # backing off
        Notification.objects.filter(pk=pk).update(next_attempt_at=timezone.now())
        assert delivery.deliver(pk) == "retry"
        assert Notification.objects.get(pk=pk).next_attempt_at - timezone.now() > timedelta(seconds=50)
        Notification.objects.filter(pk=pk).update(next_attempt_at=timezone.now())
        assert delivery.due_for_retry(timezone.now()) == [pk]
        assert delivery.deliver(pk) == "sent"
        assert len(flaky.bodies) == 1
    finally:
        flaky.close()


def test_a_worker_that_died_mid_send_is_swept_back(indicator, webhook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        feed([300, 300])
    row = Notification.objects.get()
    Notification.objects.filter(pk=row.pk).update(status="sending", claimed_at=timezone.now() - timedelta(minutes=5))
    assert delivery.due_for_retry(timezone.now()) == [row.pk]
    assert delivery.deliver(row.pk) == "sent"


def test_abnormal_increase_against_the_trailing_baseline(risk, django_capture_on_commit_callbacks):
    """The plan's watch rule "異常なトラフィック増加": judged as change vs the trailing average."""
    from monitoring.models import Indicator, Metric

    traffic = Metric.objects.create(
        name="traffic", key="traffic", unit="req/s", warning=50, critical=100, source="push", baseline_minutes=10
    )
    Indicator.objects.create(risk=risk, name="traffic", metric=traffic)
    with django_capture_on_commit_callbacks():
        feed([100, 100, 100, 160, 260], key="traffic")
    readings = list(Reading.objects.filter(metric=traffic).order_by("observed_at"))
    assert [r.status for r in readings] == ["normal", "normal", "normal", "warning", "critical"]
    assert readings[0].detail == "no baseline yet"
    assert readings[3].detail == "+60.0% vs 10-min baseline 100"
    assert readings[4].value == 260  # the reading keeps the raw value


def test_announced_transitions_are_signalled_after_commit(indicator, django_capture_on_commit_callbacks):
    from monitoring.signals import alerts_announced

    received = []

    def listener(sender, transitions, **kwargs):
        received.append([(t.event, t.priority) for t in transitions])

    alerts_announced.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            feed([300, 900, 100, 100])
    finally:
        alerts_announced.disconnect(listener)
    # One signal per batch, in the order the transitions happened.
    assert received == [[("fired", "immediate"), ("resolved", "immediate")]]
