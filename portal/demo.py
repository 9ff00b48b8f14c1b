"""The demo clinic: staff, and patients at different points of the pathway (invited, intake sent, examined and
assessed, referred, on a plan), built through the services the views use. Idempotent: running it again changes
nothing that is already there."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clinic import services
from clinic.models import Clinic, Patient, PatientStatus, StaffMember, StaffRole
from intake import selectors as intake_selectors
from intake import services as intake_services
from intake.assessment.decisions import CauseDecision, decisions_for
from intake.assessment.live import assessment_now
from intake.models import IntakeStatus
from intake.questionnaire import answer_paths
from intake.schema import SAFETY_BOOLS
from intake.scoring import INSTRUMENT_CODES
from plans import services as plan_services
from plans.models import Exercise, Plan
from portal import services as portal_services

DEMO_PASSWORD = "runback-demo-2026"  # noqa: S105 - printed for the demo on purpose

User = get_user_model()


@dataclass(frozen=True)
class DemoStaff:
    key: str
    email: str
    first_name: str
    last_name: str
    role: str


@dataclass(frozen=True)
class DemoPatient:
    first_name: str
    last_name: str
    date_of_birth: date
    sex_at_birth: str
    physio_key: str
    stage: str  # how far along the pathway the demo takes this patient


STAFF = [
    DemoStaff("physio", "physio@demo.runback.test", "Alice", "Morgan", StaffRole.PHYSIOTHERAPIST),
    DemoStaff("physio2", "physio2@demo.runback.test", "Ben", "Adeyemi", StaffRole.PHYSIOTHERAPIST),
    DemoStaff("desk", "desk@demo.runback.test", "Carla", "Price", StaffRole.FRONT_DESK),
]

PATIENTS = [
    DemoPatient("Emma", "Clarke", date(1994, 2, 11), "female", "physio", PatientStatus.NEW),
    DemoPatient("Hannah", "Okafor", date(1990, 7, 30), "female", "physio", PatientStatus.NEW),
    DemoPatient("Tom", "Reilly", date(1988, 9, 9), "male", "physio", PatientStatus.NEW),
    DemoPatient("Priya", "Nair", date(1996, 3, 22), "female", "physio", PatientStatus.NEW),
    DemoPatient("Daniel", "Kovacs", date(1979, 11, 5), "male", "physio2", PatientStatus.NEW),
    DemoPatient("Laura", "Mendes", date(1991, 5, 4), "female", "physio2", PatientStatus.NEW),
    DemoPatient("Marcus", "Webb", date(1985, 1, 15), "male", "physio", PatientStatus.NEW),
    DemoPatient("Grace", "Liu", date(1983, 8, 19), "female", "physio2", PatientStatus.DISCHARGED),
]

DEMO_CLINIC_SLUG = "demo"
PATIENT_PORTAL_EMAIL = "patient@demo.runback.test"
PORTAL_PATIENT = "Emma"
ADMIN_EMAIL = "admin@demo.runback.test"


@transaction.atomic
def seed_demo_clinic() -> dict[str, str]:
    """Create (or find) the demo clinic and return the demo logins as {role description: e-mail}."""
    clinic, _ = Clinic.objects.get_or_create(
        slug=DEMO_CLINIC_SLUG,
        defaults={
            "name": "Runback Demo Physiotherapy",
            "phone": "020 7946 0000",
            "email": "hello@demo.runback.test",
            "address": "1 Riverside Walk\nLondon",
        },
    )
    staff = {entry.key: _staff_member(clinic, entry) for entry in STAFF}
    if not Exercise.objects.shipped().exists():  # plans need the exercise library (make run loads it first)
        plan_services.exercise_library_load()
    for entry in PATIENTS:
        patient = _patient(clinic, staff, entry)
        physio = staff[entry.physio_key]
        # A patient already some way into their plan went through intake and assessment on its first day; the
        # services date what they do with `now`.
        now = _plan_started(entry.first_name) or timezone.now()
        _intake(patient, physio, entry.first_name, now=now)
        _assessment(patient, physio, entry.first_name, now=now)
        _plan(patient, physio, entry.first_name)
        if entry.first_name == PORTAL_PATIENT:
            _portal(patient, physio)
    if not User.objects.filter(email=ADMIN_EMAIL).exists():
        User.objects.create_superuser(email=ADMIN_EMAIL, password=DEMO_PASSWORD, first_name="Site", last_name="Admin")
    logins = {f"{entry.role.label} ({entry.first_name} {entry.last_name})": entry.email for entry in STAFF}
    logins["Patient (Emma Clarke, the portal)"] = PATIENT_PORTAL_EMAIL
    logins["Administrator (Django admin)"] = ADMIN_EMAIL
    return logins


def _staff_member(clinic: Clinic, entry: DemoStaff) -> StaffMember:
    existing = StaffMember.objects.filter(user__email=entry.email).first()
    if existing:
        return existing
    return services.staff_member_create(
        clinic=clinic,
        email=entry.email,
        first_name=entry.first_name,
        last_name=entry.last_name,
        role=entry.role,
        password=DEMO_PASSWORD,
    )


def demo_patient_create(clinic: Clinic, physio: StaffMember, person) -> Patient:
    """A demo patient of `physio` made through the services from `person`'s names, date of birth and sex at birth,
    with a made-up address at example.com and a phone number reserved for drama."""
    return services.patient_create(
        clinic=clinic,
        by=physio,
        first_name=person.first_name,
        last_name=person.last_name,
        date_of_birth=person.date_of_birth,
        sex_at_birth=person.sex_at_birth,
        email=f"{person.first_name.lower()}.{person.last_name.lower()}@example.com",
        phone="07700 900000",
        physio=physio,
    )


def _patient(clinic: Clinic, staff: dict[str, StaffMember], entry: DemoPatient) -> Patient:
    physio = staff[entry.physio_key]
    patient = Patient.objects.filter(
        clinic=clinic,
        first_name=entry.first_name,
        last_name=entry.last_name,
        date_of_birth=entry.date_of_birth,
    ).first()
    if patient is None:
        patient = demo_patient_create(clinic, physio, entry)
        if entry.stage == PatientStatus.DISCHARGED:
            services.patient_update(patient=patient, by=physio, status=PatientStatus.DISCHARGED)
    return patient


# --- Intakes ----------------------------------------------------------------------------------------------------
# Answers of the shared clinical cases (../shared/clinical/cases/) where they fit, completed with the questions the
# questionnaire requires. Births are dated back from today so the demo stays "8 weeks postpartum" whenever it runs.

ALL_CLEAR = {
    "swelling": "none",
    "locking": "never",
    "giving_way": "never",
    "kneecap_dislocation": "no",
    "night_pain": "no",
    **dict.fromkeys(SAFETY_BOOLS, False),
    "can_weight_bear_4_steps": True,
    "can_bend_to_90": True,
}
PFP_AKPS = {
    "limp": "none",
    "support": "full_painfree",
    "walking": "unlimited",
    "stairs": "slight_pain_descending",
    "squatting": "repeated_painful",
    "running": "pain_after_2km",
    "jumping": "slight_difficulty",
    "prolonged_sitting": "pain_after_exercise",
    "pain": "slight_occasional",
    "swelling": "none",
    "patellar_subluxation": "none",
    "thigh_atrophy": "none",
    "flexion_deficit": "none",
}
PFP_KOOS = {
    "kpf1": 1,
    "kpf2": 2,
    "kpf3": 2,
    "kpf4": 1,
    "kpf5": 2,
    "kpf6": 2,
    "kpf7": 2,
    "kpf8": 1,
    "kpf9": 3,
    "kpf10": 1,
    "kpf11": 2,
}
POSTPARTUM_ALL_CLEAR = {
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


def _weeks_ago(weeks: int) -> str:
    return (timezone.localdate() - timedelta(weeks=weeks)).isoformat()


def _demo_intakes() -> dict[str, dict]:
    """Per demo patient (by first name): 'answers' (the case intake), 'patient' (height, weight), or 'invite_only'."""
    return {
        "Priya": {"invite_only": True},
        # cases/classic-pfp-load-and-hip.json
        "Emma": {
            "patient": {"height_cm": 168, "weight_kg": 60},
            "answers": {
                **ALL_CLEAR,
                "side": "right",
                "pain_locations": ["around_kneecap"],
                "onset": "gradual",
                "symptom_weeks": 6,
                "aggravators": ["stairs_down", "squatting", "prolonged_sitting", "running"],
                "pain_onset_run_minutes": 20,
                "nprs_now": 1,
                "nprs_usual": 3,
                "nprs_worst_week": 5,
                "nprs_during_run": 5,
                "morning_after_run": "settles_within_1h",
                "catching": "never",
                "years_running": 3,
                "runs_per_week": 4,
                "weekly_km_before_symptoms": 20,
                "current_weekly_km": 10,
                "longest_run_30d_km": 8,
                "weekly_increase_pct": 35,
                "recent_changes": ["distance_up", "hills"],
                "goal": "10k",
                "akps": PFP_AKPS,
                "koos_pf": PFP_KOOS,
            },
        },
        # cases/postpartum-8-weeks-leaking.json
        "Hannah": {
            "patient": {"height_cm": 164, "weight_kg": 66},
            "answers": {
                **ALL_CLEAR,
                "side": "left",
                "pain_locations": ["around_kneecap"],
                "onset": "gradual",
                "symptom_weeks": 2,
                "aggravators": ["squatting", "stairs_down"],
                "nprs_now": 2,
                "nprs_usual": 2,
                "nprs_worst_week": 4,
                "years_running": 6,
                "runs_per_week": 0,
                "current_weekly_km": 0,
                "sleep_hours": 5.5,
                "goal": "5k",
                "akps": {**PFP_AKPS, "running": "unable", "jumping": "unable"},
                "postpartum": {
                    **POSTPARTUM_ALL_CLEAR,
                    "delivery_date": _weeks_ago(8),
                    "delivery_mode": "vaginal",
                    "perineal_trauma": "second_degree",
                    "breastfeeding": "exclusive",
                    "urine_leak": "sometimes",
                    "fatigue": 7,
                },
            },
        },
        # cases/acute-twist-locked-knee.json
        "Marcus": {
            "patient": {"height_cm": 181, "weight_kg": 84},
            "answers": {
                **ALL_CLEAR,
                "side": "right",
                "pain_locations": ["inner_joint_line"],
                "onset": "sudden_with_injury",
                "symptom_weeks": 0,
                "aggravators": ["twisting", "squatting"],
                "nprs_now": 6,
                "nprs_usual": 5,
                "nprs_worst_week": 8,
                "swelling": "visible",
                "swelling_within_2h_of_injury": True,
                "locking": "current",
                "giving_way": "occasionally",
                "catching": "often",
                "akps": {
                    **PFP_AKPS,
                    "limp": "constant",
                    "support": "painful",
                    "running": "unable",
                    "jumping": "unable",
                    "squatting": "unable",
                    "swelling": "after_daily_activity",
                    "flexion_deficit": "slight",
                },
            },
        },
        # cases/lateral-downhill-itbs.json
        "Tom": {
            "patient": {"height_cm": 178, "weight_kg": 72},
            "answers": {
                **ALL_CLEAR,
                "side": "left",
                "pain_locations": ["outer_knee"],
                "onset": "gradual",
                "symptom_weeks": 5,
                "aggravators": ["running", "downhill_running"],
                "pain_onset_run_minutes": 25,
                "nprs_now": 0,
                "nprs_usual": 2,
                "nprs_worst_week": 6,
                "nprs_during_run": 6,
                "years_running": 8,
                "runs_per_week": 5,
                "current_weekly_km": 45,
                "longest_run_30d_km": 21,
                "goal": "marathon",
                "akps": {**PFP_AKPS, "stairs": "no_difficulty", "squatting": "no_difficulty"},
                "koos_pf": {**PFP_KOOS, "kpf1": 0, "kpf3": 0, "kpf4": 0, "kpf5": 0, "kpf8": 0},
            },
        },
        # Twenty weeks after a planned caesarean, no pelvic floor symptoms, tired.
        "Laura": {
            "patient": {"height_cm": 170, "weight_kg": 64},
            "answers": {
                **ALL_CLEAR,
                "side": "both",
                "pain_locations": ["around_kneecap", "below_kneecap"],
                "onset": "gradual",
                "symptom_weeks": 4,
                "aggravators": ["stairs_down", "squatting"],
                "nprs_now": 1,
                "nprs_usual": 2,
                "nprs_worst_week": 4,
                "years_running": 10,
                "runs_per_week": 2,
                "current_weekly_km": 8,
                "longest_run_30d_km": 5,
                "sleep_hours": 6,
                "fear_of_movement": 4,
                "goal": "half",
                "akps": PFP_AKPS,
                "koos_pf": PFP_KOOS,
                "postpartum": {
                    **POSTPARTUM_ALL_CLEAR,
                    "delivery_date": _weeks_ago(20),
                    "delivery_mode": "caesarean_planned",
                    "perineal_trauma": "none",
                    "breastfeeding": "mixed",
                    "fatigue": 6,
                    "buggy_running_planned": True,
                },
            },
        },
    }


def _intake(patient: Patient, physio: StaffMember, first_name: str, *, now: datetime) -> None:
    """Send the demo patient a link and, for most, submit their answers the way the questionnaire does."""
    demo = _demo_intakes().get(first_name)
    if demo is None or patient.intake_invites.exists():
        return
    invite = intake_services.invite_create(patient=patient, by=physio, send_email=False, now=now)
    if demo.get("invite_only"):
        return
    intake = intake_services.intake_draft_for_invite(invite=invite, now=now)
    answers = demo["answers"]
    gate = {} if patient.sex_at_birth == "male" else {"flow.postpartum_within_24m": "postpartum" in answers}
    values = {**answer_paths(answers, "intake"), **answer_paths(demo["patient"], "patient"), **gate}
    intake = intake_services.intake_save_step(intake=intake, step="review", answers=values)
    intake_services.intake_submit(intake=intake, now=now)


# --- Examinations and assessments -------------------------------------------------------------------------------
# Findings of the shared clinical cases where they fit. Emma, Tom and Laura are examined and their assessments
# confirmed; Marcus's locked knee is referred.

DEMO_FINDINGS = {
    # Twenty weeks after a planned caesarean: the load, impact and strength tests (just) and the pelvic floor check
    # passed (reference §1.2, §1.3, §9.1); the hip abductors still test weak and the knee drops in.
    "Laura": {
        "squat_reproduces_pain": True,
        "step_down_pain": True,
        "sl_squat": {"knee_valgus": True, "pelvic_drop": False, "trunk_lean": False, "pain_nprs": 3},
        "hip_abductor_strength": "reduced",
        "side_lying_abduction_reps": 20,
        "sl_bridge_reps": 21,
        "sl_calf_raise_reps": 22,
        "sl_sit_to_stand_reps": 20,
        "quad_strength": "normal",
        "effusion": False,
        "dra_fingers": 1,
        "pelvic_floor_check": "pass",
        "readiness": {
            "walk_30min": True,
            "sl_balance_10s": True,
            "sl_squat_10": True,
            "jog_on_spot_1min": True,
            "forward_bounds_10": True,
            "hop_in_place_10": True,
            "running_man_10": True,
        },
    },
    # cases/classic-pfp-load-and-hip.json, with the runner's impact tests (reference §9.1) passed as well
    "Emma": {
        "squat_reproduces_pain": True,
        "sl_squat": {"knee_valgus": True, "pelvic_drop": True, "trunk_lean": False, "pain_nprs": 4},
        "hip_abductor_strength": "reduced",
        "side_lying_abduction_reps": 11,
        "sl_bridge_reps": 14,
        "quad_strength": "normal",
        "sl_calf_raise_reps": 22,
        "tenderness": ["patellar_facets"],
        "effusion": False,
        "readiness": {"jog_on_spot_1min": True, "hop_in_place_10": True},
    },
    # cases/lateral-downhill-itbs.json
    "Tom": {
        "noble_test_positive": True,
        "itb_tight": True,
        "tenderness": ["lateral_epicondyle"],
        "hip_abductor_strength": "reduced",
        "squat_reproduces_pain": False,
    },
    # cases/acute-twist-locked-knee.json has no examination: the swollen knee, tender on the medial joint line
    "Marcus": {"effusion": True, "tenderness": ["medial_joint_line"]},
}
# The physio's decisions on causes the engine scores below the pre-selection threshold.
DEMO_DECISIONS = {
    "Tom": {"muscle_tightness": "Tight iliotibial band on Ober's test."},
    "Laura": {
        "low_recovery_capacity": "Six hours' sleep a night and tired, with a baby of twenty weeks.",
        "quadriceps_weakness": "Step-down pain; quadriceps endurance still to build after the pregnancy.",
    },
}
DEMO_REFERRALS = {
    "Marcus": "Acute knee clinic today for the locked knee and the swelling within hours; told not to run, twist "
    "or squat until seen, and to call us if it gets worse.",
}


def _assessment(patient: Patient, physio: StaffMember, first_name: str, *, now: datetime) -> None:
    """Examine the demo patient's intake and confirm (or refer) its assessment, the way the pages do."""
    findings = DEMO_FINDINGS.get(first_name)
    intake = patient.intakes.filter(status=IntakeStatus.SUBMITTED).first()
    if findings is None or intake is None or intake.assessments.exists():
        return
    if intake_selectors.examination_for(intake) is None:
        intake_services.examination_save(intake=intake, findings=findings, version=0, by=physio, now=now)
    shown = assessment_now(intake, as_of=timezone.localdate(now))
    if first_name in DEMO_REFERRALS:
        intake_services.assessment_refer(
            intake=intake, by=physio, note=DEMO_REFERRALS[first_name], shown_digest=shown.digest, now=now
        )
        return
    chosen = DEMO_DECISIONS.get(first_name, {})
    decisions = [
        CauseDecision(decision.code, "confirm", chosen[decision.code]) if decision.code in chosen else decision
        for decision in decisions_for(shown.result["causes"], confirmed=[], rejected=[])
    ]
    intake_services.assessment_confirm(
        intake=intake, by=physio, shown_digest=shown.digest, decisions=decisions, plan_start=None, now=now
    )


# --- Plans --------------------------------------------------------------------------------------------------------
# Emma has followed her plan for a little over two weeks and phoned in her sessions; Laura's plan is issued today;
# Tom's is still a draft. Emma's history is built as it happened: her intake, assessment and plan on her plan's
# first day, each session logged the morning after, so the traffic lights and the automatic changes are the ones
# the rules made then.

PLAN_STARTED_DAYS_AGO = {"Emma": 16}
ISSUED_PLANS = {"Emma", "Laura"}
DRAFT_PLANS = {"Tom"}
# Emma's sessions as she reported them: her last EMMA_SESSIONS_LOGGED sessions before today, all green (pain at
# most 2/10, next morning 1/10, no worse than her usual) except the most recent run, which hurt 4/10: amber.
EMMA_SESSIONS_LOGGED = 6
NEXT_MORNING = time(10)  # when Emma phoned in each session: the morning after, with the next-morning answers


def _plan_started(first_name: str) -> datetime | None:
    days = PLAN_STARTED_DAYS_AGO.get(first_name)
    if days is None:
        return None
    return timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days), time(10)))


def _plan(patient: Patient, physio: StaffMember, first_name: str) -> None:
    """Build the demo patient's plan from their confirmed assessment, the way the pages do, issue it, and log the
    sessions the patient reported."""
    if first_name not in ISSUED_PLANS | DRAFT_PLANS or Plan.objects.filter(patient=patient).exists():
        return
    intake = patient.intakes.filter(status=IntakeStatus.SUBMITTED).first()
    assessment = intake.assessments.filter(status="confirmed").first() if intake else None
    if assessment is None:
        return
    # A demo patient's history happens on its own days: the services date what they do with `now`.
    started = _plan_started(first_name) or timezone.now()
    plan, _ = plan_services.plan_create(assessment=assessment, by=physio, now=started)
    if first_name in ISSUED_PLANS:
        plan = plan_services.plan_draft_update(
            plan=plan,
            by=physio,
            expected_version=plan.draft_version,
            now=started,
            note_for_patient="Log every run the evening after, or call us. Keep the strength work going on "
            "the days you don't run.",
        )
        plan_services.plan_issue(plan=plan, by=physio, now=started)
    if first_name == "Emma":
        _log_reported_sessions(plan, physio)


def _log_reported_sessions(plan: Plan, physio: StaffMember) -> None:
    """Log Emma's reports of her most recent sessions before today, each the morning after (or now, if sooner)."""
    plan.refresh_from_db()
    now = timezone.now()
    past = [
        session
        for week in plan.current_revision.content["weeks"]
        for session in week["sessions"]
        if session["kind"] != "rest" and date.fromisoformat(session["date"]) < timezone.localdate(now)
    ][-EMMA_SESSIONS_LOGGED:]
    amber = next((s["date"] for s in reversed(past) if s["kind"] == "run"), None)
    for index, session in enumerate(past):
        day = date.fromisoformat(session["date"])
        phoned = min(now, timezone.make_aware(datetime.combine(day + timedelta(days=1), NEXT_MORNING)))
        plan_services.session_log_create(
            plan=Plan.objects.get(pk=plan.pk),
            by=physio.user,
            now=phoned,
            session_date=day,
            pain_during_max=4 if session["date"] == amber else 1 + index % 2,
            next_morning_pain=1,
            next_morning_stiffness=1,
            duration_min=30,
        )


# --- The portal ---------------------------------------------------------------------------------------------------
# Emma uses the portal: her own account (reminders on), a calendar address, and the follow-up questionnaire her
# physio scheduled every two weeks from her plan's first day, so one is due now.

FOLLOW_UP_EVERY_WEEKS = 2


def _portal(patient: Patient, physio: StaffMember) -> None:
    if patient.user_id is None:
        services.portal_account_create(patient=patient, email=PATIENT_PORTAL_EMAIL, password=DEMO_PASSWORD)
    if not patient.calendar_feeds.exists():
        portal_services.calendar_feed_create(patient=patient, by=physio.user)
    if not patient.follow_up_schedules.exists():
        started = _plan_started(PORTAL_PATIENT)
        intake_services.follow_up_schedule_set(
            patient=patient,
            by=physio,
            instruments=list(INSTRUMENT_CODES),
            every_weeks=FOLLOW_UP_EVERY_WEEKS,
            start=timezone.localdate(started) if started else timezone.localdate(),
            safety_questions=True,
        )
    _messages(patient, physio)


# --- Messages -----------------------------------------------------------------------------------------------------
# Emma asked her physio about an ache two days ago and read the answer; this morning she wrote again, not read yet,
# so the physio's list and caseload show a message waiting. No e-mail goes out for the demo.

DEMO_MESSAGES = [
    (2, 18, True, "My knee ached a bit on the stairs after yesterday's run. Is that normal, or should I rest?"),
    (
        1,
        9,
        False,
        "Thanks for telling me. A little ache the day after can happen: keep to the plan, log the next run "
        "and tell me how the stairs feel the morning after.",
    ),
    (0, 8, True, "The next run felt much better, thank you! Can I add a short walk on my rest days?"),
]


def _messages(patient: Patient, physio: StaffMember) -> None:
    if patient.messages.exists():
        return
    patient.refresh_from_db()  # with the portal account made just before
    today = timezone.localdate()
    for days_ago, hour, from_patient, body in DEMO_MESSAGES:
        sent = timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour)))
        author = patient.user if from_patient else physio.user
        portal_services.message_send(
            patient=patient, by=author, body=body, send_email=False, now=min(sent, timezone.now())
        )
        if not from_patient:  # Emma read the answer that evening
            portal_services.messages_mark_read(
                patient=patient, by=patient.user, now=min(sent + timedelta(hours=10), timezone.now())
            )
