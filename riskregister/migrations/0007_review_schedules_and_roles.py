"""Beat opens the weekly review on Fridays and the monthly review on the 1st (editable in the admin)."""

from django.conf import settings
from django.db import migrations

SCHEDULES = [
    ("open weekly review", "riskregister.tasks.open_weekly_review", {"day_of_week": "5"}),
    ("open monthly review", "riskregister.tasks.open_monthly_review", {"day_of_month": "1"}),
]


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, when in SCHEDULES:
        fields = {
            "minute": "0",
            "hour": "9",
            "day_of_week": "*",
            "day_of_month": "*",
            "month_of_year": "*",
            "timezone": settings.TIME_ZONE,
            **when,
        }
        crontab, _ = CrontabSchedule.objects.get_or_create(**fields)
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})

    from riskregister.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("riskregister", "0006_reviews"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
