"""Writes of the portal's own records: the patient's e-mail choices, their secret calendar address, and the
messages between the patient and their clinic."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from clinic.models import Patient, User
from portal import notices, selectors
from portal.models import CalendarFeed, Message, PortalPreferences


def portal_preferences_update(*, patient: Patient, **choices: bool) -> PortalPreferences:
    """Save the patient's choices given (`email_reminders`, `email_notices`); the others stay as they were."""
    preferences, _ = PortalPreferences.objects.update_or_create(patient=patient, defaults=choices)
    return preferences


def _revoke_feeds(patient: Patient, by) -> int:
    return CalendarFeed.objects.active().filter(patient=patient).update(revoked_at=timezone.now(), revoked_by=by)


@transaction.atomic
def calendar_feed_create(*, patient: Patient, by) -> CalendarFeed:
    """A new secret calendar address for the patient; the one before it stops working."""
    Patient.objects.select_for_update().get(pk=patient.pk)
    _revoke_feeds(patient, by)
    return CalendarFeed.objects.create(patient=patient, created_by=by)


@transaction.atomic
def calendar_feed_revoke(*, patient: Patient, by) -> bool:
    """Stop the patient's calendar address: calendar apps subscribed to it get nothing more. False if none worked."""
    return bool(_revoke_feeds(patient, by))


# The most messages one side of a conversation sends in an hour: more than any exchange needs, and a stop to a stuck
# button or a script.
MESSAGES_PER_HOUR = 10


class MessageRefused(Exception):
    """A message that cannot be sent, with the reason in words for the person writing it."""


def messages_closed_because(patient: Patient) -> str:
    """Why nobody can write in the patient's conversation, or "" when it is open: the patient reads and writes in
    their portal, so they need an account, and an anonymised record is contacted by nobody."""
    if patient.is_anonymised:
        return "This record is anonymised: nobody can be contacted about it."
    if patient.user_id is None:
        return "The patient has no portal account yet: invite them to the portal to exchange messages."
    return ""


@transaction.atomic
def message_send(
    *, patient: Patient, by: User, body: str, send_email: bool = True, now: datetime | None = None
) -> Message:
    """Add a message to the patient's conversation, written by the patient themselves or by a member of the
    clinic's staff (`by`). Refused with MessageRefused when the conversation is closed or this side has sent
    MESSAGES_PER_HOUR in the last hour. A member of staff answering has read what the patient wrote, and the patient
    is e-mailed a notice (portal.notices; unless `send_email` is off, as for the demo clinic)."""
    now = now or timezone.now()
    closed = messages_closed_because(patient)
    if closed:
        raise MessageRefused(closed)
    from_patient = by.pk == patient.user_id
    Patient.objects.select_for_update().get(pk=patient.pk)  # one sender at a time, so the count below holds
    recent = Message.objects.filter(patient=patient, from_patient=from_patient, sent_at__gt=now - timedelta(hours=1))
    if recent.count() >= MESSAGES_PER_HOUR:
        clinic = patient.clinic
        raise MessageRefused(
            f"You have sent {MESSAGES_PER_HOUR} messages in the last hour, the most we take: please wait a little "
            f"before sending another. If it is urgent, call {clinic.name} on {clinic.phone}."
            if from_patient
            else f"{MESSAGES_PER_HOUR} messages to this patient in the last hour is the most: please wait a little, "
            "or call them."
        )
    message = Message(patient=patient, from_patient=from_patient, author=by, body=body.strip(), sent_at=now)
    message.full_clean(exclude=["patient", "author", "read_by"])
    message.save()
    if from_patient:
        patients_count_unread_messages(patient_ids=[patient.pk])
    else:
        messages_mark_read(patient=patient, by=by, now=now)
        if send_email:
            notices.message_notice(message)
    return message


def messages_mark_read(*, patient: Patient, by: User, now: datetime | None = None) -> int:
    """Mark what the other side wrote as read by `by` (the patient, or a member of staff), as they open the
    conversation. How many messages were new to them."""
    now = now or timezone.now()
    messages = Message.objects.filter(patient=patient)
    if by.pk == patient.user_id:
        return messages.unread_by_patient().update(read_at=now)
    read = messages.unread_by_staff().update(read_at=now, read_by=by)
    if read:
        patients_count_unread_messages(patient_ids=[patient.pk])
    return read


def patients_count_unread_messages(*, patient_ids) -> None:
    """Store on each patient how many of their messages the staff have not read (Patient.unread_messages, by which
    the clinicians' list sorts), counted afresh in one UPDATE whatever the number of patients. Every change to it (a
    message from the patient, the staff reading them) calls it; so does the data migration."""
    Patient.objects.filter(pk__in=patient_ids).update(unread_messages=selectors.unread_by_staff_count())
