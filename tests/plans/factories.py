"""A small exercise library for the plan tests: plain `ExerciseSpec`s covering every kind and the §7 categories the
builder trains, with progressions, impact rungs and contraindications, so tests never depend on the shipped data."""

from datetime import date

from intake.codes import Category as C
from intake.codes import Contraindication as X
from plans.builder import CurrentRunning, PlanRequest
from plans.library.exercises import Dosage, ExerciseSpec, validate_library


def spec(slug, kind, categories, *, level=1, dosage=None, **fields) -> ExerciseSpec:
    return ExerciseSpec(
        slug=slug,
        name=slug.replace("_", " ").capitalize(),
        kind=kind,
        categories=tuple(str(c) for c in categories),
        dosage=dosage or Dosage(sets=3, reps=10),
        level=level,
        **fields,
    )


def reps(sets, count, per_week=3, **kw):
    return Dosage(sets=sets, reps=count, per_week=per_week, **kw)


def hold(seconds, sets=3, per_week=3, **kw):
    return Dosage(sets=sets, hold_s=seconds, per_week=per_week, **kw)


def minutes(count, per_week=3):
    return Dosage(minutes=count, per_week=per_week)


DEEP = (str(X.PAINFUL_DEEP_KNEE_FLEXION),)

LIBRARY = (
    # hip
    spec("glute_bridge", "strength", [C.HIP_EXT], dosage=reps(2, 10), progressions=("single_leg_bridge",)),
    spec("single_leg_bridge", "strength", [C.HIP_EXT], level=3, dosage=reps(3, 8), regressions=("glute_bridge",)),
    spec("clamshell_band", "strength", [C.HIP_ER, C.HIP_ABD], dosage=reps(3, 12)),
    spec(
        "side_lying_hip_abduction",
        "strength",
        [C.HIP_ABD],
        dosage=reps(2, 10, per_side=True),
        progressions=("banded_side_steps",),
    ),
    spec("banded_side_steps", "strength", [C.HIP_ABD], level=2, regressions=("side_lying_hip_abduction",)),
    spec("side_plank", "core", [C.CORE_LAT, C.HIP_ABD], level=2, dosage=hold(20, sets=2)),
    # knee
    spec("sit_to_stand", "strength", [C.QUAD_CKC], progressions=("squat",)),
    spec("squat", "strength", [C.QUAD_CKC], level=2, contraindications=DEEP, progressions=("split_squat",)),
    spec("split_squat", "strength", [C.QUAD_CKC, C.HIP_EXT], level=3, contraindications=DEEP),
    spec("wall_sit", "strength", [C.QUAD_CKC], level=2, dosage=hold(30)),
    spec("knee_extension", "strength", [C.QUAD_OKC], dosage=reps(3, 10)),
    spec("step_up", "strength", [C.QUAD_CKC, C.HIP_EXT], level=2, progressions=("step_down",)),
    spec("step_down", "strength", [C.QUAD_CKC, C.MOVE_RETRAIN], level=3),
    # calf, foot, core
    spec("calf_raise", "strength", [C.CALF], dosage=reps(3, 15), progressions=("single_leg_calf_raise",)),
    spec("single_leg_calf_raise", "strength", [C.CALF], level=2, dosage=reps(3, 12)),
    # patellar tendinopathy (reference §4.5): an isometric hold, daily, and heavy slow resistance
    spec("spanish_squat", "strength", [C.TENDON_LOAD, C.QUAD_CKC], dosage=hold(45, sets=5, per_week=7)),
    spec("heavy_slow_leg_press", "strength", [C.TENDON_LOAD, C.QUAD_CKC], level=2, dosage=reps(4, 15)),
    spec("short_foot", "strength", [C.FOOT_INTRINSIC], dosage=hold(5, sets=2)),
    spec("dead_bug", "core", [C.CORE_ANT], contraindications=(str(X.ABDOMINAL_DOMING),)),
    spec("heel_slides", "core", [C.DRA_REHAB, C.CORE_ANT], dosage=reps(2, 10)),
    spec("bird_dog", "core", [C.CORE_ANT, C.CORE_LAT], level=2, contraindications=(str(X.PAINFUL_KNEELING),)),
    # daily
    spec(
        "pelvic_floor_contractions",
        "pelvic_floor",
        [C.PFMT],
        dosage=Dosage(sets=3, reps=10, hold_s=5, per_week=7),
    ),
    spec("hamstring_stretch", "stretch", [C.STRETCH_HAM], dosage=hold(30, sets=1, per_week=7)),
    spec(
        "quadriceps_stretch", "stretch", [C.STRETCH_QUAD], dosage=hold(30, sets=1, per_week=7), contraindications=DEEP
    ),
    spec("calf_stretch", "stretch", [C.STRETCH_CALF], dosage=hold(30, sets=1, per_week=5)),
    spec(
        "kneeling_hip_flexor_stretch",
        "stretch",
        [C.STRETCH_HIPFLEX],
        dosage=hold(30, sets=1, per_week=7),
        contraindications=(str(X.PAINFUL_KNEELING),),
    ),
    spec("single_leg_balance", "balance", [C.BALANCE], dosage=hold(30, sets=2, per_week=5)),
    spec("mirror_squat", "motor_control", [C.MOVE_RETRAIN], dosage=reps(2, 8, per_week=5)),
    # impact ladder (reference §4.4): rungs 4 to 8
    *(
        spec(
            slug,
            "impact",
            [C.PLYO, *extra],
            level=level,
            dosage=reps(3, count),
            impact=True,
            impact_step=step,
            contraindications=(str(X.PELVIC_FLOOR_SYMPTOMS),),
        )
        for slug, level, count, extra, step in (
            ("pogo_jumps", 1, 20, (), 4),
            ("jog_on_the_spot", 1, 1, (), 5),
            ("forward_bounds", 2, 10, (), 6),
            ("running_man", 2, 10, (C.BALANCE,), 6),
            ("single_leg_hops", 3, 10, (), 7),
        )
    ),
    spec("cadence_drill", "cadence_drill", [C.GAIT_CADENCE], dosage=minutes(5)),
    # cross-training
    spec("brisk_walking", "cross_training", [C.LOAD_MGMT], dosage=minutes(30)),
    spec("stationary_bike", "cross_training", [C.LOAD_MGMT], dosage=minutes(30), equipment=("exercise bike",)),
    spec("swimming", "cross_training", [C.LOAD_MGMT], level=2, dosage=minutes(30), equipment=("pool",)),
    spec("cross_trainer", "cross_training", [C.LOAD_MGMT], level=2, dosage=minutes(25), equipment=("cross-trainer",)),
)
assert not validate_library(list(LIBRARY)), validate_library(list(LIBRARY))

START = date(2026, 12, 1)


def gates(**overrides) -> dict:
    """Gates as the assessment engine reports them, for a patient cleared to run from the start."""
    return {
        "running_allowed": True,
        "running_allowed_from": START.isoformat(),
        "blocked_by": [],
        "issue_blocked_by": [],
        "weeks_postpartum": None,
        "delivery_date": None,
        "caesarean": False,
        "breastfeeding": False,
        "extra_rest_day": False,
        "buggy_allowed_from": None,
        "contraindications": [],
        "impact_readiness": "not_assessed",
        "cadence_spm": None,
        **overrides,
    }


def request(**overrides) -> PlanRequest:
    """A patellofemoral pain patient with weak hips who is not running at the moment."""
    fields = {
        "start": START,
        "condition": "patellofemoral_pain",
        "causes": ("hip_muscle_weakness", "training_load_error"),
        "gates": gates(),
        "running": CurrentRunning(),
        "weeks": 14,
    }
    fields.update(overrides)
    return PlanRequest(**fields)


def pain_free_runner(**overrides) -> CurrentRunning:
    fields = {
        "runs_per_week": 3,
        "current_weekly_km": 15,
        "longest_run_30d_km": 6,
        "nprs_during_run": 2,
        "morning_after_run": "none",
        "weekly_km_before_symptoms": 25,
    }
    fields.update(overrides)
    return CurrentRunning(**fields)
