"""Fuzzing the patient portal's forms through their pages: logging a session (after a birth, for an earlier day, so
every question is asked), the next-morning answers, the reminder setting, and a message each way (the patient's and
the physio's). No server error, and every refusal is
keyed by the field it is about. (tests/fuzzing.py says what is sent.)"""

from datetime import timedelta

import pytest
from django.urls import reverse

from plans import services
from tests.fuzzing import FEW_EXAMPLES, fuzz_page, pages
from tests.plans.plan_factories import TODAY, issued_plan, move_to, postpartum_answers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]

# A runner after a birth: today is a session day, and the log asks about the pelvic floor.
RUNNER_AFTER_A_BIRTH = {**postpartum_answers(20), "runs_per_week": 3, "nprs_during_run": 2}


def _plan(fixture):
    return issued_plan(fixture("patient"), answers=RUNNER_AFTER_A_BIRTH)


def _logging_yesterdays_session(fixture):
    """Yesterday's session, so the morning-after questions are on the form too."""
    _plan(fixture)
    move_to(fixture("frozen"), TODAY + timedelta(days=1))
    return fixture("patient_client"), reverse("portal_log", args=[TODAY]), {"examples": FEW_EXAMPLES}


def _the_morning_after(fixture):
    """The next-morning answers, sent from the logged session's page (they post to a URL of their own)."""
    plan = _plan(fixture)
    services.session_log_create(plan=plan, by=fixture("patient").user, session_date=TODAY, pain_during_max=1)
    move_to(fixture("frozen"), TODAY + timedelta(days=1))
    options = {"shown_at": reverse("portal_session", args=[TODAY]), "form": "morning_form", "examples": FEW_EXAMPLES}
    return fixture("patient_client"), reverse("portal_morning", args=[TODAY]), options


def _reminders(fixture):
    return fixture("patient_client"), reverse("portal_settings"), {"examples": FEW_EXAMPLES}


def _writing_to_the_clinic(fixture):
    return fixture("patient_client"), reverse("portal_messages"), {"examples": FEW_EXAMPLES}


def _answering_the_patient(fixture):
    """The cast's patient has a portal account, so her conversation is open."""
    return (
        fixture("physio_client"),
        reverse("patient_messages", args=[fixture("patient").pk]),
        {"examples": FEW_EXAMPLES},
    )


form_page = pages(
    [_logging_yesterdays_session, _the_morning_after, _reminders, _writing_to_the_clinic, _answering_the_patient]
)


def test_form(form_page):
    fuzz_page(form_page)
