"""Bind the plan's checklist items to their default evidence, schedule the overdue-review reminder,
and grant the reviewer role the new review models."""

from django.db import migrations


def forwards(apps, schema_editor):
    # The role grants and beat rows this step once wrote are now kept by register.roles.sync_roles
    # and riskregister.schedules.sync after every migrate (post_migrate): a migration must not
    # import today's application code, which moves.
    # Risks flagged before causes were recorded were flagged by incidents (the only flagger then).
    apps.get_model("riskregister", "Risk").objects.filter(needs_reassessment=True, review_reason="").update(
        review_reason="incident linked"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("riskregister", "0008_review_evidence_and_reports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
