"""The register's models, moved here from the riskregister app with their tables and rows."""

import django.core.validators
import django.db.models.deletion
import django.db.models.expressions
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# Content types (and so permissions, group grants and admin log entries) follow the models.
MODELS = [
    "category",
    "component",
    "levelband",
    "scaleband",
    "risk",
    "historicalrisk",
    "risklink",
    "scorechange",
    "mitigation",
    "historicalmitigation",
    "strategy",
]


def move_content_types(apps, schema_editor, source="riskregister", target="register"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(ContentType.objects.filter(app_label=target).values_list("model", flat=True))
    ContentType.objects.filter(app_label=source, model__in=set(MODELS) - taken).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="register", target="riskregister")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("riskregister", "0010_risklink"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables exist already (created under the riskregister label).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Category",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=120, unique=True, verbose_name="name")),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                    ],
                    options={
                        "verbose_name": "category",
                        "verbose_name_plural": "categories",
                        "db_table": "riskregister_category",
                        "ordering": ["order", "name"],
                    },
                ),
                migrations.CreateModel(
                    name="Component",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=80, unique=True, verbose_name="name")),
                        (
                            "aliases",
                            models.CharField(
                                blank=True,
                                help_text="Comma-separated words that name this component in plan text (e.g. Chroma, ベクトル).",
                                max_length=255,
                                verbose_name="aliases",
                            ),
                        ),
                        ("description", models.TextField(blank=True, verbose_name="description")),
                    ],
                    options={
                        "verbose_name": "component",
                        "verbose_name_plural": "components",
                        "db_table": "riskregister_component",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="LevelBand",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "level",
                            models.CharField(
                                choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                                max_length=16,
                                unique=True,
                                verbose_name="level",
                            ),
                        ),
                        (
                            "min_score",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(25),
                                ],
                                verbose_name="from score",
                            ),
                        ),
                        (
                            "colour",
                            models.CharField(
                                max_length=7,
                                validators=[
                                    django.core.validators.RegexValidator(
                                        "^#[0-9a-fA-F]{6}$", "Use a hex colour such as #d9534f."
                                    )
                                ],
                                verbose_name="colour",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "level band",
                        "verbose_name_plural": "level bands",
                        "db_table": "riskregister_levelband",
                        "ordering": ["min_score"],
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalRisk",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("code", models.CharField(db_index=True, editable=False, max_length=16, verbose_name="code")),
                        (
                            "number",
                            models.PositiveIntegerField(
                                blank=True,
                                db_index=True,
                                help_text="The risk's number in the plan; the code R-N is derived from it.",
                                verbose_name="number",
                            ),
                        ),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("description", models.TextField(blank=True, verbose_name="description")),
                        ("impact_text", models.TextField(blank=True, verbose_name="impact description")),
                        (
                            "impact",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ],
                                verbose_name="impact",
                            ),
                        ),
                        (
                            "likelihood",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ],
                                verbose_name="likelihood",
                            ),
                        ),
                        (
                            "score",
                            models.PositiveSmallIntegerField(db_index=True, editable=False, verbose_name="score"),
                        ),
                        (
                            "level",
                            models.CharField(
                                choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                                db_index=True,
                                editable=False,
                                max_length=16,
                                verbose_name="level",
                            ),
                        ),
                        (
                            "stated_level",
                            models.CharField(
                                blank=True,
                                choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                                help_text="The level the plan states; the importer warns when it disagrees with the computed one.",
                                max_length=16,
                                verbose_name="stated level",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("mitigating", "Mitigating"),
                                    ("accepted", "Accepted"),
                                    ("closed", "Closed"),
                                ],
                                default="open",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("next_review_date", models.DateField(blank=True, null=True, verbose_name="next review")),
                        (
                            "needs_reassessment",
                            models.BooleanField(
                                default=False,
                                help_text="Review now: set when an indicator turns critical, a source stays unhealthy or an incident is linked; the next review lists the risk first and completing it clears the flag.",
                                verbose_name="needs re-assessment",
                            ),
                        ),
                        (
                            "review_reason",
                            models.CharField(blank=True, editable=False, max_length=300, verbose_name="review cause"),
                        ),
                        (
                            "review_flagged_at",
                            models.DateTimeField(
                                blank=True, editable=False, null=True, verbose_name="flagged for review"
                            ),
                        ),
                        ("created_at", models.DateTimeField(blank=True, editable=False, verbose_name="created")),
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
                            "category",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="register.category",
                                verbose_name="category",
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
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="owner",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical risk",
                        "verbose_name_plural": "historical risks",
                        "db_table": "riskregister_historicalrisk",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="Risk",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("code", models.CharField(editable=False, max_length=16, unique=True, verbose_name="code")),
                        (
                            "number",
                            models.PositiveIntegerField(
                                blank=True,
                                help_text="The risk's number in the plan; the code R-N is derived from it.",
                                unique=True,
                                verbose_name="number",
                            ),
                        ),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("description", models.TextField(blank=True, verbose_name="description")),
                        ("impact_text", models.TextField(blank=True, verbose_name="impact description")),
                        (
                            "impact",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ],
                                verbose_name="impact",
                            ),
                        ),
                        (
                            "likelihood",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ],
                                verbose_name="likelihood",
                            ),
                        ),
                        (
                            "score",
                            models.PositiveSmallIntegerField(db_index=True, editable=False, verbose_name="score"),
                        ),
                        (
                            "level",
                            models.CharField(
                                choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                                db_index=True,
                                editable=False,
                                max_length=16,
                                verbose_name="level",
                            ),
                        ),
                        (
                            "stated_level",
                            models.CharField(
                                blank=True,
                                choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                                help_text="The level the plan states; the importer warns when it disagrees with the computed one.",
                                max_length=16,
                                verbose_name="stated level",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("mitigating", "Mitigating"),
                                    ("accepted", "Accepted"),
                                    ("closed", "Closed"),
                                ],
                                default="open",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("next_review_date", models.DateField(blank=True, null=True, verbose_name="next review")),
                        (
                            "live_status",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "Not monitored"),
                                    ("normal", "Normal"),
                                    ("unknown", "No data"),
                                    ("warning", "Warning"),
                                    ("critical", "Critical"),
                                ],
                                db_index=True,
                                default="",
                                editable=False,
                                max_length=16,
                                verbose_name="live status",
                            ),
                        ),
                        (
                            "needs_reassessment",
                            models.BooleanField(
                                default=False,
                                help_text="Review now: set when an indicator turns critical, a source stays unhealthy or an incident is linked; the next review lists the risk first and completing it clears the flag.",
                                verbose_name="needs re-assessment",
                            ),
                        ),
                        (
                            "review_reason",
                            models.CharField(blank=True, editable=False, max_length=300, verbose_name="review cause"),
                        ),
                        (
                            "review_flagged_at",
                            models.DateTimeField(
                                blank=True, editable=False, null=True, verbose_name="flagged for review"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                        (
                            "category",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="risks",
                                to="register.category",
                                verbose_name="category",
                            ),
                        ),
                        (
                            "components",
                            models.ManyToManyField(
                                blank=True, related_name="risks", to="register.component", verbose_name="components"
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="owned_risks",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="owner",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "risk",
                        "verbose_name_plural": "risks",
                        "db_table": "riskregister_risk",
                        "ordering": ["number"],
                        "permissions": [("manage_all_risks", "Can change every risk, not only owned ones")],
                    },
                ),
                migrations.CreateModel(
                    name="Mitigation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("number", models.PositiveSmallIntegerField(verbose_name="number")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        (
                            "kind",
                            models.CharField(
                                choices=[("preventive", "Preventive"), ("reactive", "Reactive")],
                                default="preventive",
                                max_length=16,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "detail",
                            models.TextField(
                                blank=True, help_text="Code or configuration, kept verbatim.", verbose_name="detail"
                            ),
                        ),
                        (
                            "detail_language",
                            models.CharField(blank=True, max_length=20, verbose_name="snippet language"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("planned", "Planned"),
                                    ("in_progress", "In progress"),
                                    ("done", "Done"),
                                    ("dropped", "Dropped"),
                                ],
                                default="planned",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("due_date", models.DateField(blank=True, null=True, verbose_name="due date")),
                        (
                            "done_on",
                            models.DateField(
                                blank=True,
                                help_text="Set when the status becomes done; reviews compare the indicators before and after it.",
                                null=True,
                                verbose_name="implemented on",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="owned_mitigations",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="owner",
                            ),
                        ),
                        (
                            "risk",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="mitigations",
                                to="register.risk",
                                verbose_name="risk",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "mitigation",
                        "verbose_name_plural": "mitigations",
                        "db_table": "riskregister_mitigation",
                        "ordering": ["risk__number", "number"],
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalMitigation",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("number", models.PositiveSmallIntegerField(verbose_name="number")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        (
                            "kind",
                            models.CharField(
                                choices=[("preventive", "Preventive"), ("reactive", "Reactive")],
                                default="preventive",
                                max_length=16,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "detail",
                            models.TextField(
                                blank=True, help_text="Code or configuration, kept verbatim.", verbose_name="detail"
                            ),
                        ),
                        (
                            "detail_language",
                            models.CharField(blank=True, max_length=20, verbose_name="snippet language"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("planned", "Planned"),
                                    ("in_progress", "In progress"),
                                    ("done", "Done"),
                                    ("dropped", "Dropped"),
                                ],
                                default="planned",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("due_date", models.DateField(blank=True, null=True, verbose_name="due date")),
                        (
                            "done_on",
                            models.DateField(
                                blank=True,
                                help_text="Set when the status becomes done; reviews compare the indicators before and after it.",
                                null=True,
                                verbose_name="implemented on",
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
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="owner",
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
                        "verbose_name": "historical mitigation",
                        "verbose_name_plural": "historical mitigations",
                        "db_table": "riskregister_historicalmitigation",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="RiskLink",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        (
                            "cause",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="effect_links",
                                to="register.risk",
                                verbose_name="cause",
                            ),
                        ),
                        (
                            "effect",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="cause_links",
                                to="register.risk",
                                verbose_name="effect",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "risk link",
                        "verbose_name_plural": "risk links",
                        "db_table": "riskregister_risklink",
                        "ordering": ["cause__number", "effect__number"],
                    },
                ),
                migrations.CreateModel(
                    name="ScaleBand",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "axis",
                            models.CharField(
                                choices=[("impact", "Impact"), ("likelihood", "Likelihood")],
                                max_length=16,
                                verbose_name="axis",
                            ),
                        ),
                        (
                            "level",
                            models.CharField(
                                choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                                max_length=16,
                                verbose_name="level",
                            ),
                        ),
                        ("label", models.CharField(max_length=60, verbose_name="label")),
                        (
                            "min_value",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ],
                                verbose_name="from",
                            ),
                        ),
                        (
                            "max_value",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ],
                                verbose_name="to",
                            ),
                        ),
                        ("description", models.TextField(blank=True, verbose_name="description")),
                    ],
                    options={
                        "verbose_name": "scale band",
                        "verbose_name_plural": "scale bands",
                        "db_table": "riskregister_scaleband",
                        "ordering": ["axis", "min_value"],
                        "constraints": [
                            models.UniqueConstraint(fields=("axis", "level"), name="scaleband_unique_axis_level"),
                            models.CheckConstraint(
                                condition=models.Q(("min_value__lte", models.F("max_value"))),
                                name="scaleband_min_lte_max",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ScoreChange",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "changed_at",
                            models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="changed at"),
                        ),
                        (
                            "old_impact",
                            models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="old impact"),
                        ),
                        (
                            "old_likelihood",
                            models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="old likelihood"),
                        ),
                        ("new_impact", models.PositiveSmallIntegerField(verbose_name="new impact")),
                        ("new_likelihood", models.PositiveSmallIntegerField(verbose_name="new likelihood")),
                        ("reason", models.TextField(blank=True, verbose_name="reason")),
                        (
                            "source",
                            models.CharField(
                                choices=[("import", "Plan import"), ("manual", "Manual edit"), ("review", "Review")],
                                max_length=16,
                                verbose_name="source",
                            ),
                        ),
                        (
                            "changed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="changed by",
                            ),
                        ),
                        (
                            "risk",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="score_changes",
                                to="register.risk",
                                verbose_name="risk",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "score change",
                        "verbose_name_plural": "score history",
                        "db_table": "riskregister_scorechange",
                        "ordering": ["-changed_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="Strategy",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("preventive", "Preventive"), ("reactive", "Reactive")],
                                max_length=16,
                                verbose_name="kind",
                            ),
                        ),
                        ("number", models.PositiveSmallIntegerField(verbose_name="number")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("detail", models.TextField(blank=True, verbose_name="detail")),
                        (
                            "detail_language",
                            models.CharField(blank=True, max_length=20, verbose_name="snippet language"),
                        ),
                    ],
                    options={
                        "verbose_name": "strategy",
                        "verbose_name_plural": "strategies",
                        "db_table": "riskregister_strategy",
                        "ordering": ["kind", "number"],
                        "constraints": [
                            models.UniqueConstraint(fields=("kind", "number"), name="strategy_unique_number")
                        ],
                    },
                ),
                migrations.AddIndex(
                    model_name="risk",
                    index=models.Index(fields=["-score", "number"], name="risk_score_order"),
                ),
                migrations.AddConstraint(
                    model_name="risk",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("impact__gte", 1), ("impact__lte", 5)), name="risk_impact_1_5"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="risk",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("likelihood__gte", 1), ("likelihood__lte", 5)), name="risk_likelihood_1_5"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="risk",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            (
                                "score",
                                django.db.models.expressions.CombinedExpression(
                                    models.F("impact"), "*", models.F("likelihood")
                                ),
                            )
                        ),
                        name="risk_score_is_product",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="mitigation",
                    constraint=models.UniqueConstraint(fields=("risk", "number"), name="mitigation_unique_number"),
                ),
                migrations.AddConstraint(
                    model_name="risklink",
                    constraint=models.UniqueConstraint(fields=("cause", "effect"), name="risklink_unique"),
                ),
                migrations.AddConstraint(
                    model_name="risklink",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("cause", models.F("effect")), _negated=True), name="risklink_not_self"
                    ),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
