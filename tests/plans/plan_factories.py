"""Plans for tests: a confirmed assessment to build from, and plans made through the services the views use.

Dates are fixed: tests freeze time on TODAY (time_machine) so the plan's calendar, "today" and the log rules are
the same on every run.
"""

from datetime import date, datetime, time

from django.utils import timezone

from intake.assessment.engine import assess
from intake.schema import validate_case
from plans import services
from plans.library.exercises import default_library
from plans.models import Exercise, Plan
from tests.intake.factories import POSTPARTUM_WELL, REQUIRED_INTAKE, ConfirmedAssessmentFactory, SubmittedIntakeFactory

TODAY = date(2026, 12, 1)
NOON = timezone.make_aware(datetime.combine(TODAY, time(12)))

# A runner with patellofemoral pain (reference §2.2: pain around the kneecap on squatting and stairs) who is not
# running at the moment: the plan goes foundation, impact readiness, walk/run.
PFP_INTAKE = {
    **REQUIRED_INTAKE,
    "aggravators": ["squatting", "stairs_down", "running"],
    "runs_per_week": 0,
    "nprs_now": 1,
    "nprs_usual": 2,
}
# A runner whose runs hurt at most 3/10 (reference §9.3 P1): no foundation or impact weeks, runs from day 2.
RUNNER_INTAKE = {**PFP_INTAKE, "runs_per_week": 3, "nprs_during_run": 2, "morning_after_run": "none"}
HIP_WEAKNESS = [{"code": "hip_muscle_weakness", "origin": "engine", "note": ""}]


def load_shipped_library() -> None:
    """The shipped exercise library in the database, in one query (the loader's checks are tested on their own)."""
    Exercise.objects.bulk_create(
        Exercise(slug=spec.slug, library_version="test", **Exercise.fields_from_spec(spec))
        for spec in default_library()
    )


# After a birth the physio checks the pelvic floor before a plan is issued (reference §8 RF19, §1.1), and records the
# strength tests before it runs (§9.1, §1.3: 20 repetitions each side).
POSTPARTUM_EXAMINED = {
    "pelvic_floor_check": "pass",
    "sl_calf_raise_reps": 22,
    "sl_bridge_reps": 20,
    "sl_sit_to_stand_reps": 21,
    "side_lying_abduction_reps": 20,
}


def confirmed_assessment(patient, *, answers=None, as_of=TODAY, causes=HIP_WEAKNESS, findings=None, **fields):
    """A confirmed assessment of a submitted intake of `patient`, with the engine's real result for it (after a
    birth, with the pelvic floor checked unless `findings` say otherwise)."""
    answers = PFP_INTAKE if answers is None else answers
    if findings is None and "postpartum" in answers:
        findings = POSTPARTUM_EXAMINED
    intake = SubmittedIntakeFactory(
        patient=patient,
        answers=answers,
        postpartum_within_24m="postpartum" in answers,
        submitted_at=timezone.make_aware(datetime.combine(as_of, time(9))),
    )
    case = intake.as_case(findings=findings, as_of=as_of, plan_start=fields.get("plan_start"))
    result = assess(validate_case(case))
    return ConfirmedAssessmentFactory(
        intake=intake,
        as_of=as_of,
        findings=findings or {},
        confirmed_causes=list(causes),
        created_by=patient.physio,
        engine_result=fields.pop("engine_result", result),
        **fields,
    )


def postpartum_answers(weeks: int) -> dict:
    """PFP after a birth `weeks` before TODAY, no pelvic floor symptoms."""
    delivery = TODAY.toordinal() - 7 * weeks
    return {**PFP_INTAKE, "postpartum": {**POSTPARTUM_WELL, "delivery_date": date.fromordinal(delivery).isoformat()}}


def draft_plan(patient, by=None, **assessment_fields) -> Plan:
    by = by or patient.physio
    plan, _ = services.plan_create(assessment=confirmed_assessment(patient, **assessment_fields), by=by)
    return plan


def issued_plan(patient, by=None, *, weeks=None, **assessment_fields) -> Plan:
    by = by or patient.physio
    plan = draft_plan(patient, by, **assessment_fields)
    if weeks is not None:
        plan = services.plan_draft_update(plan=plan, by=by, expected_version=plan.draft_version, weeks=weeks)
    services.plan_issue(plan=plan, by=by)
    plan.refresh_from_db()
    return plan


def sessions(content: dict, kind: str | None = None) -> list[dict]:
    return [s for week in content["weeks"] for s in week["sessions"] if kind in (None, s["kind"])]


def day_of(session: dict) -> date:
    return date.fromisoformat(session["date"])


def move_to(clock, day: date) -> None:
    """Move the stopped clock to the evening of `day` (a session is logged once it has happened)."""
    clock.move_to(timezone.make_aware(datetime.combine(day, time(19))), tick=False)
