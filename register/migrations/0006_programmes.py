"""Programmes: a tree of them, memberships (a user or a group × a programme × a role), and every risk
in one. A register from before has its risks put into one programme, "Default", with every role
group a member of it in its own role (and everyone granted a register permission directly, a
viewer): what one team's register was. A new register gets its first programme with its first risk
or plan (register.models.programmes.create_default)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ROLES = ["viewer", "risk owner", "reviewer", "incident responder", "administrator", "integration"]
# The apps whose permissions, granted to a user directly, made the register visible to them.
REGISTER_APPS = ["register", "monitoring", "incidents", "reviews", "plans", "projections", "notifications"]


def into_default_programme(apps, schema_editor):
    Risk = apps.get_model("register", "Risk")
    if not Risk.objects.exists():
        return
    Programme = apps.get_model("register", "Programme")
    Membership = apps.get_model("register", "Membership")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    programme = Programme.objects.create(code="DEFAULT", name="Default")
    Risk.objects.update(programme=programme)
    apps.get_model("register", "HistoricalRisk").objects.update(programme=programme)
    for group in Group.objects.filter(name__in=ROLES):
        Membership.objects.create(programme=programme, group=group, role=group.name)
    direct = User.objects.filter(user_permissions__content_type__app_label__in=REGISTER_APPS).distinct()
    for user in direct.exclude(groups__name__in=ROLES):
        Membership.objects.create(programme=programme, user=user, role="viewer")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("register", "0005_risklink_inhibits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Programme",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "code",
                    models.CharField(
                        help_text="Short, unique; it prefixes the risk codes shown across programmes (P2 R-1).",
                        max_length=16,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Za-z0-9][A-Za-z0-9_-]*$",
                                "Letters, digits, - and _, starting with a letter or a digit (P2, PAY, ORG).",
                            )
                        ],
                        verbose_name="code",
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("description", models.TextField(blank=True, verbose_name="description")),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Active"), ("archived", "Archived (read-only)")],
                        default="active",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "lead",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="led_programmes",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="lead",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        help_text="The portfolio or organisation it belongs to; its roles and scales hold here too.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="register.programme",
                        verbose_name="parent",
                    ),
                ),
            ],
            options={
                "verbose_name": "programme",
                "verbose_name_plural": "programmes",
                "ordering": ["code"],
            },
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("viewer", "Viewer"),
                            ("risk owner", "Risk owner"),
                            ("reviewer", "Reviewer"),
                            ("incident responder", "Incident responder"),
                            ("administrator", "Administrator"),
                            ("integration", "Integration"),
                        ],
                        max_length=32,
                        verbose_name="role",
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="auth.group",
                        verbose_name="group",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                (
                    "programme",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="register.programme",
                        verbose_name="programme",
                    ),
                ),
            ],
            options={
                "verbose_name": "membership",
                "verbose_name_plural": "memberships",
                "ordering": ["programme", "role"],
            },
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("group__isnull", True), ("user__isnull", False)),
                    models.Q(("group__isnull", False), ("user__isnull", True)),
                    _connector="OR",
                ),
                name="membership_user_or_group",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                condition=models.Q(("user__isnull", False)),
                fields=("programme", "user", "role"),
                name="membership_unique_user",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                condition=models.Q(("group__isnull", False)),
                fields=("programme", "group", "role"),
                name="membership_unique_group",
            ),
        ),
        migrations.AddField(
            model_name="historicalrisk",
            name="programme",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="register.programme",
                verbose_name="programme",
            ),
        ),
        migrations.AddField(
            model_name="risk",
            name="programme",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="risks",
                to="register.programme",
                verbose_name="programme",
            ),
        ),
        migrations.RunPython(into_default_programme, migrations.RunPython.noop),
    ]
