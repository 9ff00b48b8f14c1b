"""Fuzzing the intake's forms through their pages: the date-of-birth check, every questionnaire step, the
examination and the assessment's decisions. No server error, and every refusal is keyed by the field it is about.
(tests/fuzzing.py says what is sent.)"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from intake import services
from intake.codes import Cause, RedFlag
from intake.models import Intake
from intake.questions import REVIEW, STEPS
from tests.fuzzing import FORMS, field_values, fuzz_form, junk, load_page, rolled_back
from tests.intake.factories import REQUIRED_INTAKE, ExaminationFactory, fill_in, intake_from_vignette, vignette

CASE_DAY = datetime(2026, 12, 1, 10, tzinfo=UTC)  # the vignettes' "as_of"
# The postpartum vignette opens every step, the baby's included; its red flags can be overridden.
PP_10_WEEKS = "postpartum-10-weeks-override-12-week-gate"
STEP_SLUGS = [step.slug for step in STEPS if step.slug != REVIEW]


@pytest.fixture(autouse=True)
def case_day():
    with time_machine.travel(CASE_DAY, tick=False):
        yield


@pytest.fixture
def date_of_birth_page(client, physio, patient):
    invite = services.invite_create(patient=patient, by=physio, send_email=False)
    return load_page(client, invite.get_absolute_url())


# The answer to a wrong date of birth: it says the date does not match, never which part, not to help a guess.
NOT_THE_DATE_OF_BIRTH = "That date of birth does not match our records. Please check it and try again."


@FORMS
@given(data=st.data())
def test_date_of_birth_check(data, client, date_of_birth_page):
    """Junk, and real dates (impossible ones like 31 February too) near the patient's."""
    fields = date_of_birth_page.form.fields
    real = {
        "day": st.integers(1, 31).map(str) | field_values(fields["day"]),
        "month": st.integers(1, 12).map(str) | field_values(fields["month"]),
        "year": st.integers(1985, 1995).map(str) | field_values(fields["year"]),
    }
    fuzz_form(data, client, date_of_birth_page, extra=real, except_messages=[NOT_THE_DATE_OF_BIRTH])


@pytest.fixture
def draft(patient):
    """A questionnaire in progress with every required answer, after a birth (so every step is open)."""
    intake = Intake.objects.create(patient=patient)
    return fill_in(intake, {**REQUIRED_INTAKE, "postpartum": vignette(PP_10_WEEKS)["intake"]["postpartum"]})


@pytest.fixture
def step_page(slug, physio_client, draft):
    return load_page(physio_client, reverse("intake:staff_step", args=[draft.patient_id, slug]))


@pytest.mark.parametrize("slug", STEP_SLUGS)
@FORMS
@given(data=st.data())
def test_questionnaire_step(slug, data, physio_client, step_page):
    fuzz_form(data, physio_client, step_page, extra={"move": st.sampled_from(["next", "back", "review"]) | junk})


@FORMS
@given(move=st.sampled_from(["send", "back", "next"]) | junk)
def test_questionnaire_review_and_send(move, physio_client, draft):
    """The last step has no form of its own: sending, or going back."""
    url = reverse("intake:staff_step", args=[draft.patient_id, REVIEW])
    response = rolled_back(lambda: physio_client.post(url, {"move": move}))
    assert response.status_code in (200, 302)


@pytest.fixture
def submitted(patient, physio):
    intake = intake_from_vignette(patient, PP_10_WEEKS)
    ExaminationFactory(intake=intake, examined_by=physio, findings=vignette(PP_10_WEEKS)["findings"])
    return intake


@pytest.fixture
def examination_page(physio_client, submitted):
    return load_page(physio_client, reverse("intake:examination", args=[submitted.patient_id, submitted.pk]))


@FORMS
@given(data=st.data())
def test_examination(data, physio_client, examination_page):
    fuzz_form(data, physio_client, examination_page, extra={"then": st.just("assess") | junk})


FLAG_CODES = st.sampled_from(sorted(RedFlag)) | junk
CAUSE_CODES = st.sampled_from(sorted(Cause)) | junk
# The page's buttons: which one was pressed, or the flag or cause it names (forged values included).
BUTTONS = {
    "action": st.sampled_from(["save", "confirm", "refer", "add_cause"]) | junk,
    "override": FLAG_CODES,
    "remove_override": FLAG_CODES,
    "remove_cause": CAUSE_CODES,
}


@pytest.fixture
def assessment_page(physio_client, submitted):
    return load_page(physio_client, reverse("intake:assessment", args=[submitted.patient_id, submitted.pk]))


@FORMS
@given(data=st.data())
def test_assessment_decisions(data, physio_client, assessment_page):
    """The page's own form as shown, with any of its fields changed and any of its buttons pressed."""
    fuzz_form(data, physio_client, assessment_page, extra=BUTTONS, keep_shown=True)
