"""The assessment page: the engine's reasoning shown with its evidence and sources, causes confirmed, rejected and
added, red flags overridden only with a reason and only where the engine allows, the confirmation or referral stored
as an immutable snapshot, and the history of an intake's assessments."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.urls import reverse

from clinic.models import AuditEvent, PatientStatus
from intake import services
from intake.assessment.decisions import CauseDecision, decisions_for
from intake.assessment.engine import ENGINE_VERSION, assess
from intake.assessment.live import assessment_now
from intake.models import Assessment, AssessmentStatus, ImmutableAssessment
from intake.schema import validate_case
from tests.html_forms import form_data
from tests.intake.factories import ExaminationFactory, intake_from_vignette, vignette
from tests.roles import CLINICAL_PAGE_ROLES

CASE_DAY = datetime(2026, 12, 1, 10, tzinfo=UTC)  # the vignettes' "as_of"
PP_10_WEEKS = "postpartum-10-weeks-override-12-week-gate"
TENDINOPATHY = "patellar-tendinopathy-jumper"  # causes scoring 0.6, 0.4 and 0.2; a caution flag
FRACTURE = "acute-fall-ottawa-fracture"  # emergency
LOCKED = "meniscal-degenerative-locked"  # urgent
TOO_EARLY = "postpartum-2-weeks-too-early"  # a hard block
REASON = "All load, impact and strength tests passed; no pelvic floor symptoms (Delphi 2024)."


@pytest.fixture(autouse=True)
def case_day():
    with time_machine.travel(CASE_DAY, tick=False):
        yield


@pytest.fixture
def examined(patient, physio):
    """A submitted intake of the patient from a vignette, examined with the vignette's findings."""

    def make(name, *, findings=True):
        intake = intake_from_vignette(patient, name)
        if findings and "findings" in vignette(name):
            ExaminationFactory(intake=intake, examined_by=physio, findings=vignette(name)["findings"])
        return intake

    return make


def _url(intake):
    return reverse("intake:assessment", args=[intake.patient_id, intake.pk])


def _press(client, intake, button: dict, **changes):
    """Load the page, then send its form as shown with `changes`, pressing `button` ({name: value})."""
    page = client.get(_url(intake)).content.decode()
    data = {**form_data(page, containing="digest"), **changes, **button}
    return client.post(_url(intake), data)


def _digest(intake):
    return assessment_now(intake, as_of=CASE_DAY.date()).digest


def _override(client, intake, code, reason, **changes):
    """Write a reason for overriding a red flag and press its Override button."""
    return _press(client, intake, {"override": code}, **{f"reason-{code}": reason}, **changes)


CONFIRM = {"action": "confirm"}
REFER = {"action": "refer"}


def _overrides_stored(intake) -> dict:
    """Every override stored for the intake, in any of its assessments (a refused request may store none at all)."""
    return {code: reason for a in Assessment.objects.filter(intake=intake) for code, reason in a.overrides.items()}


def _confirmed(intake) -> Assessment:
    return Assessment.objects.get(intake=intake, status=AssessmentStatus.CONFIRMED)


# --- What the page shows -----------------------------------------------------------------------------------------


def test_assessment_page_shows_the_action_condition_flags_and_gates(physio_client, examined):
    page = physio_client.get(_url(examined(PP_10_WEEKS))).content.decode()
    assert "Refer before running" in page
    assert "Running and impact from <strong>13 December 2026</strong>" in page
    assert "Condition: Patellofemoral pain (runner&#x27;s knee)" in page and "squat reproduces the pain" in page
    assert "Under 12 weeks after birth: no running yet" in page
    assert "10 weeks after birth (under 12)" in page and "reference §8 RF18" in page


def test_assessment_page_shows_each_cause_with_score_evidence_source_and_categories(physio_client, examined):
    page = physio_client.get(_url(examined(TENDINOPATHY))).content.decode()
    assert "1. Quadriceps weakness" in page
    assert '<rect x="0" y="2" width="60" height="10"' in page and "Score 0.60 of 1" in page
    assert "Score 0.40 of 1" in page and "Score 0.20 of 1" in page
    assert "quadriceps strength reduced" in page
    assert "Reference §7 row 3" in page and "Quadriceps, open chain, Quadriceps, closed chain" in page


def test_assessment_page_lists_what_is_still_needed_linked_to_the_examination(physio_client, examined):
    intake = examined("pfp-intake-only-needs-squat-test", findings=False)
    page = physio_client.get(_url(intake)).content.decode()
    exam = reverse("intake:examination", args=[intake.patient_id, intake.pk])
    assert f'href="{exam}#exam-findings-squat_reproduces_pain">Squat reproduces the pain</a>' in page
    assert f'href="{exam}#exam-findings-readiness-hop_in_place_10">Hop in place, 10 each leg</a>' in page
    assert "from the intake alone" in page


def test_causes_at_the_threshold_start_confirmed_and_the_others_undecided(physio_client, examined):
    page = physio_client.get(_url(examined(TENDINOPATHY))).content.decode()
    sent = form_data(page, containing="digest")
    assert sent["verdict-quadriceps_weakness"] == ["confirm"]  # 0.6
    assert "verdict-impact_intolerance" not in sent  # 0.4: the physio decides
    assert "verdict-training_load_error" not in sent


# --- Confirming causes -------------------------------------------------------------------------------------------


def test_confirm_is_refused_while_a_cause_is_undecided(physio_client, examined):
    intake = examined(TENDINOPATHY)
    response = _press(physio_client, intake, CONFIRM)
    assert response.status_code == 200
    assert "Confirm or reject every cause" in response.content.decode()
    assert "Insufficient load and impact tolerance, Training load error" in response.content.decode()
    assert not Assessment.objects.filter(status=AssessmentStatus.CONFIRMED).exists()


def test_the_top_of_the_page_links_to_each_cause_still_to_decide(physio_client, examined):
    page = _press(physio_client, examined(TENDINOPATHY), CONFIRM).content.decode()
    summary = page[page.index('id="form-errors"') : page.index("</div>", page.index('id="form-errors"'))]
    assert '<a href="#cause-impact_intolerance">' in summary and '<a href="#cause-training_load_error">' in summary
    assert "Confirm or reject this cause." in page


def test_confirm_stores_the_decisions_and_the_result_shown(physio_client, examined, physio, patient):
    intake = examined(TENDINOPATHY)
    response = _press(
        physio_client,
        intake,
        CONFIRM,
        **{
            "verdict-impact_intolerance": "confirm",
            "note-impact_intolerance": "  hops painful  ",
            "verdict-training_load_error": "reject",
            "note-training_load_error": "volume steady for months",
        },
    )
    assessment = _confirmed(intake)
    assert response.url == assessment.get_absolute_url()
    assert assessment.confirmed_causes == [
        {"code": "quadriceps_weakness", "origin": "engine", "note": ""},
        {"code": "impact_intolerance", "origin": "engine", "note": "hops painful"},
    ]
    assert assessment.rejected_causes == [{"code": "training_load_error", "note": "volume steady for months"}]
    assert assessment.confirmed_cause_codes == ["quadriceps_weakness", "impact_intolerance"]
    assert (assessment.confirmed_by, assessment.as_of, assessment.engine_version) == (
        physio,
        date(2026, 12, 1),
        ENGINE_VERSION,
    )
    assert assessment.examination == intake.examination and assessment.examination_version == 1
    assert assessment.findings == vignette(TENDINOPATHY)["findings"]
    expected = assess(validate_case(assessment.case()), overrides=assessment.overrides)
    assert assessment.engine_result == expected and assessment.gates == expected["gates"]
    patient.refresh_from_db()
    assert patient.status == PatientStatus.ASSESSED
    assert AuditEvent.objects.filter(action="create", target_type="assessment", target_id=assessment.pk).exists()


def test_a_cause_the_engine_did_not_list_can_be_added_with_a_note(physio_client, examined):
    intake = examined(TENDINOPATHY)
    response = _press(
        physio_client, intake, {"action": "add_cause"}, add_code="footwear", add_note="racing flats every run"
    )
    assert response.status_code == 302
    page = physio_client.get(_url(intake)).content.decode()
    assert "Added by a physio" in page and 'value="racing flats every run"' in page
    assert '<option value="footwear">' not in page  # no longer offered
    _press(
        physio_client,
        intake,
        CONFIRM,
        **{"verdict-impact_intolerance": "reject", "verdict-training_load_error": "reject"},
    )
    assert _confirmed(intake).confirmed_causes[-1] == {
        "code": "footwear",
        "origin": "physio",
        "note": "racing flats every run",
    }


def test_adding_a_cause_needs_a_note(physio_client, examined):
    intake = examined(TENDINOPATHY)
    response = _press(physio_client, intake, {"action": "add_cause"}, add_code="footwear", add_note="   ")
    assert response.status_code == 200
    assert "Say why this cause applies." in response.content.decode()
    assert Assessment.objects.get(intake=intake).confirmed_causes[-1]["code"] != "footwear"


def test_a_listed_cause_cannot_be_added_again(physio_client, examined):
    intake = examined(TENDINOPATHY)
    response = _press(physio_client, intake, {"action": "add_cause"}, add_code="quadriceps_weakness", add_note="x")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_an_added_cause_can_be_removed(physio_client, examined):
    intake = examined(TENDINOPATHY)
    _press(physio_client, intake, {"action": "add_cause"}, add_code="footwear", add_note="worn")
    _press(physio_client, intake, {"remove_cause": "footwear"})
    assert "footwear" not in Assessment.objects.get(intake=intake).confirmed_cause_codes


def test_decisions_typed_before_another_button_are_kept(physio_client, examined):
    intake = examined(TENDINOPATHY)
    _press(
        physio_client,
        intake,
        {"action": "add_cause"},
        add_code="footwear",
        add_note="worn",
        **{"verdict-training_load_error": "reject", "note-training_load_error": "steady volume"},
    )
    sent = form_data(physio_client.get(_url(intake)).content.decode(), containing="digest")
    assert sent["verdict-training_load_error"] == ["reject"] and sent["note-training_load_error"] == ["steady volume"]


def test_a_note_that_is_too_long_keeps_everything_typed(physio_client, examined):
    intake = examined(TENDINOPATHY)
    response = _press(
        physio_client,
        intake,
        CONFIRM,
        **{"note-impact_intolerance": "x" * 301, "verdict-training_load_error": "reject"},
    )
    sent = form_data(response.content.decode(), containing="digest")
    assert response.status_code == 200
    assert sent["note-impact_intolerance"] == ["x" * 301] and sent["verdict-training_load_error"] == ["reject"]
    assert not Assessment.objects.exists()


# --- Overrides ---------------------------------------------------------------------------------------------------


def test_override_changes_the_gates_shown(physio_client, examined):
    intake = examined(PP_10_WEEKS)
    response = _override(physio_client, intake, "under_12_weeks_postpartum", REASON)
    assert response.url.endswith("#flags")
    page = physio_client.get(_url(intake)).content.decode()
    assert "A plan can be built" in page
    assert "Running and impact from <strong>1 December 2026</strong>" in page  # was 13 December
    assert "Overridden because:</span> All load, impact and strength tests passed" in page
    assert Assessment.objects.get(intake=intake).overrides == {"under_12_weeks_postpartum": REASON}


def test_override_needs_a_written_reason(physio_client, examined):
    intake = examined(PP_10_WEEKS)
    response = _override(physio_client, intake, "under_12_weeks_postpartum", "   ")
    assert response.status_code == 200
    assert "Give the reason for the override." in response.content.decode()
    assert Assessment.objects.get(intake=intake).overrides == {}


def test_override_reason_is_trimmed_and_length_limited(physio_client, examined):
    intake = examined(PP_10_WEEKS)
    too_long = _override(physio_client, intake, "under_12_weeks_postpartum", "x" * 501)
    assert "Please keep the reason to 500 characters." in too_long.content.decode()
    assert not Assessment.objects.filter(overrides__has_key="under_12_weeks_postpartum").exists()
    _override(physio_client, intake, "under_12_weeks_postpartum", f"  {REASON}\n")
    assert Assessment.objects.get(intake=intake).overrides == {"under_12_weeks_postpartum": REASON}


def test_tampered_override_of_an_emergency_flag_is_refused_with_a_message(physio_client, examined):
    intake = examined(FRACTURE)
    page = physio_client.get(_url(intake)).content.decode()
    assert 'name="reason-possible_fracture"' not in page
    assert "Cannot be overridden:</span> An emergency flag sends the patient to a doctor first" in page
    response = _override(physio_client, intake, "possible_fracture", "I disagree")
    assert response.status_code == 200
    assert "An emergency flag sends the patient to a doctor first" in response.content.decode()
    assert _overrides_stored(intake) == {}


def test_under_3_weeks_after_birth_cannot_be_overridden_and_the_page_says_why(physio_client, examined):
    intake = examined(TOO_EARLY)
    page = physio_client.get(_url(intake)).content.decode()
    assert 'name="reason-too_early_postpartum"' not in page
    assert "A hard block: under 3 weeks after birth is for rest and recovery only" in page
    response = _override(physio_client, intake, "too_early_postpartum", "x")
    assert "A hard block" in response.content.decode()
    assert _overrides_stored(intake) == {}


def test_override_of_a_flag_that_is_not_raised_is_refused(physio_client, examined):
    intake = examined(TENDINOPATHY)
    response = _override(physio_client, intake, "pelvic_floor_symptoms", "x")
    assert "That red flag is not raised in this assessment." in response.content.decode()
    assert _overrides_stored(intake) == {}


def test_an_override_can_be_removed(physio_client, examined):
    intake = examined(PP_10_WEEKS)
    _override(physio_client, intake, "under_12_weeks_postpartum", REASON)
    _press(physio_client, intake, {"remove_override": "under_12_weeks_postpartum"})
    assert Assessment.objects.get(intake=intake).overrides == {}
    assert (
        "Running and impact from <strong>13 December 2026</strong>" in physio_client.get(_url(intake)).content.decode()
    )


def test_confirm_is_refused_while_a_reason_is_typed_but_not_applied(physio_client, examined):
    intake = examined(PP_10_WEEKS)
    response = _press(physio_client, intake, CONFIRM, **{"reason-under_12_weeks_postpartum": REASON})
    assert "A reason is written but the override not applied" in response.content.decode()
    assert REASON in response.content.decode()  # still in the box
    assert not Assessment.objects.filter(status=AssessmentStatus.CONFIRMED).exists()


def test_confirmed_assessment_keeps_the_overrides_with_their_reasons(physio_client, examined):
    intake = examined(PP_10_WEEKS)
    _override(physio_client, intake, "under_12_weeks_postpartum", REASON)
    _press(physio_client, intake, CONFIRM)
    assessment = _confirmed(intake)
    assert assessment.overrides == {"under_12_weeks_postpartum": REASON}
    assert assessment.gates["running_allowed_from"] == "2026-12-01"
    flag = assessment.engine_result["red_flags"][0]
    assert (flag["overridden"], flag["override_reason"]) == (True, REASON)
    assert AuditEvent.objects.filter(detail="red flag overridden").exists()
    assert not AuditEvent.objects.filter(detail__contains="Delphi").exists()


def test_plan_start_moves_the_running_date_of_an_override(physio_client, examined):
    intake = examined(PP_10_WEEKS)
    _override(physio_client, intake, "under_12_weeks_postpartum", REASON, plan_start="2026-12-07")
    assert (
        "Running and impact from <strong>7 December 2026</strong>" in physio_client.get(_url(intake)).content.decode()
    )
    _press(physio_client, intake, CONFIRM)
    assessment = _confirmed(intake)
    assert assessment.plan_start == date(2026, 12, 7) and assessment.case()["plan_start"] == "2026-12-07"


def test_plan_start_before_the_assessment_is_refused(physio_client, examined):
    response = _press(physio_client, examined(PP_10_WEEKS), CONFIRM, plan_start="2026-11-30")
    assert "The plan cannot start before the day of the assessment." in response.content.decode()


# --- The confirmed record ----------------------------------------------------------------------------------------


def test_confirm_is_refused_when_the_result_changed_since_it_was_shown(physio_client, examined, colleague_physio):
    intake = examined(PP_10_WEEKS)
    shown = form_data(physio_client.get(_url(intake)).content.decode(), containing="digest")
    findings = {**intake.examination.findings, "thigh_atrophy": True}  # a colleague adds a finding meanwhile
    services.examination_save(intake=intake, findings=findings, version=1, by=colleague_physio)
    response = physio_client.post(_url(intake), {**shown, **CONFIRM})
    page = response.content.decode()
    assert "The result has changed since the page was shown" in page
    assert "Quadriceps weakness" in page  # the new result is on screen
    assert not Assessment.objects.filter(status=AssessmentStatus.CONFIRMED).exists()
    sent = form_data(page, containing="digest")
    assert "verdict-quadriceps_weakness" not in sent  # new, scoring 0.4: the physio decides
    again = physio_client.post(_url(intake), {**sent, "verdict-quadriceps_weakness": "confirm", **CONFIRM})
    assert again.status_code == 302
    assert _confirmed(intake).findings["thigh_atrophy"] is True


def test_a_colleagues_confirmation_meanwhile_is_shown_before_a_second_one(physio_client, examined, colleague_physio):
    intake = examined(PP_10_WEEKS)
    shown = form_data(physio_client.get(_url(intake)).content.decode(), containing="digest")
    theirs = assessment_now(intake, as_of=CASE_DAY.date())
    decisions = decisions_for(theirs.result["causes"], confirmed=[], rejected=[])
    services.assessment_confirm(
        intake=intake, by=colleague_physio, shown_digest=theirs.digest, decisions=decisions, plan_start=None
    )
    response = physio_client.post(_url(intake), {**shown, **CONFIRM})
    assert "a colleague has just decided an assessment of this intake" in response.content.decode()
    assert Assessment.objects.filter(intake=intake).exclude(status=AssessmentStatus.DRAFT).count() == 1


def test_confirm_stores_the_confirming_physios_own_decisions(examined, physio, colleague_physio):
    intake = examined(TENDINOPATHY)
    shown = assessment_now(intake, as_of=CASE_DAY.date())
    # A colleague's decisions land in the shared draft meanwhile; what is confirmed is what this physio sent.
    services.assessment_save_draft(
        intake=intake, by=colleague_physio, decisions=[CauseDecision("quadriceps_weakness", "reject")], plan_start=None
    )
    mine = [
        CauseDecision("quadriceps_weakness", "confirm"),
        CauseDecision("impact_intolerance", "reject"),
        CauseDecision("training_load_error", "reject"),
    ]
    services.assessment_confirm(intake=intake, by=physio, shown_digest=shown.digest, decisions=mine, plan_start=None)
    assert _confirmed(intake).confirmed_cause_codes == ["quadriceps_weakness"]


def test_confirmed_assessment_cannot_be_changed_or_deleted(physio_client, examined):
    intake = examined(TENDINOPATHY)
    _press(
        physio_client,
        intake,
        CONFIRM,
        **{"verdict-impact_intolerance": "reject", "verdict-training_load_error": "reject"},
    )
    assessment = _confirmed(intake)
    assessment.confirmed_causes = []
    with pytest.raises(ImmutableAssessment):
        assessment.save()
    with pytest.raises(ImmutableAssessment):
        assessment.delete()


@pytest.mark.postgresql_trigger
def test_database_refuses_to_change_a_confirmed_assessment(physio_client, examined):
    intake = examined(TENDINOPATHY)
    _press(
        physio_client,
        intake,
        CONFIRM,
        **{"verdict-impact_intolerance": "reject", "verdict-training_load_error": "reject"},
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Assessment.objects.filter(intake=intake).update(rejected_causes=[])


def test_confirmed_snapshot_stays_when_the_examination_changes(physio_client, examined, physio):
    intake = examined(PP_10_WEEKS)
    _press(physio_client, intake, CONFIRM)
    assessment = _confirmed(intake)
    services.examination_save(intake=intake, findings={"effusion": True}, version=1, by=physio)
    assessment.refresh_from_db()
    assert assessment.findings == vignette(PP_10_WEEKS)["findings"]
    assert assess(validate_case(assessment.case()), overrides=assessment.overrides) == assessment.engine_result


def test_a_later_confirmation_is_a_new_assessment_and_both_stay_in_the_history(
    physio_client, examined, colleague_physio
):
    intake = examined(PP_10_WEEKS)
    _press(physio_client, intake, CONFIRM)
    first = _confirmed(intake)
    physio_client.force_login(colleague_physio.user)
    _override(physio_client, intake, "under_12_weeks_postpartum", REASON)
    _press(physio_client, intake, CONFIRM)
    second = Assessment.objects.exclude(pk=first.pk).get(intake=intake)
    assert (second.status, second.confirmed_by, first.overrides) == (AssessmentStatus.CONFIRMED, colleague_physio, {})
    page = physio_client.get(_url(intake)).content.decode()
    assert page.count('">View</a>') == 2 and "Alice Morgan" in page and "Ben Adeyemi" in page


def test_past_assessment_is_shown_read_only_as_stored(physio_client, examined):
    intake = examined(TENDINOPATHY)
    _press(
        physio_client,
        intake,
        CONFIRM,
        **{
            "verdict-impact_intolerance": "reject",
            "note-impact_intolerance": "hops fine",
            "verdict-training_load_error": "reject",
        },
    )
    assessment = _confirmed(intake)
    response = physio_client.get(assessment.get_absolute_url())
    page = response.content.decode()
    assert "A record: what the engine showed and what was decided" in page
    assert "Confirmed</span>" in page and "Rejected</span>: hops fine" in page
    assert "Quadriceps strength" in page  # the findings the engine read
    # Nothing on the page changes the record: its one form is the plan builder's "Build plan" (plans app).
    main = page.split('id="main"')[1]
    assert main.count("<form") == 1 and "Build plan</button>" in main
    assert physio_client.post(assessment.get_absolute_url()).status_code == 405
    assert AuditEvent.objects.filter(action="view", target_type="assessment", target_id=assessment.pk).exists()


def test_a_draft_has_no_page_of_its_own(physio_client, examined):
    intake = examined(TENDINOPATHY)
    _press(physio_client, intake, {"action": "save"})
    draft = Assessment.objects.get(intake=intake, status=AssessmentStatus.DRAFT)
    url = reverse("intake:assessment_detail", args=[intake.patient_id, intake.pk, draft.pk])
    assert physio_client.get(url).status_code == 404


# --- Referral ----------------------------------------------------------------------------------------------------


def test_emergency_result_offers_a_referral_instead_of_confirming(physio_client, examined):
    intake = examined(FRACTURE)
    page = physio_client.get(_url(intake)).content.decode()
    assert "Emergency: refer, don't plan" in page and "Possible fracture (Ottawa knee rule)" in page
    assert "Record referral" in page and 'value="confirm"' not in page
    response = _press(physio_client, intake, CONFIRM)
    assert "is not confirmed: record the referral instead" in response.content.decode()
    assert not Assessment.objects.filter(status=AssessmentStatus.CONFIRMED).exists()


def test_emergency_result_shows_causes_without_asking_for_decisions(physio_client, examined):
    page = physio_client.get(_url(examined("postpartum-16-weeks-self-harm"))).content.decode()
    assert "Reduced recovery capacity" in page and "Score 0.60 of 1" in page
    assert 'name="verdict-' not in page and 'name="add_code"' not in page


def test_deciding_an_assessment_marks_the_intake_reviewed(physio_client, examined, physio):
    intake = examined(LOCKED)
    _press(physio_client, intake, REFER, referral_note="Acute knee clinic.")
    intake.refresh_from_db()
    assert (intake.reviewed_by, intake.reviewed_at is not None) == (physio, True)


def test_referral_needs_a_note(physio_client, examined):
    response = _press(physio_client, examined(LOCKED), REFER, referral_note="  ")
    assert "Write where the patient was referred and what they were told." in response.content.decode()
    assert not Assessment.objects.filter(status=AssessmentStatus.REFERRED).exists()


def test_referral_is_recorded_with_the_result_and_the_patient_is_referred(physio_client, examined, patient):
    intake = examined(LOCKED)
    response = _press(physio_client, intake, REFER, referral_note="Acute knee clinic today; told not to run.")
    referral = Assessment.objects.get(intake=intake, status=AssessmentStatus.REFERRED)
    assert response.url == referral.get_absolute_url()
    assert referral.referral_note == "Acute knee clinic today; told not to run."
    assert referral.engine_result["action"] == "urgent" and referral.confirmed_causes == []
    patient.refresh_from_db()
    assert patient.status == PatientStatus.REFERRED
    page = physio_client.get(referral.get_absolute_url()).content.decode()
    assert "Acute knee clinic today; told not to run." in page
    assert AuditEvent.objects.filter(action="create", target_id=referral.pk, detail="referral recorded").exists()


# --- Who may assess, audit, queries ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), CLINICAL_PAGE_ROLES)
def test_assessment_pages_per_role(role, expected, examined, as_role, physio):
    intake = examined(TENDINOPATHY)
    services.assessment_refer(intake=intake, by=physio, note="GP", shown_digest=_digest(intake))
    past = Assessment.objects.get(intake=intake)
    client = as_role(role)
    assert client.get(_url(intake)).status_code == expected
    assert client.get(past.get_absolute_url()).status_code == expected
    response = client.post(_url(intake), {"action": "save", "digest": _digest(intake)})
    assert response.status_code == (302 if expected == 200 else expected)
    assert Assessment.objects.filter(status=AssessmentStatus.DRAFT).exists() == (expected == 200)


def test_assessment_of_another_patients_intake_is_not_found(physio_client, examined, other_patient):
    intake = examined(TENDINOPATHY)
    assert physio_client.get(reverse("intake:assessment", args=[other_patient.pk, intake.pk])).status_code == 404


def test_assessment_page_view_is_audited(physio_client, examined):
    intake = examined(TENDINOPATHY)
    physio_client.get(_url(intake))
    assert AuditEvent.objects.filter(
        action="view", target_type="intake", target_id=intake.pk, detail="assessment"
    ).exists()


@pytest.mark.parametrize("past", [1, 20])
def test_assessment_page_uses_a_fixed_number_of_queries(
    past, physio_client, examined, physio, django_assert_num_queries
):
    intake = examined(PP_10_WEEKS)
    for _ in range(past):
        shown = assessment_now(intake, as_of=CASE_DAY.date())
        decisions = decisions_for(shown.result["causes"], confirmed=[], rejected=[])
        services.assessment_confirm(
            intake=intake, by=physio, shown_digest=shown.digest, decisions=decisions, plan_start=None
        )
    # The session, the user and their clinic role; the request's savepoint; the intake with its patient and its
    # examination; the draft and the decided assessments (the latest of which the result is checked after); the
    # audit entry; the savepoint released.
    with django_assert_num_queries(8):
        assert physio_client.get(_url(intake)).status_code == 200


def test_assessment_page_of_an_intake_not_examined_yet_uses_as_many_queries(
    physio_client, examined, django_assert_num_queries
):
    intake = examined("pfp-intake-only-needs-squat-test", findings=False)  # the intake is found without one
    with django_assert_num_queries(8):
        assert physio_client.get(_url(intake)).status_code == 200


@pytest.mark.parametrize("extra_causes", [0, 10])
def test_past_assessment_page_uses_a_fixed_number_of_queries(
    extra_causes, physio_client, examined, physio, django_assert_num_queries
):
    intake = examined(TENDINOPATHY)
    for code in [
        "footwear",
        "fear_of_movement",
        "calf_weakness",
        "foot_pronation",
        "muscle_tightness",
        "hip_flexor_tightness",
        "patellar_hypomobility",
        "patellar_hypermobility",
        "low_recovery_capacity",
        "abdominal_wall_dysfunction",
    ][:extra_causes]:
        services.assessment_add_cause(intake=intake, by=physio, code=code, note="seen")
    services.assessment_refer(intake=intake, by=physio, note="GP", shown_digest=_digest(intake))
    past = Assessment.objects.get(intake=intake)
    with django_assert_num_queries(9):
        assert physio_client.get(past.get_absolute_url()).status_code == 200


def test_the_unanswered_safety_questions_hold_names_them_as_the_forms_ask_them(physio_client, examined):
    intake = examined("postpartum-8-weeks-intake-only", findings=False)
    page = physio_client.get(_url(intake)).content.decode()
    assert "not answered: findings." not in page and "not answered: intake." not in page
    assert "not answered: Pelvic floor check" in page
