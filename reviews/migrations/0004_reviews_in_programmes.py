"""Review templates and reviews belong to a programme: the existing ones to the default programme
(register.migrations._programme_fill) — one team's register had one checklist. Made non-null in
0005 (see register 0007 for why apart)."""

import django.db.models.deletion
from django.db import migrations, models

from register.migrations._programme_fill import Default


def into_programmes(apps, schema_editor):
    default = Default(apps)
    for name in ("ReviewTemplate", "Review"):
        model = apps.get_model("reviews", name)
        if model.objects.exists():
            model.objects.update(programme_id=default.pk)


def _programme(null: bool) -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="register.programme",
        verbose_name="programme",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("reviews", "0003_reassessment_target"),
        ("register", "0009_catalogue_in_programmes_required"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="review", name="review_unique_period"),
        migrations.AlterField(
            model_name="reviewtemplate",
            name="kind",
            field=models.CharField(
                choices=[("weekly", "Weekly"), ("monthly", "Monthly")], max_length=16, verbose_name="kind"
            ),
        ),
        migrations.AddField(model_name="review", name="programme", field=_programme(null=True)),
        migrations.AddField(model_name="reviewtemplate", name="programme", field=_programme(null=True)),
        migrations.RunPython(into_programmes, migrations.RunPython.noop),
    ]
