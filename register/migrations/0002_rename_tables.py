"""The moved models' tables take their app's name (riskregister_risk → register_risk …); rows,
constraints and many-to-many tables go with them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0001_initial"),
        # Renamed once every table that refers to them exists (the hand-over, and the incidents it
        # waits for): SQLite rewrites references to a renamed table only in tables that exist then.
        ("riskregister", "0011_hand_over_to_apps"),
    ]

    operations = [
        migrations.AlterModelTable(
            name="category",
            table=None,
        ),
        migrations.AlterModelTable(
            name="component",
            table=None,
        ),
        migrations.AlterModelTable(
            name="historicalmitigation",
            table=None,
        ),
        migrations.AlterModelTable(
            name="historicalrisk",
            table=None,
        ),
        migrations.AlterModelTable(
            name="levelband",
            table=None,
        ),
        migrations.AlterModelTable(
            name="mitigation",
            table=None,
        ),
        migrations.AlterModelTable(
            name="risk",
            table=None,
        ),
        migrations.AlterModelTable(
            name="risklink",
            table=None,
        ),
        migrations.AlterModelTable(
            name="scaleband",
            table=None,
        ),
        migrations.AlterModelTable(
            name="scorechange",
            table=None,
        ),
        migrations.AlterModelTable(
            name="strategy",
            table=None,
        ),
    ]
