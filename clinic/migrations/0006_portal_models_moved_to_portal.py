# The portal's models now belong to the portal app (portal 0001 took over their tables as they are); the clinic
# app forgets them without touching the database.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0005_portal_preferences_calendar_feeds_reminders"),
        ("portal", "0001_portal_models_from_clinic"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="PortalPreferences"),
                migrations.DeleteModel(name="CalendarFeed"),
                migrations.DeleteModel(name="ReminderSent"),
            ]
        )
    ]
