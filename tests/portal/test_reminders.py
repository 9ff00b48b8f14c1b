"""Reminder e-mails, with the clock stopped: on the morning of a planned session and when a questionnaire falls due,
once per patient, kind and day, only to patients who want them, and with no health details."""

from datetime import datetime, time, timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.utils import timezone

from clinic.site import serving
from intake import services as intake_services
from portal import reminders
from portal import services as portal_services
from portal.models import ReminderKind, ReminderSent
from portal.tasks import queue_reminders_task, send_reminder_task
from tests.factories import PatientFactory, UserFactory
from tests.intake.factories import SubmittedIntakeFactory
from tests.plans.plan_factories import RUNNER_INTAKE, TODAY, day_of, issued_plan, sessions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shipped_library_for_the_module")]

MORNING = timezone.make_aware(datetime.combine(TODAY, time(7, 30)))


@pytest.fixture
def morning(time_machine):
    time_machine.move_to(MORNING, tick=False)
    return time_machine


SITE = "https://physio.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    """Beat has no request to take an address from: the reminders link to SITE_URL."""
    settings.SITE_URL = SITE
    with serving(None):
        yield


@pytest.fixture
def run_reminders(django_capture_on_commit_callbacks):
    """Run the beat task as beat would, and the e-mail tasks it dispatches on commit."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return queue_reminders_task()

    return run


@pytest.fixture
def on_plan(patient, morning):
    """The cast's patient with a portal account, on a runner's plan whose first day (today) is a strength session."""
    return issued_plan(patient, answers=RUNNER_INTAKE)


def test_beat_runs_the_reminders_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["patient-reminders"]
    assert entry["task"] == queue_reminders_task.name == "clinic.queue_reminders"
    assert entry["schedule"] == crontab(hour=7, minute=30)


def test_a_planned_session_today_sends_one_reminder_in_the_clinics_name(on_plan, patient, run_reminders):
    assert run_reminders() == 1
    [message] = mail.outbox
    assert message.to == [patient.user.email]
    assert message.subject == f"Your plan today · {patient.clinic.name}"
    assert message.from_email.startswith(patient.clinic.name)
    assert "You have a session planned today." in message.body
    assert f"{SITE}/me/" in message.body and f"{SITE}/me/settings/" in message.body
    reminder = ReminderSent.objects.get()
    assert (reminder.patient, reminder.kind, reminder.for_date) == (patient, ReminderKind.SESSION, TODAY)
    assert reminder.sent_at == MORNING


def test_the_reminder_carries_no_health_details(on_plan, run_reminders):
    run_reminders()
    [message] = mail.outbox
    text = (message.body + message.alternatives[0][0]).lower()
    today = on_plan.current_revision.content["weeks"][0]["sessions"][0]
    names = [entry["code"].replace("_", " ") for entry in today["exercises"]]
    for word in ("pain", "knee", "strength", "level", "red", "diagnos", *names):
        assert word not in text, word


def test_running_the_task_again_sends_nothing_twice(on_plan, run_reminders, morning):
    run_reminders()
    morning.move_to(MORNING + timedelta(hours=2), tick=False)
    assert run_reminders() == 0
    assert len(mail.outbox) == 1 and ReminderSent.objects.count() == 1


def test_a_patient_who_turned_reminders_off_gets_none(on_plan, patient, run_reminders):
    portal_services.portal_preferences_update(patient=patient, email_reminders=False)
    assert run_reminders() == 0
    assert not mail.outbox


def test_a_patient_without_a_plan_gets_no_session_reminder(patient, morning, run_reminders):
    assert run_reminders() == 0
    assert not mail.outbox


def test_a_rest_day_sends_no_reminder(on_plan, morning, run_reminders):
    rest = day_of(sessions(on_plan.current_revision.content, "rest")[0])
    morning.move_to(timezone.make_aware(datetime.combine(rest, time(7, 30))), tick=False)
    assert run_reminders() == 0


def test_a_patient_without_a_portal_account_gets_no_reminder(clinic, physio, morning, run_reminders):
    issued_plan(PatientFactory(clinic=clinic, physio=physio), answers=RUNNER_INTAKE)
    assert run_reminders() == 0


def test_a_patient_invited_but_without_a_password_gets_no_reminder(clinic, physio, morning, run_reminders):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    issued_plan(PatientFactory(clinic=clinic, physio=physio, user=user), answers=RUNNER_INTAKE)
    assert run_reminders() == 0


@pytest.fixture
def questionnaire_due(patient, physio, morning):
    SubmittedIntakeFactory(patient=patient)
    return intake_services.follow_up_schedule_set(
        patient=patient, by=physio, instruments=["koos_pf"], every_weeks=2, start=TODAY, safety_questions=False
    )


def test_a_questionnaire_falling_due_sends_one_reminder(questionnaire_due, patient, run_reminders, morning):
    assert run_reminders() == 1
    [message] = mail.outbox
    assert message.subject == f"A short questionnaire is ready for you · {patient.clinic.name}"
    assert f"{SITE}/me/questionnaire/" in message.body
    reminder = ReminderSent.objects.get()
    assert (reminder.kind, reminder.for_date) == (ReminderKind.QUESTIONNAIRE, TODAY)
    morning.move_to(MORNING + timedelta(days=1), tick=False)
    assert run_reminders() == 0  # still the same questionnaire: not reminded again


def test_a_questionnaire_answered_is_not_reminded(questionnaire_due, run_reminders):
    intake_services.follow_up_submit(schedule=questionnaire_due, due_on=TODAY, answers={"koos_pf": {"kpf1": 1}})
    assert run_reminders() == 0


def test_a_failed_send_gives_the_reminder_back_for_a_retry(on_plan, morning):
    reminder = reminders.reminders_queue(today=TODAY)[0]  # claimed; its e-mail not sent (no commit in this test)
    failing = mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=SMTPException)
    with failing, pytest.raises(SMTPException):
        reminders.reminder_send(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    assert reminder.sent_at is None
    assert send_reminder_task(reminder_id=reminder.pk) is True
    assert len(mail.outbox) == 1
    assert send_reminder_task(reminder_id=reminder.pk) is False  # sent once only


def test_a_reminder_is_not_sent_after_the_patient_turned_them_off(on_plan, patient, morning):
    reminder = reminders.reminders_queue(today=TODAY)[0]
    portal_services.portal_preferences_update(patient=patient, email_reminders=False)
    assert reminders.reminder_send(reminder_id=reminder.pk) is False
    assert not mail.outbox
