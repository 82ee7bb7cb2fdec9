"""Review templates and reviews now always name their programme: one template per kind and one
review per kind and period within each programme."""

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
        ("reviews", "0004_reviews_in_programmes"),
    ]

    operations = [
        migrations.AlterField(model_name="review", name="programme", field=_programme()),
        migrations.AlterField(model_name="reviewtemplate", name="programme", field=_programme()),
        migrations.AddConstraint(
            model_name="review",
            constraint=models.UniqueConstraint(fields=("programme", "kind", "period"), name="review_unique_period"),
        ),
        migrations.AddConstraint(
            model_name="reviewtemplate",
            constraint=models.UniqueConstraint(fields=("programme", "kind"), name="reviewtemplate_unique_kind"),
        ),
    ]
