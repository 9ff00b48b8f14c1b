"""Run and impact sessions the patient did not log (plans.progression.catch_up_missed): not counted as done, so the
load days ahead go on from the last logged session instead of from a schedule that assumed them green."""

from datetime import date, timedelta

import pytest

from plans.builder import build_plan
from plans.invariants import plan_violations
from plans.loads import is_load_day
from plans.progression import (
    GREEN,
    RED,
    LoggedSession,
    SessionLog,
    apply_log,
    catch_up_missed,
    missed_load_days,
    session_on,
)
from plans.rules import SPIKE_FACTOR
from plans.running import run_minutes
from tests.plans.factories import LIBRARY, pain_free_runner, request


def sessions(plan, kind):
    return [s for w in plan["weeks"] for s in w["sessions"] if s["kind"] == kind]


def day(session) -> date:
    return date.fromisoformat(session["date"])


def green(session) -> LoggedSession:
    level = session["run"]["level"] if session["kind"] == "run" else None
    step = session["impact"]["step"] if session["kind"] == "impact" else None
    answered = {"next_morning_pain": 0, "next_morning_stiffness": 0}
    return LoggedSession(SessionLog(day(session), level=level, step=step, **answered), GREEN)


def logged_green(plan, done: list) -> tuple[dict, list[LoggedSession]]:
    """`done` sessions of `plan` logged green in turn, each on its day, as the app re-plans after each."""
    history = []
    for session in done:
        history.append(green(session))
        plan, _ = apply_log(plan, session_date=day(session), light=GREEN, today=day(session), history=history)
    return plan, history


def levels_from(plan, today: date) -> list[int]:
    return [s["run"]["level"] for s in sessions(plan, "run") if day(s) >= today]


def steps_from(plan, today: date) -> list[int]:
    return [s["impact"]["step"] for s in sessions(plan, "impact") if day(s) >= today]


@pytest.fixture
def plan():
    """Not running, impact tests not done: foundation, then impact rungs, then the walk/run ladder."""
    return build_plan(request(), LIBRARY)


@pytest.fixture
def two_greens_at_level_1(plan):
    """Level 1 done twice, green: the plan moves on to level 2."""
    return logged_green(plan, sessions(plan, "impact") + sessions(plan, "run")[:2])


def test_a_run_not_logged_is_not_counted_and_the_runs_ahead_repeat_its_level(two_greens_at_level_1):
    plan, history = two_greens_at_level_1
    missed = sessions(plan, "run")[2]  # the first at level 2
    today = day(missed) + timedelta(days=2)
    assert levels_from(plan, today)[:3] == [2, 3, 3]  # as planned, assuming the missed run green

    caught_up, changes = catch_up_missed(plan, history=history, today=today)

    assert levels_from(caught_up, today)[:3] == [2, 2, 3]
    assert {change["rule"] for change in changes} == {"MISSED"}
    assert "was not logged" in changes[0]["reason"]
    assert sessions(caught_up, "run")[2] == missed  # the day missed stays as it was, for a late log
    assert caught_up["missed"] == [missed["date"]]


def test_a_session_counts_as_missed_only_once_the_day_after_it_has_passed(two_greens_at_level_1):
    plan, history = two_greens_at_level_1
    missed = day(sessions(plan, "run")[2])
    assert missed_load_days(plan, history, today=missed + timedelta(days=1)) == []  # its morning may still be logged
    assert missed_load_days(plan, history, today=missed + timedelta(days=2)) == [missed]


def test_catching_up_again_the_same_day_changes_nothing(two_greens_at_level_1):
    plan, history = two_greens_at_level_1
    today = day(sessions(plan, "run")[2]) + timedelta(days=2)
    caught_up, _ = catch_up_missed(plan, history=history, today=today)
    assert catch_up_missed(caught_up, history=history, today=today) == (caught_up, [])


def test_the_next_missed_session_is_caught_up_in_turn(two_greens_at_level_1):
    plan, history = two_greens_at_level_1
    first_missed = day(sessions(plan, "run")[2])
    plan, _ = catch_up_missed(plan, history=history, today=first_missed + timedelta(days=2))
    second_missed = next(day(s) for s in sessions(plan, "run") if day(s) > first_missed)
    today = second_missed + timedelta(days=2)

    caught_up, changes = catch_up_missed(plan, history=history, today=today)

    assert changes and levels_from(caught_up, today)[:2] == [2, 2]
    assert caught_up["missed"] == [first_missed.isoformat(), second_missed.isoformat()]


def test_sessions_skipped_before_the_latest_log_are_left_to_it(plan):
    impact = sessions(plan, "impact")
    runs = sessions(plan, "run")
    plan, history = logged_green(plan, [*impact, runs[0], runs[2]])  # run 2 never logged
    assert day(runs[1]) not in missed_load_days(plan, history, today=day(runs[2]) + timedelta(days=5))


def test_a_patient_who_never_logs_starts_the_impact_ladder_again_from_its_first_rung(plan):
    first = sessions(plan, "impact")[0]
    today = day(first) + timedelta(days=2)
    ahead = steps_from(plan, today)

    caught_up, changes = catch_up_missed(plan, history=[], today=today)

    assert steps_from(caught_up, today)[0] == first["impact"]["step"] != ahead[0]
    assert changes[0]["change"] == "step"


def test_a_late_log_of_the_missed_session_moves_the_plan_on_as_if_logged_in_time(two_greens_at_level_1):
    plan, history = two_greens_at_level_1
    missed = sessions(plan, "run")[2]
    today = day(missed) + timedelta(days=2)
    caught_up, _ = catch_up_missed(plan, history=history, today=today)

    history = [*history, green(missed)]
    after_log, _ = apply_log(caught_up, session_date=day(missed), light=GREEN, today=today, history=history)

    assert levels_from(after_log, today)[:2] == levels_from(plan, today)[:2] == [2, 3]
    assert after_log["missed"] == []  # done after all: the build phase's guards count it again


def test_a_caught_up_plan_keeps_every_invariant(two_greens_at_level_1):
    plan, history = two_greens_at_level_1
    runs = sessions(plan, "run")
    today = day(runs[4]) + timedelta(days=2)  # levels 2, 2 and 3 missed: the plan drops back to level 2
    caught_up, _ = catch_up_missed(plan, history=history, today=today)
    assert levels_from(caught_up, today)[0] == 2
    assert plan_violations(caught_up, condition="patellofemoral_pain", library=LIBRARY) == []


def test_the_rest_after_a_red_made_late_stays_when_the_run_before_it_is_missed(two_greens_at_level_1):
    plan, history = two_greens_at_level_1
    runs = sessions(plan, "run")
    red_day, skipped = day(runs[2]), day(runs[3])
    answered_late = skipped + timedelta(days=1)  # the morning answers of the red day come after the next run
    red = LoggedSession(SessionLog(red_day, level=2, next_morning_pain=6, next_morning_stiffness=6), RED)
    history = [*history, red]
    plan, _ = apply_log(plan, session_date=red_day, light=RED, today=answered_late, history=history)
    rest = next(s for s in sessions(plan, "rest") if day(s) >= answered_late and is_load_day(s, plan))

    caught_up, _ = catch_up_missed(plan, history=history, today=skipped + timedelta(days=2))

    assert session_on(caught_up, day(rest))["kind"] == "rest"  # P4: rest before the next run
    assert levels_from(caught_up, day(rest))[0] == 1  # then one level down


def test_a_green_strength_day_logged_after_a_missed_run_does_not_hide_it(two_greens_at_level_1):
    plan, history = two_greens_at_level_1
    missed = day(sessions(plan, "run")[2])
    strength = next(s for s in sessions(plan, "strength") if day(s) > missed)
    history = [*history, LoggedSession(SessionLog(day(strength)), GREEN)]
    assert missed in missed_load_days(plan, history, today=day(strength) + timedelta(days=1))


def test_a_catch_up_while_yesterdays_run_may_still_be_logged_keeps_every_invariant(two_greens_at_level_1):
    plan, history = two_greens_at_level_1
    runs = sessions(plan, "run")
    today = day(runs[4]) + timedelta(days=1)  # levels 2 and 2 missed; yesterday's level 3 not logged yet
    caught_up, _ = catch_up_missed(plan, history=history, today=today)
    assert session_on(caught_up, day(runs[4]))["run"]["level"] == 3 and levels_from(caught_up, today)[0] == 2
    assert plan_violations(caught_up, condition="patellofemoral_pain", library=LIBRARY) == []


# --- the build phase ----------------------------------------------------------------------------------------------


@pytest.fixture
def building_runner():
    """A runner already running pain-free, in the build phase from the start, three runs logged green."""
    plan = build_plan(request(running=pain_free_runner()), LIBRARY)
    return logged_green(plan, sessions(plan, "run")[:3])


def test_a_missed_build_run_goes_back_to_level_7_as_a_red_would(building_runner):
    plan, history = building_runner
    missed = day(sessions(plan, "run")[3])
    today = missed + timedelta(days=2)

    caught_up, changes = catch_up_missed(plan, history=history, today=today)

    assert levels_from(caught_up, today)[:3] == [7, 7, 7]
    assert "level 7's continuous runs come first" in changes[0]["reason"]
    assert plan_violations(caught_up, condition="patellofemoral_pain", library=LIBRARY, longest_run_30d_km=6) == []


def test_back_in_the_build_phase_runs_grow_from_the_runs_done_not_the_missed_ones(building_runner):
    plan, history = building_runner
    runs = sessions(plan, "run")
    missed = [day(run) for run in runs[3:5]]  # the longest run of the second week among them
    plan, _ = catch_up_missed(plan, history=history, today=missed[-1] + timedelta(days=2))

    first_build = next(s for s in sessions(plan, "run") if s["run"]["level"] == 8 and day(s) > missed[-1])
    done_before = [s for s in sessions(plan, "run") if day(s) < day(first_build) and s["date"] not in plan["missed"]]
    longest_done = max(run_minutes(s["run"], plan["running_load"]["pace_min_per_km"]) for s in done_before)
    first_minutes = run_minutes(first_build["run"], plan["running_load"]["pace_min_per_km"])
    assert first_minutes <= SPIKE_FACTOR * longest_done  # P7 on runs done
    assert plan_violations(plan, condition="patellofemoral_pain", library=LIBRARY, longest_run_30d_km=6) == []


def test_back_at_a_level_after_missed_sessions_its_logged_green_still_counts(plan):
    runs = sessions(plan, "run")  # levels 1, 1, 2, 2, …
    plan, history = logged_green(plan, [*sessions(plan, "impact"), runs[0]])
    today = day(runs[2]) + timedelta(days=2)  # the second level-1 run and the first level-2 one missed

    caught_up, _ = catch_up_missed(plan, history=history, today=today)

    assert levels_from(caught_up, today)[:3] == [1, 2, 2]  # one more green at level 1 (P2), then level 2
    assert plan_violations(caught_up, condition="patellofemoral_pain", library=LIBRARY) == []
