"""What the patient portal holds about a patient, for their data rights (composed in `clinic/data_rights.py`, with
the same five names as each app's `data_rights.py`): the portal preferences, the calendar addresses, the
reminders and notices sent and the messages between the patient and the clinic. (The portal account itself is the
patient record's, handled there.)
"""

from django.utils import timezone

from clinic.models import Patient
from clinic.personal_data import REMOVED_TEXT, StoredFile, export_record
from portal.models import CalendarFeed, Message, NoticeSent, PortalPreferences, ReminderSent

MODELS = (PortalPreferences, CalendarFeed, ReminderSent, NoticeSent, Message)
# A calendar address's token is its secret: it never leaves the database.
FEED_SECRETS = ("token",)


def export(patient: Patient) -> dict:
    return {
        "portal_preferences": [export_record(p) for p in PortalPreferences.objects.filter(patient=patient)],
        "calendar_feeds": [
            {**export_record(feed, exclude=FEED_SECRETS), "active": feed.is_active}
            for feed in CalendarFeed.objects.filter(patient=patient).select_related("created_by", "revoked_by")
        ],
        "reminders_sent": [
            export_record(reminder) for reminder in ReminderSent.objects.filter(patient=patient).order_by("pk")
        ],
        "notices_sent": [export_record(notice) for notice in NoticeSent.objects.filter(patient=patient).order_by("pk")],
        "messages": [
            export_record(message)
            for message in Message.objects.filter(patient=patient)
            .select_related("author", "read_by")
            .order_by("sent_at", "pk")
        ],
    }


def stored_files(patient: Patient) -> list[StoredFile]:
    """The portal stores no files."""
    return []


def anonymise(patient: Patient) -> None:
    """An anonymous record is contacted by nobody: its calendar addresses stop working (with new tokens, so no old
    address opens anything) and its e-mails are off. The reminders and notices sent stay: dates, no identity. The
    messages stay as a record that they were exchanged, when and by whom, their words replaced (they may name
    anyone)."""
    new_token = CalendarFeed._meta.get_field("token").get_default
    for feed in CalendarFeed.objects.filter(patient=patient):
        feed.token = new_token()
        feed.revoked_at = feed.revoked_at or timezone.now()
        feed.save(update_fields=["token", "revoked_at"])
    PortalPreferences.objects.update_or_create(
        patient=patient, defaults={"email_reminders": False, "email_notices": False}
    )
    Message.objects.filter(patient=patient).update(body=REMOVED_TEXT)


def erase(patient: Patient) -> None:
    for model in MODELS:
        model.objects.filter(patient=patient).delete()
