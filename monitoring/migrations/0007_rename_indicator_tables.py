"""The moved models' tables take their app's name (riskregister_risk → register_risk …); rows,
constraints and many-to-many tables go with them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0006_indicator_from_riskregister"),
        # Renamed once every table that refers to them exists (the hand-over, and the incidents it
        # waits for): SQLite rewrites references to a renamed table only in tables that exist then.
        ("riskregister", "0011_hand_over_to_apps"),
    ]

    operations = [
        migrations.AlterModelTable(
            name="historicalindicator",
            table=None,
        ),
        migrations.AlterModelTable(
            name="indicator",
            table=None,
        ),
    ]
