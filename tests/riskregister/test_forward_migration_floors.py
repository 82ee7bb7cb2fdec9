"""A database made by the code before the floors were laid migrates forward with every row.

The commit before the change is checked out (``git archive``) into a temporary folder; its own
``manage.py`` builds and fills a database (fill_before_floors.py), then today's ``manage.py migrate``
carries it forward. Channels and notifications moved from monitoring to the notifications app:
their rows, tables (renamed), content types, permissions, group and user grants and admin log
entries follow them; an alert transition's message is keyed by its transition; a message owed twice
to a person is owed once. On the database the suite runs on (SQLite, or a fresh PostgreSQL database).
"""

from __future__ import annotations

import pytest

from tests.riskregister.test_forward_migration import ROOT, Database, run, snapshot, tree_at

# The last commit with channels and notifications in the monitoring app.
BEFORE_FLOORS = "e73968477d1b6c602f40f5af852785ce71cc4e85"
MOVED = {"monitoring_channel": "notifications_channel", "monitoring_notification": "notifications_notification"}


def relabel(app_label: str, name: str) -> str:
    moved = name in {"channel", "notification"} or name.endswith(("_channel", "_notification"))
    return "notifications" if app_label == "monitoring" and moved else app_label


def rows(db: Database, table: str) -> list[tuple]:
    return sorted(
        db.query(f'SELECT id, key, channel_id, recipient, status, attempts, last_error FROM "{table}"'),
        key=lambda row: row[0],
    )


@pytest.mark.django_db
def test_a_register_from_before_the_floors_migrates_forward_with_its_channels_and_messages(tmp_path):
    tree = tree_at(BEFORE_FLOORS, tmp_path)
    db = Database(tmp_path)
    try:
        run(tree, db, tmp_path, "migrate", "--noinput", "-v0")
        fill = (ROOT / "tests" / "riskregister" / "fill_before_floors.py").read_text()
        assert "filled" in run(tree, db, tmp_path, "shell", stdin=fill)
        before = snapshot(db)
        old = {
            row[0]: row
            for row in db.query(
                "SELECT id, key, channel_id, recipient, status, attempts, last_error, transition_id"
                " FROM monitoring_notification"
            )
        }
        channels = sorted(db.query("SELECT id, name, kind, target FROM monitoring_channel"))

        run(ROOT, db, tmp_path, "migrate", "--noinput", "-v0")
        after = snapshot(db)

        # Every table's rows under the moved tables' new names, less the one repeated message.
        bookkeeping = {"django_migrations", "auth_permission", "auth_group_permissions", "django_content_type"}
        # The audit trail arrives with its triggers installed after migrate (it holds the role and
        # schedule sync's writes), and beat gains its sealing and pruning rows.
        bookkeeping |= {"audit_entry", "audit_seal", "django_celery_beat_periodictasks"}
        assert after["counts"]["audit_entry"] > 0
        added_beat = {"seal the audit trail", "prune the audit trail"}
        assert after["counts"].pop("django_celery_beat_periodictask") == before["counts"].pop(
            "django_celery_beat_periodictask"
        ) + len(added_beat)
        for schedules in ("django_celery_beat_crontabschedule", "django_celery_beat_intervalschedule"):
            assert 0 <= after["counts"].pop(schedules) - before["counts"].pop(schedules) <= len(added_beat)
        # Added since: programmes (one, every risk in it, the role groups and olga its members).
        assert after["counts"].pop("register_programme") == 1
        assert after["counts"].pop("register_membership") == 7
        added = {"programme", "membership"}
        expected = {MOVED.get(t, t): n for t, n in before["counts"].items() if t not in bookkeeping}
        expected["notifications_notification"] -= 1
        assert {t: n for t, n in after["counts"].items() if t not in bookkeeping} == expected
        assert sorted(db.query("SELECT id, name, kind, target FROM notifications_channel")) == channels
        # An alert transition's message is keyed by it; keyed messages keep their keys; of the two
        # rows owing one message to a person, the first (here: the one sent) stays.
        repeated = sorted(pk for pk, row in old.items() if row[1] == "risk:1:outside:1")
        kept = [
            (pk, f"alert-transition:{row[7]}" if row[7] else row[1], *row[2:7])
            for pk, row in sorted(old.items())
            if pk != repeated[1]
        ]
        assert rows(db, "notifications_notification") == kept
        assert [r[4] for r in kept if r[1] == "risk:1:outside:1"] == ["sent"]

        # Grants, content types, permissions and the admin log follow the models to their new label;
        # nothing stale, nothing doubled, nothing added.
        def old(rows, app_at, name_at):
            return sorted(
                row
                for row in rows
                if not (row[app_at] == "register" and row[name_at].rpartition("_")[2] in added)
                and row[app_at] != "audit"  # added since, with its grant to administrators
            )

        assert old(after["granted"], 1, 2) == sorted(
            (who, relabel(app, code), code) for who, app, code in before["granted"]
        )
        assert old(after["content_types"], 0, 1) == sorted(
            (relabel(app, model), model) for app, model in before["content_types"]
        )
        assert old(after["permissions"], 0, 1) == sorted(
            (relabel(app, code), code) for app, code in before["permissions"]
        )
        assert after["log"] == sorted((relabel(a, m), m, r) for a, m, r in before["log"])
        assert after["beat"] == {
            **before["beat"],
            "seal the audit trail": "audit.tasks.seal_audit",
            "prune the audit trail": "audit.tasks.prune_audit",
        }
        checks = run(ROOT, db, tmp_path, "shell", stdin=AFTER_CHECKS)
        assert checks.strip().splitlines()[-1] == "ok", checks
    finally:
        db.drop()


# Run by today's code on the migrated database: the rows answer through today's models and rules.
AFTER_CHECKS = """
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from incidents.models import EscalationStep
from monitoring.models import AlertTransition
from notifications import rendering
from notifications.models import Channel, Notification

olga = User.objects.get(username="olga")
assert olga.has_perm("notifications.view_notification") and not olga.has_perm("monitoring.view_notification")
# Granted a register permission directly, olga sees the register's one programme as a viewer.
from register.models import Programme, Risk
from register import visibility
assert list(Programme.objects.visible_to(olga).values_list("code", flat=True)) == ["DEFAULT"]
assert visibility.scope(Risk.objects.all(), olga).count() == Risk.objects.count()
assert Group.objects.get(name="ops team").permissions.filter(content_type__app_label="notifications").count() == 1
assert Group.objects.get(name="administrator").permissions.filter(codename="change_channel").exists()
assert EscalationStep.objects.get().channel == Channel.objects.get(name="hook")
assert isinstance(LogEntry.objects.get().get_edited_object(), Channel)
fired = AlertTransition.objects.get(event="fired")
assert sorted(fired.notifications.values_list("channel__name", flat=True)) == ["hook", "ops mail"]
body = rendering.body_for(fired.notifications.get(channel__name="ops mail"))
assert body["event"] == "fired" and body["idempotency_key"].startswith(f"alert-transition:{fired.pk}:")
assert Notification.objects.filter(key="risk:1:outside:1").count() == 1
print("ok")
"""
