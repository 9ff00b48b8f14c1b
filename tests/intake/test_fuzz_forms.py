"""Fuzzing the intake's forms through their pages: the date-of-birth check, every questionnaire step (through the
patient's link too), the portal account offered after sending it, the examination, the assessment's decisions, the
follow-up schedule and a follow-up questionnaire in the portal. No server error, and every refusal is keyed by the
field it is about. (tests/fuzzing.py says what is sent.)"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from intake import services
from intake.codes import Cause, RedFlag
from intake.forms import DateOfBirthForm
from intake.models import Intake
from intake.questions import REVIEW, STEPS
from tests.factories import PASSWORD, PatientFactory
from tests.fuzzing import FEW_EXAMPLES, FORMS, field_values, fuzz_page, junk, pages, rolled_back
from tests.intake.factories import (
    REQUIRED_INTAKE,
    ExaminationFactory,
    SubmittedIntakeFactory,
    fill_in,
    intake_from_vignette,
    vignette,
)

CASE_DAY = datetime(2026, 12, 1, 10, tzinfo=UTC)  # the vignettes' "as_of"
# The postpartum vignette opens every step, the baby's included; its red flags can be overridden.
PP_10_WEEKS = "postpartum-10-weeks-override-12-week-gate"
# The answer to a wrong date of birth: it says the date does not match, never which part, not to help a guess.
NOT_THE_DATE_OF_BIRTH = "That date of birth does not match our records. Please check it and try again."


@pytest.fixture(autouse=True)
def case_day():
    with time_machine.travel(CASE_DAY, tick=False):
        yield


def _draft(fixture) -> Intake:
    """A questionnaire in progress with every required answer, after a birth (so every step is open)."""
    intake = Intake.objects.create(patient=fixture("patient"))
    return fill_in(intake, {**REQUIRED_INTAKE, "postpartum": vignette(PP_10_WEEKS)["intake"]["postpartum"]})


def _submitted(fixture) -> Intake:
    intake = intake_from_vignette(fixture("patient"), PP_10_WEEKS)
    ExaminationFactory(intake=intake, examined_by=fixture("physio"), findings=vignette(PP_10_WEEKS)["findings"])
    return intake


def _date_of_birth(fixture):
    """Junk, and real dates (impossible ones like 31 February too) near the patient's."""
    invite = services.invite_create(patient=fixture("patient"), by=fixture("physio"), send_email=False)
    fields = DateOfBirthForm().fields
    real = {
        "day": st.integers(1, 31).map(str) | field_values(fields["day"]),
        "month": st.integers(1, 12).map(str) | field_values(fields["month"]),
        "year": st.integers(1985, 1995).map(str) | field_values(fields["year"]),
    }
    options = {"extra": real, "except_messages": [NOT_THE_DATE_OF_BIRTH]}
    return fixture("client"), invite.get_absolute_url(), options


def _questionnaire_step(slug):
    def opener(fixture):
        url = reverse("intake:staff_step", args=[_draft(fixture).patient_id, slug])
        return fixture("physio_client"), url, {"extra": {"move": st.sampled_from(["next", "back", "review"]) | junk}}

    opener.__name__ = f"questionnaire_{slug}"
    return opener


def _examination(fixture):
    intake = _submitted(fixture)
    url = reverse("intake:examination", args=[intake.patient_id, intake.pk])
    return fixture("physio_client"), url, {"extra": {"then": st.just("assess") | junk}}


FLAG_CODES = st.sampled_from(sorted(RedFlag)) | junk
CAUSE_CODES = st.sampled_from(sorted(Cause)) | junk
# The page's buttons: which one was pressed, or the flag or cause it names (forged values included).
BUTTONS = {
    "action": st.sampled_from(["save", "confirm", "refer", "add_cause"]) | junk,
    "override": FLAG_CODES,
    "remove_override": FLAG_CODES,
    "remove_cause": CAUSE_CODES,
}


def _assessment(fixture):
    """The page's own form as shown, with any of its fields changed and any of its buttons pressed."""
    intake = _submitted(fixture)
    url = reverse("intake:assessment", args=[intake.patient_id, intake.pk])
    return fixture("physio_client"), url, {"extra": BUTTONS, "keep_shown": True}


def _opened_link(fixture, patient):
    """The patient's intake link in the anonymous client, past the date-of-birth check."""
    invite = services.invite_create(patient=patient, by=fixture("physio"), send_email=False)
    born = patient.date_of_birth
    client = fixture("client")
    client.post(invite.get_absolute_url(), {"day": born.day, "month": born.month, "year": born.year})
    return client, invite


def _questionnaire_step_through_the_link(fixture):
    """A step as the patient fills it in through their link (the staff route above opens every step)."""
    client, invite = _opened_link(fixture, fixture("patient"))
    url = reverse("intake:step", args=[invite.token, STEPS[0].slug])
    return (
        client,
        url,
        {"extra": {"move": st.sampled_from(["next", "back", "review"]) | junk}, "examples": FEW_EXAMPLES},
    )


def _making_a_portal_account(fixture):
    """After sending the intake, the account the thank-you page offers (it posts to a URL of its own); sometimes
    with the record's own address."""
    patient = PatientFactory(clinic=fixture("clinic"), email="nadia@example.test")
    client, invite = _opened_link(fixture, patient)
    services.intake_submit(intake=fill_in(Intake.objects.get(invite=invite), REQUIRED_INTAKE))
    options = {
        "shown_at": reverse("intake:done", args=[invite.token]),
        "form": "account_form",
        "extra": {"email": st.just(patient.email), "new_password1": st.just(PASSWORD)},
        "examples": FEW_EXAMPLES,
    }
    return client, reverse("intake:account", args=[invite.token]), options


def _scheduling_follow_ups(fixture):
    patient = fixture("patient")
    SubmittedIntakeFactory(patient=patient)
    return fixture("physio_client"), reverse("intake:follow_up_schedule", args=[patient.pk]), {"examples": FEW_EXAMPLES}


def _answering_a_follow_up(fixture):
    """The questionnaire due today in the portal, with its safety questions."""
    patient = fixture("patient")
    SubmittedIntakeFactory(patient=patient)
    services.follow_up_schedule_set(
        patient=patient,
        by=fixture("physio"),
        instruments=["nprs", "koos_pf", "akps"],
        every_weeks=2,
        start=CASE_DAY.date(),
        safety_questions=True,
    )
    return fixture("patient_client"), reverse("intake:questionnaire"), {"examples": FEW_EXAMPLES}


PAGES = [
    _date_of_birth,
    *(_questionnaire_step(step.slug) for step in STEPS if step.slug != REVIEW),
    _questionnaire_step_through_the_link,
    _making_a_portal_account,
    _examination,
    _assessment,
    _scheduling_follow_ups,
    _answering_a_follow_up,
]


form_page = pages(PAGES)


def test_form(form_page):
    fuzz_page(form_page)


@pytest.fixture
def review_url(request):
    return reverse("intake:staff_step", args=[_draft(request.getfixturevalue).patient_id, REVIEW])


@FORMS
@given(move=st.sampled_from(["send", "back", "next"]) | junk)
def test_questionnaire_review_and_send(move, physio_client, review_url):
    """The last step has no form of its own: sending, or going back."""
    response = rolled_back(lambda: physio_client.post(review_url, {"move": move}))
    assert response.status_code in (200, 302)
