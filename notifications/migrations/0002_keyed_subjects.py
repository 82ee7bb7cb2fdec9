"""Every notification names its subject by key, alert transitions too; once per key and destination
holds for messages to a person as well; the tables take this app's names.

An alert transition's message pointed at its transition by a foreign key, which would tie this app
to monitoring; its key is now ``alert-transition:<pk>`` (rendered at delivery, as before). Messages to
a person (no channel) were not unique: a unique index treats NULLs as distinct, so the constraint over
(key, channel, recipient) never applied to them; two partial constraints replace it. Should a race
have written such a message twice, the later copies are removed first (one message was owed).
"""

from django.db import migrations, models
from django.db.models import Count, Min, Value
from django.db.models.functions import Cast, Concat


def key_transitions(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    # One statement, however many messages the outbox holds.
    Notification.objects.filter(transition__isnull=False).update(
        key=Concat(Value("alert-transition:"), Cast("transition_id", models.CharField()))
    )


def drop_repeated_person_messages(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    repeated = (
        Notification.objects.filter(channel__isnull=True)
        .values("key", "recipient")
        .annotate(n=Count("pk"), first=Min("pk"))
        .filter(n__gt=1)
    )
    for group in repeated:
        Notification.objects.filter(channel__isnull=True, key=group["key"], recipient=group["recipient"]).exclude(
            pk=group["first"]
        ).delete()


def transitions_back(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    for pk, key in Notification.objects.filter(key__startswith="alert-transition:").values_list("pk", "key"):
        Notification.objects.filter(pk=pk).update(transition_id=int(key.split(":")[1]), key="")


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("monitoring", "0013_notifications_moved"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="notification", name="notification_has_subject"),
        migrations.RemoveConstraint(model_name="notification", name="notification_once_per_channel"),
        migrations.RemoveConstraint(model_name="notification", name="notification_once_per_key"),
        migrations.RunPython(key_transitions, transitions_back),
        migrations.RunPython(drop_repeated_person_messages, migrations.RunPython.noop),
        migrations.RemoveField(model_name="notification", name="transition"),
        migrations.AlterField(
            model_name="notification",
            name="key",
            field=models.CharField(help_text="What this message is about.", max_length=200, verbose_name="key"),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("channel__isnull", False)),
                fields=("key", "channel"),
                name="notification_once_per_channel",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("channel__isnull", True)),
                fields=("key", "recipient"),
                name="notification_once_per_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(("key", ""), _negated=True), name="notification_has_subject"
            ),
        ),
        migrations.AlterModelTable(name="channel", table=None),
        migrations.AlterModelTable(name="notification", table=None),
    ]
