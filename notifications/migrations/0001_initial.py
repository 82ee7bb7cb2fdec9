"""Channels and notifications, moved here from the monitoring app with their tables and rows.

State only: the tables stay as they are (``monitoring_channel``, ``monitoring_notification``) until
0002 renames them; content types (and so permissions, group grants and admin log entries) follow
the models.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

MODELS = ["channel", "notification"]


def move_content_types(apps, schema_editor, source="monitoring", target="notifications"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(ContentType.objects.filter(app_label=target).values_list("model", flat=True))
    ContentType.objects.filter(app_label=source, model__in=set(MODELS) - taken).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="notifications", target="monitoring")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("monitoring", "0012_slos"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Channel",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("email", "Email"),
                                    ("webhook", "Webhook (JSON)"),
                                    ("slack", "Slack-compatible webhook"),
                                ],
                                max_length=16,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "target",
                            models.CharField(
                                help_text="Comma-separated e-mail addresses, or the webhook URL.",
                                max_length=500,
                                verbose_name="target",
                            ),
                        ),
                        ("immediate", models.BooleanField(default=True, verbose_name="immediate alerts")),
                        ("watch", models.BooleanField(default=False, verbose_name="watch alerts")),
                        ("enabled", models.BooleanField(default=True, verbose_name="enabled")),
                    ],
                    options={
                        "verbose_name": "notification channel",
                        "verbose_name_plural": "notification channels",
                        "ordering": ["name"],
                        "db_table": "monitoring_channel",
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "transition",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="monitoring.alerttransition",
                                verbose_name="transition",
                            ),
                        ),
                        (
                            "key",
                            models.CharField(
                                blank=True,
                                help_text="What this message is about when it is not an alert transition.",
                                max_length=200,
                                verbose_name="key",
                            ),
                        ),
                        ("payload", models.JSONField(blank=True, default=dict, verbose_name="payload")),
                        (
                            "channel",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="notifications.channel",
                                verbose_name="channel",
                            ),
                        ),
                        ("recipient", models.EmailField(blank=True, max_length=254, verbose_name="recipient")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                        (
                            "next_attempt_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="next attempt"),
                        ),
                        ("claimed_at", models.DateTimeField(blank=True, null=True, verbose_name="claimed at")),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                        ("last_error", models.CharField(blank=True, max_length=500, verbose_name="last error")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "ordering": ["-created_at"],
                        "db_table": "monitoring_notification",
                        "indexes": [models.Index(fields=["status", "next_attempt_at"], name="notification_due")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("transition", "channel"), name="notification_once_per_channel"
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("key", ""), _negated=True),
                                fields=("key", "channel", "recipient"),
                                name="notification_once_per_key",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("channel__isnull", False),
                                    models.Q(("recipient", ""), _negated=True),
                                    _connector="OR",
                                ),
                                name="notification_has_destination",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("transition__isnull", False), models.Q(("key", ""), _negated=True), _connector="OR"
                                ),
                                name="notification_has_subject",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
