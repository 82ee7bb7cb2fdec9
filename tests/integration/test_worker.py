"""A real Celery worker and beat against a real Redis (the bundled redis-server) and the test database."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from monitoring.models import Alert, Indicator, IndicatorState, Metric, Reading
from monitoring.tasks import collect_metric
from notifications.models import Channel, Notification
from register.models import Risk
from tests.integration.services import start_beat, start_worker, use_broker, wait_for
from tests.monitoring.servers import Receiver, Target

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def broker(redis_url):
    use_broker(redis_url, visibility_timeout=5, unacked_restore_interval=2, unacked_restore_throttle=1)
    return redis_url


@pytest.fixture
def world(tmp_path):
    target, receiver = Target(), Receiver()
    risk = Risk(title="Register API latency", impact=4, likelihood=3)
    risk.save()
    metric = Metric.objects.create(
        name="probe latency",
        key="probe-latency",
        unit="ms",
        warning=200,
        critical=500,
        source="http",
        source_config={"url": f"{target.url}/health/detailed", "timeout_ms": 20000},
        interval_seconds=5,
    )
    indicator = Indicator.objects.create(risk=risk, name="probe latency", metric=metric)
    IndicatorState.objects.create(indicator=indicator, for_count=1)
    Channel.objects.create(name="hook", kind="webhook", target=receiver.url, immediate=True, watch=True)
    yield target, receiver, metric
    target.close()
    receiver.close()


def test_a_worker_collects_evaluates_and_notifies(broker, world, tmp_path):
    target, receiver, metric = world
    target.delay = 0.3  # 300 ms: the warning band, and for_count 1 fires at once
    worker = start_worker(broker, tmp_path / "worker.log")
    try:
        slot = timezone.now().replace(microsecond=0)
        collect_metric.delay(metric.pk, slot.isoformat())
        wait_for(lambda: Reading.objects.filter(metric=metric, slot=slot).exists(), 60, "the reading", worker)
        wait_for(lambda: receiver.bodies, 30, "the webhook notification", worker)
        # The receiver has the body before the worker records the delivery: wait for that too.
        wait_for(lambda: Notification.objects.filter(status="sent").exists(), 30, "the delivery recorded", worker)
    finally:
        worker.stop()
    assert Reading.objects.get(metric=metric).status == "warning"
    assert Alert.objects.get().state == "firing"
    assert [b["event"] for b in receiver.bodies] == ["fired"]
    assert Notification.objects.get().status == "sent"


def test_beat_triggers_periodic_collection(broker, world, tmp_path):
    _, _, metric = world
    fast, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
    PeriodicTask.objects.filter(task="monitoring.tasks.collect_due_metrics").update(interval=fast)
    worker = start_worker(broker, tmp_path / "worker.log")
    beat = start_beat(broker, tmp_path / "beat.log", tmp_path)
    try:
        wait_for(lambda: Reading.objects.filter(metric=metric).count() >= 2, 60, "two periodic readings", beat)
    finally:
        beat.stop()
        worker.stop()
    # Slots follow the metric's interval; each reading is stamped when it was measured, after its slot.
    readings = list(Reading.objects.filter(metric=metric).order_by("slot"))
    assert readings[1].slot - readings[0].slot >= timedelta(seconds=metric.interval_seconds)
    assert all(r.observed_at >= r.slot for r in readings)


def test_a_worker_killed_mid_task_loses_nothing_and_duplicates_nothing(broker, world, tmp_path):
    target, receiver, metric = world
    target.delay = 8.0  # the first collection hangs in the probe...
    first = start_worker(broker, tmp_path / "first.log", name="first")
    slot = timezone.now().replace(microsecond=0)
    try:
        collect_metric.delay(metric.pk, slot.isoformat())
        wait_for(lambda: target.requests >= 1, 60, "the worker to start probing", first)
    finally:
        first.kill()  # ...when the whole worker dies with SIGKILL, before acknowledging the task
    assert not Reading.objects.filter(metric=metric).exists()
    target.delay = 0.3
    second = start_worker(broker, tmp_path / "second.log", name="second")
    try:
        # Redis redelivers the unacknowledged task once the visibility timeout (5 s here) passes.
        wait_for(
            lambda: Reading.objects.filter(metric=metric, slot=slot).exists(),
            90,
            "the redelivered collection",
            second,
        )
        wait_for(lambda: receiver.bodies, 30, "the notification", second)
        collect_metric.delay(metric.pk, slot.isoformat())  # a duplicate trigger for the same slot
        wait_for(lambda: target.requests >= 2, 30, "the redelivered probe", second)
        import time

        time.sleep(3)  # give any duplicate a chance to show up
    finally:
        second.stop()
    assert Reading.objects.filter(metric=metric).count() == 1
    assert Notification.objects.count() == 1
    assert [b["event"] for b in receiver.bodies] == ["fired"]


def test_what_a_worker_writes_is_recorded_as_the_task(broker, tmp_path):
    from audit.models import Entry
    from plans.files import read_plan_file
    from plans.importer import import_plan
    from reviews.tasks import open_weekly_review
    from tests.conftest import SEED_EN

    import_plan(read_plan_file(SEED_EN), source_name="seed")
    worker = start_worker(broker, tmp_path / "worker.log")
    try:
        open_weekly_review.delay()
        wait_for(
            lambda: Entry.objects.filter(table="reviews_review", kind="insert").exists(),
            60,
            "the review's entry",
            worker,
        )
    finally:
        worker.stop()
    entry = Entry.objects.get(table="reviews_review", kind="insert")
    assert entry.actor == "task:reviews.tasks.open_weekly_review"
    assert set(Entry.objects.filter(table="reviews_reviewitem").values_list("actor", flat=True)) == {entry.actor}
