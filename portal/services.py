"""Writes of the portal's own records: the patient's reminder preference and their secret calendar address."""

from django.db import transaction
from django.utils import timezone

from clinic.models import Patient
from portal.models import CalendarFeed, PortalPreferences


def portal_preferences_update(*, patient: Patient, email_reminders: bool) -> PortalPreferences:
    preferences, _ = PortalPreferences.objects.update_or_create(
        patient=patient, defaults={"email_reminders": email_reminders}
    )
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
