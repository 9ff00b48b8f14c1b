"""What every plan must satisfy, whoever wrote it (case-format "What every plan must satisfy"), plus Runback's own:
every day present once, no contraindicated exercise, every exercise in the library, walk/run sessions as the
ladder defines them.

`plan_violations` returns one sentence per problem, written for the physiotherapist who edited the plan; the web
app refuses to issue a plan with any. Pure Python.
"""

import itertools
from collections.abc import Iterable
from datetime import date, timedelta

from intake.codes import CONTRAINDICATIONS, HIP_STRENGTH, KNEE_STRENGTH, Category, Condition
from plans.builder import PlanRequest
from plans.ladder import BUILD_LEVEL, CONTINUOUS_LEVEL, FIRST_LEVEL, walk_run_level
from plans.library.exercises import ExerciseSpec
from plans.loads import IMPACT, PHASES, RUN, SESSION_KINDS, prescribed
from plans.progression import RED, LoggedSession
from plans.rules import (
    CONTINUOUS_RUN_MIN,
    MAX_EXERCISES_PER_SESSION,
    MAX_RUNS_PER_WEEK,
    MIN_EXPOSURES,
    SPIKE_FACTOR,
    WEEKLY_RISE_FACTOR,
)
from plans.running import RunRecord, km_to_minutes, longest_recent_run, run_minutes
from plans.selection import is_impact

TOLERANCE = 1e-6  # float slack when comparing minutes


def plan_violations(
    plan: dict,
    *,
    condition: str,
    longest_run_30d_km: float | None = None,
    running_allowed_from: date | None = None,
    contraindications: Iterable[str] = (),
    library: Iterable[ExerciseSpec] | None = None,
) -> list[str]:
    """Every broken invariant of `plan`, one clear sentence each; an empty list when the plan may be issued."""
    sessions = [(week["week"], session) for week in plan.get("weeks", []) for session in week.get("sessions", [])]
    problems = _calendar_problems(plan, sessions)
    if problems:
        return problems  # the other checks need well-dated sessions
    by_slug = {spec.slug: spec for spec in library} if library is not None else None
    runs = [(week, s) for week, s in sessions if s["kind"] == RUN]
    pace = (plan.get("running_load") or {}).get("pace_min_per_km")
    reported = km_to_minutes(longest_run_30d_km, pace) if longest_run_30d_km else None
    return [
        *_run_spacing_problems(runs),
        *_run_gate_problems(plan, sessions, by_slug, running_allowed_from),
        *_hold_problems(plan, sessions),
        *_ladder_problems(plan, runs),
        *_impact_ladder_problems(plan, sessions),
        *_build_load_problems(plan, runs, reported, pace),
        *_exercise_problems(sessions, by_slug, set(contraindications)),
        *_per_week_problems(plan),
        *_cross_training_problems(plan, sessions),
        *_condition_problems(plan, sessions, by_slug, condition),
    ]


def request_violations(plan: dict, request: PlanRequest, library: Iterable[ExerciseSpec] | None = None) -> list[str]:
    """`plan_violations` for a plan built from `request`, with everything the request knows about the patient."""
    return plan_violations(
        plan,
        condition=request.condition,
        longest_run_30d_km=request.running.longest_run_30d_km,
        running_allowed_from=request.gates.running_allowed_from,
        contraindications=request.gates.contraindications,
        library=library,
    )


def _day(session: dict) -> date:
    return date.fromisoformat(session["date"])


def _calendar_problems(plan: dict, sessions: list[tuple[int, dict]]) -> list[str]:
    """Sessions dated from the plan start, in date order, each day once and none missing, in the right week."""
    if not sessions:
        return ["The plan has no sessions."]
    problems = [
        f"Week {week.get('week')}: phase {week.get('phase')!r} is not one of {', '.join(PHASES)}."
        for week in plan["weeks"]
        if week.get("phase") not in PHASES
    ]
    for week, session in sessions:
        try:
            _day(session)
        except (KeyError, TypeError, ValueError):
            problems.append(f"Week {week}: {session.get('date')!r} is not a date (YYYY-MM-DD).")
        if session.get("kind") not in SESSION_KINDS:
            problems.append(
                f"Week {week}: {session.get('date')} has kind {session.get('kind')!r}; use one of "
                + ", ".join(SESSION_KINDS)
                + "."
            )
        elif session["kind"] == RUN and not isinstance(session.get("run"), dict):
            problems.append(f"Week {week}: the run on {session.get('date')} has no run details.")
    if problems:
        return problems
    start = date.fromisoformat(plan["start"]) if plan.get("start") else _day(sessions[0][1])
    previous = None
    for week, session in sessions:
        day = _day(session)
        if day < start:
            problems.append(f"Week {week}: {day} is before the plan starts on {start}.")
        elif (day - start).days // 7 + 1 != week:
            problems.append(f"Week {week}: {day} belongs to week {(day - start).days // 7 + 1}.")
        if previous is not None:
            if day == previous:
                problems.append(f"Week {week}: {day} appears twice; give each day one session.")
            elif day < previous:
                problems.append(f"Week {week}: {day} comes after {previous}; keep the sessions in date order.")
            elif day - previous > timedelta(days=1):
                missing = previous + timedelta(days=1)
                problems.append(f"Week {week}: no session on {missing}; every day needs one (a rest day counts).")
        previous = day
    if not problems and _day(sessions[0][1]) != start:
        problems.append(f"Week 1: the first session is on {_day(sessions[0][1])}, not on the start date {start}.")
    return problems


def _run_spacing_problems(runs: list[tuple[int, dict]]) -> list[str]:
    problems = []
    for (_, first), (week, second) in itertools.pairwise(runs):
        if _day(second) - _day(first) == timedelta(days=1):
            problems.append(f"Week {week}: runs on {first['date']} and {second['date']} are on consecutive days.")
    per_week: dict[int, int] = {}
    for week, _ in runs:
        per_week[week] = per_week.get(week, 0) + 1
    problems += [
        f"Week {week}: {count} runs in one week; at most {MAX_RUNS_PER_WEEK}."
        for week, count in per_week.items()
        if count > MAX_RUNS_PER_WEEK
    ]
    return problems


def _spec_impact(entry: dict, by_slug) -> bool:
    spec = by_slug.get(entry.get("code")) if by_slug else None
    return is_impact(spec) if spec else bool(entry.get("impact"))


def _run_gate_problems(plan, sessions, by_slug, running_allowed_from: date | None) -> list[str]:
    """No run or impact before the earliest run date, none at all when running is not allowed."""
    problems = []
    earliest = date.fromisoformat(plan["earliest_run_date"]) if plan.get("earliest_run_date") else None
    if not plan.get("running_allowed") and earliest:
        problems.append("Running is not allowed, yet the plan gives an earliest run date.")
    if earliest and running_allowed_from and earliest < running_allowed_from:
        problems.append(
            f"The earliest run date {earliest} is before {running_allowed_from}, the first day the assessment "
            "allows running."
        )
    gate = max(d for d in (earliest, running_allowed_from) if d) if earliest else None
    for week, session in sessions:
        loads = [session["kind"]] if session["kind"] in (RUN, IMPACT) else []
        loads += [f"impact exercise {e.get('code')}" for e in session.get("exercises", []) if _spec_impact(e, by_slug)]
        for load in dict.fromkeys(loads):
            what = "a run" if load == RUN else "an impact session" if load == IMPACT else load
            if not plan.get("running_allowed"):
                problems.append(f"Week {week}: {what} on {session['date']}, but running is not allowed in this plan.")
            elif gate is None:
                problems.append(f"Week {week}: {what} on {session['date']}, but the plan has no earliest run date.")
            elif _day(session) < gate:
                problems.append(f"Week {week}: {what} on {session['date']} is before the earliest run date {gate}.")
    return problems


def _hold_problems(plan: dict, sessions) -> list[str]:
    """While a hold stands (RF19, P5), no run or impact session after the day it began."""
    hold = plan.get("hold") or {}
    if not hold.get("codes"):
        return []
    return [
        f"Week {week}: a {session['kind']} session on {session['date']}, but running and impact are on hold since "
        f"{hold['since']} ({', '.join(hold['codes'])})."
        for week, session in sessions
        if session["kind"] in (RUN, IMPACT) and session["date"] > hold["since"]
    ]


def _impact_ladder_problems(plan: dict, sessions) -> list[str]:
    """Impact steps climb the plan's ladder one rung at a time and never go down, except where a logged red stepped
    back a rung (reference §4.4; §9.3 P4) or a missed session took the ladder back to the last logged one: no rung is
    passed before it was planned."""
    steps = [rung["step"] for rung in (plan.get("schedule") or {}).get("impact_ladder", [])]
    problems, previous, previous_date = [], None, ""
    for week, session in sessions:
        if session["kind"] != IMPACT:
            continue
        stepped_back = _step_back(plan, previous_date, session["date"]) is not None
        step = (session.get("impact") or {}).get("step")
        if step not in steps:
            problems.append(
                f"Week {week}: the impact session on {session['date']} has step {step!r}, not a rung of "
                "this plan's impact ladder."
            )
            continue
        expected_first = steps[0]
        if previous is None and step != expected_first:
            problems.append(
                f"Week {week}: the impact ladder starts at step {step} on {session['date']}, not at its first rung "
                f"{expected_first} (reference §4.4)."
            )
        elif previous is not None and step < previous and not stepped_back:
            problems.append(
                f"Week {week}: the impact step drops from {previous} to {step} on {session['date']}; steps only go "
                "back after a logged red session (reference §4.4; §9.3 P4)."
            )
        elif previous is not None and step > previous and steps.index(step) > steps.index(previous) + 1:
            problems.append(
                f"Week {week}: the impact session on {session['date']} jumps from step {previous} to {step}; climb one "
                "rung at a time (reference §4.4)."
            )
        previous, previous_date = step, session["date"]
    return problems


def _per_week_problems(plan: dict) -> list[str]:
    """An exercise prescribed `per_week: N` is on exactly N days of every week that prescribes it (case-format
    invariant: "daily" means every day, rest days included)."""
    problems = []
    for week in plan.get("weeks", []):
        days: dict[str, set[str]] = {}
        wanted: dict[str, set[int]] = {}
        for session in week["sessions"]:
            for entry in session.get("exercises", []):
                if prescribed(entry):
                    days.setdefault(entry["code"], set()).add(session["date"])
                    wanted.setdefault(entry["code"], set()).add(entry["per_week"])
        for code, counts in wanted.items():
            if len(counts) > 1:
                problems.append(f"Week {week['week']}: {code} is prescribed {sorted(counts)} times a week at once.")
            elif len(days[code]) != min(counts):
                problems.append(
                    f"Week {week['week']}: {code} is prescribed {min(counts)} times a week but is on "
                    f"{len(days[code])} days."
                )
    return problems


def _cross_training_problems(plan: dict, sessions) -> list[str]:
    """No cross-training before the day the plan allows it: swimming only once healed after a birth (§1.6)."""
    allowed_from = {
        c["code"]: c["from"] for c in (plan.get("schedule") or {}).get("cross_training", []) if c.get("from")
    }
    return [
        f"Week {week}: {code} on {session['date']}, before {allowed_from[code]} when the plan allows it "
        "(reference §1.6: swimming once healed)."
        for week, session in sessions
        if (code := (session.get("cross_train") or {}).get("code")) in allowed_from
        and session["date"] < allowed_from[code]
    ]


def _ladder_problems(plan: dict, runs: list[tuple[int, dict]]) -> list[str]:
    """Walk/run sessions as §9.2 defines them; levels never go down in the planned schedule (except where a logged
    red session dropped them, reference §9.3 P4, or a missed session took them back to the last logged one), move up
    one at a time and only after 2 sessions (P2)."""
    problems = []
    level, sessions_at_level, previous_date = None, 0, ""
    missed = set(plan.get("missed", []))
    done_at_level = 0  # the sessions at this level not missed
    done_before: dict[int, int] = {}  # each level's sessions not missed, the last time the plan was at it
    for week, session in runs:
        run = session["run"]
        new = run.get("level")
        problem = _run_shape_problem(run)
        if problem:
            problems.append(f"Week {week}: the run on {session['date']} {problem}.")
            continue
        if level is not None and new != level:
            done_before[level] = done_at_level
            done_at_level = 0
        done_at_level += session["date"] not in missed
        if level is None or new == level:
            sessions_at_level = sessions_at_level + 1 if new == level else 1
        elif new < level:
            why = _step_back(plan, previous_date, session["date"])
            if why is None:
                problems.append(
                    f"Week {week}: the run level drops from {level} to {new} on {session['date']}; planned levels "
                    "only go down after a logged red session (reference §9.3 P4) or a missed one."
                )
            # Back after missed sessions, the level's earlier sessions not missed still count (a red starts it
            # afresh, P4).
            earlier = done_before.get(new, 0) if why == "missed" else 0
            sessions_at_level = earlier + 1
            done_at_level += earlier
        else:
            if new > level + 1:
                problems.append(
                    f"Week {week}: the run on {session['date']} jumps from level {level} to {new}; move up one "
                    "level at a time."
                )
            if sessions_at_level < MIN_EXPOSURES:
                problems.append(
                    f"Week {week}: level {level} moves up on {session['date']} after {sessions_at_level} session; "
                    f"each level needs at least {MIN_EXPOSURES} (reference §9.3 P2)."
                )
            sessions_at_level = 1
        level, previous_date = new, session["date"]
    return problems


# The rules of the automatic changes a logged red session makes: P4 itself, and the holds a red begins (RF19, P5).
RED_RULES = ("P4", "RF19", "P5")


def _step_back(plan: dict, first: str, last: str) -> str | None:
    """Why a level or rung may go down between the sessions on `first` and `last` (ISO dates): "red", a red session
    logged on or after `first` and before `last` (reference §9.3 P4; §4.4); "missed", the catch-up after sessions not
    logged re-planned the session on `last` (back to where the logged sessions left the patient); None."""
    adjustments = plan.get("adjustments", [])
    if any(c.get("rule") in RED_RULES and first <= c.get("logged_session", "") < last for c in adjustments):
        return "red"
    if any(c.get("rule") == "MISSED" and c.get("date") == last and first < last for c in adjustments):
        return "missed"
    return None


def _run_shape_problem(run: dict) -> str | None:
    level = run.get("level")
    if not isinstance(level, int) or not FIRST_LEVEL <= level <= BUILD_LEVEL:
        return f"has level {level!r}; levels run from {FIRST_LEVEL} to {BUILD_LEVEL}"
    if level == BUILD_LEVEL:
        if not (run.get("minutes") or run.get("distance_km")):
            return "needs minutes or a distance"
        return None
    spec = walk_run_level(level)
    expected = (spec.walk_min, spec.run_min, spec.repeats)
    actual = (run.get("walk_min"), run.get("run_min"), run.get("repeats"))
    low, high = CONTINUOUS_RUN_MIN
    if level == CONTINUOUS_LEVEL and actual[0] == 0 and actual[2] == 1 and low <= (actual[1] or 0) <= high:
        expected = actual
    if actual != expected or run.get("total_run_min") != actual[1] * actual[2]:
        if level == CONTINUOUS_LEVEL:
            return f"should be one continuous run of {low}–{high} minutes at level {level} (reference §9.2)"
        return (
            f"should be walk {spec.walk_min} min / run {spec.run_min} min × {spec.repeats} at level {level}, "
            f"{spec.total_run_min} minutes of running (reference §9.2)"
        )
    return None


def _build_load_problems(plan: dict, runs, reported_min: float | None, pace) -> list[str]:
    """In the build phase: weekly volume up at most 10 % a week (P8); no run longer than 1.1 × the longest of the
    previous 30 days (P7), the patient's reported longest run counting within 30 days of the start. Runs missed
    (the plan's `missed` days) were not run."""
    problems = []
    start = date.fromisoformat(plan["start"]) if plan.get("start") else _day(runs[0][1]) if runs else None
    missed = set(plan.get("missed", []))  # not run: as plans.loads.schedule_loads, nothing to build on or add up
    runs = [(week, s) for week, s in runs if s["date"] not in missed]
    records = [RunRecord(_day(s), run_minutes(s["run"], pace), s["run"]["level"]) for _, s in runs]
    for (week, session), record in zip(runs, records, strict=True):
        if record.level != BUILD_LEVEL:
            continue
        longest = longest_recent_run(record.day, records, start=start, reported_min=reported_min)
        if longest is None:
            problems.append(
                f"Week {week}: the build run on {session['date']} has no run in the 30 days before it to build on "
                "(reference §9.3 P7)."
            )
        elif record.minutes > SPIKE_FACTOR * longest + TOLERANCE:
            problems.append(
                f"Week {week}: the {_minutes(record.minutes)}-minute run on {session['date']} is longer than 1.1 × "
                f"the longest run of the previous 30 days ({_minutes(longest)} minutes) (reference §9.3 P7)."
            )
    volume: dict[int, float] = {}
    for (week, _), record in zip(runs, records, strict=True):
        volume[week] = volume.get(week, 0) + record.minutes
    week_before_plan = (plan.get("running_load") or {}).get("current_weekly_min")
    for week in plan.get("weeks", []):
        number = week["week"]
        before = volume.get(number - 1, 0) if number > 1 else week_before_plan
        if week.get("phase") != "build" or before is None:
            continue
        now = volume.get(number, 0)
        if now > WEEKLY_RISE_FACTOR * before + TOLERANCE:
            rise = f"{round(100 * (now - before) / before)} %" if before else "from no running"
            problems.append(
                f"Week {number}: running rises from {_minutes(before)} to {_minutes(now)} minutes ({rise}); at most "
                "10 % a week in the build phase (reference §9.3 P8)."
            )
    return problems


def _minutes(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _exercise_problems(sessions, by_slug, contraindications: set[str]) -> list[str]:
    problems = []
    for week, session in sessions:
        exercises = session.get("exercises", [])
        if len(exercises) > MAX_EXERCISES_PER_SESSION:
            problems.append(
                f"Week {week}: {len(exercises)} exercises on {session['date']}; at most "
                f"{MAX_EXERCISES_PER_SESSION} in a session (reference §5)."
            )
        listed = [e.get("code") for e in exercises]
        problems += [
            f"Week {week}: {code} is listed twice on {session['date']}."
            for code in dict.fromkeys(listed)
            if listed.count(code) > 1
        ]
        if by_slug is None:
            continue
        codes = list(listed)
        if session.get("cross_train"):
            codes.append(session["cross_train"].get("code"))
        for code in codes:
            spec = by_slug.get(code)
            if spec is None:
                problems.append(f"Week {week}: {code!r} on {session['date']} is not in the exercise library.")
                continue
            for reason in sorted(contraindications.intersection(spec.contraindications)):
                label = CONTRAINDICATIONS.get(reason, reason).lower()
                problems.append(
                    f"Week {week}: {code} on {session['date']} must not be given to this patient ({label}: {reason})."
                )
    return problems


def _condition_problems(plan, sessions, by_slug, condition: str) -> list[str]:
    """What the condition asks of every plan: hip and knee strengthening for patellofemoral pain (reference §2.5,
    §7 notes), tendon loading for patellar tendinopathy (§4.5, §7 row 19), no downhill running for iliotibial band
    syndrome (§7 row 20), and no running or impact for a possible meniscal injury the physio has not cleared (§8
    RF22 is enforced by the gates: `running_allowed`)."""
    trained = set()
    for _, session in sessions:
        for entry in session.get("exercises", []):
            spec = by_slug.get(entry.get("code")) if by_slug else None
            trained.update(spec.categories if spec else entry.get("categories", ()))
    problems = []
    if condition == Condition.PATELLOFEMORAL_PAIN:
        if not HIP_STRENGTH.intersection(trained):
            problems.append("A patellofemoral pain plan needs hip-strengthening exercises (reference §2.5).")
        if not KNEE_STRENGTH.intersection(trained):
            problems.append("A patellofemoral pain plan needs knee-strengthening exercises (reference §2.5).")
    if condition == Condition.PATELLAR_TENDINOPATHY and Category.TENDON_LOAD not in trained:
        problems.append("A patellar tendinopathy plan needs its tendon-loading programme (reference §4.5).")
    if condition == Condition.ILIOTIBIAL_BAND_SYNDROME and not plan.get("avoid_downhill"):
        problems.append("An iliotibial band syndrome plan must keep runs off downhill routes (reference §7 row 20).")
    return problems


# --- after logged sessions (case-format "after logs") ---------------------------------------------------------------


def progress_violations(plan: dict, logged: list[tuple[dict, LoggedSession]], progress: dict) -> list[str]:
    """The invariants of a plan after its logs were replayed. `logged` pairs each logged session (as it was planned
    when logged) with its log and light, in order: no run or impact session while running is not allowed; after a
    red run no run the next day and the next run one level lower (§9.3 P4); two greens at a level before the next
    (P2); an amber repeats the level (P3); a red impact session repeats or steps back its rung (§4.4)."""
    sessions = [s for week in plan["weeks"] for s in week["sessions"]]
    last = max((entry.log.session_date.isoformat() for _, entry in logged), default="")
    problems = []
    if not progress["running_allowed"]:
        problems += [
            f"A {s['kind']} session on {s['date']} although running is not allowed after the logs."
            for s in sessions
            if s["kind"] in (RUN, IMPACT) and s["date"] > last
        ]
    for session, entry in logged:
        day = entry.log.session_date.isoformat()
        later = [s for s in sessions if s["date"] > day]
        next_run = next((s for s in later if s["kind"] == RUN), None)
        if session["kind"] == RUN and next_run is not None:
            level, new = session["run"]["level"], next_run["run"]["level"]
            if entry.colour == RED:
                if later and later[0]["kind"] == RUN:
                    problems.append(f"After the red run on {day}, a run the very next day.")
                if new != max(FIRST_LEVEL, min(level, BUILD_LEVEL) - 1):
                    problems.append(f"After the red run on {day} at level {level}, the next run is level {new}.")
            elif entry.colour != "green" and new != level:
                problems.append(f"After the {entry.colour} run on {day} at level {level}, the next is level {new}.")
        next_impact = next((s for s in later if s["kind"] == IMPACT), None)
        if session["kind"] == IMPACT and entry.colour == RED and next_impact is not None:
            problems += _red_impact_problems(session, next_impact, day)
    problems += _two_greens_problems(plan, sessions)
    return problems


def _red_impact_problems(session: dict, next_impact: dict, day: str) -> list[str]:
    if next_impact["impact"]["step"] > session["impact"]["step"]:
        return [f"After the red impact session on {day}, the next impact step moves on (reference §4.4)."]
    return []


def _two_greens_problems(plan: dict, sessions: list[dict]) -> list[str]:
    """P2 across the whole schedule, logged and planned alike: a level moves up only after two sessions at it (the
    ladder invariant checks the planned levels; here the rule holds through every re-planning too)."""
    runs = [(0, s) for s in sessions if s["kind"] == RUN]
    return [problem for problem in _ladder_problems(plan, runs) if "P2" in problem]
