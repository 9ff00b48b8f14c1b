"""Pain-driven progression: a logged session's traffic light and what it changes in the plan ahead
(reference §9.3 P1–P5 and P9, §9.4 session log fields). Pure Python.

The planned schedule assumes green sessions. After each logged run, `apply_log` re-plans the runs ahead: the ladder
steps move to later run days when a level has to be repeated or dropped, and the build phase's volumes are
recomputed under the same load guards. Every automatic change is returned (and kept in the plan's `adjustments`)
with its rule, so the physiotherapist can see it and undo it.
"""

import copy
import itertools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from plans.builder import BUILD, REST, RUN, WALK_RUN, phases_of, week_phase
from plans.ladder import AMBER_PAIN_MAX, BUILD_LEVEL, FIRST_LEVEL, GREEN_PAIN_MAX, LadderState
from plans.running import RunningProfile, RunRecord, plan_runs, run_minutes

GREEN, AMBER, RED = "green", "amber", "red"
PF_SYMPTOMS = ("leak", "heaviness", "pelvic_pain", "bowel")  # reference §9.4 pf_symptoms
RED_REPEAT_WINDOW_DAYS = 14  # reference §9.3 P5: 2 reds within 14 days
TREND_WEEKS = 3  # reference §9.3 P9: weekly averages up 2 weeks in a row means 3 weeks, each higher than the last

ADVICE = {
    GREEN: "Green: carry on with your plan. You move up a level once you have had two green sessions at it.",
    AMBER: "Amber: repeat this level at your next run rather than moving up.",
    RED: "Red: stop running for now. Rest for a day or two and skip your next run, then go back one level.",
}


@dataclass(frozen=True)
class SessionLog:
    """What the patient records after a run (reference §9.4)."""

    session_date: date
    level: int | None = None
    completed: bool = True
    pain_during_max: int = 0
    pain_escalated: bool = False
    limp: bool = False
    swelling: bool = False
    next_morning_pain: int | None = None  # None until the patient has answered the next morning
    next_morning_stiffness: int | None = None
    pf_symptoms: tuple[str, ...] = ()
    rpe: int | None = None
    distance_km: float | None = None
    duration_min: float | None = None
    cadence_spm: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "pf_symptoms", tuple(self.pf_symptoms))
        problems = [
            f"{name}: must be from 0 to 10 (got {value})"
            for name in ("pain_during_max", "next_morning_pain", "next_morning_stiffness", "rpe")
            if (value := getattr(self, name)) is not None and not 0 <= value <= 10
        ]
        problems += [
            f"pf_symptoms: {code!r} is not one of {', '.join(PF_SYMPTOMS)}"
            for code in self.pf_symptoms
            if code not in PF_SYMPTOMS
        ]
        if problems:
            raise ValueError("; ".join(problems))


def baseline_morning_pain(intake: dict) -> int:
    """The patient's usual pain before the ladder, from the intake: the next-morning baseline of P1 and P4.

    Not in the reference, which says "baseline" only: the lower of the pain now and the usual pain the patient
    reported (NPRS, reference §6), so a morning worse than either counts; 0 when neither was answered.
    """
    answered = [intake[key] for key in ("nprs_now", "nprs_usual") if intake.get(key) is not None]
    return min(answered, default=0)


@dataclass(frozen=True)
class Light:
    colour: str
    reasons: tuple[str, ...]
    advice: str
    awaiting_next_morning: bool = False  # green or amber for now: the next-morning answers can still make it red


@dataclass(frozen=True)
class LoggedSession:
    """A past session and the colour it was given: the history the rules look back over."""

    log: SessionLog
    colour: str


def traffic_light(
    log: SessionLog,
    *,
    baseline_morning_pain: int,
    postpartum: bool,
    baseline_morning_stiffness: int | None = None,
) -> Light:
    """Red (P4) if any red sign, else amber (P3) if any amber sign, else green (P1).

    `baseline_*` are the patient's usual morning pain and stiffness before the ladder; without a stiffness baseline
    the pain baseline is used. "Mild stiffness that resolves" (P3) cannot be told apart from green once it has
    resolved by the next morning, so it counts as green, as P1 says.
    """
    stiffness_baseline = baseline_morning_pain if baseline_morning_stiffness is None else baseline_morning_stiffness
    red = []
    if log.pain_during_max > AMBER_PAIN_MAX:
        red.append(f"pain {log.pain_during_max}/10 during the session, above {AMBER_PAIN_MAX}/10 (reference §9.3 P4)")
    if log.pain_escalated:
        red.append("pain got worse as the session went on (reference §9.3 P4)")
    if log.limp:
        red.append("a limp or change in running style (reference §9.3 P4)")
    if log.swelling:
        red.append("swelling (reference §9.3 P4)")
    if log.next_morning_pain is not None and log.next_morning_pain > baseline_morning_pain:
        red.append(
            f"next-morning pain {log.next_morning_pain}/10, above the usual {baseline_morning_pain}/10 "
            "(reference §9.3 P4)"
        )
    if log.next_morning_stiffness is not None and log.next_morning_stiffness > stiffness_baseline:
        red.append(
            f"next-morning stiffness {log.next_morning_stiffness}/10, above the usual {stiffness_baseline}/10 "
            "(reference §9.3 P4)"
        )
    if postpartum and log.pf_symptoms:
        red.append(f"pelvic floor symptoms: {', '.join(log.pf_symptoms)} (reference §9.3 P4, §8 RF19)")
    awaiting = log.next_morning_pain is None or log.next_morning_stiffness is None
    if red:
        advice = ADVICE[RED]
        if postpartum and log.pf_symptoms:
            advice += " Tell your physio about the pelvic floor symptoms: a pelvic health physio should see you."
        return Light(RED, tuple(red), advice)
    amber = []
    if log.pain_during_max > GREEN_PAIN_MAX:
        amber.append(f"pain {log.pain_during_max}/10 during the session (4–5/10, reference §9.3 P3)")
    if not log.completed:
        # Not in the reference: an unfinished session is repeated; it is not one of P2's exposures.
        amber.append("the session was not finished, so it is repeated")
    colour = AMBER if amber else GREEN
    advice = ADVICE[colour]
    if awaiting:
        advice += " Tomorrow morning, record your pain and stiffness: more than usual would make this red."
    reasons = amber or [f"pain at most {GREEN_PAIN_MAX}/10, no limp, no swelling (reference §9.3 P1)"]
    return Light(colour, tuple(reasons), advice, awaiting_next_morning=awaiting)


def symptoms_rising(history: list[LoggedSession], start: date) -> bool:
    """P9: the weekly average of pain during runs, or of next-morning stiffness, rose 2 weeks in a row."""
    weeks: dict[int, list[SessionLog]] = {}
    for entry in history:
        weeks.setdefault((entry.log.session_date - start).days // 7, []).append(entry.log)
    recent = sorted(weeks)[-TREND_WEEKS:]
    if len(recent) < TREND_WEEKS or recent[-1] - recent[0] != TREND_WEEKS - 1:
        return False
    for score in ("pain_during_max", "next_morning_stiffness"):
        averages = []
        for week in recent:
            values = [getattr(log, score) for log in weeks[week] if getattr(log, score) is not None]
            averages.append(sum(values) / len(values) if values else None)
        if None not in averages and all(a < b for a, b in itertools.pairwise(averages)):
            return True
    return False


def _state_before(level: int, history: list[LoggedSession]) -> LadderState:
    """The green sessions already done at `level` since the patient last arrived at it (P2). Sessions without a
    level (strength or cross-training days) are no exposures."""
    current, greens = None, 0
    for entry in history:
        if entry.log.level is None:
            continue
        if entry.log.level != current:
            current, greens = entry.log.level, 0
        if entry.colour == GREEN:
            greens += 1
        elif entry.colour == RED:
            greens = 0
    return LadderState(level, greens if current == level else 0)


def apply_log(
    plan: dict, *, session_date: date, light: str, today: date, history: list[LoggedSession]
) -> tuple[dict, list[dict]]:
    """Re-plan the runs ahead after the run on `session_date` was logged `light` (green, amber or red).

    Green moves up only after the minimum exposures (P2); amber repeats the level at the next run (P3); red skips
    the next run for rest, then drops one level (P4). Weekly symptoms rising two weeks in a row hold a green at its
    level (P9). `history` holds the earlier logged sessions (it may include this one: it then counts for the P9
    trend, not as an exposure). Runs before `today` are left as they were. Returns the new plan and the changes, each
    with the session before and after so the physiotherapist can undo it.
    """
    if light not in (GREEN, AMBER, RED):
        raise ValueError(f"light must be green, amber or red (got {light!r})")
    new_plan = copy.deepcopy(plan)
    sessions = [session for week in new_plan["weeks"] for session in week["sessions"]]
    logged = next((s for s in sessions if s["date"] == session_date.isoformat() and s["kind"] == RUN), None)
    if logged is None:
        raise ValueError(f"There is no run planned on {session_date.isoformat()}.")
    profile = RunningProfile.from_plan(new_plan)
    earlier = sorted(
        (entry for entry in history if entry.log.session_date < session_date), key=lambda e: e.log.session_date
    )
    trend = [entry for entry in history if entry.log.session_date <= session_date]
    rule, state, hold = _next_state(logged["run"], light, earlier, rising=symptoms_rising(trend, profile.start))
    ahead = [
        s
        for s in sessions
        if s["kind"] == RUN and date.fromisoformat(s["date"]) > session_date and date.fromisoformat(s["date"]) >= today
    ]
    reason = _reason(rule, light, session_date, logged["run"])
    changes = []
    if light == RED and ahead:
        skipped = ahead.pop(0)
        changes.append(_change(skipped, {"kind": REST, "exercises": []}, "skipped", rule, reason, session_date))
    first_ahead = ahead[0]["date"] if ahead else None
    records = [
        RunRecord(date.fromisoformat(s["date"]), run_minutes(s["run"], profile.pace_min_per_km), s["run"]["level"])
        for s in sessions
        if s["kind"] == RUN and (first_ahead is None or s["date"] < first_ahead)
    ]
    runs, _ = plan_runs(
        [date.fromisoformat(s["date"]) for s in ahead], state=state, history=records, profile=profile, hold_minutes=hold
    )
    for session in ahead:
        run = runs[date.fromisoformat(session["date"])]
        if run == session["run"]:
            continue
        if run is None:
            changes.append(_change(session, {"kind": REST, "exercises": []}, "skipped", rule, reason, session_date))
        else:
            change = "level" if run["level"] != session["run"]["level"] else "minutes"
            changes.append(_change(session, {"run": run}, change, rule, reason, session_date))
    for week in new_plan["weeks"]:
        stage = WALK_RUN if week["phase"] in (WALK_RUN, BUILD) else week["phase"]
        week["phase"] = week_phase(week["sessions"], stage)
    new_plan["phases"] = phases_of(new_plan["weeks"])
    new_plan["adjustments"] = [*new_plan.get("adjustments", []), *changes]
    return new_plan, changes


def replay_logs(plan: dict, logged: list[LoggedSession], *, history_only: Collection[date] = ()) -> dict:
    """A freshly built plan with the logged sessions applied again in date order, each as on its own day, so a plan
    the physio rebuilds keeps the repeats and steps back the patient's sessions earned (P2–P4, P9). Sessions that
    are not runs in this plan, and those on the `history_only` days (the physio undid what they changed), count
    only as history."""
    history: list[LoggedSession] = []
    for entry in sorted(logged, key=lambda e: e.log.session_date):
        day = entry.log.session_date
        runs = (s for week in plan["weeks"] for s in week["sessions"] if s["kind"] == RUN)
        if day not in history_only and any(s["date"] == day.isoformat() for s in runs):
            plan, _ = apply_log(plan, session_date=day, light=entry.colour, today=day, history=history)
        history.append(entry)
    return plan


def _next_state(run: dict, light: str, history: list[LoggedSession], *, rising: bool):
    """The rule applied, the ladder state of the next run, and the minutes a held build run may not exceed."""
    state = _state_before(run["level"], history)
    if light == RED:
        return "P4", state.after_red(), None
    if light == AMBER:
        return "P3", state.after_amber(), run_minutes(run) if state.in_build else None
    if rising:
        return "P9", state.after_amber(), run_minutes(run) if state.in_build else None
    return "P2", state.after_green(), None


def _reason(rule: str, light: str, session_date: date, run: dict) -> str:
    when = f"{session_date.day} {session_date:%b %Y}"
    level = run["level"]
    below = "level 7" if level == BUILD_LEVEL else f"level {max(FIRST_LEVEL, level - 1)}"
    return {
        "P2": f"Green run on {when}: a level moves up after two green sessions at it (reference §9.3 P2).",
        "P3": f"Amber run on {when}: the next run repeats it rather than moving up (reference §9.3 P3).",
        "P4": f"Red run on {when}: the next run is skipped for rest, then back to {below} (reference §9.3 P4).",
        "P9": f"Green run on {when}, but pain or stiffness has risen two weeks in a row: hold here (reference §9.3 "
        "P9).",
    }[rule]


def _change(session: dict, update: dict, change: str, rule: str, reason: str, logged: date) -> dict:
    before = copy.deepcopy(session)
    if "run" not in update:
        session.pop("run", None)
    session.update(update)
    return {
        "date": session["date"],
        "change": change,
        "rule": rule,
        "reason": reason,
        "logged_session": logged.isoformat(),
        "before": before,
        "after": copy.deepcopy(session),
    }


def needs_clinician(history: list[LoggedSession]) -> list[dict]:
    """Why the physiotherapist should review the patient now (reference §9.3 P5, §8 RF19); empty when all is well.

    Pelvic floor symptoms are recorded only by patients after a birth (reference §9.4), so any recorded one refers.
    """
    entries = sorted(history, key=lambda e: e.log.session_date)
    reasons = []
    reds = [e for e in entries if e.colour == RED]
    close = [
        (a, b)
        for a, b in itertools.pairwise(reds)
        if b.log.session_date - a.log.session_date <= timedelta(days=RED_REPEAT_WINDOW_DAYS)
    ]
    if close:
        a, b = close[-1]
        reasons.append(
            _review(
                "two_reds_in_14_days",
                "P5",
                f"Two red sessions within {RED_REPEAT_WINDOW_DAYS} days ({a.log.session_date}, {b.log.session_date}).",
                [a, b],
            )
        )
    regressed = _red_at_regressed_level(entries)
    if regressed:
        reasons.append(
            _review(
                "red_at_regressed_level",
                "P5",
                f"Red again on {regressed.log.session_date} at level {regressed.log.level}, after stepping back a "
                "level.",
                [regressed],
            )
        )
    pelvic = [e for e in entries if e.log.pf_symptoms]
    if pelvic:
        symptoms = sorted({s for e in pelvic for s in e.log.pf_symptoms})
        reasons.append(
            _review(
                "pelvic_floor_symptoms",
                "RF19",
                f"Pelvic floor symptoms logged ({', '.join(symptoms)}): refer to a pelvic health physiotherapist.",
                pelvic,
            )
        )
    return reasons


def _red_at_regressed_level(entries: list[LoggedSession]) -> LoggedSession | None:
    """The latest red at the level a previous red dropped the patient to, before they moved above it again."""
    regressed_to, found = None, None
    for entry in entries:
        level = entry.log.level
        if regressed_to is not None and level is not None and level > regressed_to:
            regressed_to = None
        if entry.colour == RED and level is not None:
            if regressed_to is not None:
                found = entry
            regressed_to = LadderState(level).after_red().level
    return found


def _review(code: str, rule: str, text: str, entries: list[LoggedSession]) -> dict:
    return {
        "code": code,
        "rule": rule,
        "reason": f"{text} (reference {'§9.3' if rule.startswith('P') else '§8'} {rule})",
        "sessions": [e.log.session_date.isoformat() for e in entries],
    }
