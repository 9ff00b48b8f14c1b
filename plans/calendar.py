"""A plan as people read it: the week-by-week calendar, running minutes per week, and automatic changes in words.

Pure Python over the case-format plan object, shared by the physio's plan page and (later) the patient's portal and
handouts. Nothing here decides anything clinical; it only says what the plan holds.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from plans.ladder import BUILD_LEVEL, CONTINUOUS_LEVEL
from plans.loads import BUILD, CROSS_TRAIN, FOUNDATION, IMPACT, IMPACT_READINESS, REST, RUN, STRENGTH, WALK_RUN
from plans.rules import IMPACT_STEPS
from plans.running import run_minutes

PHASE_LABELS = {
    FOUNDATION: "Foundation",
    IMPACT_READINESS: "Impact readiness",
    WALK_RUN: "Walk/run",
    BUILD: "Build",
}
KIND_LABELS = {
    STRENGTH: "Strength",
    RUN: "Run",
    IMPACT: "Hops and jumps",
    CROSS_TRAIN: "Cross-training",
    REST: "Rest",
}


@dataclass(frozen=True)
class LoggedMark:
    """What a logged session adds to its calendar day: its traffic light and the running minutes done."""

    colour: str
    run_minutes: float = 0


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: str
    title: str  # the session at a glance: "Walk 4 min, run 2 min × 5", "Strength", "Rest"
    details: tuple[str, ...]  # second lines: the level, the exercises
    is_today: bool
    is_past: bool
    light: str | None  # the traffic light of the logged session, if any

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class CalendarWeek:
    number: int
    phase: str
    days: tuple[CalendarDay, ...]
    planned_minutes: float
    done_minutes: float | None  # None for weeks that have not started, or without logs to count
    is_current: bool

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS.get(self.phase, self.phase)


def run_title(run: dict) -> str:
    """A planned run in a few words."""
    level = run["level"]
    if level == BUILD_LEVEL:
        parts = [f"Run {run['minutes']:g} min" if run.get("minutes") else "Run"]
        if run.get("distance_km"):
            parts.append(f"{run['distance_km']:g} km")
        text = ", ".join(parts)
        return text + (" with the buggy" if run.get("buggy") else "")
    if level == CONTINUOUS_LEVEL and run.get("walk_min") == 0:
        return f"Run {run['run_min']} min without stopping"
    return f"Walk {run['walk_min']} min, run {run['run_min']} min × {run['repeats']}"


def impact_words(step: int) -> str:
    """An impact session's rung in plain words: "Hops and jumps, step 2 of 5: jog on the spot for 1 minute"."""
    words = next(rung.words for rung in IMPACT_STEPS if rung.step == step)
    return f"Hops and jumps, {impact_step_of(step)}: {words}"


def impact_step_of(step: int) -> str:
    """A rung's place on the patient's ladder: "step 2 of 5" (rung 5 of reference §4.4 is the second one planned)."""
    numbers = [rung.step for rung in IMPACT_STEPS]
    return f"step {numbers.index(step) + 1} of {len(numbers)}"


def session_title(session: dict, names: Mapping[str, str]) -> str:
    kind = session["kind"]
    if kind == RUN:
        return run_title(session["run"])
    if kind == IMPACT and session.get("impact"):
        return impact_words(session["impact"]["step"])
    if kind == CROSS_TRAIN and session.get("cross_train"):
        cross = session["cross_train"]
        return f"{names.get(cross['code'], cross['code'].replace('_', ' ').capitalize())} {cross['minutes']} min"
    return KIND_LABELS.get(kind, kind)


def run_details(run: dict) -> list[str]:
    """The ladder level of a run and its cadence target, if any."""
    details = ["Build phase" if run["level"] == BUILD_LEVEL else f"Level {run['level']}"]
    if run.get("cadence_spm"):
        details.append(f"{run['cadence_spm']} steps a minute")
    return details


def session_details(session: dict, names: Mapping[str, str]) -> tuple[str, ...]:
    details = run_details(session["run"]) if session["kind"] == RUN else []
    exercises = session.get("exercises", [])
    if exercises:
        listed = ", ".join(names.get(e["code"], e["code"].replace("_", " ")) for e in exercises)
        details.append(f"Exercises: {listed}")
    return tuple(details)


def week_run_minutes(week: dict, pace_min_per_km: float | None = None) -> float:
    return sum(run_minutes(s["run"], pace_min_per_km) for s in week["sessions"] if s["kind"] == RUN)


def plan_calendar(
    plan: dict,
    *,
    today: date,
    logged: Mapping[date, LoggedMark] | None = None,
    names: Mapping[str, str] | None = None,
) -> list[CalendarWeek]:
    """The plan's weeks, a day per session, with today marked and each logged session's traffic light."""
    names = names or {}
    pace = (plan.get("running_load") or {}).get("pace_min_per_km")
    weeks = []
    for week in plan["weeks"]:
        days = []
        for session in week["sessions"]:
            day = date.fromisoformat(session["date"])
            mark = logged.get(day) if logged else None
            days.append(
                CalendarDay(
                    day=day,
                    kind=session["kind"],
                    title=session_title(session, names),
                    details=session_details(session, names),
                    is_today=day == today,
                    is_past=day < today,
                    light=mark.colour if mark else None,
                )
            )
        started = days[0].day <= today
        done = (
            sum(logged[d.day].run_minutes for d in days if d.day in logged) if logged is not None and started else None
        )
        weeks.append(
            CalendarWeek(
                number=week["week"],
                phase=week["phase"],
                days=tuple(days),
                planned_minutes=week_run_minutes(week, pace),
                done_minutes=done,
                is_current=days[0].day <= today <= days[-1].day,
            )
        )
    return weeks


def weekday_headings(plan: dict) -> list[str]:
    """The weekday of each column: plan weeks start on the plan's first day."""
    start = date.fromisoformat(plan["weeks"][0]["sessions"][0]["date"])
    return [f"{start + timedelta(days=offset):%a}" for offset in range(7)]


def logged_run_minutes(planned_run: dict | None, *, completed: bool, duration_min: float | None) -> float:
    """The running minutes a logged session counts for: the planned minutes when it was completed; otherwise the
    time the patient reported, never more than was planned (a walk/run session's time includes its walks)."""
    if planned_run is None:
        return 0
    planned = run_minutes(planned_run)
    if completed:
        return planned
    return min(planned, duration_min or 0)


def describe_change(change: dict) -> str:
    """One automatic change of the schedule in plain words, e.g. "Fri 5 Dec: rest instead of walk 3 min, run 3
    min × 5 (level 3)"."""
    day = date.fromisoformat(change["date"])
    when = f"{day:%a} {day.day} {day:%b}"
    before, after = change["before"], change["after"]
    was = _session_words(before)
    if after["kind"] == REST:
        return f"{when}: rest instead of {was}"
    return f"{when}: {_session_words(after)} instead of {was}"


def _session_words(session: dict) -> str:
    if session["kind"] == IMPACT and session.get("impact"):
        words = impact_words(session["impact"]["step"])
        return f"{words[0].lower()}{words[1:]}"
    if session["kind"] != RUN:
        return KIND_LABELS.get(session["kind"], session["kind"]).lower()
    run = session["run"]
    level = "build phase" if run["level"] == BUILD_LEVEL else f"level {run['level']}"
    title = run_title(run)
    return f"{title[0].lower()}{title[1:]} ({level})"


def next_step_words(colour: str, day: date, content: dict) -> str:
    """What the logged session on `day` means for the next one, in the patient's words, one message whatever the
    session: "Green: next time you move up to level 4", "Red: rest on Fri 5 Dec, then level 2 on Sun 7 Dec",
    "Red: running, hopping and jumping are paused until your physio has seen you"."""
    sessions = [s for week in content["weeks"] for s in week["sessions"]]
    logged = next((s for s in sessions if s["date"] == day.isoformat()), None)
    label = colour.capitalize()
    hold = content.get("hold") or {}
    if hold.get("codes") and hold["since"] <= day.isoformat():
        return f"{label}: running, hopping and jumping are paused until your physio has seen you"
    ahead = [s for s in sessions if s["date"] > day.isoformat()]
    if logged is None or logged["kind"] not in (RUN, IMPACT):
        if colour == "red":  # a red strength or cross-training day steps the runs back too (plans.progression)
            upcoming = next((s for s in ahead if s["kind"] in (RUN, IMPACT)), None)
            then = f"; your next {_load_words(upcoming)} on {_short(upcoming['date'])}" if upcoming else ""
            return f"{label}: stop these exercises for today and rest{then}; your physio will see how it went"
        return f"{label}: your plan goes on as it was"
    kind = logged["kind"]
    upcoming = next((s for s in ahead if s["kind"] == kind), None)
    if upcoming is None:
        return f"{label}: that was the last {'run' if kind == RUN else 'hops and jumps session'} of this plan"
    step = _run_step(logged["run"], upcoming) if kind == RUN else _impact_step(logged["impact"], upcoming)
    if colour == "red":
        rest = next((s for s in ahead if s["date"] < upcoming["date"] and s["kind"] == REST), None)
        if rest is not None:
            then = step.split("next time you ", 1)[-1].replace("go back to", "back to")
            step = f"rest on {_short(rest['date'])}, then {then}"
    return f"{label}: {step}"


def _run_step(run: dict, upcoming: dict) -> str:
    level, new = run["level"], upcoming["run"]["level"]
    when = _short(upcoming["date"])
    if new == level == BUILD_LEVEL:
        return f"your next run is {run_title(upcoming['run'])[4:]} on {when}"
    words = f"{_level_words(upcoming['run'])} on {when}"
    if new > level:
        return f"next time you move up to {words}"
    if new < level:
        return f"next time you go back to {words}"
    return f"next time you repeat {words}"


def _impact_step(impact: dict, upcoming: dict) -> str:
    step, new = impact["step"], upcoming["impact"]["step"]
    when = _short(upcoming["date"])
    words = impact_words(new).split(": ", 1)[1]
    if new > step:
        return f"next time you move on to {words} on {when}"
    if new < step:
        return f"next time you go back to {words} on {when}"
    return f"next time you repeat {words} on {when}"


def _short(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day:%a} {day.day} {day:%b}"


def _load_words(session: dict) -> str:
    """ "run is level 2" or "hops and jumps session is step 1 of 5" """
    if session["kind"] == RUN:
        return f"run is {_level_words(session['run'])}"
    return f"hops and jumps session is {impact_step_of(session['impact']['step'])}"


def _level_words(run: dict) -> str:
    return "the build phase" if run["level"] == BUILD_LEVEL else f"level {run['level']}"


# --- The patient's view: today's intervals, the phases so far, calendar events -------------------------------------

WALK, JOG = "walk", "run"


@dataclass(frozen=True)
class Interval:
    """One stretch of a walk/run session: walking or running for so many minutes."""

    kind: str  # WALK or JOG
    minutes: float

    @property
    def label(self) -> str:
        return "Walk" if self.kind == WALK else "Run"


def run_intervals(run: dict) -> list[Interval]:
    """The stretches of a planned run in order, for the interval timer: each repeat walks, then runs (reference
    §9.2). Empty for a run planned by distance only, which has no clock to follow."""
    if run["level"] == BUILD_LEVEL:
        return [Interval(JOG, run["minutes"])] if run.get("minutes") else []
    stretches = []
    for _ in range(run["repeats"]):
        if run["walk_min"]:
            stretches.append(Interval(WALK, run["walk_min"]))
        stretches.append(Interval(JOG, run["run_min"]))
    return stretches


def interval_words(run: dict) -> str:
    """A planned run as a patient reads it in a calendar: "5 × (walk 5 + run 1)", "20 min without stopping"."""
    level = run["level"]
    if level == BUILD_LEVEL:
        return run_title(run)[4:] or "easy run"
    if run["walk_min"] == 0:
        return f"{run['run_min'] * run['repeats']:g} min without stopping"
    return f"{run['repeats']} × (walk {run['walk_min']:g} + run {run['run_min']:g})"


def event_summary(session: dict, names: Mapping[str, str]) -> str:
    """A session in a few words for a calendar app, with nothing clinical in it: "Run: 5 × (walk 5 + run 1)"."""
    kind = session["kind"]
    if kind == RUN:
        return f"Run: {interval_words(session['run'])}"
    if kind == CROSS_TRAIN:
        return f"Cross-training: {session_title(session, names)}"
    if kind == IMPACT and session.get("impact"):
        return impact_words(session["impact"]["step"]).split(":", 1)[0]
    return {STRENGTH: "Strength exercises", IMPACT: "Hops and jumps"}.get(kind, KIND_LABELS.get(kind, kind))


@dataclass(frozen=True)
class PhaseStep:
    label: str
    first_week: int
    last_week: int
    state: str  # "done", "now" or "later"


@dataclass(frozen=True)
class PlanProgress:
    """Where the patient stands in the plan: this week's number of all, and each phase done, under way or to come."""

    week: int  # 0 before the plan starts; the last week after it ends
    weeks: int
    phases: tuple[PhaseStep, ...]
    finished: bool

    @property
    def current_phase(self) -> PhaseStep | None:
        return next((phase for phase in self.phases if phase.state == "now"), None)


def plan_progress(plan: dict, *, today: date) -> PlanProgress:
    weeks = len(plan["weeks"])
    start = date.fromisoformat(plan["start"])
    finished = today > date.fromisoformat(plan["end"])
    week = 0 if today < start else min(weeks, (today - start).days // 7 + 1)
    steps, first = [], 1
    for phase in plan["phases"]:
        last = first + phase["weeks"] - 1
        state = "done" if last < week or finished else "later"
        if first <= week <= last and state != "done":
            state = "now"
        steps.append(PhaseStep(PHASE_LABELS.get(phase["code"], phase["code"]), first, last, state))
        first = last + 1
    return PlanProgress(week, weeks, tuple(steps), finished)


def plan_exercise_slugs(content: dict) -> set[str]:
    """Every exercise a plan names: its programme, its sessions and their cross-training."""
    slugs = {entry["code"] for entry in content.get("programme", [])}
    for week in content["weeks"]:
        for session in week["sessions"]:
            slugs.update(entry["code"] for entry in session["exercises"])
            if session.get("cross_train"):
                slugs.add(session["cross_train"]["code"])
    return slugs


def session_on(content: dict, day: date) -> dict | None:
    """The plan's session on `day`, or None when the plan has no such day."""
    return next((s for week in content["weeks"] for s in week["sessions"] if s["date"] == day.isoformat()), None)
