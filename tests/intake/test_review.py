"""The physio's side: the intake review page, marking it reviewed, filling in on the patient's behalf, and the
patient list that puts flagged and new intakes first."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from intake import services
from intake.models import Intake, IntakeStatus
from tests.factories import PatientFactory
from tests.intake.factories import AKPS_BEST, REQUIRED_INTAKE, SubmittedIntakeFactory, fill_in, form_data
from tests.roles import CLINICAL_PAGE_ROLES

URGENT_FLAG = {
    "code": "true_locking",
    "level": "urgent",
    "reason": "Knee locked: cannot fully straighten",
    "evidence": ["locking: current"],
    "source": "reference §8 RF4",
}


@pytest.fixture
def submitted(patient, physio):
    invite = services.invite_create(patient=patient, by=physio)
    return services.intake_submit(intake=fill_in(services.intake_draft_for_invite(invite=invite)))


def _review_url(intake):
    return reverse("intake:review", args=[intake.patient_id, intake.pk])


@pytest.mark.parametrize(("role", "expected"), CLINICAL_PAGE_ROLES)
def test_review_page_per_role(role, expected, submitted, as_role):
    response = as_role(role).get(_review_url(submitted))
    assert response.status_code == expected
    if expected == 200:
        assert AuditEvent.objects.filter(action="view", target_type="intake", target_id=submitted.pk).exists()
    else:
        assert not AuditEvent.objects.filter(action="view", target_type="intake").exists()


def test_review_page_of_another_patients_intake_is_not_found(physio_client, submitted, other_patient):
    response = physio_client.get(reverse("intake:review", args=[other_patient.pk, submitted.pk]))
    assert response.status_code == 404


def test_review_page_shows_red_flags_first_with_what_to_do(physio_client, submitted):
    Intake.objects.filter(pk=submitted.pk).update(red_flags=[URGENT_FLAG], flag_level="urgent")
    page = physio_client.get(_review_url(submitted)).content.decode()
    assert page.index("Red flags") < page.index("Outcome measures") < page.index("Answers")
    assert "Knee locked: cannot fully straighten" in page and "locking: current" in page
    assert "Urgent: see a doctor within 24–72 hours" in page
    assert "reference §8 RF4" in page
    assert "see a GP or urgent care today or tomorrow" in page


def test_review_page_reads_answers_as_labels_not_codes(physio_client, submitted):
    page = physio_client.get(_review_url(submitted)).content.decode()
    assert "Around or behind the kneecap" in page and "Gradually" in page
    assert ">around_kneecap<" not in page and ">gradual<" not in page


def test_review_page_shows_scores_interpretation_and_mic(physio_client, submitted):
    page = physio_client.get(_review_url(submitted)).content.decode()
    assert "Anterior Knee Pain Scale (Kujala)" in page
    assert "100<span" in page  # all-best AKPS
    assert "0–100, higher means less pain and better function." in page
    assert "Minimal important change: 10 points (Crossley 2004" in page
    assert "Not scored" in page and "needs 6 to score" in page  # KOOS-PF left out entirely


def test_repeat_questionnaire_shows_the_change_and_whether_it_is_meaningful(physio_client, patient, physio, submitted):
    earlier = timezone.now() - timedelta(days=42)
    Intake.objects.filter(pk=submitted.pk).update(submitted_at=earlier)
    submitted.outcome_responses.update(completed_at=earlier)
    worse_akps = {**AKPS_BEST, "stairs": "unable", "running": "unable"}  # 80
    submitted.outcome_responses.filter(instrument="akps").update(value=80, answers=worse_akps)
    invite = services.invite_create(patient=patient, by=physio)
    repeat = services.intake_submit(
        intake=fill_in(services.intake_draft_for_invite(invite=invite), {**REQUIRED_INTAKE, "nprs_usual": 1})
    )
    response = physio_client.get(_review_url(repeat))
    reports = {report.measure.code: report for report in response.context["outcomes"]}
    (akps,) = reports["akps"].rows
    assert (akps.previous, akps.value, akps.change.delta, akps.change.meaningful) == (80, 100, 20, True)
    usual = next(row for row in reports["nprs"].rows if row.label == "How much does it usually hurt?")
    assert (usual.previous, usual.value, usual.change.meaningful) == (3, 1, True)
    assert "meaningful improvement" in response.content.decode()


def test_review_page_says_when_a_draft_is_not_yet_sent(physio_client, patient, physio):
    draft = services.intake_draft_for_staff(patient=patient, by=physio)
    page = physio_client.get(_review_url(draft)).content.decode()
    assert "has not sent this questionnaire yet" in page
    assert "Mark as reviewed" not in page


def test_mark_as_reviewed_records_who_and_when(physio_client, physio, submitted):
    response = physio_client.post(reverse("intake:mark_reviewed", args=[submitted.patient_id, submitted.pk]))
    assert response.url == _review_url(submitted)
    submitted.refresh_from_db()
    assert submitted.reviewed_by == physio and submitted.reviewed_at is not None
    assert AuditEvent.objects.filter(action="change", target_id=submitted.pk, detail="marked reviewed").exists()


def test_marking_reviewed_twice_keeps_the_first_review(physio_client, colleague_physio, physio, submitted):
    services.intake_mark_reviewed(intake=submitted, by=colleague_physio)
    physio_client.post(reverse("intake:mark_reviewed", args=[submitted.patient_id, submitted.pk]))
    submitted.refresh_from_db()
    assert submitted.reviewed_by == colleague_physio


@pytest.mark.parametrize(("role", "expected"), [("front_desk", 403), ("other_clinic_physio", 404), ("patient", 403)])
def test_mark_as_reviewed_is_refused_to_others(role, expected, cast, login_as, submitted):
    response = login_as(cast[role]).post(reverse("intake:mark_reviewed", args=[submitted.patient_id, submitted.pk]))
    assert response.status_code == expected
    submitted.refresh_from_db()
    assert submitted.reviewed_at is None


# --- On the patient's behalf ---------------------------------------------------------------------------------


def test_physio_fills_in_on_the_patients_behalf_and_it_is_recorded(physio_client, physio, patient):
    start = physio_client.post(reverse("intake:staff_start", args=[patient.pk]))
    assert start.url == reverse("intake:staff_step", args=[patient.pk, "about"])
    page = physio_client.get(start.url).content.decode()
    assert "You are filling this in for <strong>Emma Clarke</strong>" in page
    intake = Intake.objects.get(patient=patient)
    fill_in(intake)
    response = physio_client.post(reverse("intake:staff_step", args=[patient.pk, "review"]), {"move": "send"})
    intake.refresh_from_db()
    assert response.url == _review_url(intake)
    assert intake.status == IntakeStatus.SUBMITTED and intake.entered_by == physio
    review = physio_client.get(response.url).content.decode()
    assert "entered by Alice Morgan on the patient's behalf" in review


def test_on_behalf_steps_save_answers_and_are_audited(physio_client, physio, patient):
    physio_client.post(reverse("intake:staff_start", args=[patient.pk]))
    url = reverse("intake:staff_step", args=[patient.pk, "knee"])
    physio_client.post(url, form_data({"intake.side": "left"}, move="back"))
    intake = Intake.objects.get(patient=patient)
    assert intake.answers == {"side": "left"} and intake.entered_by == physio
    assert AuditEvent.objects.filter(
        action="change", target_type="intake", detail="step knee on the patient’s behalf"
    ).exists()


def test_on_behalf_continues_the_draft_the_patient_started(physio_client, patient, physio, unlock):
    invite = services.invite_create(patient=patient, by=physio)
    unlock(invite, device=physio_client.__class__())
    draft = Intake.objects.get(invite=invite)
    services.intake_save_step(intake=draft, step="about", answers={"patient.height_cm": 170})
    physio_client.post(reverse("intake:staff_start", args=[patient.pk]))
    assert Intake.objects.get() == draft
    page = physio_client.get(reverse("intake:staff_step", args=[patient.pk, "about"])).content.decode()
    assert 'value="170"' in page


def test_on_behalf_submission_closes_the_open_link(physio_client, client, patient, physio):
    invite = services.invite_create(patient=patient, by=physio)
    physio_client.post(reverse("intake:staff_start", args=[patient.pk]))
    fill_in(Intake.objects.get(patient=patient))
    physio_client.post(reverse("intake:staff_step", args=[patient.pk, "review"]), {"move": "send"})
    invite.refresh_from_db()
    assert invite.state() == "submitted"


def test_on_behalf_step_without_a_draft_goes_back_to_the_patient_page(physio_client, patient):
    response = physio_client.get(reverse("intake:staff_step", args=[patient.pk, "about"]))
    assert response.url == reverse("patient_detail", args=[patient.pk])  # the message at the top
    assert not Intake.objects.exists()


@pytest.mark.parametrize(("role", "expected"), [("front_desk", 403), ("other_clinic_physio", 404), ("patient", 403)])
def test_on_behalf_entry_is_for_physios_of_the_clinic_only(role, expected, cast, login_as, patient):
    response = login_as(cast[role]).post(reverse("intake:staff_start", args=[patient.pk]))
    assert response.status_code == expected
    assert not Intake.objects.exists()


# --- The physio's patient list ---------------------------------------------------------------------------------


def _submitted_for(clinic, physio, last_name, level="", reviewed=False):
    patient = PatientFactory(clinic=clinic, physio=physio, last_name=last_name)
    SubmittedIntakeFactory(
        patient=patient, flag_level=level, reviewed_at=timezone.now() if reviewed else None, reviewed_by=None
    )
    return patient


def test_physio_list_puts_flagged_then_new_intakes_first(physio_client, physio, clinic):
    PatientFactory(clinic=clinic, physio=physio, last_name="Adams")
    _submitted_for(clinic, physio, "Baker")
    _submitted_for(clinic, physio, "Clark", "caution")
    _submitted_for(clinic, physio, "Dunn", "urgent")
    _submitted_for(clinic, physio, "Evans", "emergency", reviewed=True)
    _submitted_for(clinic, physio, "Fox", "emergency")
    _submitted_for(clinic, physio, "Gray", "refer_before_run")
    response = physio_client.get(reverse("patient_list"))
    names = [p.last_name for p in response.context["page"].object_list]
    assert names == ["Fox", "Dunn", "Gray", "Clark", "Baker", "Adams", "Evans"]
    page = response.content.decode()
    assert "Emergency flag" in page and "Urgent flag" in page and "New intake" in page


def test_a_patient_with_several_waiting_intakes_ranks_by_the_most_severe(physio_client, physio, clinic):
    patient = _submitted_for(clinic, physio, "Baker")
    SubmittedIntakeFactory(patient=patient, flag_level="urgent")
    _submitted_for(clinic, physio, "Adams", "caution")
    names = [p.last_name for p in physio_client.get(reverse("patient_list")).context["page"].object_list]
    assert names == ["Baker", "Adams"]


def test_sending_an_intake_puts_the_patient_first_and_reviewing_it_puts_them_back(physio_client, physio, clinic):
    """The list sorts on the rank the intake's services keep on the patient (Patient.intake_rank)."""
    PatientFactory(clinic=clinic, physio=physio, last_name="Adams")
    patient = PatientFactory(clinic=clinic, physio=physio, last_name="Baker")
    invite = services.invite_create(patient=patient, by=physio)
    urgent = {**REQUIRED_INTAKE, "calf_pain_swelling_redness": True}
    intake = services.intake_submit(intake=fill_in(services.intake_draft_for_invite(invite=invite), urgent))

    def listed():
        response = physio_client.get(reverse("patient_list"))
        return [(p.last_name, p.intake_flag_level) for p in response.context["page"].object_list]

    assert listed() == [("Baker", "urgent"), ("Adams", "")]
    services.intake_mark_reviewed(intake=intake, by=physio)
    assert listed() == [("Adams", ""), ("Baker", "")]


def test_the_migration_ranks_the_intakes_already_waiting(physio, clinic):
    from django.apps import apps
    from django.db import connection

    from clinic.models import Patient

    rank_waiting_intakes = importlib.import_module("intake.migrations.0007_patient_intake_rank").rank_waiting_intakes
    waiting = {
        _submitted_for(clinic, physio, "Baker").pk: (1, ""),
        _submitted_for(clinic, physio, "Clark", "caution").pk: (2, "caution"),
        _submitted_for(clinic, physio, "Fox", "emergency").pk: (5, "emergency"),
        _submitted_for(clinic, physio, "Evans", "emergency", reviewed=True).pk: (0, ""),
        PatientFactory(clinic=clinic, physio=physio).pk: (0, ""),
    }
    Patient.objects.update(intake_rank=0, intake_flag_level="")  # as the column was added
    rank_waiting_intakes(apps, SimpleNamespace(connection=connection))  # as the migration's schema editor gives it
    assert {p.pk: (p.intake_rank, p.intake_flag_level) for p in Patient.objects.all()} == waiting


def test_front_desk_list_stays_in_name_order_without_clinical_badges(desk_client, physio, clinic):
    _submitted_for(clinic, physio, "Zeta", "emergency")
    PatientFactory(clinic=clinic, last_name="Alpha")
    response = desk_client.get(reverse("patient_list"))
    assert [p.last_name for p in response.context["page"].object_list] == ["Alpha", "Zeta"]
    assert "Emergency flag" not in response.content.decode()


def test_the_patients_note_is_escaped_on_the_review_page(physio_client, patient, physio):
    invite = services.invite_create(patient=patient, by=physio)
    intake = fill_in(services.intake_draft_for_invite(invite=invite), note="<img src=x onerror=alert(1)>")
    services.intake_submit(intake=intake)
    page = physio_client.get(_review_url(intake)).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_urgent_intake_entered_on_behalf_tells_the_physio_to_pass_the_advice_on(physio_client, physio, patient):
    physio_client.post(reverse("intake:staff_start", args=[patient.pk]))
    fill_in(Intake.objects.get(patient=patient), {**REQUIRED_INTAKE, "locking": "current"})
    physio_client.post(reverse("intake:staff_step", args=[patient.pk, "review"]), {"move": "send"})
    page = physio_client.get(_review_url(Intake.objects.get(patient=patient))).content.decode()
    assert "the patient has not seen the advice on screen: tell them to" in page
    assert "see a GP or urgent care today or tomorrow" in page
