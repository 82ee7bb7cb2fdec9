"""Indicators (a risk's KRI bound to a metric) move here from the riskregister app; alerts and states
point at them here."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# Content types (and so permissions, group grants and admin log entries) follow the models.
MODELS = ["indicator", "historicalindicator"]


def move_content_types(apps, schema_editor, source="riskregister", target="monitoring"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(ContentType.objects.filter(app_label=target).values_list("model", flat=True))
    ContentType.objects.filter(app_label=source, model__in=set(MODELS) - taken).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="monitoring", target="riskregister")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("riskregister", "0010_risklink"),
        ("monitoring", "0005_flag_unhealthy_sources"),
        ("register", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables exist already (created under the riskregister label).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalIndicator",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                        (
                            "rule_text",
                            models.CharField(
                                blank=True,
                                help_text="As written, e.g. 応答時間が400msを超えた場合 or '> 400 ms'.",
                                max_length=300,
                                verbose_name="early warning",
                            ),
                        ),
                        (
                            "rule_kind",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "No rule"),
                                    ("threshold", "Threshold"),
                                    ("event", "Any occurrence"),
                                    ("manual", "Manual (not machine-readable)"),
                                ],
                                max_length=16,
                                verbose_name="rule kind",
                            ),
                        ),
                        (
                            "operator",
                            models.CharField(
                                blank=True,
                                choices=[(">", ">"), (">=", "≥"), ("<", "<"), ("<=", "≤")],
                                max_length=2,
                                verbose_name="operator",
                            ),
                        ),
                        ("threshold", models.FloatField(blank=True, null=True, verbose_name="threshold")),
                        ("unit", models.CharField(blank=True, max_length=20, verbose_name="unit")),
                        (
                            "rule_on_complement",
                            models.BooleanField(
                                default=False,
                                help_text="The rule speaks of the opposite rate (failure rate for a success-rate indicator): it is checked against 100 − value.",
                                verbose_name="rule on the complement",
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "metric",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="monitoring.metric",
                                verbose_name="metric",
                            ),
                        ),
                        (
                            "risk",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="register.risk",
                                verbose_name="risk",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical indicator",
                        "verbose_name_plural": "historical indicators",
                        "db_table": "riskregister_historicalindicator",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="Indicator",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                        (
                            "rule_text",
                            models.CharField(
                                blank=True,
                                help_text="As written, e.g. 応答時間が400msを超えた場合 or '> 400 ms'.",
                                max_length=300,
                                verbose_name="early warning",
                            ),
                        ),
                        (
                            "rule_kind",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "No rule"),
                                    ("threshold", "Threshold"),
                                    ("event", "Any occurrence"),
                                    ("manual", "Manual (not machine-readable)"),
                                ],
                                max_length=16,
                                verbose_name="rule kind",
                            ),
                        ),
                        (
                            "operator",
                            models.CharField(
                                blank=True,
                                choices=[(">", ">"), (">=", "≥"), ("<", "<"), ("<=", "≤")],
                                max_length=2,
                                verbose_name="operator",
                            ),
                        ),
                        ("threshold", models.FloatField(blank=True, null=True, verbose_name="threshold")),
                        ("unit", models.CharField(blank=True, max_length=20, verbose_name="unit")),
                        (
                            "rule_on_complement",
                            models.BooleanField(
                                default=False,
                                help_text="The rule speaks of the opposite rate (failure rate for a success-rate indicator): it is checked against 100 − value.",
                                verbose_name="rule on the complement",
                            ),
                        ),
                        (
                            "metric",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="indicators",
                                to="monitoring.metric",
                                verbose_name="metric",
                            ),
                        ),
                        (
                            "risk",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="indicators",
                                to="register.risk",
                                verbose_name="risk",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "indicator",
                        "verbose_name_plural": "indicators",
                        "db_table": "riskregister_indicator",
                        "ordering": ["risk__number", "order", "id"],
                    },
                ),
                migrations.AlterField(
                    model_name="alert",
                    name="indicator",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alerts",
                        to="monitoring.indicator",
                        verbose_name="indicator",
                    ),
                ),
                migrations.AlterField(
                    model_name="indicatorstate",
                    name="indicator",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="live",
                        serialize=False,
                        to="monitoring.indicator",
                        verbose_name="indicator",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="indicator",
                    constraint=models.UniqueConstraint(fields=("risk", "name"), name="indicator_unique_name"),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
