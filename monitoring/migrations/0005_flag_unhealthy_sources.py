"""Beat checks every 10 minutes for sources unhealthy long enough to flag their risk for review."""

from django.db import migrations


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=600, period="seconds")
    PeriodicTask.objects.get_or_create(
        name="flag unhealthy sources for review",
        defaults={"task": "monitoring.tasks.flag_unhealthy_sources", "interval": interval},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_generic_notifications"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
