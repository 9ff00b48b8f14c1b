"""A realistic sample handout, for `manage.py render_handout --sample`: a 12-week patellofemoral plan built by the
plan builder from the shipped exercise library, for a made-up patient of a made-up clinic. Dated from today, so the
sample looks like what the front desk prints."""

from datetime import date, timedelta

from plans.builder import CurrentRunning, PlanRequest, build_plan
from plans.handouts.content import handout_context
from plans.library.exercises import default_library

SAMPLE_CLINIC = {
    "name": "Riverside Physio",
    "phone": "020 7946 0001",
    "address": "12 Mill Lane\nKingston upon Thames KT1 1AA",
}
SAMPLE_PHYSIO = {"name": "Alice Morgan", "registration": "PH123456"}
SAMPLE_PATIENT = "Emma Clarke"
SAMPLE_CONDITION = "patellofemoral_pain"
SAMPLE_CAUSES = ("hip_muscle_weakness", "quadriceps_weakness", "training_load_error")
SAMPLE_NOTE = (
    "Lovely to meet you, Emma. Your knee is sore, not damaged: the hip and thigh exercises are the most important "
    "part of this plan, so please keep them up even on the weeks you run.\n"
    "Bring your running shoes to your review in four weeks."
)


def sample_plan(start: date) -> dict:
    """A 12-week plan for a runner with patellofemoral pain who still runs 10 km a week with moderate pain, and
    jogged on the spot and hopped without pain in the clinic (the impact gate passed)."""
    request = PlanRequest(
        start=start,
        condition=SAMPLE_CONDITION,
        causes=SAMPLE_CAUSES,
        gates={"running_allowed": True, "cadence_spm": 164, "impact_readiness": "passed"},
        running=CurrentRunning(
            runs_per_week=3,
            current_weekly_km=10,
            longest_run_30d_km=6,
            nprs_during_run=5,
            weekly_km_before_symptoms=25,
            goal="10k",
        ),
        weeks=12,
    )
    return build_plan(request, default_library())


def sample_handout_context(*, paper: str = "a4", today: date | None = None) -> dict:
    today = today or date.today()
    return handout_context(
        plan=sample_plan(today + timedelta(days=1)),
        exercises={spec.slug: spec for spec in default_library()},
        patient_name=SAMPLE_PATIENT,
        clinic=SAMPLE_CLINIC,
        physio=SAMPLE_PHYSIO,
        condition=SAMPLE_CONDITION,
        causes=SAMPLE_CAUSES,
        note=SAMPLE_NOTE,
        revision=1,
        issued_on=today,
        paper=paper,
    )
