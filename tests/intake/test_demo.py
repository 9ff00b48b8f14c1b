import pytest
from django.core.management import call_command

from clinic.models import Patient, PatientStatus
from intake.models import Assessment, AssessmentStatus, Examination, Intake, IntakeInvite, IntakeStatus, OutcomeResponse

pytestmark = pytest.mark.django_db


def test_demo_patients_get_invites_and_submitted_intakes_through_the_services(demo):
    priya = Patient.objects.get(first_name="Priya")
    assert priya.status == PatientStatus.INTAKE_SENT
    assert priya.intake_invites.get().state() == "sent"
    submitted = Intake.objects.filter(status=IntakeStatus.SUBMITTED)
    assert {i.patient.first_name for i in submitted} == {"Emma", "Hannah", "Marcus", "Tom", "Laura"}
    assert OutcomeResponse.objects.count() == 3 * submitted.count()
    assert demo.emails == []  # the demo clinic e-mails nobody


def test_demo_includes_an_urgent_flag_and_a_postpartum_intake(demo):
    marcus = Intake.objects.get(patient__first_name="Marcus")
    assert marcus.flag_level == "urgent"
    assert "true_locking" in {flag["code"] for flag in marcus.red_flags}
    hannah = Intake.objects.get(patient__first_name="Hannah")
    assert hannah.answers["postpartum"]["urine_leak"] == "sometimes"
    assert "under_12_weeks_postpartum" in {flag["code"] for flag in hannah.red_flags}


def test_seeding_twice_adds_nothing(demo, settings):
    models = (IntakeInvite, Intake, OutcomeResponse, Examination, Assessment)
    counts = [model.objects.count() for model in models]
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    assert [model.objects.count() for model in models] == counts


def test_demo_pfp_and_itb_patients_are_examined_and_assessed(demo):
    emma = Assessment.objects.get(intake__patient__first_name="Emma")
    assert emma.status == AssessmentStatus.CONFIRMED
    assert emma.engine_result["condition"] == "patellofemoral_pain"
    assert {"hip_muscle_weakness", "training_load_error"} <= set(emma.confirmed_cause_codes)
    assert emma.findings["sl_squat"]["knee_valgus"] is True and emma.examination is not None
    tom = Assessment.objects.get(intake__patient__first_name="Tom")
    assert tom.engine_result["condition"] == "iliotibial_band_syndrome"
    assert "muscle_tightness" in tom.confirmed_cause_codes and tom.rejected_causes == []
    statuses = {p.first_name: p.status for p in Patient.objects.filter(first_name__in=["Emma", "Tom"])}
    assert statuses == {"Emma": PatientStatus.ON_PLAN, "Tom": PatientStatus.ASSESSED}  # Emma's plan is issued


def test_demo_locked_knee_is_referred(demo):
    marcus = Assessment.objects.get(intake__patient__first_name="Marcus")
    assert marcus.status == AssessmentStatus.REFERRED and "Acute knee clinic" in marcus.referral_note
    assert marcus.engine_result["action"] == "urgent"
    assert Patient.objects.get(first_name="Marcus").status == PatientStatus.REFERRED
