# The portal's models moved here from the clinic app. Nothing changes in the database at this step: the models
# take over the clinic app's tables as they are (0002 renames them), so not a row is lost.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import portal.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("clinic", "0005_portal_preferences_calendar_feeds_reminders"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="PortalPreferences",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "email_reminders",
                    models.BooleanField(
                        default=True,
                        help_text="An e-mail on the morning of each planned session, and when a questionnaire is due.",
                        verbose_name="e-mail reminders",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "patient",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="portal_preferences",
                        to="clinic.patient",
                    ),
                ),
            ],
            options={"verbose_name_plural": "portal preferences", "db_table": "clinic_portalpreferences"},
        ),
        migrations.CreateModel(
            name="CalendarFeed",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "token",
                    models.CharField(
                        default=portal.models._new_feed_token, editable=False, max_length=64, unique=True
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="calendar_feeds", to="clinic.patient"
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("revoked_at__isnull", True)),
                        fields=("patient",),
                        name="calendar_feed_one_active",
                    )
                ],
                "db_table": "clinic_calendarfeed",
            },
        ),
        migrations.CreateModel(
            name="ReminderSent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("session", "Planned session"), ("questionnaire", "Questionnaire due")],
                        max_length=15,
                    ),
                ),
                (
                    "for_date",
                    models.DateField(help_text="The session's day, or the day the questionnaire fell due."),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "sent_at",
                    models.DateTimeField(blank=True, help_text="Empty until the e-mail has gone out.", null=True),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="reminders", to="clinic.patient"
                    ),
                ),
            ],
            options={
                "verbose_name": "reminder sent",
                "verbose_name_plural": "reminders sent",
                "ordering": ["-for_date", "-pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("patient", "kind", "for_date"), name="reminder_once_per_patient_kind_day"
                    )
                ],
                "db_table": "clinic_remindersent",
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
