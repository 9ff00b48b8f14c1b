"""Factories and ready-made answers for the intake tests."""

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import factory
from django.utils import timezone

from intake import services
from intake.assessment.engine import assess
from intake.models import Assessment, AssessmentStatus, Examination, Intake, IntakeInvite, IntakeStatus, OutcomeResponse
from intake.questionnaire import answer_paths
from intake.schema import SAFETY_BOOLS, validate_case
from tests.factories import PatientFactory, PhysioFactory


class InviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeInvite

    patient = factory.SubFactory(PatientFactory)
    created_by = factory.SubFactory(PhysioFactory, clinic=factory.SelfAttribute("..patient.clinic"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    sent_to = factory.SelfAttribute("patient.email")


class IntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intake

    patient = factory.SubFactory(PatientFactory)
    answers = factory.LazyFunction(lambda: dict(REQUIRED_INTAKE))


class SubmittedIntakeFactory(IntakeFactory):
    class Meta:
        skip_postgeneration_save = True  # the hook below writes to the patient, not to the intake

    status = IntakeStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def waiting_rank(intake, create, extracted, **kwargs):
        """As intake_submit does: the patient's place on the clinicians' list follows their unreviewed intakes."""
        if create:
            services.patients_rank_waiting_intakes(patient_ids=[intake.patient_id])


class OutcomeResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeResponse

    patient = factory.SelfAttribute("intake.patient")
    intake = factory.SubFactory(SubmittedIntakeFactory)
    instrument = "akps"
    instrument_version = "1.0"
    answered = 13
    of = 13
    completed_at = factory.SelfAttribute("intake.submitted_at")


SAFETY_NO = {**dict.fromkeys(SAFETY_BOOLS, False), "can_weight_bear_4_steps": True, "can_bend_to_90": True}
AKPS_BEST = {
    "limp": "none",
    "support": "full_painfree",
    "walking": "unlimited",
    "stairs": "no_difficulty",
    "squatting": "no_difficulty",
    "running": "no_difficulty",
    "jumping": "no_difficulty",
    "prolonged_sitting": "no_difficulty",
    "pain": "none",
    "swelling": "none",
    "patellar_subluxation": "none",
    "thigh_atrophy": "none",
    "flexion_deficit": "none",
}
# The postpartum questions that must be answered, all well, for a birth eight weeks before 1 December 2026.
POSTPARTUM_WELL = {
    "delivery_date": "2026-10-06",
    "urine_leak": "never",
    "urgency_leak": "never",
    "heaviness": "never",
    "bowel_or_wind_control_problems": False,
    "pelvic_pain_nprs": 0,
    "bleeding_after_8_weeks": False,
    "caesarean_wound_concern": False,
    "low_mood": False,
    "self_harm_thoughts": False,
}
# Every question the questionnaire requires of a patient who has not given birth recently, answered "all is well".
REQUIRED_INTAKE = {
    "side": "right",
    "pain_locations": ["around_kneecap"],
    "onset": "gradual",
    "swelling": "none",
    "locking": "never",
    "giving_way": "never",
    "kneecap_dislocation": "no",
    "night_pain": "no",
    "nprs_now": 2,
    "nprs_usual": 3,
    "nprs_worst_week": 5,
    **SAFETY_NO,
    "akps": AKPS_BEST,
}


def form_data(answers: dict, move: str = "next") -> dict:
    """POST data for a questionnaire step from {question path: value}, as the browser sends it."""
    data = {"move": move}
    for path, value in answers.items():
        name = path.replace(".", "-")
        data[name] = {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value
    return data


def fill_in(intake, answers: dict = REQUIRED_INTAKE, **flow):
    """Store a whole set of case answers in a draft through the service the step views use. `flow` sets the
    questionnaire's own questions (the postpartum gate defaults to No)."""
    flow = {"postpartum_within_24m": "postpartum" in answers, **flow}
    extra = {f"flow.{name}": value for name, value in flow.items()}
    return services.intake_save_step(intake=intake, step="about", answers={**answer_paths(answers, "intake"), **extra})


# --- Examinations and assessments -----------------------------------------------------------------------------

VIGNETTES = Path(__file__).resolve().parents[1] / "cases"


def vignette(name: str) -> dict:
    """A case of tests/cases by file name (without .json)."""
    return json.loads((VIGNETTES / f"{name}.json").read_text())


def intake_from_vignette(patient, name: str) -> Intake:
    """A submitted intake of `patient` holding a vignette's answers, submitted on the vignette's date (tests that
    run the engine freeze time on that date, so weeks after a birth come out as the vignette says)."""
    case = vignette(name)
    as_of = date.fromisoformat(case["as_of"])
    person = case.get("patient", {})
    if "date_of_birth" in person:  # the Ottawa knee rule reads the age
        patient.date_of_birth = date.fromisoformat(person["date_of_birth"])
        patient.sex_at_birth = person.get("sex_at_birth", patient.sex_at_birth)
        patient.save(update_fields=["date_of_birth", "sex_at_birth"])
    extra = {key: value for key, value in person.items() if key in ("height_cm", "weight_kg")}
    return SubmittedIntakeFactory(
        patient=patient,
        answers=case["intake"],
        patient_answers=extra,
        postpartum_within_24m="postpartum" in case["intake"],
        submitted_at=timezone.make_aware(datetime.combine(as_of, time(9))),
    )


class ExaminationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Examination

    intake = factory.SubFactory(SubmittedIntakeFactory)
    findings = factory.LazyFunction(dict)
    examined_by = factory.SubFactory(PhysioFactory, clinic=factory.SelfAttribute("..intake.patient.clinic"))
    updated_by = factory.SelfAttribute("examined_by")


class ConfirmedAssessmentFactory(factory.django.DjangoModelFactory):
    """A confirmed assessment of an intake alone, holding the engine's real result for it."""

    class Meta:
        model = Assessment

    intake = factory.SubFactory(SubmittedIntakeFactory)
    status = AssessmentStatus.CONFIRMED
    created_by = factory.SubFactory(PhysioFactory, clinic=factory.SelfAttribute("..intake.patient.clinic"))
    confirmed_by = factory.SelfAttribute("created_by")
    confirmed_at = factory.LazyFunction(timezone.now)
    as_of = factory.LazyFunction(timezone.localdate)
    engine_result = factory.LazyAttribute(lambda o: assess(validate_case(o.intake.as_case(as_of=o.as_of))))
    engine_version = factory.LazyAttribute(lambda o: o.engine_result["engine_version"])
