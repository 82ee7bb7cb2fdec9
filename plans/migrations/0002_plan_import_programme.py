"""A plan import names the programme it was previewed against; imports from before went into the
register's one programme (DEFAULT, when the register had risks)."""

import django.db.models.deletion
from django.db import migrations, models


def into_default(apps, schema_editor):
    Programme = apps.get_model("register", "Programme")
    default = Programme.objects.filter(code="DEFAULT").first()
    if default is not None:
        apps.get_model("plans", "PlanImport").objects.filter(programme__isnull=True).update(programme=default)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
        ("register", "0007_risk_in_programme"),
    ]

    operations = [
        migrations.AddField(
            model_name="planimport",
            name="programme",
            field=models.ForeignKey(
                blank=True,
                help_text="The programme whose register the plan was previewed against and goes into.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plan_imports",
                to="register.programme",
                verbose_name="programme",
            ),
        ),
        migrations.RunPython(into_default, migrations.RunPython.noop),
    ]
