# The tables the portal took over from the clinic app get the portal's names; their rows stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_portal_models_from_clinic"),
        ("clinic", "0006_portal_models_moved_to_portal"),
    ]

    operations = [
        migrations.AlterModelTable(name="portalpreferences", table=None),
        migrations.AlterModelTable(name="calendarfeed", table=None),
        migrations.AlterModelTable(name="remindersent", table=None),
    ]
