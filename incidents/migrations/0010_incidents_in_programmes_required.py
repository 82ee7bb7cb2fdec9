"""Incidents now always name their programme."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_incidents_in_programmes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="incident",
            name="programme",
            field=models.ForeignKey(
                blank=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="register.programme",
                verbose_name="programme",
            ),
        ),
    ]
