"""The moved models' tables take their app's name (riskregister_risk → register_risk …); rows,
constraints and many-to-many tables go with them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        # Renamed once every table that refers to them exists (the hand-over, and the incidents it
        # waits for): SQLite rewrites references to a renamed table only in tables that exist then.
        ("riskregister", "0011_hand_over_to_apps"),
    ]

    operations = [
        migrations.AlterModelTable(
            name="mitigationevaluation",
            table=None,
        ),
        migrations.AlterModelTable(
            name="reassessment",
            table=None,
        ),
        migrations.AlterModelTable(
            name="reportsubscription",
            table=None,
        ),
        migrations.AlterModelTable(
            name="review",
            table=None,
        ),
        migrations.AlterModelTable(
            name="reviewaction",
            table=None,
        ),
        migrations.AlterModelTable(
            name="reviewitem",
            table=None,
        ),
        migrations.AlterModelTable(
            name="reviewreport",
            table=None,
        ),
        migrations.AlterModelTable(
            name="reviewtemplate",
            table=None,
        ),
        migrations.AlterModelTable(
            name="reviewtemplateitem",
            table=None,
        ),
    ]
