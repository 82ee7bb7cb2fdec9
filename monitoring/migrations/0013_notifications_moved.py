"""Channels and notifications now live in the notifications app (state only: the tables stay)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0012_slos"),
        ("notifications", "0001_initial"),
        ("incidents", "0008_channel_in_notifications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="Channel"),
            ],
            database_operations=[],
        ),
    ]
