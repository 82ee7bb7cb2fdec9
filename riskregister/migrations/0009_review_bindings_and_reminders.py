"""Bind the plan's checklist items to their default evidence, schedule the overdue-review reminder,
and grant the reviewer role the new review models."""

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    from riskregister.plan import evidence_bindings
    from riskregister.roles import sync_roles

    ReviewTemplateItem = apps.get_model("riskregister", "ReviewTemplateItem")
    Metric = apps.get_model("monitoring", "Metric")
    for item in ReviewTemplateItem.objects.filter(evidence="manual"):
        if not item.metrics.exists():
            evidence_bindings.bind(item, Metric)
    # Risks flagged before causes were recorded were flagged by incidents (the only flagger then).
    apps.get_model("riskregister", "Risk").objects.filter(needs_reassessment=True, review_reason="").update(
        review_reason="incident linked"
    )

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="10", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(
        name="remind overdue reviews",
        defaults={"task": "riskregister.tasks.remind_overdue_reviews", "crontab": crontab},
    )
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("riskregister", "0008_review_evidence_and_reports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
