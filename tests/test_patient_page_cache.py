"""On PostgreSQL the patient page's sections are read once for each state of the rows they show (the `xmin` of each,
clinic.page_cache.records_state), then from the page cache: the page changes as soon as any of those rows does,
whatever wrote it, is never another patient's, role's or reader's, and carries each request's own CSRF token. (In the
embedded mode, on SQLite, the sections are read every time: tests/test_patient_page.py.)"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.page_sections import _csrf_stand_in, patient_page_records
from intake import services as intake_services
from intake.models import FollowUpSchedule, IntakeInvite
from plans.models import PlanAlert, SessionLog
from portal import services as portal_services
from portal.models import CalendarFeed, Message
from tests.factories import FrontDeskFactory, PatientFactory, PhysioFactory
from tests.intake.factories import SubmittedIntakeFactory
from tests.pages import patient_page, signed_in
from tests.plans.plan_factories import issued_plan, load_shipped_library, sessions

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="records_state reads PostgreSQL's row versions"),
    # Each request its own transaction, as in production: within a test's transaction nothing is kept.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def shipped_library(db):
    load_shipped_library()


def test_the_sections_are_kept_after_the_first_view(physio_client, patient, physio):
    intake_services.invite_create(patient=patient, by=physio, send_email=False)
    with CaptureQueriesContext(connection) as cold:
        first = patient_page(physio_client, patient)
    with CaptureQueriesContext(connection) as kept:
        again = patient_page(physio_client, patient)
    assert again == first
    # The sections' eight reads become one, the state of their records. The session, the user and their role; the
    # request's transaction begun; the patient; the state; the audit entry; the transaction committed.
    assert (len(cold), len(kept)) == (16, 8)
    read = " ".join(query["sql"] for query in kept)
    assert read.count("xmin") == len(patient_page_records(patient_id=patient.pk, clinic_id=patient.clinic_id))
    assert not re.search(r'SELECT "(intake_intakeinvite|plans_plan|portal_message)"\."id"', read)


def test_every_row_the_sections_show_is_in_their_record_sets(physio_client, patient, physio, clinic, shipped_library):
    """What a section reads without naming it in its `records` would be served stale from the cache."""
    for write in (_invite, _alert, _schedule, _feed, _message):
        write(patient, physio)
    with CaptureQueriesContext(connection) as captured:
        patient_page(physio_client, patient)
    read = {table for query in captured for table in re.findall(r'(?:FROM|JOIN) "(\w+)"', query["sql"])}
    named = {
        records.model._meta.db_table for records in patient_page_records(patient_id=patient.pk, clinic_id=clinic.pk)
    }
    assert {"intake_intakeinvite", "plans_planalert", "portal_message"} <= read
    assert read - {"django_session"} <= named  # the session is the sign-in's


def _invite(patient, physio):
    intake_services.invite_create(patient=patient, by=physio, send_email=False)


def _alert(patient, physio):
    plan = issued_plan(patient)
    day = next(s["date"] for s in sessions(plan.current_revision.content) if s["kind"] != "rest")
    log = SessionLog.objects.create(
        plan=plan, revision=plan.current_revision, session_date=day, pain_during_max=6, traffic_light="red"
    )
    PlanAlert.objects.create(plan=plan, log=log, code="two_reds_in_14_days", rule="P5", reason="Two reds")


def _schedule(patient, physio):
    SubmittedIntakeFactory(patient=patient)
    intake_services.follow_up_schedule_set(
        patient=patient,
        by=physio,
        instruments=["nprs"],
        every_weeks=4,
        start=timezone.localdate() + timedelta(days=7),
        safety_questions=False,
    )


def _message(patient, physio):
    patient.user = get_user_model().objects.create_user(email="emma.p@example.org", password="a long passphrase 42")
    patient.save()
    portal_services.message_send(patient=patient, by=patient.user, body="My knee is better.", send_email=False)


def _feed(patient, physio):
    portal_services.calendar_feed_create(patient=patient, by=physio.user)


# Each written as no service writes it, with a queryset's update(): the state follows the rows, not the services.
CHANGES = {
    "a link's wrong dates of birth": (
        _invite,
        lambda patient, physio: IntakeInvite.objects.filter(patient=patient).update(failed_dob_attempts=2),
        "Wrong dates of birth: 2.",
        None,
    ),
    "an alert reviewed": (
        _alert,
        lambda patient, physio: PlanAlert.objects.update(reviewed_at=timezone.now()),
        None,
        "1 alert to review",
    ),
    "the follow-ups stopped": (
        _schedule,
        lambda patient, physio: FollowUpSchedule.objects.update(stopped_at=timezone.now()),
        "None scheduled.",
        "Every 4 weeks",
    ),
    "a message read": (
        _message,
        lambda patient, physio: Message.objects.update(read_at=timezone.now(), read_by=physio.user),
        None,
        "1 unread message",
    ),
    "the calendar address stopped": (
        _feed,
        lambda patient, physio: CalendarFeed.objects.update(revoked_at=timezone.now()),
        None,
        "Calendar address in use since",
    ),
    "a physiotherapist's name": (
        _invite,
        lambda patient, physio: get_user_model().objects.filter(pk=physio.user_id).update(last_name="Okonkwo-Reid"),
        "Okonkwo-Reid",
        None,
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_kept_patient_page_follows_a_change_to_its_records(change, physio_client, patient, physio, shipped_library):
    before, write, shown, gone = CHANGES[change]
    before(patient, physio)
    first = patient_page(physio_client, patient)
    assert patient_page(physio_client, patient) == first  # kept
    assert (shown is None or shown not in first) and (gone is None or gone in first)
    write(patient, physio)
    after = patient_page(physio_client, patient)
    assert (shown is None or shown in after) and (gone is None or gone not in after)


def test_a_kept_patient_page_follows_the_day(patient, physio, time_machine):
    time_machine.move_to(timezone.make_aware(datetime.combine(timezone.localdate(), time(12))), tick=False)
    _schedule(patient, physio)
    assert "Due since" not in patient_page(signed_in(physio), patient)
    time_machine.move_to(timezone.now() + timedelta(days=7), tick=False)
    assert "Due since" in patient_page(signed_in(physio), patient)  # signed in on the day


def test_the_front_desk_never_gets_what_was_kept_for_a_physiotherapist(physio_client, patient, physio, clinic):
    _message(patient, physio)
    assert "My knee is better." in patient_page(physio_client, patient)
    desk = patient_page(signed_in(FrontDeskFactory(clinic=clinic)), patient)
    assert "My knee is better." not in desk and "1 message between the patient and the physiotherapists" in desk


def test_each_patient_gets_their_own_sections(physio_client, clinic, physio):
    ada, bo = (PatientFactory(clinic=clinic, physio=physio, email=f"{name}@example.org") for name in ("ada", "bo"))
    for patient in (ada, bo):
        intake_services.invite_create(patient=patient, by=physio, send_email=True)
    assert "e-mailed to ada@example.org" in patient_page(physio_client, ada)
    shown = patient_page(physio_client, bo)
    assert "e-mailed to bo@example.org" in shown and "ada@example.org" not in shown


def test_a_kept_page_carries_the_csrf_token_of_its_own_request(patient, physio):
    _message(patient, physio)
    patient_page(signed_in(physio), patient)  # kept
    client = Client(enforce_csrf_checks=True)
    client.force_login(physio.user)
    html = client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert f"Your message to {patient.first_name}" in html and _csrf_stand_in() not in html
    answer_box_token = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[-1]  # the last section's
    sent = client.post(
        reverse("patient_messages", args=[patient.pk]), {"body": "Keep going.", "csrfmiddlewaretoken": answer_box_token}
    )
    assert sent.status_code == 302 and Message.objects.filter(body="Keep going.").exists()


def test_a_kept_patient_page_says_when_a_link_has_expired(patient, physio, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _invite(patient, physio)
    IntakeInvite.objects.update(expires_at=timezone.now() + timedelta(minutes=2))
    client = signed_in(physio)  # signing in writes the account: signed in before the page is kept
    assert "Works until" in patient_page(client, patient)
    assert "Works until" in patient_page(client, patient)  # kept
    time_machine.move_to(timezone.now() + timedelta(minutes=2), tick=False)  # nothing written since
    assert "The link has expired." in patient_page(client, patient)


def test_each_physiotherapist_reads_their_own_messages_as_theirs(patient, physio, clinic):
    colleague = PhysioFactory(clinic=clinic, user__first_name="Ben", user__last_name="Adeyemi")
    _message(patient, physio)
    portal_services.message_send(patient=patient, by=physio.user, body="Well done.", send_email=False)
    hers, his = signed_in(physio), signed_in(colleague)  # both signed in before the page is kept
    assert '<span class="fw-semibold">You</span>' in patient_page(hers, patient)
    shown = patient_page(his, patient)
    assert '<span class="fw-semibold">Alice Morgan</span>' in shown
    assert '<span class="fw-semibold">You</span>' not in shown
