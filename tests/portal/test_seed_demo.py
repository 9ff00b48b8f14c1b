from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from clinic.models import Clinic, Patient, StaffMember
from intake.selectors import due_follow_up
from portal.demo import DEMO_PASSWORD, PATIENT_PORTAL_EMAIL, PLAN_STARTED_DAYS_AGO
from portal.models import PortalPreferences

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_logins(demo, capsys, settings):
    counts = (Clinic.objects.count(), StaffMember.objects.count(), Patient.objects.count())
    settings.DEBUG = True
    call_command("seed_demo")
    assert (Clinic.objects.count(), StaffMember.objects.count(), Patient.objects.count()) == counts
    for output in (demo.output, capsys.readouterr().out):
        assert "physio@demo.runback.test" in output and "desk@demo.runback.test" in output


def test_seed_demo_builds_two_physios_front_desk_and_patients_in_different_states(demo):
    assert StaffMember.objects.filter(role="physiotherapist").count() == 2
    assert StaffMember.objects.filter(role="front_desk").count() == 1
    assert Patient.objects.values("status").distinct().count() > 1


def test_seed_demo_refuses_in_production_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_seed_demo_gives_emma_the_portal_with_reminders_a_calendar_and_a_questionnaire_due(demo, settings, client):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)  # idempotent
    emma = Patient.objects.get(first_name="Emma")
    assert emma.user.email == PATIENT_PORTAL_EMAIL and emma.user.check_password(DEMO_PASSWORD)
    assert PortalPreferences.objects.email_reminders_on(emma)
    assert emma.calendar_feeds.active().count() == 1
    assert due_follow_up(emma, today=timezone.localdate()) is not None
    # A conversation with her physio: the answer read, her newest question waiting for the physio; no e-mail sent.
    assert [m.from_patient for m in emma.messages.all()] == [True, False, True]
    assert [m.read_at is not None for m in emma.messages.all()] == [True, True, False]
    assert demo.emails == [] and not mail.outbox
    client.post(reverse("login"), {"login": PATIENT_PORTAL_EMAIL, "password": DEMO_PASSWORD})
    response = client.get(reverse("my_page"))
    assert response.status_code == 200 and response.context["due"] is not None


def test_seed_demo_prints_the_patient_login(demo):
    assert "patient@demo.runback.test" in demo.output


def test_seed_demo_dates_emmas_history_on_its_own_days(demo):
    """Her intake, assessment and plan on her plan's first day, each session phoned in the morning after."""
    emma = Patient.objects.get(first_name="Emma")
    first_day = timezone.localdate() - timedelta(days=PLAN_STARTED_DAYS_AGO["Emma"])
    intake = emma.intakes.get()
    plan = emma.plans.get()
    assert timezone.localdate(intake.submitted_at) == first_day
    assert timezone.localdate(intake.assessments.get().confirmed_at) == first_day
    assert (timezone.localdate(plan.created_at), plan.start) == (first_day, first_day)
    logs = list(plan.logs.order_by("session_date"))
    assert logs and all(
        timezone.localdate(log.logged_at) == min(log.session_date + timedelta(days=1), timezone.localdate())
        for log in logs
    )
