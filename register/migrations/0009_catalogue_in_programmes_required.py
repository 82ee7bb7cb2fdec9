"""Categories, strategies and appetite now always name their programme; names and numbers are
unique within it, and so are a programme's own scale bands."""

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
        ("register", "0008_catalogue_in_programmes"),
    ]

    operations = [
        migrations.AlterField(model_name="appetite", name="programme", field=_programme()),
        migrations.AlterField(model_name="category", name="programme", field=_programme()),
        migrations.AlterField(model_name="strategy", name="programme", field=_programme()),
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(fields=("programme", "name"), name="category_unique_name"),
        ),
        migrations.AddConstraint(
            model_name="strategy",
            constraint=models.UniqueConstraint(fields=("programme", "kind", "number"), name="strategy_unique_number"),
        ),
        migrations.AddConstraint(
            model_name="scaleband",
            constraint=models.UniqueConstraint(
                condition=models.Q(("programme__isnull", False)),
                fields=("programme", "axis", "level"),
                name="scaleband_unique_axis_level",
            ),
        ),
        migrations.AddConstraint(
            model_name="scaleband",
            constraint=models.UniqueConstraint(
                condition=models.Q(("programme__isnull", True)),
                fields=("axis", "level"),
                name="scaleband_unique_organisation",
            ),
        ),
    ]
