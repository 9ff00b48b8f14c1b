"""The intake's records: the link token, the invite's state and the case an intake becomes."""

from datetime import timedelta

from django.utils import timezone

from intake import services
from intake.models import IntakeInvite
from intake.schema import validate_case
from tests.intake.factories import POSTPARTUM_WELL, REQUIRED_INTAKE, fill_in


def test_token_names_its_invite_and_nothing_else(invite):
    assert IntakeInvite.from_token(invite.token) == invite
    assert IntakeInvite.from_token(invite.token + "x") is None


def test_tokens_of_two_invites_differ_even_for_the_same_patient(patient, physio):
    first = services.invite_create(patient=patient, by=physio)
    second = services.invite_create(patient=patient, by=physio)
    assert first.token != second.token


def test_invite_state_follows_its_dates(invite):
    now = timezone.now()
    assert invite.state(now) == "sent"
    assert invite.state(invite.expires_at + timedelta(seconds=1)) == "expired"
    invite.opened_at = now
    assert invite.state(now) == "opened"
    invite.locked_at = now
    assert invite.state(now) == "locked"


def test_intake_becomes_a_valid_case_for_the_engine(invite):
    postpartum = {**POSTPARTUM_WELL, "urine_leak": "sometimes", "fatigue": 7}
    intake = fill_in(services.intake_draft_for_invite(invite=invite), {**REQUIRED_INTAKE, "postpartum": postpartum})
    services.intake_save_step(intake=intake, step="about", answers={"patient.height_cm": 165, "patient.weight_kg": 61})
    intake = services.intake_submit(intake=intake)
    case = intake.as_case()
    assert validate_case(case) == case
    assert case["as_of"] == timezone.localdate(intake.submitted_at).isoformat()
    assert case["patient"] == {
        "date_of_birth": "1991-05-04",
        "sex_at_birth": "female",
        "height_cm": 165,
        "weight_kg": 61,
    }
    assert case["intake"]["postpartum"] == postpartum
    assert case["intake"]["akps"] == REQUIRED_INTAKE["akps"]


def test_clearing_the_last_answer_of_an_object_removes_the_object(invite):
    intake = services.intake_draft_for_invite(invite=invite)
    intake.set_answer("intake.koos_pf.kpf1", 2)
    assert intake.answers == {"koos_pf": {"kpf1": 2}}
    intake.set_answer("intake.koos_pf.kpf1", None)
    assert intake.answers == {}
