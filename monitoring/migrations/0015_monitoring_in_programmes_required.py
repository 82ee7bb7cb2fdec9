"""Metrics, alert rules and SLOs now always name their programme; a metric's name and an alert
rule's condition are unique within it (keys stay the organisation's: pushers address them alone)."""

import django.db.models.deletion
from django.db import migrations, models


def _programme() -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="register.programme",
        verbose_name="programme",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0014_monitoring_in_programmes"),
    ]

    operations = [
        migrations.AlterField(model_name="alertrule", name="programme", field=_programme()),
        migrations.AlterField(model_name="metric", name="programme", field=_programme()),
        migrations.AlterField(model_name="slo", name="programme", field=_programme()),
        migrations.AddConstraint(
            model_name="alertrule",
            constraint=models.UniqueConstraint(
                fields=("programme", "priority", "condition"), name="alertrule_unique_condition"
            ),
        ),
        migrations.AddConstraint(
            model_name="metric",
            constraint=models.UniqueConstraint(fields=("programme", "name"), name="metric_unique_name"),
        ),
    ]
