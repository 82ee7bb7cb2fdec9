"""The review models, moved here from the riskregister app with their tables and rows."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Content types (and so permissions, group grants and admin log entries) follow the models.
MODELS = [
    "reviewtemplate",
    "reviewtemplateitem",
    "review",
    "reviewitem",
    "reassessment",
    "mitigationevaluation",
    "reviewaction",
    "reviewreport",
    "reportsubscription",
]


def move_content_types(apps, schema_editor, source="riskregister", target="reviews"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(ContentType.objects.filter(app_label=target).values_list("model", flat=True))
    ContentType.objects.filter(app_label=source, model__in=set(MODELS) - taken).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="reviews", target="riskregister")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("riskregister", "0010_risklink"),
        ("monitoring", "0006_indicator_from_riskregister"),
        ("register", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables exist already (created under the riskregister label).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReviewTemplate",
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
                                choices=[("weekly", "Weekly"), ("monthly", "Monthly")],
                                max_length=16,
                                unique=True,
                                verbose_name="kind",
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                    ],
                    options={
                        "verbose_name": "review template",
                        "verbose_name_plural": "review templates",
                        "db_table": "riskregister_reviewtemplate",
                        "ordering": ["kind"],
                    },
                ),
                migrations.CreateModel(
                    name="ReportSubscription",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("email", models.EmailField(max_length=254, verbose_name="email")),
                        (
                            "kind",
                            models.CharField(
                                blank=True,
                                choices=[("weekly", "Weekly"), ("monthly", "Monthly")],
                                help_text="Empty: weekly and monthly.",
                                max_length=16,
                                verbose_name="reviews",
                            ),
                        ),
                        ("active", models.BooleanField(default=True, verbose_name="active")),
                    ],
                    options={
                        "verbose_name": "report subscription",
                        "verbose_name_plural": "report subscriptions",
                        "db_table": "riskregister_reportsubscription",
                        "ordering": ["email"],
                        "constraints": [
                            models.UniqueConstraint(fields=("email", "kind"), name="reportsubscription_unique")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Review",
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
                                choices=[("weekly", "Weekly"), ("monthly", "Monthly")],
                                max_length=16,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "period",
                            models.CharField(
                                help_text="ISO week (2026-W48) or month (2026-11).",
                                max_length=10,
                                verbose_name="period",
                            ),
                        ),
                        ("period_start", models.DateField(verbose_name="period start")),
                        ("period_end", models.DateField(verbose_name="period end")),
                        (
                            "status",
                            models.CharField(
                                choices=[("open", "Open"), ("in_progress", "In progress"), ("completed", "Completed")],
                                default="open",
                                editable=False,
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("due_date", models.DateField(verbose_name="due date")),
                        ("opened_at", models.DateTimeField(auto_now_add=True, verbose_name="opened")),
                        (
                            "completed_at",
                            models.DateTimeField(blank=True, editable=False, null=True, verbose_name="completed"),
                        ),
                        ("summary", models.TextField(blank=True, verbose_name="summary")),
                        (
                            "reminded_on",
                            models.DateField(blank=True, editable=False, null=True, verbose_name="last reminder"),
                        ),
                        (
                            "completed_by",
                            models.ForeignKey(
                                blank=True,
                                editable=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="completed by",
                            ),
                        ),
                        (
                            "reviewers",
                            models.ManyToManyField(
                                blank=True,
                                related_name="reviews",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="reviewers",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "review",
                        "verbose_name_plural": "reviews",
                        "db_table": "riskregister_review",
                        "ordering": ["-period_start", "kind"],
                        "permissions": [("complete_review", "Can complete a review and apply its re-assessments")],
                    },
                ),
                migrations.CreateModel(
                    name="Reassessment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("current_impact", models.PositiveSmallIntegerField(verbose_name="current impact")),
                        ("current_likelihood", models.PositiveSmallIntegerField(verbose_name="current likelihood")),
                        (
                            "proposed_impact",
                            models.PositiveSmallIntegerField(
                                blank=True,
                                null=True,
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ],
                                verbose_name="proposed impact",
                            ),
                        ),
                        (
                            "proposed_likelihood",
                            models.PositiveSmallIntegerField(
                                blank=True,
                                null=True,
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ],
                                verbose_name="proposed likelihood",
                            ),
                        ),
                        ("rationale", models.TextField(blank=True, verbose_name="rationale")),
                        (
                            "flagged",
                            models.BooleanField(
                                default=False,
                                help_text='The risk was flagged "review now" when the review opened.',
                                verbose_name="flagged",
                            ),
                        ),
                        ("flag_reason", models.CharField(blank=True, max_length=300, verbose_name="cause")),
                        (
                            "evidence",
                            models.JSONField(blank=True, default=dict, editable=False, verbose_name="evidence"),
                        ),
                        (
                            "risk",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reassessments",
                                to="register.risk",
                                verbose_name="risk",
                            ),
                        ),
                        (
                            "review",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reassessments",
                                to="reviews.review",
                                verbose_name="review",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "re-assessment",
                        "verbose_name_plural": "re-assessments",
                        "db_table": "riskregister_reassessment",
                        "ordering": ["review", "-flagged", "-risk__score", "risk__number"],
                    },
                ),
                migrations.CreateModel(
                    name="MitigationEvaluation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "rating",
                            models.CharField(
                                choices=[
                                    ("not_yet", "Not yet"),
                                    ("effective", "Effective"),
                                    ("partial", "Partial"),
                                    ("ineffective", "Ineffective"),
                                ],
                                default="not_yet",
                                max_length=16,
                                verbose_name="rating",
                            ),
                        ),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        (
                            "evidence",
                            models.JSONField(blank=True, default=dict, editable=False, verbose_name="evidence"),
                        ),
                        (
                            "mitigation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="evaluations",
                                to="register.mitigation",
                                verbose_name="mitigation",
                            ),
                        ),
                        (
                            "review",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="mitigation_evaluations",
                                to="reviews.review",
                                verbose_name="review",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "mitigation effectiveness",
                        "verbose_name_plural": "mitigation effectiveness",
                        "db_table": "riskregister_mitigationevaluation",
                        "ordering": ["review", "mitigation__risk__number", "mitigation__number"],
                    },
                ),
                migrations.CreateModel(
                    name="ReviewAction",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("text", models.CharField(max_length=300, verbose_name="improvement")),
                        ("due_date", models.DateField(blank=True, null=True, verbose_name="due date")),
                        ("done", models.BooleanField(default=False, verbose_name="done")),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="review_actions",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="owner",
                            ),
                        ),
                        (
                            "review",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="actions",
                                to="reviews.review",
                                verbose_name="review",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "process improvement",
                        "verbose_name_plural": "process improvements",
                        "db_table": "riskregister_reviewaction",
                        "ordering": ["review", "due_date", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="ReviewItem",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("order", models.PositiveSmallIntegerField(verbose_name="order")),
                        ("section", models.CharField(blank=True, max_length=120, verbose_name="section")),
                        ("text", models.CharField(max_length=300, verbose_name="text")),
                        ("description", models.TextField(blank=True, verbose_name="description")),
                        ("done", models.BooleanField(default=False, verbose_name="done")),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        (
                            "evidence_kind",
                            models.CharField(
                                choices=[
                                    ("manual", "Manual"),
                                    ("metric", "Metric trend"),
                                    ("alerts", "Alerts (counts, precision)"),
                                    ("incidents", "Incidents (counts, MTTR)"),
                                    ("risks", "Risks (score changes)"),
                                ],
                                default="manual",
                                max_length=16,
                                verbose_name="evidence",
                            ),
                        ),
                        (
                            "evidence",
                            models.JSONField(blank=True, default=dict, editable=False, verbose_name="evidence"),
                        ),
                        (
                            "metrics",
                            models.ManyToManyField(
                                blank=True, related_name="+", to="monitoring.metric", verbose_name="metrics"
                            ),
                        ),
                        (
                            "review",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="items",
                                to="reviews.review",
                                verbose_name="review",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "review item",
                        "verbose_name_plural": "review items",
                        "db_table": "riskregister_reviewitem",
                        "ordering": ["review", "order"],
                    },
                ),
                migrations.CreateModel(
                    name="ReviewReport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("html", models.TextField(verbose_name="HTML")),
                        ("pdf", models.BinaryField(blank=True, null=True, verbose_name="PDF")),
                        ("rendered_at", models.DateTimeField(verbose_name="rendered")),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                        (
                            "review",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="report",
                                to="reviews.review",
                                verbose_name="review",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "review report",
                        "verbose_name_plural": "review reports",
                        "db_table": "riskregister_reviewreport",
                    },
                ),
                migrations.CreateModel(
                    name="ReviewTemplateItem",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("order", models.PositiveSmallIntegerField(verbose_name="order")),
                        ("section", models.CharField(blank=True, max_length=120, verbose_name="section")),
                        ("text", models.CharField(max_length=300, verbose_name="text")),
                        ("description", models.TextField(blank=True, verbose_name="description")),
                        (
                            "evidence",
                            models.CharField(
                                choices=[
                                    ("manual", "Manual"),
                                    ("metric", "Metric trend"),
                                    ("alerts", "Alerts (counts, precision)"),
                                    ("incidents", "Incidents (counts, MTTR)"),
                                    ("risks", "Risks (score changes)"),
                                ],
                                default="manual",
                                max_length=16,
                                verbose_name="evidence",
                            ),
                        ),
                        (
                            "metrics",
                            models.ManyToManyField(
                                blank=True,
                                help_text="Their trend over the period (p95 this period vs the last) is shown with the item.",
                                related_name="+",
                                to="monitoring.metric",
                                verbose_name="metrics",
                            ),
                        ),
                        (
                            "template",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="items",
                                to="reviews.reviewtemplate",
                                verbose_name="template",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "review template item",
                        "verbose_name_plural": "review template items",
                        "db_table": "riskregister_reviewtemplateitem",
                        "ordering": ["template", "order"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="review",
                    constraint=models.UniqueConstraint(fields=("kind", "period"), name="review_unique_period"),
                ),
                migrations.AddConstraint(
                    model_name="reassessment",
                    constraint=models.UniqueConstraint(fields=("review", "risk"), name="reassessment_unique_risk"),
                ),
                migrations.AddConstraint(
                    model_name="mitigationevaluation",
                    constraint=models.UniqueConstraint(
                        fields=("review", "mitigation"), name="mitigationevaluation_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="reviewitem",
                    constraint=models.UniqueConstraint(fields=("review", "order"), name="reviewitemrow_unique_order"),
                ),
                migrations.AddConstraint(
                    model_name="reviewtemplateitem",
                    constraint=models.UniqueConstraint(fields=("template", "order"), name="reviewitem_unique_order"),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
