"""Incidents belong to a programme — an existing one to the programme of its first linked risk,
else to the default programme (register.migrations._programme_fill) — and an integration token may
name one (empty: the organisation, as every token was). Made non-null in 0010 (see register 0007)."""

import django.db.models.deletion
from django.db import migrations, models

from register.migrations._programme_fill import Default


def into_programmes(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    default = Default(apps)
    first_risk = {}
    for incident_id, programme_id in Incident.risks.through.objects.order_by("incident_id", "risk_id").values_list(
        "incident_id", "risk__programme_id"
    ):
        first_risk.setdefault(incident_id, programme_id)
    for pk in Incident.objects.order_by("pk").values_list("pk", flat=True):
        Incident.objects.filter(pk=pk).update(programme_id=first_risk.get(pk) or default.pk)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("incidents", "0008_channel_in_notifications"),
        ("register", "0009_catalogue_in_programmes_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="programme",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="register.programme",
                verbose_name="programme",
            ),
        ),
        migrations.AddField(
            model_name="integrationtoken",
            name="programme",
            field=models.ForeignKey(
                blank=True,
                help_text="The alerts it sends are matched to this programme's risks (and those of the programmes under it). Empty: the whole organisation.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="register.programme",
                verbose_name="programme",
            ),
        ),
        migrations.RunPython(into_programmes, migrations.RunPython.noop),
    ]
