"""The portal's records in a patient's data rights: exported (never the calendar address's secret), closed on
anonymisation (the messages' words replaced), deleted on erasure."""

from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic import data_rights
from clinic.personal_data import REMOVED_TEXT
from intake import services as intake_services
from intake.models import FollowUp, FollowUpSchedule, OutcomeResponse
from portal import services as portal_services
from portal.models import CalendarFeed, Message, NoticeSent, PortalPreferences, ReminderKind, ReminderSent
from tests.intake.factories import SubmittedIntakeFactory

TODAY = date(2026, 12, 1)


@pytest.fixture
def portal_records(patient, physio):
    """A calendar address, preferences, a reminder sent, a follow-up schedule and an answered follow-up, and a
    message each way (the physio's read)."""
    SubmittedIntakeFactory(patient=patient)
    feed = portal_services.calendar_feed_create(patient=patient, by=patient.user)
    portal_services.portal_preferences_update(patient=patient, email_reminders=True)
    ReminderSent.objects.create(patient=patient, kind=ReminderKind.SESSION, for_date=TODAY, sent_at=timezone.now())
    schedule = intake_services.follow_up_schedule_set(
        patient=patient, by=physio, instruments=["akps"], every_weeks=2, start=TODAY, safety_questions=False
    )
    intake_services.follow_up_submit(schedule=schedule, due_on=TODAY, answers={"akps": {"limp": "none"}})
    portal_services.message_send(patient=patient, by=patient.user, body="Can I run on Sunday? Emma")
    portal_services.message_send(patient=patient, by=physio.user, body="Yes, Emma: an easy one.")
    return feed


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(timezone.make_aware(datetime.combine(TODAY, time(12))), tick=False)


def test_the_export_holds_the_portal_records_without_the_calendar_secret(patient, physio, portal_records):
    data = data_rights.patient_export_data(patient, by=physio)
    assert data["portal"]["portal_preferences"][0]["email_reminders"] is True
    [feed] = data["portal"]["calendar_feeds"]
    assert feed["active"] is True and "token" not in feed
    assert portal_records.token not in str(data)
    assert data["portal"]["reminders_sent"][0]["kind"] == "session"
    assert len(data["intake"]["follow_up_schedules"]) == 1 and len(data["intake"]["follow_ups"]) == 1
    [notice] = data["portal"]["notices_sent"]  # of the physio's answer
    assert (notice["kind"], notice["kind_label"]) == ("message", "New message")
    asked, answered = data["portal"]["messages"]
    assert (asked["body"], asked["from_patient"], asked["author"]) == (
        "Can I run on Sunday? Emma",
        True,
        str(patient.user),
    )
    assert (asked["read_by"], asked["read_at"]) == (str(physio.user), timezone.now())  # read as it was answered
    assert (answered["body"], answered["author"], answered["read_at"]) == (
        "Yes, Emma: an easy one.",
        str(physio.user),
        None,
    )


def test_anonymising_stops_the_calendar_address_reminders_and_questionnaires(client, patient, portal_records):
    url = portal_records.get_absolute_url()
    data_rights.patient_anonymise(patient=patient)
    assert client.get(url).status_code == 404
    assert not CalendarFeed.objects.active().exists() and CalendarFeed.objects.get().token not in url
    preferences = PortalPreferences.objects.get(patient=patient)
    assert (preferences.email_reminders, preferences.email_notices) == (False, False)
    assert not FollowUpSchedule.objects.active().exists()
    assert FollowUp.objects.filter(patient=patient).exists()  # the clinical record stays
    assert list(Message.objects.values_list("body", "from_patient")) == [(REMOVED_TEXT, True), (REMOVED_TEXT, False)]


def test_erasing_deletes_the_portal_records(client, patient, portal_records):
    url = portal_records.get_absolute_url()
    data_rights.patient_erase(patient=patient)
    portal = (CalendarFeed, PortalPreferences, ReminderSent, NoticeSent, Message)
    for model in (*portal, FollowUpSchedule, FollowUp, OutcomeResponse):
        assert not model.objects.exists(), model.__name__
    assert client.get(url).status_code == 404
    assert client.get(reverse("my_page")).status_code == 302
