"""`plan_violations` must accept every built plan and catch every kind of broken one."""

import copy
from datetime import date, timedelta

import pytest

from intake.codes import Contraindication
from plans.builder import build_plan
from plans.invariants import plan_violations
from tests.plans.factories import LIBRARY, START, gates, pain_free_runner, request

PFP = "patellofemoral_pain"


@pytest.fixture(scope="module")
def ladder_plan():
    """Foundation, impact readiness, walk/run and build."""
    return build_plan(request(weeks=16), LIBRARY)


@pytest.fixture(scope="module")
def build_only_plan():
    return build_plan(request(running=pain_free_runner()), LIBRARY)


def flat(plan):
    return [s for week in plan["weeks"] for s in week["sessions"]]


def first(plan, kind, *, level=None, start=0):
    return next(s for s in flat(plan)[start:] if s["kind"] == kind and (level is None or s["run"]["level"] == level))


def index_of(plan, session):
    return flat(plan).index(session)


def violations(plan, **kw):
    kw.setdefault("condition", PFP)
    kw.setdefault("library", LIBRARY)
    return plan_violations(plan, **kw)


def test_built_plans_have_no_violations(ladder_plan, build_only_plan):
    assert violations(ladder_plan) == []
    assert violations(build_only_plan, longest_run_30d_km=6, running_allowed_from=START) == []


# --- calendar -----------------------------------------------------------------------------------------------------


def duplicate_day(plan):
    week = plan["weeks"][1]["sessions"]
    week[1]["date"] = week[0]["date"]


def swap_days(plan):
    week = plan["weeks"][1]["sessions"]
    week[0], week[1] = week[1], week[0]


def drop_day(plan):
    del plan["weeks"][2]["sessions"][3]


def move_to_wrong_week(plan):
    plan["weeks"][1]["sessions"].append(plan["weeks"][2]["sessions"].pop(0))


def unknown_phase(plan):
    plan["weeks"][0]["phase"] = "warm_up"


def unknown_kind(plan):
    plan["weeks"][0]["sessions"][0]["kind"] = "jog"


def run_without_details(plan):
    del first(plan, "run")["run"]


def bad_date(plan):
    plan["weeks"][0]["sessions"][2]["date"] = "2026-13-45"


def start_a_day_earlier(plan):
    plan["start"] = (START - timedelta(days=1)).isoformat()


def drop_first_day(plan):
    del plan["weeks"][0]["sessions"][0]


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        (duplicate_day, "Week 2: 2026-12-08 appears twice"),
        (swap_days, "keep the sessions in date order"),
        (drop_day, "Week 3: no session on 2026-12-18; every day needs one"),
        (move_to_wrong_week, "Week 2: 2026-12-15 belongs to week 3"),
        (unknown_kind, "has kind 'jog'"),
        (unknown_phase, "Week 1: phase 'warm_up' is not one of foundation, impact_readiness, walk_run, build."),
        (run_without_details, "has no run details"),
        (bad_date, "'2026-13-45' is not a date"),
        (start_a_day_earlier, "Week 1: 2026-12-07 belongs to week 2"),
        (drop_first_day, "Week 1: the first session is on 2026-12-02, not on the start date 2026-12-01"),
    ],
)
def test_plan_violations_catch_calendar_problems(ladder_plan, breaks, message):
    plan = copy.deepcopy(ladder_plan)
    breaks(plan)
    assert any(message in problem for problem in violations(plan)), violations(plan)


def test_plan_violations_plan_without_sessions():
    assert violations({"weeks": []}) == ["The plan has no sessions."]


# --- runs ---------------------------------------------------------------------------------------------------------


def test_plan_violations_consecutive_runs(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    run = first(plan, "run")
    following = flat(plan)[index_of(plan, run) + 1]
    following.update(kind="run", run=copy.deepcopy(run["run"]))
    assert f"runs on {run['date']} and {following['date']} are on consecutive days" in " ".join(violations(plan))


def test_plan_violations_more_than_four_runs_a_week(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    week = next(w for w in plan["weeks"] if w["phase"] == "build")
    run = next(s for s in week["sessions"] if s["kind"] == "run")["run"]
    for session in week["sessions"]:
        session.update(kind="run", run=copy.deepcopy(run))
    assert any("7 runs in one week; at most 4" in p for p in violations(plan))


def test_plan_violations_run_before_earliest_run_date(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    plan["earliest_run_date"] = (START + timedelta(weeks=6)).isoformat()
    problems = violations(plan)
    assert any("an impact session on 2026-12-16 is before the earliest run date 2027-01-12" in p for p in problems)
    assert any("a run on 2026-12-30 is before the earliest run date" in p for p in problems)


def test_plan_violations_impact_exercise_on_a_strength_day_before_earliest_run_date(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    plan["earliest_run_date"] = (START + timedelta(days=14)).isoformat()
    pogo = first(plan, "impact")["exercises"][0]
    flat(plan)[0]["exercises"][-1] = copy.deepcopy(pogo)
    assert any(f"impact exercise {pogo['code']} on 2026-12-01 is before" in p for p in violations(plan))


def test_plan_violations_run_when_running_not_allowed(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    plan["running_allowed"] = False
    problems = violations(plan)
    assert "Running is not allowed, yet the plan gives an earliest run date." in problems
    assert any("a run on 2026-12-30, but running is not allowed in this plan" in p for p in problems)


def test_plan_violations_run_without_earliest_run_date(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    plan["earliest_run_date"] = None
    assert any("but the plan has no earliest run date" in p for p in violations(plan))


def test_plan_violations_earliest_run_date_before_the_gate(ladder_plan):
    problems = violations(ladder_plan, running_allowed_from=date(2026, 12, 20))
    assert any("earliest run date 2026-12-01 is before 2026-12-20" in p for p in problems)
    assert any("an impact session on 2026-12-16 is before the earliest run date 2026-12-20" in p for p in problems)


def test_plan_violations_not_allowed_plan_is_clean():
    req = request(gates=gates(running_allowed=False, running_allowed_from=None))
    assert violations(build_plan(req, LIBRARY)) == []


# --- the ladder ---------------------------------------------------------------------------------------------------


def test_plan_violations_level_goes_down(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    run = [s for s in flat(plan) if s["kind"] == "run" and s["run"]["level"] == 3][1]
    run["run"] = copy.deepcopy(first(plan, "run", level=2)["run"])
    assert any(f"the run level drops from 3 to 2 on {run['date']}" in p for p in violations(plan))


def test_plan_violations_level_drop_allowed_after_logged_red(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    level_three = [s for s in flat(plan) if s["kind"] == "run" and s["run"]["level"] == 3]
    level_three[1]["run"] = copy.deepcopy(first(plan, "run", level=2)["run"])
    assert any("drops from 3 to 2" in p for p in violations(plan))
    red_logged = level_three[0]["date"]  # the run before the drop was logged red
    plan["adjustments"] = [
        {"date": level_three[1]["date"], "change": "level", "rule": "P4", "logged_session": red_logged}
    ]
    assert not any("drops" in p for p in violations(plan))


def test_plan_violations_level_drop_needs_the_red_between_the_two_runs(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    level_three = [s for s in flat(plan) if s["kind"] == "run" and s["run"]["level"] == 3]
    level_three[1]["run"] = copy.deepcopy(first(plan, "run", level=2)["run"])
    too_early = first(plan, "run", level=1)["date"]
    plan["adjustments"] = [
        {"date": level_three[1]["date"], "change": "level", "rule": "P4", "logged_session": too_early}
    ]
    assert any("drops from 3 to 2" in p for p in violations(plan))


def test_plan_violations_level_skipped(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    for session in [s for s in flat(plan) if s["kind"] == "run" and s["run"]["level"] == 3]:
        session["run"] = copy.deepcopy(first(plan, "run", level=4)["run"])
    assert any("jumps from level 2 to 4; move up one level at a time" in p for p in violations(plan))


def test_plan_violations_level_moves_up_after_one_session(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    second = [s for s in flat(plan) if s["kind"] == "run" and s["run"]["level"] == 1][1]
    second["run"] = copy.deepcopy(first(plan, "run", level=2)["run"])
    message = f"level 1 moves up on {second['date']} after 1 session; each level needs at least 2 (reference §9.3 P2)"
    assert any(message in p for p in violations(plan))


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ({"level": 2, "walk_min": 3, "run_min": 2, "repeats": 5, "total_run_min": 10}, "should be walk 4 min / run 2"),
        ({"level": 2, "walk_min": 4, "run_min": 2, "repeats": 5, "total_run_min": 12}, "should be walk 4 min / run 2"),
        ({"level": 7, "walk_min": 0, "run_min": 40, "repeats": 1, "total_run_min": 40}, "continuous run of 20–30"),
        ({"level": 9, "minutes": 30}, "levels run from 1 to 8"),
        ({"level": 8}, "needs minutes or a distance"),
    ],
)
def test_plan_violations_runs_not_as_the_ladder_defines(ladder_plan, run, message):
    plan = copy.deepcopy(ladder_plan)
    first(plan, "run", level=2)["run"] = run
    assert any(message in p for p in violations(plan))


# --- build load ---------------------------------------------------------------------------------------------------


def test_plan_violations_weekly_volume_rises_more_than_10_percent(build_only_plan):
    plan = copy.deepcopy(build_only_plan)
    week = plan["weeks"][2]
    for session in week["sessions"]:
        if session["kind"] == "run":
            session["run"]["minutes"] = round(session["run"]["minutes"] * 1.08)
    light = [s for s in week["sessions"] if s["kind"] == "run"][1]
    light["run"]["minutes"] += 8
    assert any(p.startswith("Week 3: running rises from") and "at most 10 % a week" in p for p in violations(plan))


def test_plan_violations_first_build_week_against_current_running(build_only_plan):
    plan = copy.deepcopy(build_only_plan)
    plan["running_load"]["current_weekly_min"] = 40
    assert any(p.startswith("Week 1: running rises from 40 to") for p in violations(plan, longest_run_30d_km=6))


def test_plan_violations_single_run_longer_than_1_1_times_the_30_day_longest(build_only_plan):
    plan = copy.deepcopy(build_only_plan)
    run = [s for s in flat(plan) if s["kind"] == "run"][9]
    run["run"]["minutes"] = 60
    problems = violations(plan, longest_run_30d_km=6)
    assert any(f"the 60-minute run on {run['date']} is longer than 1.1 × the longest run" in p for p in problems)


def test_plan_violations_reported_longest_run_counts_only_near_the_start(build_only_plan):
    assert violations(build_only_plan, longest_run_30d_km=6) == []
    problems = violations(build_only_plan, longest_run_30d_km=None)
    assert any("has no run in the 30 days before it to build on" in p for p in problems)
    assert any("longer than 1.1 × the longest run" in p for p in violations(build_only_plan, longest_run_30d_km=3))


# --- exercises ----------------------------------------------------------------------------------------------------


def test_plan_violations_more_than_five_exercises(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    session = first(plan, "strength")
    session["exercises"] = session["exercises"] * 2
    assert any(f"{len(session['exercises'])} exercises on {session['date']}; at most 5" in p for p in violations(plan))


def test_plan_violations_exercise_listed_twice(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    session = first(plan, "strength")
    session["exercises"][1] = copy.deepcopy(session["exercises"][0])
    code = session["exercises"][0]["code"]
    assert f"Week 1: {code} is listed twice on 2026-12-01." in violations(plan, library=None)


def test_plan_violations_unknown_exercise_code(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    first(plan, "strength")["exercises"][0]["code"] = "moonwalk"
    assert any("'moonwalk' on 2026-12-01 is not in the exercise library" in p for p in violations(plan))


def test_plan_violations_unknown_cross_training_code(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    first(plan, "cross_train")["cross_train"]["code"] = "rowing"
    assert any("'rowing'" in p for p in violations(plan))


def test_plan_violations_contraindicated_exercise(ladder_plan):
    plan = copy.deepcopy(ladder_plan)
    first(plan, "strength")["exercises"][0]["code"] = "squat"
    deep = str(Contraindication.PAINFUL_DEEP_KNEE_FLEXION)
    problems = violations(plan, contraindications=[deep])
    assert any("squat on 2026-12-01 must not be given to this patient" in p and deep in p for p in problems)


@pytest.mark.parametrize(
    ("removed", "message"),
    [({"HIP_ABD", "HIP_ER", "HIP_EXT"}, "hip-strengthening"), ({"QUAD_OKC", "QUAD_CKC"}, "knee-strengthening")],
)
def test_plan_violations_patellofemoral_plan_without_hip_or_knee_work(ladder_plan, removed, message):
    plan = copy.deepcopy(ladder_plan)
    for session in flat(plan):
        session["exercises"] = [e for e in session["exercises"] if not removed & set(e["categories"])]
    assert f"A patellofemoral pain plan needs {message} exercises (reference §2.5)." in violations(plan)
    assert f"A patellofemoral pain plan needs {message} exercises (reference §2.5)." in violations(plan, library=None)
    assert not any(message in p for p in violations(plan, condition="iliotibial_band_syndrome"))
