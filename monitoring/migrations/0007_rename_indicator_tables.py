"""The moved models' tables take their app's name (riskregister_risk → register_risk …); rows,
constraints and many-to-many tables go with them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0006_indicator_from_riskregister"),
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
