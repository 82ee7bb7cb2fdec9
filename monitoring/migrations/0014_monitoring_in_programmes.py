"""Metrics, alert rules and SLOs belong to a programme. A metric goes to the programme whose risks
watch it most (its other watchers keep it: readings are not copied), an alert rule to its metric's,
an SLO to its risk's or else its metric's; anything with nothing to go by to the default programme
(register.migrations._programme_fill). Made non-null in 0015 (see register 0007 for why apart)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count

from register.migrations._programme_fill import Default


def into_programmes(apps, schema_editor):
    Metric = apps.get_model("monitoring", "Metric")
    Indicator = apps.get_model("monitoring", "Indicator")
    AlertRule = apps.get_model("monitoring", "AlertRule")
    SLO = apps.get_model("monitoring", "SLO")
    default = Default(apps)
    watchers = (
        Indicator.objects.filter(metric__isnull=False)
        .values("metric_id", "risk__programme_id")
        .annotate(n=Count("pk"))
        .order_by("metric_id", "-n", "risk__programme_id")
    )
    chosen: dict[int, int] = {}
    for row in watchers:
        chosen.setdefault(row["metric_id"], row["risk__programme_id"])
    for metric in Metric.objects.order_by("pk").only("pk"):
        Metric.objects.filter(pk=metric.pk).update(programme_id=chosen.get(metric.pk) or default.pk)
    for rule in AlertRule.objects.select_related("metric"):
        rule.programme_id = rule.metric.programme_id if rule.metric_id else default.pk
        rule.save(update_fields=["programme"])
    for slo in SLO.objects.select_related("risk", "metric"):
        if slo.risk_id:
            slo.programme_id = slo.risk.programme_id
        elif slo.metric_id:
            slo.programme_id = slo.metric.programme_id
        else:
            slo.programme_id = default.pk
        slo.save(update_fields=["programme"])


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
        ("monitoring", "0013_notifications_moved"),
        ("register", "0009_catalogue_in_programmes_required"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="alertrule", name="alertrule_unique_condition"),
        migrations.AlterField(
            model_name="metric", name="name", field=models.CharField(max_length=200, verbose_name="name")
        ),
        migrations.AddField(model_name="alertrule", name="programme", field=_programme(null=True)),
        migrations.AddField(model_name="metric", name="programme", field=_programme(null=True)),
        migrations.AddField(model_name="slo", name="programme", field=_programme(null=True)),
        migrations.RunPython(into_programmes, migrations.RunPython.noop),
    ]
