"""Categories, strategies and appetite belong to a programme; a scale band may (an organisation's
scale has none). Existing rows go to the programme their risks are in — a category used by risks of
several programmes is copied into each, its risks following their programme's copy — and rows with
nothing to go by to the default programme (register.migrations._programme_fill). Scale bands stay the
organisation's. Made non-null in 0009 (see 0007 for why apart)."""

import django.db.models.deletion
from django.db import migrations, models

from register.migrations._programme_fill import Default


def into_programmes(apps, schema_editor):
    Category = apps.get_model("register", "Category")
    Risk = apps.get_model("register", "Risk")
    Appetite = apps.get_model("register", "Appetite")
    Strategy = apps.get_model("register", "Strategy")
    default = Default(apps)
    for category in Category.objects.order_by("pk"):
        programmes = list(
            Risk.objects.filter(category=category)
            .order_by("programme_id")
            .values_list("programme_id", flat=True)
            .distinct()
        )
        category.programme_id = programmes[0] if programmes else default.pk
        category.save(update_fields=["programme"])
        for programme_id in programmes[1:]:
            copy = Category.objects.create(programme_id=programme_id, name=category.name, order=category.order)
            Risk.objects.filter(category=category, programme_id=programme_id).update(category=copy)
    for version in Appetite.objects.filter(category__isnull=False).select_related("category"):
        version.programme_id = version.category.programme_id
        version.save(update_fields=["programme"])
    if Appetite.objects.filter(programme__isnull=True).exists():
        Appetite.objects.filter(programme__isnull=True).update(programme_id=default.pk)
    if Strategy.objects.exists():
        Strategy.objects.update(programme_id=default.pk)


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
        ("register", "0007_risk_in_programme"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="scaleband", name="scaleband_unique_axis_level"),
        migrations.RemoveConstraint(model_name="strategy", name="strategy_unique_number"),
        migrations.AlterField(
            model_name="category", name="name", field=models.CharField(max_length=120, verbose_name="name")
        ),
        migrations.AddField(model_name="appetite", name="programme", field=_programme(null=True)),
        migrations.AddField(model_name="category", name="programme", field=_programme(null=True)),
        migrations.AddField(model_name="strategy", name="programme", field=_programme(null=True)),
        migrations.AddField(
            model_name="scaleband",
            name="programme",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: the organisation's scale, for every programme that defines none of its own.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="register.programme",
                verbose_name="programme",
            ),
        ),
        migrations.RunPython(into_programmes, migrations.RunPython.noop),
    ]
