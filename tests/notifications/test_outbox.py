"""The notification outbox: owed once per key and destination — to a channel or to a person, in one
transaction or two at once — and delivered from the body its subject renders."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from notifications import delivery, outbox, rendering
from notifications.models import Channel, Notification
from notifications.tasks import deliver_notification, sweep_notifications

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(db):
    return Channel.objects.create(name="ops", kind="email", target="ops@example.org", immediate=True, watch=True)


@pytest.mark.parametrize("to", ["channel", "person"])
def test_a_message_is_owed_once_per_key_and_destination(channel, to, django_capture_on_commit_callbacks):
    destination = {"channel": channel} if to == "channel" else {"recipient": "olga@example.org"}
    with django_capture_on_commit_callbacks() as queued:
        assert outbox.owe("incident:7:assigned:3", {"text": "assigned"}, **destination) is True
        assert outbox.owe("incident:7:assigned:3", {"text": "assigned again"}, **destination) is False
    assert Notification.objects.count() == 1
    assert Notification.objects.get().payload == {"text": "assigned"}
    assert len(queued) == 1, "one delivery queued, after commit"
    # Another key, or the same key to another destination, is another message.
    assert outbox.owe("incident:7:assigned:4", {"text": "x"}, **destination) is True
    assert outbox.owe("incident:7:assigned:3", {"text": "x"}, recipient="rita@example.org") is True
    assert Notification.objects.count() == 3


def test_the_database_holds_once_per_key_for_a_person_too(db):
    # The constraint over (key, channel, recipient) it replaces never applied to a person: NULL
    # channels are distinct in a unique index. The two partial constraints apply to both.
    Notification.objects.create(key="risk:1:outside:1", recipient="olga@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(key="risk:1:outside:1", recipient="olga@example.org")


def test_a_message_needs_a_destination_and_a_subject(channel):
    with pytest.raises(ValueError, match="channel or to a recipient"):
        outbox.owe("risk:1:x", {"text": "?"})
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(key="", channel=channel)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_transactions_owing_the_same_message_at_once_write_one():
    if connection.vendor != "postgresql":
        # SQLite has one writer at a time: the second transaction cannot run beside the first, so
        # there is no race to lose (the constraint test above holds the rule on both databases).
        pytest.skip("a race between two writers needs a database that runs them at once")
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def owe():
        try:
            with transaction.atomic():
                # Both check "not owed yet" before either inserts.
                exists = Notification.objects.filter(key="incident:9:escalation:0:1", recipient="cmd@example.org")
                exists.exists()
                barrier.wait(timeout=10)
                results.append(outbox.owe("incident:9:escalation:0:1", {"text": "page"}, recipient="cmd@example.org"))
        finally:
            connection.close()

    threads = [threading.Thread(target=owe) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]
    assert Notification.objects.filter(key="incident:9:escalation:0:1").count() == 1


def test_a_stored_payload_is_sent_with_its_idempotency_key(channel):
    outbox.owe("acceptance:3:expiring:7", {"text": "expires in 7 days"}, recipient="olga@example.org")
    notification = Notification.objects.get()
    assert deliver_notification(notification.pk) == "sent"
    assert mail.outbox[0].to == ["olga@example.org"]
    assert '"idempotency_key": "acceptance:3:expiring:7:olga@example.org"' in mail.outbox[0].body


def test_a_rendered_subject_that_is_gone_fails_without_sending(channel, monkeypatch):
    monkeypatch.setitem(rendering._renderers, "gone", lambda notification, key: None)
    Notification.objects.create(key="gone:1", channel=channel)
    pk = Notification.objects.get().pk
    assert delivery.deliver(pk) == "failed"
    row = Notification.objects.get()
    assert (row.status, row.last_error) == ("failed", "its subject no longer exists")
    assert mail.outbox == []
    assert delivery.deliver(pk) == "not due", "a failed message is not tried again"


def test_the_tasks_keep_the_names_queued_messages_and_beat_rows_carry():
    # Moved from monitoring.tasks: a message waiting in the broker names the task as it was.
    assert deliver_notification.name == "monitoring.tasks.deliver_notification"
    assert sweep_notifications.name == "monitoring.tasks.sweep_notifications"
    assert deliver_notification.name == outbox.DELIVER
