"""The plan as people read it: calendar days, weekly running minutes, and automatic changes in words."""

from datetime import date, timedelta

import pytest

from plans.builder import build_plan
from plans.calendar import (
    JOG,
    WALK,
    Interval,
    LoggedMark,
    describe_change,
    event_summary,
    interval_words,
    logged_run_minutes,
    next_step_words,
    plan_calendar,
    plan_progress,
    run_intervals,
    run_title,
    session_title,
    weekday_headings,
)
from plans.progression import RED, apply_log
from tests.plans.factories import LIBRARY, START, pain_free_runner, request


@pytest.fixture(scope="module")
def plan():
    return build_plan(request(weeks=16), LIBRARY)


def runs_of(plan):
    return [s for w in plan["weeks"] for s in w["sessions"] if s["kind"] == "run"]


@pytest.mark.parametrize(
    ("run", "title"),
    [
        ({"level": 2, "walk_min": 4, "run_min": 2, "repeats": 5, "total_run_min": 10}, "Walk 4 min, run 2 min × 5"),
        ({"level": 7, "walk_min": 0, "run_min": 25, "repeats": 1, "total_run_min": 25}, "Run 25 min without stopping"),
        ({"level": 8, "minutes": 32}, "Run 32 min"),
        ({"level": 8, "minutes": 30, "distance_km": 5.5, "buggy": True}, "Run 30 min, 5.5 km with the buggy"),
    ],
)
def test_run_title_says_the_session_at_a_glance(run, title):
    assert run_title(run) == title


def test_plan_calendar_has_a_row_per_week_and_a_cell_per_day(plan):
    weeks = plan_calendar(plan, today=START)
    assert [w.number for w in weeks] == list(range(1, 17))
    assert all(len(w.days) == 7 for w in weeks)
    assert weeks[0].days[0].day == START and weeks[-1].days[-1].day == START + timedelta(days=16 * 7 - 1)


def test_plan_calendar_marks_today_and_the_current_week(plan):
    today = START + timedelta(days=9)
    weeks = plan_calendar(plan, today=today)
    assert [d.day for w in weeks for d in w.days if d.is_today] == [today]
    assert [w.number for w in weeks if w.is_current] == [2]
    assert weeks[0].days[0].is_past and not weeks[1].days[3].is_past


def test_plan_calendar_labels_phases_and_sessions(plan):
    weeks = plan_calendar(plan, today=START, names={"brisk_walking": "Brisk walking"})
    assert weeks[0].phase_label == "Foundation"
    assert {w.phase_label for w in weeks} >= {"Foundation", "Impact readiness", "Walk/run"}
    first_run = next(d for w in weeks for d in w.days if d.kind == "run")
    assert first_run.title == "Walk 5 min, run 1 min × 5"
    assert first_run.details[0] == "Level 1"
    rest = next(d for w in weeks for d in w.days if d.kind == "rest")
    assert rest.title == "Rest" and rest.kind_label == "Rest"


def test_plan_calendar_names_exercises_and_cross_training(plan):
    names = {"glute_bridge": "Glute bridge", "brisk_walking": "Brisk walking", "stationary_bike": "Exercise bike"}
    days = [d for w in plan_calendar(plan, today=START, names=names) for d in w.days]
    cross = next(d for d in days if d.kind == "cross_train")
    assert cross.title in {"Brisk walking 30 min", "Exercise bike 30 min"}
    strength = next(d for d in days if d.kind == "strength")
    assert strength.details[0].startswith("Exercises: ")


def test_plan_calendar_weekly_minutes_planned_and_done(plan):
    runs = runs_of(plan)
    first = date.fromisoformat(runs[0]["date"])
    logged = {first: LoggedMark("green", run_minutes=5)}
    weeks = plan_calendar(plan, today=first, logged=logged)
    week = next(w for w in weeks if w.is_current)
    assert week.planned_minutes == sum(
        s["run"]["total_run_min"]
        for w in plan["weeks"]
        if w["week"] == week.number
        for s in w["sessions"]
        if s["kind"] == "run"
    )
    assert week.done_minutes == 5
    assert weeks[-1].done_minutes is None  # not started yet
    assert weeks[0].done_minutes == 0
    assert next(d for d in week.days if d.day == first).light == "green"


def test_weekday_headings_start_on_the_plans_first_day(plan):
    assert weekday_headings(plan)[0] == f"{START:%a}"
    assert len(set(weekday_headings(plan))) == 7


@pytest.mark.parametrize(
    ("completed", "duration", "counted"), [(True, None, 15), (False, 8, 8), (False, 40, 15), (False, None, 0)]
)
def test_logged_run_minutes_counts_planned_minutes_or_the_reported_time(completed, duration, counted):
    run = {"level": 3, "walk_min": 3, "run_min": 3, "repeats": 5, "total_run_min": 15}
    assert logged_run_minutes(run, completed=completed, duration_min=duration) == counted


def test_logged_run_minutes_of_a_day_without_a_run_is_zero():
    assert logged_run_minutes(None, completed=True, duration_min=30) == 0


def test_describe_change_says_what_replaces_what(plan):
    runs = runs_of(plan)
    day = date.fromisoformat(runs[3]["date"])
    _, changes = apply_log(plan, session_date=day, light=RED, today=day, history=[])
    skipped = describe_change(changes[0])
    when = date.fromisoformat(changes[0]["date"])
    assert skipped.startswith(f"{when:%a} {when.day} {when:%b}: rest instead of walk 3 min, run 3 min")
    assert "(level 3)" in skipped
    dropped = describe_change(next(c for c in changes if c["change"] == "level"))
    assert "(level 1) instead of" in dropped or "(level 2) instead of" in dropped


def test_plan_calendar_build_runs_show_their_minutes():
    plan = build_plan(request(running=pain_free_runner()), LIBRARY)
    run = next(d for w in plan_calendar(plan, today=START) for d in w.days if d.kind == "run")
    assert run.title.startswith("Run ") and run.details[0] == "Build phase"


def test_next_step_words_green_moves_up_after_two_sessions(plan):
    runs = runs_of(plan)
    first, second = (date.fromisoformat(r["date"]) for r in runs[:2])
    assert next_step_words("green", first, plan).startswith("Green: next time you repeat level 1 on ")
    assert next_step_words("green", second, plan).startswith("Green: next time you move up to level 2 on ")


def test_next_step_words_red_rests_then_goes_back(plan):
    runs = runs_of(plan)
    day = date.fromisoformat(runs[3]["date"])
    replanned, _ = apply_log(plan, session_date=day, light=RED, today=day, history=[])
    words = next_step_words("red", day, replanned)
    skipped = date.fromisoformat(runs[4]["date"])
    assert words.startswith(f"Red: rest on {skipped:%a} {skipped.day} {skipped:%b}, then back to level 1 on ")


def test_next_step_words_build_run_gives_its_minutes():
    plan = build_plan(request(running=pain_free_runner()), LIBRARY)
    runs = runs_of(plan)
    words = next_step_words("amber", date.fromisoformat(runs[3]["date"]), plan)
    assert words.startswith(f"Amber: your next run is {runs[4]['run']['minutes']:g} min")


def test_next_step_words_for_a_strength_day(plan):
    assert next_step_words("green", START, plan) == "Green: your plan goes on as it was"
    red = next_step_words("red", START, apply_log(plan, session_date=START, light=RED, today=START, history=[])[0])
    assert red.startswith("Red: stop these exercises for today and rest; your next hops and jumps session is step 1")
    assert red.endswith("; your physio will see how it went")


def test_next_step_words_after_the_last_run(plan):
    last = date.fromisoformat(runs_of(plan)[-1]["date"])
    assert next_step_words("green", last, plan) == "Green: that was the last run of this plan"


def test_next_step_words_of_an_impact_session_speak_of_steps(plan):
    first, second = [s for w in plan["weeks"] for s in w["sessions"] if s["kind"] == "impact"][:2]
    when = date.fromisoformat(second["date"])
    words = next_step_words("green", date.fromisoformat(first["date"]), plan)
    assert words == f"Green: next time you move on to jog on the spot for 1 minute on {when:%a} {when.day} {when:%b}"


def test_next_step_words_while_running_is_on_hold(plan):
    run = runs_of(plan)[0]
    day = date.fromisoformat(run["date"])
    held = {**plan, "hold": {"since": run["date"], "codes": ["pelvic_floor_symptoms"]}}
    assert next_step_words("red", day, held) == (
        "Red: running, hopping and jumping are paused until your physio has seen you"
    )


def test_impact_sessions_are_titled_by_their_step_in_plain_words(plan):
    first = next(s for w in plan["weeks"] for s in w["sessions"] if s["kind"] == "impact")
    assert session_title(first, {}) == "Hops and jumps, step 1 of 5: double-leg pogo jumps"


# --- the patient's view ---------------------------------------------------------------------------------------------

WALK_RUN_LEVEL_1 = {"level": 1, "walk_min": 5, "run_min": 1, "repeats": 5, "total_run_min": 5}
CONTINUOUS = {"level": 7, "walk_min": 0, "run_min": 20, "repeats": 1, "total_run_min": 20}


def test_run_intervals_walk_then_run_each_repeat():
    intervals = run_intervals(WALK_RUN_LEVEL_1)
    assert intervals[:2] == [Interval(WALK, 5), Interval(JOG, 1)]
    assert len(intervals) == 10 and sum(i.minutes for i in intervals if i.kind == JOG) == 5


@pytest.mark.parametrize(
    ("run", "intervals"),
    [
        (CONTINUOUS, [Interval(JOG, 20)]),
        ({"level": 8, "minutes": 33}, [Interval(JOG, 33)]),
        ({"level": 8, "distance_km": 5}, []),  # a distance has no clock to follow
    ],
)
def test_run_intervals_of_continuous_and_build_runs(run, intervals):
    assert run_intervals(run) == intervals


@pytest.mark.parametrize(
    ("run", "words"),
    [
        (WALK_RUN_LEVEL_1, "5 × (walk 5 + run 1)"),
        (CONTINUOUS, "20 min without stopping"),
        ({"level": 8, "minutes": 33}, "33 min"),
    ],
)
def test_interval_words_say_the_run_in_a_calendar_line(run, words):
    assert interval_words(run) == words


@pytest.mark.parametrize(
    ("session", "summary"),
    [
        ({"kind": "run", "run": WALK_RUN_LEVEL_1}, "Run: 5 × (walk 5 + run 1)"),
        ({"kind": "strength", "exercises": []}, "Strength exercises"),
        ({"kind": "impact", "exercises": []}, "Hops and jumps"),
        (
            {"kind": "cross_train", "cross_train": {"code": "swimming", "minutes": 30}},
            "Cross-training: Swimming 30 min",
        ),
    ],
)
def test_event_summary_names_the_session_and_nothing_clinical(session, summary):
    assert event_summary(session, {"swimming": "Swimming"}) == summary


def test_plan_progress_before_during_and_after_the_plan(plan):
    before = plan_progress(plan, today=START - timedelta(days=1))
    assert (before.week, before.current_phase) == (0, None)
    assert {phase.state for phase in before.phases} == {"later"}
    third_week = plan_progress(plan, today=START + timedelta(days=15))
    assert third_week.week == 3
    assert [phase.state for phase in third_week.phases][:2] == ["done", "now"]
    assert third_week.current_phase.first_week <= 3 <= third_week.current_phase.last_week
    after = plan_progress(plan, today=date.fromisoformat(plan["end"]) + timedelta(days=1))
    assert after.finished and {phase.state for phase in after.phases} == {"done"}
