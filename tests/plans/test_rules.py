"""The plan's clinical rules table (plans/rules.py): every threshold sourced, every rule naming thresholds that
exist, and every threshold pinned at its boundary by what the builder, ladders, progression and invariants do."""

from datetime import date, timedelta

import pytest

from plans import rules
from plans.builder import build_plan, cadence_range
from plans.invariants import plan_violations
from plans.ladder import LadderState, exposures_needed
from plans.library.exercises import Dosage
from plans.loads import sessions_of
from plans.progression import (
    GREEN,
    RED,
    LoggedSession,
    SessionLog,
    missed_load_days,
    needs_clinician,
    symptoms_rising,
    traffic_light,
)
from plans.rules import RULES, THRESHOLDS
from plans.running import RunRecord, km_to_minutes, longest_recent_run, weekly_target
from plans.selection import (
    Prescription,
    dosage_steps,
    programme_problems,
)
from tests.plans.factories import LIBRARY, START, gates, pain_free_runner, request, spec


def test_every_threshold_cites_the_reference_or_says_it_is_runbacks_choice():
    for threshold in THRESHOLDS.values():
        assert threshold.source.startswith(("reference §", "not in the reference")), threshold.name


def test_every_rule_cites_its_source_and_names_real_thresholds():
    for rule in RULES:
        assert "reference §" in rule.source or "case-format" in rule.source, rule.id
        assert set(rule.thresholds) <= set(THRESHOLDS), rule.id


def test_every_threshold_belongs_to_a_rule():
    used = {name for rule in RULES for name in rule.thresholds}
    assert set(THRESHOLDS) - used == set()


def test_rule_ids_are_unique():
    assert len({rule.id for rule in RULES}) == len(RULES)


# --- each threshold at its boundary -------------------------------------------------------------------------------


def light(**fields):
    base = {"session_date": START, "level": 2, "next_morning_pain": 0, "next_morning_stiffness": 0}
    return traffic_light(SessionLog(**{**base, **fields}), baseline_morning_pain=0).colour


def red_run(offset):
    return LoggedSession(SessionLog(START + timedelta(days=offset), level=3, pain_during_max=7), RED)


def weeks_of_pain(*pains):
    return [
        LoggedSession(SessionLog(START + timedelta(days=7 * week), level=2, pain_during_max=pain), GREEN)
        for week, pain in enumerate(pains)
    ]


def first_load_day(plan):
    return min(s["date"] for s in sessions_of(plan) if s["kind"] in ("run", "impact"))


def missed_once(days_after: int) -> bool:
    """The plan's first load session, never logged, counts as missed `days_after` it."""
    plan = build_plan(request(), LIBRARY)
    first = min(s["date"] for s in sessions_of(plan) if s["kind"] in ("run", "impact"))
    today = date.fromisoformat(first) + timedelta(days=days_after)
    return [day.isoformat() for day in missed_load_days(plan, [], today=today)] == [first]


def swimming(weeks_after_birth: int, **more) -> bool:
    """Swimming is allowed from `weeks_after_birth` (a birth 4 weeks before the start), and never sooner."""
    birth = (START - timedelta(weeks=4)).isoformat()
    req = request(gates=gates(weeks_postpartum=4, delivery_date=birth, running_allowed=False, **more))
    plan = build_plan(req, LIBRARY)
    allowed = next(c["from"] for c in plan["schedule"]["cross_training"] if c["code"] == "swimming")
    first = min(s["date"] for s in sessions_of(plan) if s.get("cross_train", {}).get("code") == "swimming")
    expected = (START + timedelta(weeks=weeks_after_birth - 4)).isoformat()
    return allowed == expected and first >= expected


def held_back(weeks_postpartum):
    return build_plan(request(gates=gates(weeks_postpartum=weeks_postpartum, running_allowed=False)), LIBRARY)


def planned_strength(plan):
    return {e["per_week"] for s in sessions_of(plan) if s["kind"] == "strength" for e in s["exercises"]}


def session_of(count):
    return {"date": START.isoformat(), "kind": "strength", "exercises": [{"code": f"e{n}"} for n in range(count)]}


def runs_in_a_week(count):
    days = [START + timedelta(days=n if count > 4 else 2 * n) for n in range(count)]
    return {
        "start": START.isoformat(),
        "running_allowed": True,
        "earliest_run_date": START.isoformat(),
        "weeks": [
            {
                "week": 1,
                "phase": "walk_run",
                "sessions": [
                    {
                        "date": (START + timedelta(days=n)).isoformat(),
                        "kind": "run" if START + timedelta(days=n) in days else "rest",
                        "exercises": [],
                        **(
                            {"run": {"level": 1, "walk_min": 5, "run_min": 1, "repeats": 5, "total_run_min": 5}}
                            if START + timedelta(days=n) in days
                            else {}
                        ),
                    }
                    for n in range(7)
                ],
            }
        ],
    }


def main_programme(count):
    main = [s for s in LIBRARY if s.kind == "strength" and not s.impact][:count]
    return [Prescription(s.slug, sets=3, reps=10) for s in main]


BOUNDARIES = {
    "GREEN_PAIN_MAX": lambda: (light(pain_during_max=3), light(pain_during_max=4)) == ("green", "amber"),
    "AMBER_PAIN_MAX": lambda: (light(pain_during_max=5), light(pain_during_max=6)) == ("amber", "red"),
    "MIN_EXPOSURES": lambda: (
        LadderState(2).after_green() == LadderState(2, 1) and LadderState(2, 1).after_green() == LadderState(3)
    ),
    "CONTINUOUS_RUN_MIN": lambda: [LadderState(7, g).run()["run_min"] for g in (0, 2, 3)] == [20, 30, 30],
    "CONTINUOUS_STEP_MIN": lambda: LadderState(7, 1).run()["run_min"] == 25 and exposures_needed(7) == 3,
    "MISSED_SESSION_GRACE_DAYS": lambda: not missed_once(1) and missed_once(2),
    "RED_REPEAT_WINDOW_DAYS": lambda: (
        bool(needs_clinician([red_run(0), red_run(14)])) and not needs_clinician([red_run(0), red_run(15)])
    ),
    "TREND_WEEKS": lambda: (
        symptoms_rising(weeks_of_pain(1, 2, 3), START) and not symptoms_rising(weeks_of_pain(1, 2), START)
    ),
    "SPIKE_FACTOR": lambda: (
        not plan_violations(
            build_plan(request(running=pain_free_runner()), LIBRARY),
            condition="patellofemoral_pain",
            longest_run_30d_km=6,
            library=LIBRARY,
        )
        and rules.SPIKE_FACTOR == 1.10
    ),
    "SPIKE_WINDOW_DAYS": lambda: (
        longest_recent_run(START + timedelta(days=30), [RunRecord(START, 40, 8)], start=START, reported_min=None) == 40
        and longest_recent_run(START + timedelta(days=31), [RunRecord(START, 40, 8)], start=START, reported_min=None)
        is None
    ),
    "WEEKLY_RISE_FACTOR": lambda: weekly_target(100, 0, None) == pytest.approx(110),
    "DELOAD_EVERY_WEEKS": lambda: (
        weekly_target(100, 2, None) == pytest.approx(110) and weekly_target(100, 3, None) == pytest.approx(90)
    ),
    "DELOAD_FACTOR": lambda: weekly_target(100, 3, None) == pytest.approx(90),
    "HEAVY_LIGHT_MEDIUM": lambda: rules.HEAVY_LIGHT_MEDIUM == (1.0, 0.6, 0.8),
    "ASSUMED_PACE_MIN_PER_KM": lambda: km_to_minutes(2, None) == 10 and km_to_minutes(2, 6) == 12,
    "MAX_RUNS_PER_WEEK": lambda: (
        not any("runs in one week" in p for p in plan_violations(runs_in_a_week(4), condition="unclear"))
        and any("5 runs in one week" in p for p in plan_violations(runs_in_a_week(5), condition="unclear"))
    ),
    "MORNING_AFTER_RUN_GREEN": lambda: (
        pain_free_runner(morning_after_run="none").pain_free
        and not pain_free_runner(morning_after_run="settles_within_1h").pain_free
        and pain_free_runner(morning_after_run="settles_within_1h").tolerating_running
    ),
    "MORNING_AFTER_RUN_RED": lambda: (
        pain_free_runner(morning_after_run="settles_within_1h").tolerating_running
        and not pain_free_runner(morning_after_run="lasts_over_1h").tolerating_running
        and not pain_free_runner(morning_after_run="worse_next_day").tolerating_running
    ),
    "FOUNDATION_WEEKS": lambda: (
        first_load_day(build_plan(request(), LIBRARY)) == (START + timedelta(weeks=2, days=1)).isoformat()
    ),
    "POSTPARTUM_REST_WEEKS": lambda: (
        held_back(2).get("weeks")[0]["sessions"][0]["kind"] == "rest"
        and held_back(3)["weeks"][0]["sessions"][0]["kind"] == "strength"
    ),
    "STRENGTH_DAYS": lambda: planned_strength(build_plan(request(), LIBRARY)) == {3},
    "CADENCE_INCREASE": lambda: cadence_range(160) == (168, 176),
    "SWIM_AFTER_BIRTH_WEEKS": lambda: swimming(6),
    "SWIM_AFTER_CAESAREAN_WEEKS": lambda: swimming(8, caesarean=True),
    "MAX_EXERCISES_PER_SESSION": lambda: (
        not plan_violations(
            {"weeks": [{"week": 1, "phase": "foundation", "sessions": [session_of(5)]}], "start": START.isoformat()},
            condition="unclear",
        )
        and any(
            "6 exercises" in p
            for p in plan_violations(
                {
                    "weeks": [{"week": 1, "phase": "foundation", "sessions": [session_of(6)]}],
                    "start": START.isoformat(),
                },
                condition="unclear",
            )
        )
    ),
    "MAIN_EXERCISES_MAX": lambda: (
        not programme_problems(main_programme(4), {s.slug: s for s in LIBRARY}, [])
        and any(
            "more than the 4 the reference advises" in p
            for p in programme_problems(main_programme(5), {s.slug: s for s in LIBRARY}, [])
        )
    ),
    "DAILY_EXERCISES_MAX": lambda: rules.DAILY_EXERCISES_MAX == 4,
    "LOAD_DAY_PROGRAMME_MAX": lambda: (
        max(
            sum("per_week" in e for e in s["exercises"])
            for s in sessions_of(
                build_plan(
                    request(causes=("muscle_tightness", "hip_flexor_tightness"), gates=gates(weeks_postpartum=20)),
                    LIBRARY,
                )
            )
            if s["kind"] in ("run", "impact")
        )
        == 2
    ),
    "STRETCH_MIN_PER_WEEK": lambda: (
        {
            e["per_week"]
            for e in build_plan(
                request(
                    causes=("hip_muscle_weakness", "quadriceps_weakness", "muscle_tightness", "hip_flexor_tightness")
                ),
                LIBRARY,
            )["programme"]
            if e["kind"] == "stretch"
        }
        <= {3, 7}
    ),
    "EASY_START_MAX_LEVEL": lambda: rules.EASY_START_MAX_LEVEL == 2,
    "DOSAGE_STEP_WEEKS": lambda: rules.DOSAGE_STEP_WEEKS == 2,
    "MAX_SETS": lambda: (
        max(d.sets for d in dosage_steps(spec("a", "strength", ["HIP_ABD"], dosage=Dosage(sets=1, reps=10)))) == 3
    ),
    "REPS_STEP": lambda: (
        [d.reps for d in dosage_steps(spec("a", "strength", ["HIP_ABD"], dosage=Dosage(sets=3, reps=10)))]
        == [10, 12, 14]
    ),
    "MAX_REPS": lambda: (
        max(d.reps for d in dosage_steps(spec("a", "strength", ["HIP_ABD"], dosage=Dosage(sets=3, reps=14)))) == 14
    ),
    "HOLD_STEP_S": lambda: (
        [d.hold_s for d in dosage_steps(spec("a", "core", ["CORE_LAT"], dosage=Dosage(sets=3, hold_s=10)))]
        == [10, 15, 20]
    ),
    "HOLD_MAX_FACTOR": lambda: (
        max(d.hold_s for d in dosage_steps(spec("a", "core", ["CORE_LAT"], dosage=Dosage(sets=3, hold_s=10)))) == 20
    ),
    "DEFAULT_CROSS_TRAIN_MIN": lambda: rules.DEFAULT_CROSS_TRAIN_MIN == 30,
    # The milestone is where the ladder's continuous runs top out: its last level-7 run, no sooner.
    "MILESTONE_RUN_MIN": lambda: (
        LadderState(7, exposures_needed(7) - 1).run()["run_min"]
        == rules.MILESTONE_RUN_MIN
        > LadderState(7, exposures_needed(7) - 2).run()["run_min"]
    ),
    "IMPACT_SESSIONS_PER_STEP": lambda: (
        [s["impact"]["step"] for s in sessions_of(build_plan(request(), LIBRARY)) if s["kind"] == "impact"]
        == [4, 5, 6, 7]
    ),
    "IMPACT_EXERCISES_PER_STEP": lambda: (
        max(
            len([e for e in s["exercises"] if e["impact"]])
            for s in sessions_of(build_plan(request(), LIBRARY))
            if s["kind"] == "impact"
        )
        == 2
    ),
    "HSR_REPS": lambda: (
        [d.reps for d in dosage_steps(spec("hsr", "strength", ["TENDON_LOAD"], dosage=Dosage(sets=4, reps=15)))]
        == [15, 12, 10, 8, 6]
    ),
}


def test_every_threshold_has_a_boundary_test():
    assert set(BOUNDARIES) == set(THRESHOLDS)


@pytest.mark.parametrize("name", sorted(BOUNDARIES))
def test_threshold_holds_at_its_boundary(name):
    assert BOUNDARIES[name](), f"{name} = {THRESHOLDS[name].value!r}"
