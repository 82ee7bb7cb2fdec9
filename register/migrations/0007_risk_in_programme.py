"""Every risk in a programme; codes and numbers unique within it (P2 R-1 and PAY R-1).

Apart from 0006 because PostgreSQL will not alter a table whose rows that transaction updated while
their foreign-key checks are still pending."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0006_programmes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="risk",
            name="programme",
            field=models.ForeignKey(
                blank=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="risks",
                to="register.programme",
                verbose_name="programme",
            ),
        ),
        migrations.AlterField(
            model_name="historicalrisk",
            name="code",
            field=models.CharField(editable=False, max_length=16, verbose_name="code"),
        ),
        migrations.AlterField(
            model_name="historicalrisk",
            name="number",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="The risk's number in the plan; the code R-N is derived from it.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(99999),
                ],
                verbose_name="number",
            ),
        ),
        migrations.AlterField(
            model_name="risk",
            name="code",
            field=models.CharField(editable=False, max_length=16, verbose_name="code"),
        ),
        migrations.AlterField(
            model_name="risk",
            name="number",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="The risk's number in the plan; the code R-N is derived from it.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(99999),
                ],
                verbose_name="number",
            ),
        ),
        migrations.AddConstraint(
            model_name="risk",
            constraint=models.UniqueConstraint(fields=("programme", "number"), name="risk_unique_number"),
        ),
        migrations.AddConstraint(
            model_name="risk",
            constraint=models.UniqueConstraint(fields=("programme", "code"), name="risk_unique_code"),
        ),
    ]
