"""Red-flag screening on submit (reference §8, `assessment.engine.screen_intake`) and what the patient is told."""

import pytest
from django.test import Client
from django.urls import reverse

from intake.models import Intake
from tests.factories import PatientFactory
from tests.intake.factories import POSTPARTUM_WELL, REQUIRED_INTAKE, fill_in


@pytest.fixture
def send(invite, unlock, step_url, client):
    """Fill in the whole questionnaire with `answers` through the link, send it and open the page that follows."""

    def send(answers):
        unlock(invite)
        fill_in(Intake.objects.get(invite=invite), answers)
        response = client.post(step_url("review"), {"move": "send"})
        assert response.url == reverse("intake:done", args=[invite.token])
        return Intake.objects.get(invite=invite), client.get(response.url).content.decode()

    return send


def test_hot_red_knee_with_fever_is_an_emergency_go_to_a_and_e_now(send):
    intake, page = send({**REQUIRED_INTAKE, "hot_red_knee": True, "fever_or_unwell": True})
    assert intake.flag_level == "emergency"
    assert "septic_arthritis_signs" in {flag["code"] for flag in intake.red_flags}
    assert "Please go to A&amp;E now." in page and "call 999" in page
    assert "020 7946 0001" in page  # the clinic's phone
    assert "septic" not in page.lower()  # advice, not a diagnosis


def test_a_locked_knee_is_urgent_see_a_doctor_today_or_tomorrow(send):
    intake, page = send({**REQUIRED_INTAKE, "locking": "current"})
    assert intake.flag_level == "urgent" and intake.is_urgent
    assert "Please see a doctor today or tomorrow" in page
    assert "GP surgery or an urgent treatment centre today or tomorrow" in page
    assert "020 7946 0001" in page
    assert "A&amp;E now" not in page


def test_thoughts_of_self_harm_get_calm_mental_health_advice_today(send):
    postpartum = {**POSTPARTUM_WELL, "self_harm_thoughts": True}
    intake, page = send({**REQUIRED_INTAKE, "postpartum": postpartum})
    assert intake.flag_level == "emergency"
    assert "help works" in page and "NHS 111" in page and "call 999 or go to A&amp;E now" in page
    assert "see your knee" not in page  # no knee emergency among the flags


def test_without_red_flags_the_patient_is_simply_thanked(send):
    intake, page = send(REQUIRED_INTAKE)
    assert (intake.red_flags, intake.flag_level) == ([], "")
    assert "Thank you, Emma" in page
    assert "A&amp;E" not in page and "999" not in page


def test_flags_that_only_delay_running_are_stored_but_the_patient_is_just_thanked(send):
    intake, page = send({**REQUIRED_INTAKE, "postpartum": POSTPARTUM_WELL})  # born 2026-10-06: under 12 weeks
    assert intake.flag_level == "refer_before_run"
    assert "under_12_weeks_postpartum" in {flag["code"] for flag in intake.red_flags}
    assert "Thank you, Emma" in page and "999" not in page


def test_each_stored_flag_keeps_reason_evidence_and_source(send):
    intake, _ = send({**REQUIRED_INTAKE, "locking": "current"})
    flag = next(flag for flag in intake.red_flags if flag["code"] == "true_locking")
    assert flag["level"] == "urgent" and flag["source"] == "reference §8 RF4"
    assert flag["reason"] and flag["evidence"]


def test_the_advice_page_needs_the_unlocked_session(send, invite):
    send({**REQUIRED_INTAKE, "locking": "current"})
    response = Client().get(reverse("intake:done", args=[invite.token]))
    assert response.url == invite.get_absolute_url()
    assert "your answers have been sent" in Client().get(response.url).content.decode()


def test_the_urgent_intake_goes_to_the_top_of_the_physio_list(send, physio_client, clinic, physio):
    send({**REQUIRED_INTAKE, "locking": "current"})
    PatientFactory(clinic=clinic, physio=physio, last_name="Abbott")
    names = [p.last_name for p in physio_client.get(reverse("patient_list")).context["page"].object_list]
    assert names[0] == "Clarke"
