"""Incidents, label mappings and action items point at the register's risks and mitigations in
their new app."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0006_action_items"),
        ("register", "0001_initial"),
    ]

    operations = [
        # State only: the tables exist already (created under the riskregister label).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="actionitem",
                    name="mitigation",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="register.mitigation",
                        verbose_name="mitigation",
                    ),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="risks",
                    field=models.ManyToManyField(
                        blank=True, related_name="incidents", to="register.risk", verbose_name="risks"
                    ),
                ),
                migrations.AlterField(
                    model_name="labelmapping",
                    name="risk",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="label_mappings",
                        to="register.risk",
                        verbose_name="risk",
                    ),
                ),
            ],
        ),
    ]
