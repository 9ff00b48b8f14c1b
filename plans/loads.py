"""The load days of a plan: which of its run days hold a run, an impact session, cross-training or rest, from where
the patient stands. Pure Python, shared by the plan builder (a new plan starts from its first level and rung) and
the progression rules (after a logged session, the days ahead are scheduled again from the patient's new state).

A plan keeps what re-scheduling needs in its `schedule` object: the weekdays that hold loads (`load_days`, 0 = the
plan's first weekday), the first day a load may fall on (`load_from`), the rungs of the impact ladder with their
exercises, the cross-training to fall back on and the cadence drill. Everything else in a session (the home
programme's exercises, which carry `per_week`) stays where it is.
"""

from dataclasses import dataclass
from datetime import date

from plans.ladder import BUILD_LEVEL, LadderState
from plans.running import RunningProfile, RunRecord, plan_runs, run_minutes

STRENGTH, RUN, IMPACT, CROSS_TRAIN, REST = "strength", "run", "impact", "cross_train", "rest"
SESSION_KINDS = (STRENGTH, RUN, IMPACT, CROSS_TRAIN, REST)
FOUNDATION, IMPACT_READINESS, WALK_RUN, BUILD = "foundation", "impact_readiness", "walk_run", "build"
PHASES = (FOUNDATION, IMPACT_READINESS, WALK_RUN, BUILD)


@dataclass(frozen=True)
class LoadState:
    """Where the patient stands on the ladders, and what the next load days must respect."""

    ladder: LadderState  # the next run's level and the green sessions already done at it
    impact_step: int | None = None  # the next rung of the impact ladder; None when it is passed or not needed
    rest_next: bool = False  # reference §9.3 P4: after a red session, the next load day is for rest
    hold: tuple[str, ...] = ()  # review codes that stop running and impact until the physio resumes them
    hold_minutes: float | None = None  # P3/P9 in the build phase: the next run no longer than this


def sessions_of(plan: dict) -> list[dict]:
    return [session for week in plan["weeks"] for session in week["sessions"]]


def day_of(session: dict) -> date:
    return date.fromisoformat(session["date"])


def is_load_day(session: dict, plan: dict) -> bool:
    schedule = plan.get("schedule") or {}
    load_from = schedule.get("load_from")
    if load_from is None or session["date"] < load_from:
        return False
    offset = (day_of(session) - date.fromisoformat(plan["start"])).days % 7
    return offset in schedule["load_days"]


def prescribed(entry: dict) -> bool:
    """A home-programme exercise (it carries its times a week), not one a load session brings along."""
    return entry.get("per_week") is not None


def next_impact_step(plan: dict, step: int) -> int | None:
    """The rung after `step` in this plan's impact ladder, or None after the last."""
    steps = [rung["step"] for rung in plan["schedule"]["impact_ladder"]]
    later = [s for s in steps if s > step]
    return later[0] if later else None


def previous_impact_step(plan: dict, step: int) -> int:
    """The rung before `step` (reference §4.4 via §9.3 P4: a red steps back one rung), or the first rung."""
    steps = [rung["step"] for rung in plan["schedule"]["impact_ladder"]]
    earlier = [s for s in steps if s < step]
    return earlier[-1] if earlier else steps[0]


def first_impact_step(plan: dict) -> int | None:
    ladder = plan["schedule"]["impact_ladder"]
    return ladder[0]["step"] if ladder and plan["schedule"]["impact_needed"] else None


def cross_training_for(plan: dict, day: date, turn: int) -> dict | None:
    """The cross-training of a day: the plan's choices in turn, each from the day it is allowed (swimming once healed
    after a birth, reference §1.6); None when none is allowed yet."""
    choices = [c for c in plan["schedule"]["cross_training"] if c.get("from") is None or c["from"] <= day.isoformat()]
    if not choices:
        return None
    choice = choices[turn % len(choices)]
    return {"code": choice["code"], "minutes": choice["minutes"]}


def _clear(session: dict) -> None:
    for key in ("run", "impact", "cross_train"):
        session.pop(key, None)
    session["exercises"] = [entry for entry in session["exercises"] if prescribed(entry)]


def make_cross_train(session: dict, plan: dict, turn: int) -> None:
    cross = cross_training_for(plan, day_of(session), turn)
    if cross is None:
        session["kind"] = REST
    else:
        session["kind"] = CROSS_TRAIN
        session["cross_train"] = cross


def make_impact(session: dict, plan: dict, step: int) -> None:
    rung = next(rung for rung in plan["schedule"]["impact_ladder"] if rung["step"] == step)
    session["kind"] = IMPACT
    session["impact"] = {"step": step}
    session["exercises"] = [*rung["exercises"], *session["exercises"]]


def make_run(session: dict, plan: dict, run: dict | None) -> None:
    if run is None:  # the week's running volume is used up (re-planning part of a build week)
        session["kind"] = REST
        return
    session["kind"] = RUN
    session["run"] = run
    drill = plan["schedule"].get("cadence_drill")
    if drill:
        session["exercises"] = [dict(drill), *session["exercises"]]


def schedule_loads(plan: dict, *, from_day: date, state: LoadState) -> None:
    """Schedule (in place) every load day of `plan` on or after `from_day` from `state`, assuming every session ahead
    is green: a rest day first after a red (P4), then the impact rungs in order (reference §4.4), then the walk/run
    ladder and the build phase (§9.2, under the load guards of `plans.running`). While a hold stands (RF19, P5) the
    load days are cross-training instead. Week phases are labelled again from what the weeks now hold."""
    sessions = sessions_of(plan)
    slots = [s for s in sessions if is_load_day(s, plan)]
    turns = {s["date"]: turn for turn, s in enumerate(slots)}
    ahead = [s for s in slots if day_of(s) >= from_day]
    rest_next, step = state.rest_next, state.impact_step
    run_slots = []
    for session in ahead:
        _clear(session)
        if state.hold:
            make_cross_train(session, plan, turns[session["date"]])
        elif rest_next:
            session["kind"] = REST
            rest_next = False
        elif step is not None:
            make_impact(session, plan, step)
            step = next_impact_step(plan, step)
        else:
            run_slots.append(session)
    if run_slots:
        first = run_slots[0]["date"]
        profile = RunningProfile.from_plan(plan)
        missed = set(plan.get("missed", []))  # not done: no run the guards may build on
        history = [
            RunRecord(day_of(s), run_minutes(s["run"], profile.pace_min_per_km), s["run"]["level"])
            for s in sessions
            if s["kind"] == RUN and s["date"] < first and s["date"] not in missed
        ]
        runs, _ = plan_runs(
            [day_of(s) for s in run_slots],
            state=state.ladder,
            history=history,
            profile=profile,
            hold_minutes=state.hold_minutes,
        )
        for session in run_slots:
            make_run(session, plan, runs[day_of(session)])
    label_phases(plan)


def week_phase(sessions: list[dict]) -> str:
    """What a week holds: build when all its runs are level 8, walk/run with other runs, impact readiness with
    impact sessions, foundation otherwise (strength and low-impact work)."""
    levels = [s["run"]["level"] for s in sessions if s["kind"] == RUN]
    if levels:
        return BUILD if min(levels) == BUILD_LEVEL else WALK_RUN
    if any(s["kind"] == IMPACT for s in sessions):
        return IMPACT_READINESS
    return FOUNDATION


def label_phases(plan: dict) -> None:
    for week in plan["weeks"]:
        week["phase"] = week_phase(week["sessions"])
    plan["phases"] = phases_of(plan["weeks"])


def phases_of(weeks: list[dict]) -> list[dict]:
    phases: list[dict] = []
    for week in weeks:
        if phases and phases[-1]["code"] == week["phase"]:
            phases[-1]["weeks"] += 1
        else:
            phases.append({"code": week["phase"], "weeks": 1})
    return phases
