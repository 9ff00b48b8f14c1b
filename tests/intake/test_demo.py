from django.core.management import call_command

from clinic.models import Patient, PatientStatus
from intake.models import Intake, IntakeInvite, IntakeStatus, OutcomeResponse


def _seed(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)


def test_demo_patients_get_invites_and_submitted_intakes_through_the_services(db, settings, mailoutbox):
    _seed(settings)
    priya = Patient.objects.get(first_name="Priya")
    assert priya.status == PatientStatus.INTAKE_SENT
    assert priya.intake_invites.get().state() == "sent"
    submitted = Intake.objects.filter(status=IntakeStatus.SUBMITTED)
    assert {i.patient.first_name for i in submitted} == {"Emma", "Hannah", "Marcus", "Tom", "Laura"}
    assert OutcomeResponse.objects.count() == 3 * submitted.count()
    assert mailoutbox == []  # the demo clinic e-mails nobody


def test_demo_includes_an_urgent_flag_and_a_postpartum_intake(db, settings):
    _seed(settings)
    marcus = Intake.objects.get(patient__first_name="Marcus")
    assert marcus.flag_level == "urgent"
    assert "true_locking" in {flag["code"] for flag in marcus.red_flags}
    hannah = Intake.objects.get(patient__first_name="Hannah")
    assert hannah.answers["postpartum"]["urine_leak"] == "sometimes"
    assert "under_12_weeks_postpartum" in {flag["code"] for flag in hannah.red_flags}


def test_seeding_twice_adds_no_invites_or_intakes(db, settings):
    _seed(settings)
    counts = (IntakeInvite.objects.count(), Intake.objects.count(), OutcomeResponse.objects.count())
    _seed(settings)
    assert (IntakeInvite.objects.count(), Intake.objects.count(), OutcomeResponse.objects.count()) == counts
