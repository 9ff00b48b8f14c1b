"""What logged sessions do to the load days ahead beyond the walk/run ladder: the impact ladder (reference §4.4),
pelvic floor symptoms and P5 holding running and impact until the physio resumes them (§8 RF19, §7 row 13, §9.3
P5), and a replay that keeps the physio's resumes."""

from datetime import date, timedelta

import pytest

from plans.builder import build_plan
from plans.invariants import plan_violations
from plans.progression import (
    AMBER,
    GREEN,
    RED,
    LoggedSession,
    SessionLog,
    apply_log,
    replay_logs,
    resume_loads,
)
from tests.plans.factories import LIBRARY, gates, request


def sessions(plan, kind=None):
    return [s for w in plan["weeks"] for s in w["sessions"] if kind in (None, s["kind"])]


def day(session) -> date:
    return date.fromisoformat(session["date"])


def logged(session, colour, **fields) -> LoggedSession:
    level = session["run"]["level"] if session["kind"] == "run" else None
    step = session["impact"]["step"] if session["kind"] == "impact" else None
    return LoggedSession(SessionLog(day(session), level=level, step=step, **fields), colour)


def log(plan, session, colour, history, **fields):
    history.append(logged(session, colour, **fields))
    return apply_log(plan, session_date=day(session), light=colour, today=day(session), history=history)


def ok(plan):
    return plan_violations(plan, condition="patellofemoral_pain", library=LIBRARY) == []


@pytest.fixture
def plan():
    """Not running, impact tests not done: foundation, then impact rungs 4–7, then the walk/run ladder."""
    return build_plan(request(), LIBRARY)


# --- the impact ladder ------------------------------------------------------------------------------------------


def test_green_impact_session_passes_its_rung_as_planned(plan):
    first = sessions(plan, "impact")[0]
    new_plan, changes = log(plan, first, GREEN, [])
    assert changes == [] and new_plan["weeks"] == plan["weeks"]


def test_amber_impact_session_repeats_its_rung(plan):
    first, second = sessions(plan, "impact")[:2]
    new_plan, changes = log(plan, first, AMBER, [])
    steps = [s["impact"]["step"] for s in sessions(new_plan, "impact")]
    assert steps == [4, 4, 5, 6, 7]
    assert changes[0]["date"] == second["date"] and changes[0]["rule"] == "P3"
    assert ok(new_plan)


def test_red_impact_session_rests_then_steps_back_a_rung(plan):
    impact = sessions(plan, "impact")
    history = []
    plan, _ = log(plan, impact[0], GREEN, history)
    new_plan, changes = log(plan, impact[1], RED, history, pain_during_max=7)
    rested = next(s for s in sessions(new_plan) if s["date"] == impact[2]["date"])
    assert rested["kind"] == "rest" and not any(e["impact"] for e in rested["exercises"])
    steps = [s["impact"]["step"] for s in sessions(new_plan, "impact")]
    assert steps == [4, 5, 4, 5, 6, 7]
    assert changes[0]["rule"] == "P4"
    assert ok(new_plan)


def test_runs_wait_for_the_last_rung_after_a_repeat(plan):
    first = sessions(plan, "impact")[0]
    new_plan, _ = log(plan, first, AMBER, [])
    last_impact = max(s["date"] for s in sessions(new_plan, "impact"))
    assert min(s["date"] for s in sessions(new_plan, "run")) > last_impact
    assert len(sessions(new_plan, "run")) == len(sessions(plan, "run")) - 1


# --- holds ------------------------------------------------------------------------------------------------------


@pytest.fixture
def after_birth():
    return build_plan(request(gates=gates(weeks_postpartum=20, impact_readiness="passed")), LIBRARY)


def test_pelvic_floor_symptom_after_a_run_holds_running_and_impact(after_birth):
    run = sessions(after_birth, "run")[1]
    new_plan, changes = log(after_birth, run, RED, [], pf_symptoms=("leak",))
    ahead = [s for s in sessions(new_plan) if s["date"] > run["date"]]
    assert not [s for s in ahead if s["kind"] in ("run", "impact")]
    assert new_plan["hold"] == {"since": run["date"], "codes": ["pelvic_floor_symptoms"]}
    assert {c["rule"] for c in changes} == {"RF19"}
    assert any(s["kind"] == "cross_train" for s in ahead)
    assert ok(new_plan)


def test_pelvic_floor_symptom_on_a_strength_day_holds_too(after_birth):
    strength = next(s for s in sessions(after_birth, "strength") if s["date"] > sessions(after_birth, "run")[0]["date"])
    new_plan, changes = log(after_birth, strength, RED, [], pf_symptoms=("heaviness",))
    assert changes and not [s for s in sessions(new_plan) if s["date"] > strength["date"] and s["kind"] == "run"]


def test_a_hold_stays_through_later_logs_until_resumed(after_birth):
    history = []
    runs = sessions(after_birth, "run")
    held, _ = log(after_birth, runs[0], RED, history, pf_symptoms=("leak",))
    strength = next(s for s in sessions(held, "strength") if s["date"] > runs[0]["date"])
    still, _ = log(held, strength, GREEN, history)
    assert still["hold"]["codes"] == ["pelvic_floor_symptoms"]
    assert not [s for s in sessions(still) if s["date"] > runs[0]["date"] and s["kind"] == "run"]


def test_resuming_after_a_hold_schedules_runs_from_where_the_patient_stands(after_birth):
    history = []
    runs = sessions(after_birth, "run")
    plan, _ = log(after_birth, runs[0], GREEN, history)
    plan, _ = log(plan, runs[1], GREEN, history)
    plan, _ = log(plan, runs[2], RED, history, pf_symptoms=("leak",))  # at level 2
    resumed_on = day(runs[2]) + timedelta(days=7)
    resumed, changes = resume_loads(plan, day=resumed_on, history=history, reason="Seen by pelvic health; dry.")
    ahead = [s for s in sessions(resumed, "run") if day(s) >= resumed_on]
    assert runs[2]["run"]["level"] == 2
    assert ahead and ahead[0]["run"]["level"] == 1  # the red's step back still counts
    assert "hold" not in resumed
    reviewed = [day(run).isoformat() for run in runs[:3]]  # the sessions logged by then, the leak among them
    assert resumed["resumes"] == [
        {"date": resumed_on.isoformat(), "reason": "Seen by pelvic health; dry.", "covers": reviewed}
    ]
    assert {c["rule"] for c in changes} == {"RESUME"}
    assert ok(resumed)


def test_after_a_resume_only_new_symptoms_hold_again(after_birth):
    history = []
    runs = sessions(after_birth, "run")
    plan, _ = log(after_birth, runs[0], RED, history, pf_symptoms=("leak",))
    plan, _ = resume_loads(plan, day=day(runs[0]) + timedelta(days=3), history=history, reason="Reviewed.")
    next_run = next(s for s in sessions(plan, "run") if day(s) >= day(runs[0]) + timedelta(days=3))
    plan, _ = log(plan, next_run, GREEN, history)
    assert "hold" not in plan
    plan, _ = log(
        plan,
        next(s for s in sessions(plan, "run") if s["date"] > next_run["date"]),
        RED,
        history,
        pf_symptoms=("bowel",),
    )
    assert plan["hold"]["codes"] == ["pelvic_floor_symptoms"]


def test_two_reds_within_14_days_hold_running(plan):
    history = []
    runs = sessions(plan, "run")
    plan, _ = log(plan, runs[0], RED, history, pain_during_max=7)
    second = next(s for s in sessions(plan, "run") if s["date"] > runs[0]["date"])
    plan, changes = log(plan, second, RED, history, limp=True)
    assert set(plan["hold"]["codes"]) == {"two_reds_in_14_days", "red_at_regressed_level"}
    assert {c["rule"] for c in changes} == {"P5"}
    assert not [s for s in sessions(plan) if s["date"] > second["date"] and s["kind"] in ("run", "impact")]


def test_replay_keeps_the_physios_resume(after_birth):
    history = []
    runs = sessions(after_birth, "run")
    live, _ = log(after_birth, runs[0], RED, history, pf_symptoms=("leak",))
    resumed_on = day(runs[0]) + timedelta(days=4)
    live, _ = resume_loads(live, day=resumed_on, history=history, reason="Reviewed in clinic.")
    rebuilt = replay_logs(after_birth, history, resumes=[(resumed_on, "Reviewed in clinic.", None)])
    assert rebuilt["weeks"] == live["weeks"] and rebuilt["resumes"] == live["resumes"]
