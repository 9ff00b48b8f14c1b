"""Histories for the demo clinic's outcomes page: six patients further along than the pathway's demo patients
(portal/demo.py), each from their intake through their plan, built day by day through the services the pages use,
dated with `now` as it happened: sessions logged the morning after (most of them, some amber, a few red), the walk/run
ladder climbed by the progression rules to 30 minutes' running for most, follow-up questionnaires every two weeks
(most better, one knee worse again), and the plans of those who finished ended. Idempotent: a patient already there
is left as they are."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from clinic import services
from clinic.models import Clinic, Patient, PatientStatus, StaffMember
from intake import services as intake_services
from intake.assessment.decisions import CONFIRM, REJECT, CauseDecision, decisions_for
from intake.assessment.live import assessment_now
from intake.questionnaire import answer_paths
from intake.scoring import INSTRUMENT_CODES
from plans import services as plan_services
from plans.calendar import session_on
from plans.loads import REST
from plans.models import Plan
from portal.demo import ALL_CLEAR, DEMO_CLINIC_SLUG, DEMO_FINDINGS, POSTPARTUM_ALL_CLEAR, STAFF, demo_patient_create

FOLLOW_UP_EVERY_WEEKS = 2
NEXT_MORNING = time(9)  # each session phoned in the morning after, with the next-morning answers
FOLLOW_UP_AT = time(18)

# KOOS-PF items all at one level (0 none … 4 extreme): 1 scores 75, 2 scores 50, 3 scores 25.
KOOS_ITEMS = tuple(f"kpf{n}" for n in range(1, 12))
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
# 73 points: stairs, squatting, running, jumping, sitting and pain as a painful knee answers them.
AKPS_SORE = {
    **AKPS_BEST,
    "stairs": "pain_up_and_down",
    "squatting": "painful_each_time",
    "running": "slight_pain_from_start",
    "jumping": "constant_pain",
    "prolonged_sitting": "constant_pain",
    "pain": "interferes_sleep",
}
# 88 points: a knee on the mend.
AKPS_BETTER = {
    **AKPS_BEST,
    "stairs": "slight_pain_descending",
    "running": "pain_after_2km",
    "jumping": "slight_difficulty",
}


def koos(level: int) -> dict:
    return dict.fromkeys(KOOS_ITEMS, level)


def scores(*, koos_level: int, akps: dict, now: int, usual: int, worst: int, run: int | None = None) -> dict:
    """A questionnaire's outcome measures, in the intake's shape."""
    pain = {"nprs_now": now, "nprs_usual": usual, "nprs_worst_week": worst}
    if run is not None:
        pain["nprs_during_run"] = run
    return {**pain, "koos_pf": koos(koos_level), "akps": akps}


RUNNER = {
    **ALL_CLEAR,
    "pain_locations": ["around_kneecap"],
    "onset": "gradual",
    "symptom_weeks": 8,
    "aggravators": ["stairs_down", "squatting", "running"],
    "years_running": 5,
    "runs_per_week": 3,
    "current_weekly_km": 10,
    "weekly_km_before_symptoms": 25,
    "longest_run_30d_km": 0.5,  # short runs that hurt at most 3/10 (with run=3): walk/run from level 2
    "morning_after_run": "none",
    "goal": "10k",
}
NOT_RUNNING = {**RUNNER, "runs_per_week": 0, "current_weekly_km": 0, "longest_run_30d_km": 0, "goal": "5k"}


@dataclass(frozen=True)
class History:
    first_name: str
    last_name: str
    date_of_birth: date
    sex_at_birth: str
    physio_key: str
    started_weeks_ago: int
    answers: dict  # the intake, with its questionnaire scores
    findings: dict
    follow_ups: tuple[dict, ...]  # every FOLLOW_UP_EVERY_WEEKS weeks from the plan's start, while it runs
    missed_every: int = 0  # every n-th session not logged (0: all logged)
    amber: frozenset[int] = field(default_factory=frozenset)  # sessions (numbered from 1) that hurt 4/10
    red: frozenset[int] = field(default_factory=frozenset)  # sessions that hurt 6/10
    weeks: int = 10  # the plan's length
    finished: bool = False  # the plan ran its course and ended; the patient was discharged


SORE = scores(koos_level=2, akps=AKPS_SORE, now=2, usual=3, worst=6, run=3)  # usual pain above 3 would hold running
HISTORIES = (
    # A runner back to 30 minutes in six weeks who finished her plan and was discharged, better on every score.
    History(
        "Sofia",
        "Romero",
        date(1989, 4, 2),
        "female",
        "physio",
        started_weeks_ago=8,
        answers={**RUNNER, "side": "right", "longest_run_30d_km": 0.8, **SORE},  # from level 4
        findings=DEMO_FINDINGS["Emma"],
        follow_ups=(
            scores(koos_level=2, akps=AKPS_BETTER, now=1, usual=3, worst=4, run=3),
            scores(koos_level=1, akps=AKPS_BETTER, now=0, usual=2, worst=3, run=2),
            scores(koos_level=1, akps=AKPS_BEST, now=0, usual=1, worst=2, run=1),
        ),
        missed_every=6,
        amber=frozenset({9}),
        weeks=6,
        finished=True,
    ),
    # A runner with a red session in his third week, back to 30 minutes all the same.
    History(
        "James",
        "Okoro",
        date(1984, 10, 19),
        "male",
        "physio2",
        started_weeks_ago=6,
        answers={
            **RUNNER,
            "side": "left",
            "longest_run_30d_km": 1,  # from level 5
            **scores(koos_level=2, akps=AKPS_SORE, now=1, usual=3, worst=5, run=3),
        },
        findings=DEMO_FINDINGS["Emma"],
        follow_ups=(
            scores(koos_level=2, akps=AKPS_SORE, now=1, usual=3, worst=5, run=4),
            scores(koos_level=1, akps=AKPS_BETTER, now=0, usual=2, worst=4, run=3),
        ),
        missed_every=5,
        red=frozenset({8}),
    ),
    # Thirty weeks after a birth, not running at her intake: she is still climbing the walk/run ladder.
    History(
        "Ruth",
        "Baker",
        date(1992, 12, 8),
        "female",
        "physio",
        started_weeks_ago=5,
        answers={
            **NOT_RUNNING,
            "side": "both",
            **scores(koos_level=2, akps=AKPS_SORE, now=1, usual=3, worst=5),
            "postpartum": {
                **POSTPARTUM_ALL_CLEAR,
                "delivery_date": "",  # dated back from today when the history is built
                "delivery_mode": "vaginal",
                "perineal_trauma": "first_degree",
                "breastfeeding": "mixed",
                "fatigue": 5,
            },
        },
        findings=DEMO_FINDINGS["Laura"],
        follow_ups=(
            scores(koos_level=1, akps=AKPS_BETTER, now=1, usual=2, worst=4),
            scores(koos_level=1, akps=AKPS_BETTER, now=2, usual=4, worst=6),
        ),
        missed_every=4,
        amber=frozenset({12}),
    ),
    # Back to 30 minutes, then a flare: her latest questionnaire is worse than her intake.
    History(
        "Amira",
        "Haddad",
        date(1987, 6, 25),
        "female",
        "physio2",
        started_weeks_ago=9,
        answers={
            **RUNNER,
            "side": "right",
            "longest_run_30d_km": 0.8,  # from level 4
            **scores(koos_level=1, akps=AKPS_BETTER, now=1, usual=2, worst=4, run=3),
        },
        findings=DEMO_FINDINGS["Emma"],
        follow_ups=(
            scores(koos_level=1, akps=AKPS_BEST, now=0, usual=1, worst=3, run=2),
            scores(koos_level=1, akps=AKPS_BETTER, now=1, usual=2, worst=4, run=3),
            scores(koos_level=3, akps=AKPS_SORE, now=3, usual=4, worst=7, run=6),
        ),
        missed_every=7,
        amber=frozenset({12}),
        red=frozenset({20}),
        weeks=6,
        finished=True,
    ),
    # Logged two sessions in three.
    History(
        "Nina",
        "Kowalski",
        date(1995, 1, 30),
        "female",
        "physio",
        started_weeks_ago=6,
        answers={**RUNNER, "side": "left", **SORE},
        findings=DEMO_FINDINGS["Emma"],
        follow_ups=(
            scores(koos_level=2, akps=AKPS_SORE, now=2, usual=4, worst=6, run=5),
            scores(koos_level=2, akps=AKPS_BETTER, now=1, usual=3, worst=5, run=4),
        ),
        missed_every=3,
        amber=frozenset({6}),
    ),
    # Five weeks in.
    History(
        "Peter",
        "Lund",
        date(1979, 3, 14),
        "male",
        "physio",
        started_weeks_ago=4,
        answers={**RUNNER, "side": "right", **SORE},
        findings=DEMO_FINDINGS["Emma"],
        follow_ups=(scores(koos_level=2, akps=AKPS_BETTER, now=1, usual=3, worst=5, run=4),),
    ),
)


@transaction.atomic
def seed_outcome_histories() -> int:
    """Build each history the demo clinic (portal.demo) does not have yet; the number of histories it holds."""
    clinic = Clinic.objects.get(slug=DEMO_CLINIC_SLUG)
    staff = {entry.key: StaffMember.objects.get(user__email=entry.email) for entry in STAFF}
    today = timezone.localdate()
    for history in HISTORIES:
        if not Patient.objects.filter(
            clinic=clinic, first_name=history.first_name, last_name=history.last_name
        ).exists():
            start = today - timedelta(weeks=history.started_weeks_ago)
            _build(clinic, staff[history.physio_key], history, start=start)
    return len(HISTORIES)


def _at(day: date, when: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, when))


def _build(clinic: Clinic, physio: StaffMember, history: History, *, start: date) -> None:
    first_day = _at(start, time(10))
    patient = demo_patient_create(clinic, physio, history)
    answers = dict(history.answers)
    if "postpartum" in answers:  # thirty weeks after the birth on the plan's first day
        answers["postpartum"] = {**answers["postpartum"], "delivery_date": (start - timedelta(weeks=30)).isoformat()}
    invite = intake_services.invite_create(patient=patient, by=physio, send_email=False, now=first_day)
    intake = intake_services.intake_draft_for_invite(invite=invite, now=first_day)
    gate = {} if history.sex_at_birth == "male" else {"flow.postpartum_within_24m": "postpartum" in answers}
    values = {**answer_paths(answers, "intake"), **answer_paths({"height_cm": 170, "weight_kg": 65}, "patient"), **gate}
    intake = intake_services.intake_save_step(intake=intake, step="review", answers=values)
    intake_services.intake_submit(intake=intake, now=first_day)
    intake_services.examination_save(intake=intake, findings=history.findings, version=0, by=physio, now=first_day)
    shown = assessment_now(intake, as_of=start)
    # The causes the engine pre-selects are confirmed, the others rejected.
    decisions = [
        decision if decision.verdict == CONFIRM else CauseDecision(decision.code, REJECT)
        for decision in decisions_for(shown.result["causes"], confirmed=[], rejected=[])
    ]
    assessment = intake_services.assessment_confirm(
        intake=intake, by=physio, shown_digest=shown.digest, decisions=decisions, plan_start=None, now=first_day
    )
    plan, _ = plan_services.plan_create(assessment=assessment, by=physio, now=first_day)
    plan = plan_services.plan_draft_update(
        plan=plan, by=physio, expected_version=plan.draft_version, now=first_day, weeks=history.weeks
    )
    plan_services.plan_issue(plan=plan, by=physio, now=first_day)
    plan.refresh_from_db()
    schedule = intake_services.follow_up_schedule_set(
        patient=patient,
        by=physio,
        instruments=list(INSTRUMENT_CODES),
        every_weeks=FOLLOW_UP_EVERY_WEEKS,
        start=start + timedelta(weeks=FOLLOW_UP_EVERY_WEEKS),
        safety_questions=True,
    )
    plan = _log_sessions(plan, physio, history)
    for number, outcomes in enumerate(history.follow_ups, start=1):
        due = schedule.start + timedelta(weeks=FOLLOW_UP_EVERY_WEEKS * (number - 1))
        if _at(due, FOLLOW_UP_AT) > timezone.now():
            break
        answered = intake_services.follow_up_submit(
            schedule=schedule, due_on=due, answers={**ALL_CLEAR, **outcomes}, now=_at(due, FOLLOW_UP_AT)
        )
        intake_services.follow_up_mark_reviewed(follow_up=answered, by=physio)
    if history.finished:
        end = plan.current_revision.end
        plan_services.plan_end(plan=plan, by=physio, now=_at(end, FOLLOW_UP_AT))
        intake_services.follow_up_schedule_stop(patient=patient, by=physio)
        services.patient_update(patient=patient, by=physio, status=PatientStatus.DISCHARGED)


def _log_sessions(plan: Plan, physio: StaffMember, history: History) -> Plan:
    """Each session of the plan, day by day as the progression rules schedule them, up to yesterday (or the plan's
    last day): logged the morning after unless missed, green but for the amber and red ones."""
    last = min(plan.current_revision.end, timezone.localdate() - timedelta(days=1))
    day, number = plan.start, 0
    while day <= last:
        session = session_on(plan.current_revision.content, day)
        if session is not None and session["kind"] != REST:
            number += 1
            if not (history.missed_every and number % history.missed_every == 0):
                pain = 6 if number in history.red else 4 if number in history.amber else 1
                plan_services.session_log_create(
                    plan=plan,
                    by=physio.user,
                    now=_at(day + timedelta(days=1), NEXT_MORNING),
                    session_date=day,
                    pain_during_max=pain,
                    next_morning_pain=1,
                    next_morning_stiffness=1,
                )
                plan.refresh_from_db()  # a logged run may change the schedule ahead: an automatic revision
        day += timedelta(days=1)
    return plan
