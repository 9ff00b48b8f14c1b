"""The patient portal's own records: the patient's preferences, their calendar feeds, the reminders and notices
sent, and the messages between the patient and their clinic.

The models lived in the clinic app until the portal became an app of its own; their tables were renamed with them
(migration portal 0002), and every row was kept.
"""

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from clinic.models import Patient
from clinic.site import site_url


class PortalPreferencesQuerySet(models.QuerySet):
    def email_reminders_on(self, patient) -> bool:
        """A patient without a row has the defaults: reminders on."""
        return not self.filter(patient=patient, email_reminders=False).exists()

    def for_patient(self, patient) -> "PortalPreferences":
        """The patient's choices: their row, or the defaults (not saved) when they have made none."""
        return self.filter(patient=patient).first() or PortalPreferences(patient=patient)


class PortalPreferences(models.Model):
    """A portal user's own choices. A patient without a row has the defaults (reminders and notices on)."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="portal_preferences")
    email_reminders = models.BooleanField(
        "e-mail reminders",
        default=True,
        help_text="An e-mail on the morning of each planned session, and when a questionnaire is due.",
    )
    email_notices = models.BooleanField(
        "e-mail notices",
        default=True,
        help_text="An e-mail when the clinic sends a message, and when the physiotherapist issues or changes the plan.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PortalPreferencesQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "portal preferences"

    def __str__(self):
        return f"Portal preferences {self.pk}"


CALENDAR_TOKEN_BYTES = 32  # 256 random bits: the address is the only key a calendar app can hold


def _new_feed_token() -> str:
    return secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)


class CalendarFeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """A secret address that serves the patient's plan as an iCalendar feed, for calendar apps that cannot sign in.

    At most one works per patient; revoking it makes its address answer 404 for good, and a new one can be made.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="calendar_feeds")
    token = models.CharField(max_length=64, unique=True, default=_new_feed_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(revoked_at__isnull=True), name="calendar_feed_one_active"
            )
        ]

    def __str__(self):
        return f"Calendar feed {self.pk}"

    def get_absolute_url(self):
        return reverse("calendar_feed", args=[self.token])

    @property
    def link(self) -> str:
        return f"{site_url()}{self.get_absolute_url()}"

    @property
    def subscribe_link(self) -> str:
        """The address as calendar apps open it in one tap (Apple Calendar, Outlook, most phones)."""
        return f"webcal://{self.link.split('://', 1)[1]}"

    @property
    def google_link(self) -> str:
        """Google Calendar's page for subscribing to the address."""
        return f"https://calendar.google.com/calendar/render?{urlencode({'cid': self.subscribe_link})}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ReminderKind(models.TextChoices):
    SESSION = "session", "Planned session"
    QUESTIONNAIRE = "questionnaire", "Questionnaire due"


class ReminderSent(models.Model):
    """One reminder e-mail for one patient, kind and day: the row is claimed before the e-mail goes out, so a
    rerun of the reminder task (or two at once) never sends the same reminder twice."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=15, choices=ReminderKind.choices)
    for_date = models.DateField(help_text="The session's day, or the day the questionnaire fell due.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Empty until the e-mail has gone out.")

    class Meta:
        ordering = ["-for_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "kind", "for_date"], name="reminder_once_per_patient_kind_day")
        ]
        verbose_name = "reminder sent"
        verbose_name_plural = "reminders sent"

    def __str__(self):
        return f"Reminder {self.pk}"


# Long enough for a question and its story, short enough to read on a phone; what is longer goes in a second message.
MESSAGE_MAX_LENGTH = 2000


class MessageQuerySet(models.QuerySet):
    def unread_by_patient(self):
        return self.filter(from_patient=False, read_at__isnull=True)

    def unread_by_staff(self):
        return self.filter(from_patient=True, read_at__isnull=True)


class Message(models.Model):
    """One message of the conversation between a patient and their clinic's physiotherapists, in plain text.

    Each side has its read state: `read_at` is when the other side first read the message (a physiotherapist the
    patient's, the patient the staff's), and `read_by` who read it on the staff side.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="messages")
    from_patient = models.BooleanField(help_text="Written by the patient; otherwise by the clinic's staff.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],  # a TextField's max_length binds forms only
    )
    sent_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True, help_text="When the other side first read it.")
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(body=""), name="message_not_empty")]
        indexes = [
            models.Index(fields=["patient", "sent_at"]),
            models.Index(fields=["patient", "from_patient", "read_at"]),
        ]

    def __str__(self):
        return f"Message {self.pk}"


class NoticeKind(models.TextChoices):
    MESSAGE = "message", "New message"
    PLAN_ISSUED = "plan_issued", "Plan issued"
    PLAN_CHANGED = "plan_changed", "Plan changed"


class NoticeSent(models.Model):
    """One e-mail telling a patient that something new waits in their portal (a message, their plan issued or
    changed), never what it is. The row is made when the notice is due and its `sent_at` claimed before the e-mail
    goes out, so a task run twice sends it once."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=15, choices=NoticeKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Empty until the e-mail has gone out.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "notice sent"
        verbose_name_plural = "notices sent"

    def __str__(self):
        return f"Notice {self.pk}"
