"""Pain-driven progression: a logged session's traffic light and what it changes in the plan ahead (reference §9.3
P1–P5 and P9, §4.4 for impact rungs, §8 RF19, §9.4 session log fields). Pure Python.

The planned schedule assumes green sessions. After each logged run or impact session, `apply_log` works out where
the patient now stands (`LoadState`: the next walk/run level and the greens at it, the next impact rung, a rest
after a red, a hold while the physio must review) and schedules the load days ahead again from there
(`plans.loads.schedule_loads`). A pelvic floor symptom logged on any day (RF19), or a red the P5 rules escalate,
stops running and impact until the physio resumes them (`resume_loads`). Every automatic change is returned (and
kept in the plan's `adjustments`) with its rule, so the physiotherapist can see it and undo it. The thresholds are
in `plans.rules`.
"""

import copy
import itertools
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from plans.ladder import BUILD_LEVEL, FIRST_LEVEL, LadderState
from plans.loads import (
    IMPACT,
    REST,
    RUN,
    LoadState,
    day_of,
    first_impact_step,
    is_load_day,
    next_impact_step,
    previous_impact_step,
    schedule_loads,
    sessions_of,
)
from plans.rules import (
    AMBER_PAIN_MAX,
    GREEN_PAIN_MAX,
    MISSED_SESSION_GRACE_DAYS,
    NOT_IN_REFERENCE,
    RED_REPEAT_WINDOW_DAYS,
    TREND_WEEKS,
)
from plans.running import run_minutes

GREEN, AMBER, RED = "green", "amber", "red"
PF_SYMPTOMS = ("leak", "heaviness", "pelvic_pain", "bowel")  # reference §9.4 pf_symptoms
PF_SYMPTOM_LABELS = {
    "leak": "Leaking urine",
    "heaviness": "Heaviness or dragging",
    "pelvic_pain": "Pelvic pain",
    "bowel": "Bowel or wind control problems",
}
LOAD_KINDS = (RUN, IMPACT)
# Review reasons that stop running and impact until the physio resumes them: RF19 and §7 row 13 say block impact
# until the pelvic floor symptoms are resolved; P5 says escalate to the clinician, and Runback holds the loads
# meanwhile rather than let the ladder go on stepping back by itself (not in the reference: a conservative choice).
HOLDING_REVIEWS = ("pelvic_floor_symptoms", "two_reds_in_14_days", "red_at_regressed_level")

# What to do now, in the patient's words, beside the next step the plan now holds (plans.calendar.next_step_words).
# It never speaks of the next session, level or step: only the plan says that, so the two cannot disagree.
ADVICE = {
    GREEN: "Well done: your knee coped well with this session.",
    AMBER: "Take it steady: keep to what feels comfortable until your knee settles.",
    RED: "Stop for today and rest your knee. Call us if the pain does not settle.",
}
MORNING_PROMPT = "Tomorrow morning, record your pain and stiffness: more than usual would make this red."
PELVIC_FLOOR_ADVICE = (
    "Because of the pelvic floor symptoms, running, hopping and jumping stop until your physio has seen you; a "
    "pelvic health physiotherapist should check you. Keep doing your pelvic floor exercises."
)


@dataclass(frozen=True)
class SessionLog:
    """What the patient records after a session (reference §9.4). `level` is the walk/run level of a run, `step` the
    impact rung of an impact session, as planned on that day."""

    session_date: date
    level: int | None = None
    step: int | None = None
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

    @property
    def kind(self) -> str | None:
        """run, impact, or None for a session that is neither."""
        return RUN if self.level is not None else IMPACT if self.step is not None else None

    @property
    def morning_answered(self) -> bool:
        return self.next_morning_pain is not None and self.next_morning_stiffness is not None


def pf_symptom_words(codes) -> str:
    """ "leaking urine, pelvic pain" """
    return ", ".join(PF_SYMPTOM_LABELS[code].lower() for code in codes)


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
    baseline_morning_stiffness: int | None = None,
) -> Light:
    """Red (P4) if any red sign, else amber (P3) if any amber sign, else green (P1); the same for a walk/run session
    and an impact rung (reference §4.4: passed with pain ≤ 3/10, no next-day flare, no pelvic floor symptoms).

    `baseline_*` are the patient's usual morning pain and stiffness before the ladder; without a stiffness baseline
    the pain baseline is used. "Mild stiffness that resolves" (P3) cannot be told apart from green once it has
    resolved by the next morning, so it counts as green, as P1 says. A pelvic floor symptom is red whoever logs it:
    the portal asks for them after a birth only (reference §9.4), and one a case reports is never ignored.
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
    if log.pf_symptoms:
        red.append(f"pelvic floor symptoms: {pf_symptom_words(log.pf_symptoms)} (reference §9.3 P4, §8 RF19)")
    awaiting = not log.morning_answered
    if red:
        return Light(RED, tuple(red), advice_words(RED, pelvic_floor=bool(log.pf_symptoms)))
    amber = []
    if log.pain_during_max > GREEN_PAIN_MAX:
        amber.append(f"pain {log.pain_during_max}/10 during the session (4–5/10, reference §9.3 P3)")
    if not log.completed:
        # Not in the reference: an unfinished session is repeated; it is not one of P2's exposures.
        amber.append("the session was not finished, so it is repeated")
    colour = AMBER if amber else GREEN
    reasons = amber or [f"pain at most {GREEN_PAIN_MAX}/10, no limp, no swelling (reference §9.3 P1)"]
    return Light(
        colour, tuple(reasons), advice_words(colour, awaiting_morning=awaiting), awaiting_next_morning=awaiting
    )


def advice_words(colour: str, *, pelvic_floor: bool = False, awaiting_morning: bool = False) -> str:
    """What to do now after a session of this colour, in the patient's words (ADVICE)."""
    if colour == RED:
        return PELVIC_FLOOR_ADVICE if pelvic_floor else ADVICE[RED]
    if awaiting_morning:
        return (
            f"{ADVICE[colour]} Tomorrow morning, record your pain and stiffness: more than usual would make this red."
        )
    return ADVICE[colour]


def symptoms_rising(history: list[LoggedSession], start: date) -> bool:
    """P9: the weekly average of pain during sessions, or of next-morning stiffness, rose 2 weeks in a row."""
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


# --- where the patient stands ---------------------------------------------------------------------------------------


def _state_before(level: int, history: list[LoggedSession]) -> LadderState:
    """The green runs already done at `level` since the patient last arrived at it (P2). Sessions without a level
    (impact, strength or cross-training days) are no exposures, and nor is an earlier green run whose next morning
    was never answered: P1's green includes the next morning. (The latest run counts while its morning may still be
    answered, so the schedule ahead does not change twice for every run.)"""
    current, greens = None, 0
    for entry in history:
        if entry.log.level is None:
            continue
        if entry.log.level != current:
            current, greens = entry.log.level, 0
        if entry.colour == GREEN and entry.log.morning_answered:
            greens += 1
        elif entry.colour == RED:
            greens = 0
    return LadderState(level, greens if current == level else 0)


def _after_run(entry: LoggedSession, earlier: list[LoggedSession], *, rising: bool, minutes: float):
    """The rule applied to a logged run, the ladder state of the next run, and the minutes a held build run may not
    exceed (P3 in the build phase: repeated, not increased)."""
    state = _state_before(entry.log.level, earlier)
    held = minutes if state.in_build else None
    if entry.colour == RED:
        return "P4", state.after_red(), None
    if entry.colour == AMBER:
        return "P3", state.after_amber(), held
    if rising:
        return "P9", state.after_amber(), held
    return "P2", state.after_green(), None


def _after_impact(plan: dict, entry: LoggedSession, *, rising: bool) -> tuple[str, int | None]:
    """reference §4.4: a green session passes its rung, amber (or rising symptoms, P9) repeats it, red steps back."""
    step = entry.log.step
    if entry.colour == RED:
        return "P4", previous_impact_step(plan, step)
    if entry.colour == AMBER or rising:
        return ("P3" if entry.colour == AMBER else "P9"), step
    return "IMPACT", next_impact_step(plan, step)


HOLD_RULES = ("RF19", "P5")  # the rules of the automatic changes that put running and impact on hold


def load_state(plan: dict, history: list[LoggedSession], *, rest_next: bool) -> tuple[str | None, LoadState]:
    """Where the patient stands after `history` (date order): the rule of the last load session and the state the
    load days ahead are scheduled from. Before any run the ladder starts at the plan's first level; before any impact
    session, at its first rung."""
    start = date.fromisoformat(plan["start"])
    ladder = LadderState(plan.get("start_level") or FIRST_LEVEL)
    impact_step = first_impact_step(plan)
    rule, held = None, None
    for entry in history:
        if entry.log.kind not in LOAD_KINDS:
            if entry.colour == RED:  # a red strength or cross-training day: P4 for the ladder the patient is on
                rule, held = "P4", None
                if impact_step is not None:
                    impact_step = previous_impact_step(plan, impact_step)
                else:
                    ladder = ladder.after_red()
            continue
        trend = [e for e in history if e.log.session_date <= entry.log.session_date]
        rising = symptoms_rising(trend, start)
        if entry.log.kind == RUN:
            earlier = [e for e in history if e.log.session_date < entry.log.session_date]
            rule, ladder, held = _after_run(entry, earlier, rising=rising, minutes=_planned_minutes(plan, entry))
            impact_step = None  # the impact ladder is behind the patient once they run
        else:
            rule, impact_step = _after_impact(plan, entry, rising=rising)
            held = None
    hold = holding_reviews(plan, history)
    state = LoadState(ladder, impact_step, rest_next=rest_next, hold=hold, hold_minutes=held)
    return rule, state


def _planned_minutes(plan: dict, entry: LoggedSession) -> float:
    session = session_on(plan, entry.log.session_date)
    if session is not None and session["kind"] == RUN:
        return run_minutes(session["run"], (plan.get("running_load") or {}).get("pace_min_per_km"))
    return 0


def holding_reviews(plan: dict, history: list[LoggedSession]) -> tuple[str, ...]:
    """The review reasons that hold running and impact now: those raised by sessions the physio's last resume did
    not review (RF19, P5). A resume stored before it listed them covers every day up to its own."""
    resumes = plan.get("resumes", [])
    last = max(resumes, key=lambda r: r["date"]) if resumes else None
    if last is None:
        since = list(history)
    elif "covers" in last:
        since = [entry for entry in history if entry.log.session_date.isoformat() not in last["covers"]]
    else:
        since = [entry for entry in history if entry.log.session_date.isoformat() > last["date"]]
    codes = {reason["code"] for reason in needs_clinician(since, start=date.fromisoformat(plan["start"]))}
    return tuple(code for code in HOLDING_REVIEWS if code in codes)


def session_on(plan: dict, day: date) -> dict | None:
    return next((s for s in sessions_of(plan) if s["date"] == day.isoformat()), None)


# --- re-planning ----------------------------------------------------------------------------------------------------


def apply_log(
    plan: dict, *, session_date: date, light: str, today: date, history: Iterable[LoggedSession]
) -> tuple[dict, list[dict]]:
    """Schedule the load days ahead again after the session on `session_date` was logged `light`.

    A run: green moves up only after the minimum exposures (P2), amber repeats the level (P3), red skips the next
    load day for rest, then drops one level (P4); rising weekly symptoms hold a green at its level (P9). An impact
    session: green passes the rung, amber repeats it, red rests and steps back a rung (§4.4). A red strength or
    cross-training day is a red too ("evaluate after each session", §9.3): the next load day is rest and the ladder
    the patient is on goes back one step. Any session: pelvic floor symptoms (RF19) or a red the P5 rules escalate
    hold running and impact until the physio resumes them.
    `history` holds the logged sessions (with this one, if it is already stored). Load days before `today` are left
    as they were. Returns the new plan and the changes, each with the session before and after so the
    physiotherapist can undo it.
    """
    if light not in (GREEN, AMBER, RED):
        raise ValueError(f"light must be green, amber or red (got {light!r})")
    new_plan = copy.deepcopy(plan)
    logged = session_on(new_plan, session_date)
    if logged is None or logged["kind"] == REST:
        raise ValueError(f"There is no session planned on {session_date.isoformat()}.")
    if session_date.isoformat() in new_plan.get("missed", []):  # logged late: done after all
        new_plan["missed"] = [day for day in new_plan["missed"] if day != session_date.isoformat()]
    entries = _with_this_session(history, logged, session_date, light)
    # A session logged (or answered the next morning) after later ones: the plan ahead follows all of them, and
    # starts after the latest, so a later red's rest and step back, or a hold, are never lost.
    latest = entries[-1]
    changes_loads = logged["kind"] in LOAD_KINDS or light == RED
    rule, state = load_state(new_plan, entries, rest_next=latest.colour == RED)
    hold = new_plan.get("hold") or {}
    held_since = hold.get("since") if hold.get("codes") else None
    if not (changes_loads or state.hold or held_since):
        return new_plan, []  # a green or amber strength or cross-training day: nothing ahead changes
    if state.hold:
        rule = "RF19" if "pelvic_floor_symptoms" in state.hold else "P5"
        new_plan["hold"] = {"since": held_since or session_date.isoformat(), "codes": list(state.hold)}
    else:
        new_plan.pop("hold", None)
    reason = _reason(rule, light, session_date, logged)
    from_day = max(latest.log.session_date + timedelta(days=1), today)
    changes = _reschedule(new_plan, from_day, state, rule, reason, session_date)
    return new_plan, changes


def resume_loads(
    plan: dict, *, day: date, history: Iterable[LoggedSession], reason: str, covers: Collection[str] | None = None
) -> tuple[dict, list[dict]]:
    """The physio resumes running and impact from `day` after reviewing a hold (RF19, P5): the load days from then
    on are scheduled from where the logged sessions leave the patient. The resume is kept in the plan's `resumes`
    with the days of the sessions it reviewed (`covers`: those logged by then, unless a replay gives them), so any
    other session, logged later for whatever day, holds again."""
    new_plan = copy.deepcopy(plan)
    entries = sorted((e for e in history if e.log.session_date <= day), key=lambda e: e.log.session_date)
    covered = sorted(covers) if covers is not None else [e.log.session_date.isoformat() for e in entries]
    resume = {"date": day.isoformat(), "reason": reason, "covers": covered}
    new_plan["resumes"] = [*new_plan.get("resumes", []), resume]
    new_plan.pop("hold", None)
    _, state = load_state(new_plan, entries, rest_next=False)
    if state.hold:  # a replay: a session logged after the resume, for a day before it, holds again
        new_plan["hold"] = {"since": day.isoformat(), "codes": list(state.hold)}
    words = f"Resumed by the physiotherapist: {reason}"
    changes = _reschedule(new_plan, day, state, "RESUME", words, day)
    return new_plan, changes


def _last_replanning(history: Iterable[LoggedSession]) -> LoggedSession | None:
    """The latest logged session that scheduled the load days again: a run, an impact session, or a red of any kind
    (a green or amber strength or cross-training day changes nothing ahead, so runs missed before it still count)."""
    replanning = [e for e in history if e.log.kind in LOAD_KINDS or e.colour == RED]
    return max(replanning, key=lambda e: e.log.session_date, default=None)


def missed_load_days(plan: dict, history: Iterable[LoggedSession], *, today: date) -> list[date]:
    """The run and impact sessions after the latest logged session that re-planned the load days, not logged by the
    end of the day after them (MISSED_SESSION_GRACE_DAYS), and that the plan has not caught up with yet (its
    `missed` days)."""
    latest = _last_replanning(history)
    cutoff = today - timedelta(days=MISSED_SESSION_GRACE_DAYS)
    caught_up = set(plan.get("missed", []))
    return [
        day_of(session)
        for session in sessions_of(plan)
        if session["kind"] in LOAD_KINDS
        and day_of(session) < cutoff
        and (latest is None or day_of(session) > latest.log.session_date)
        and session["date"] not in caught_up
    ]


def _rest_still_due(plan: dict, latest: LoggedSession | None, today: date) -> bool:
    """P4's rest after a red is still to come: no load day since the red session and before today was the rest day
    (a red logged late, or turned red by its next morning, puts the rest on a load day from the day it was logged)."""
    if latest is None or latest.colour != RED:
        return False
    return not any(
        is_load_day(session, plan) and session["kind"] == REST and latest.log.session_date < day_of(session) < today
        for session in sessions_of(plan)
    )


def catch_up_missed(plan: dict, *, history: Iterable[LoggedSession], today: date) -> tuple[dict, list[dict]]:
    """A run or impact session not logged is not counted as done (MISSED): the planned schedule assumed it green, so
    once one is missed the load days from `today` are scheduled again from where the logged sessions leave the
    patient (a rest after a red still to come first); a level is not climbed on sessions nobody reported. A build
    phase run missed goes back to level 7, as a red does (P4): the build phase's guards grow from runs done, which
    leave missed runs out (`plans.loads.schedule_loads`). The missed days join the plan's `missed`, so each is
    caught up once; a late log of one re-plans from all the logs, as any log does.
    Returns the plan unchanged and no changes when nothing was missed or the schedule ahead already starts there."""
    history = list(history)
    missed = missed_load_days(plan, history, today=today)
    if not missed:
        return plan, []
    new_plan = copy.deepcopy(plan)
    new_plan["missed"] = sorted([*plan.get("missed", []), *(day.isoformat() for day in missed)])
    entries = sorted(history, key=lambda e: e.log.session_date)
    rest_next = _rest_still_due(plan, _last_replanning(entries), today)
    _, state = load_state(new_plan, entries, rest_next=rest_next)
    back_to_continuous = state.ladder.in_build
    if back_to_continuous:
        state = replace(state, ladder=LadderState(BUILD_LEVEL - 1), hold_minutes=None)
    if len(missed) == 1:
        session = session_on(plan, missed[0])
        what = f"The {'run' if session['kind'] == RUN else 'impact session'} on {day_words(missed[0])} was"
    else:
        what = f"{len(missed)} run or impact sessions, the last on {day_words(missed[-1])}, were"
    reason = (
        f"{what} not logged: not counted as done, so the plan ahead goes on from the last logged session "
        f"({NOT_IN_REFERENCE}: Runback's reading of §9.3 P2)."
    )
    if back_to_continuous:
        reason += (
            " The build phase grows only from runs done (reference §9.3 P7, P8), so level 7's continuous runs come "
            "first, as after a red (P4)."
        )
    changes = _reschedule(new_plan, today, state, "MISSED", reason, missed[-1])
    return (new_plan, changes) if changes else (plan, [])


def _with_this_session(history, session: dict, day: date, light: str) -> list[LoggedSession]:
    """Every logged session in date order, the one on `day` with `light` (and as planned, if not stored yet)."""
    entries = sorted(history, key=lambda e: e.log.session_date)
    if any(e.log.session_date == day for e in entries):
        return [replace(e, colour=light) if e.log.session_date == day else e for e in entries]
    planned = SessionLog(
        day,
        level=session["run"]["level"] if session["kind"] == RUN else None,
        step=session["impact"]["step"] if session["kind"] == IMPACT else None,
    )
    return sorted([*entries, LoggedSession(planned, light)], key=lambda e: e.log.session_date)


def _reschedule(plan: dict, from_day: date, state: LoadState, rule, reason: str, logged: date) -> list[dict]:
    before = {s["date"]: copy.deepcopy(s) for s in sessions_of(plan) if day_of(s) >= from_day}
    schedule_loads(plan, from_day=from_day, state=state)
    changes = []
    for session in sessions_of(plan):
        old = before.get(session["date"])
        if old is None or old == session:
            continue
        changes.append(
            {
                "date": session["date"],
                "change": _change_kind(old, session),
                "rule": rule,
                "reason": reason,
                "logged_session": logged.isoformat(),
                "before": old,
                "after": copy.deepcopy(session),
            }
        )
    plan["adjustments"] = [*plan.get("adjustments", []), *changes]
    return changes


def _change_kind(before: dict, after: dict) -> str:
    if after["kind"] != before["kind"]:
        return "skipped" if after["kind"] == REST else "kind"
    if after["kind"] == RUN:
        return "level" if after["run"]["level"] != before["run"]["level"] else "minutes"
    if after["kind"] == IMPACT:
        return "step"
    return "details"


def replay_logs(
    plan: dict,
    logged: list[LoggedSession],
    *,
    history_only: Collection[date] = (),
    resumes: Iterable[tuple[date, str, tuple[str, ...] | None]] = (),
) -> dict:
    """A freshly built plan with the logged sessions applied again in date order, each as on its own day, and the
    physio's resumes at theirs (date, reason, the days they reviewed), so a plan the physio rebuilds keeps the
    repeats, steps back and holds the patient's sessions earned. Sessions on rest days of this plan, and those on
    the `history_only` days (the physio undid what they changed), count only as history."""
    history: list[LoggedSession] = []
    pending = sorted(resumes, key=lambda resume: resume[0])
    for entry in sorted(logged, key=lambda e: e.log.session_date):
        day = entry.log.session_date
        while pending and pending[0][0] < day:
            resumed, reason, covers = pending.pop(0)
            plan, _ = resume_loads(plan, day=resumed, history=history, reason=reason, covers=covers)
        history.append(entry)
        session = session_on(plan, day)
        if day not in history_only and session is not None and session["kind"] != REST:
            plan, _ = apply_log(plan, session_date=day, light=entry.colour, today=day, history=history)
    for resumed, reason, covers in pending:
        plan, _ = resume_loads(plan, day=resumed, history=history, reason=reason, covers=covers)
    return plan


def day_words(day: date) -> str:
    """A date as the physio reads it in reasons and alerts: "7 Dec 2026"."""
    return f"{day.day} {day:%b %Y}"


def _reason(rule: str | None, light: str, session_date: date, session: dict) -> str:
    """Why the schedule changed, for the physiotherapist."""
    when = day_words(session_date)
    what = {RUN: "run", IMPACT: "impact session"}.get(session["kind"], "session")
    level = session.get("run", {}).get("level")
    below = "level 7" if level == BUILD_LEVEL else f"level {max(FIRST_LEVEL, (level or 2) - 1)}"
    step = session.get("impact", {}).get("step")
    return {
        "P2": f"Green run on {when}: a level moves up after two green sessions at it (reference §9.3 P2).",
        "P3": f"Amber {what} on {when}: the next one repeats it rather than moving on (reference §9.3 P3).",
        "P4": (
            f"Red {what} on {when}: the next load day is for rest, then "
            + {RUN: f"back to {below}", IMPACT: "one step of the impact ladder back"}.get(
                session["kind"], "one step back on the walk/run or impact ladder"
            )
            + " (reference §9.3 P4; §4.4)."
        ),
        "P9": f"Green {what} on {when}, but pain or stiffness has risen two weeks in a row: hold here (reference "
        "§9.3 P9).",
        "IMPACT": f"Green impact session on {when}: step {step} is passed, the next step follows (reference §4.4).",
        "RF19": f"Pelvic floor symptoms logged on {when}: no running or impact until the physiotherapist resumes "
        "them; refer to pelvic health (reference §8 RF19; §7 row 13).",
        "P5": f"Red {what} on {when} escalated for review: no running or impact until the physiotherapist resumes "
        "them (reference §9.3 P5).",
    }.get(rule, f"{light.capitalize()} {what} on {when}.")


# --- reasons for a review -------------------------------------------------------------------------------------------


def needs_clinician(history: list[LoggedSession], *, start: date | None = None) -> list[dict]:
    """Why the physiotherapist should review the patient now (reference §9.3 P5 and P9, §8 RF19); empty when all is
    well. P5's two reds are red sessions of any kind, as every session is evaluated (§9.3); `start` (the plan's)
    dates the weeks of the P9 trend, which is looked for only when it is given."""
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
                f"Two red sessions within {RED_REPEAT_WINDOW_DAYS} days ({day_words(a.log.session_date)}, "
                f"{day_words(b.log.session_date)}).",
                [a, b],
            )
        )
    regressed = _red_at_regressed_level(entries)
    if regressed:
        reasons.append(
            _review(
                "red_at_regressed_level",
                "P5",
                f"Red again on {day_words(regressed.log.session_date)} at level {regressed.log.level}, after "
                "stepping back a level.",
                [regressed],
            )
        )
    pelvic = [e for e in entries if e.log.pf_symptoms]
    if pelvic:
        symptoms = [code for code in PF_SYMPTOMS if any(code in e.log.pf_symptoms for e in pelvic)]
        reasons.append(
            _review(
                "pelvic_floor_symptoms",
                "RF19",
                f"Pelvic floor symptoms logged ({pf_symptom_words(symptoms)}): refer to a pelvic health "
                "physiotherapist.",
                pelvic,
            )
        )
    if start is not None and symptoms_rising(entries, start):
        reasons.append(
            _review(
                "rising_symptoms",
                "P9",
                "Pain or stiffness has risen two weeks in a row: progression is on hold.",
                entries[-1:],
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


# --- where a replayed case stands (case-format `progress`) -----------------------------------------------------------


def progress_summary(plan: dict, history: list[LoggedSession], lights: list[dict]) -> dict:
    """The case-format `progress` block after the logs: each log's light, the review reasons, whether running is
    allowed now, and the next run and impact session after the last log."""
    last = max((entry.log.session_date for entry in history), default=None)
    ahead = [s for s in sessions_of(plan) if last is None or day_of(s) > last]
    next_run = next((s for s in ahead if s["kind"] == RUN), None)
    next_impact = next((s for s in ahead if s["kind"] == IMPACT), None)
    return {
        "lights": lights,
        "review": [
            {"code": reason["code"], "rule": reason["rule"]}
            for reason in needs_clinician(history, start=date.fromisoformat(plan["start"]))
        ],
        "running_allowed": bool(plan["running_allowed"]) and not (plan.get("hold") or {}).get("codes"),
        "next_run": {"date": next_run["date"], "level": next_run["run"]["level"]} if next_run else None,
        "next_impact": {"date": next_impact["date"], "step": next_impact["impact"]["step"]} if next_impact else None,
    }


# --- a case's logs (case-format `logs`) ------------------------------------------------------------------------------


class CaseLogError(ValueError):
    """A log the plan cannot take; `problems` names each, like `logs[2].run: the plan has no run 7 at this point`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


LOG_FIELDS = (
    "completed",
    "pain_during_max",
    "pain_escalated",
    "limp",
    "swelling",
    "next_morning_pain",
    "next_morning_stiffness",
    "rpe",
    "distance_km",
    "duration_min",
)


def replay_case_logs(plan: dict, logs: list[dict], *, baseline: int) -> tuple[dict, dict, list]:
    """Replay a case's logs on the plan built from it: each names its session by kind and number in the plan as the
    logs before it re-planned it (`"run": 3` is then the third run). Returns the plan after the logs, the `progress`
    block, and each logged session as planned with its log (for `plans.invariants.progress_violations`)."""
    history: list[LoggedSession] = []
    lights, logged = [], []
    for index, entry in enumerate(logs):
        kind = RUN if entry.get("run") is not None else IMPACT
        number = entry[kind]
        of_kind = [s for s in sessions_of(plan) if s["kind"] == kind]
        if number > len(of_kind):
            raise CaseLogError([f"logs[{index}].{kind}: the plan has no {kind} {number} at this point"])
        session = of_kind[number - 1]
        day = day_of(session)
        if history and day <= history[-1].log.session_date:
            raise CaseLogError(
                [
                    f"logs[{index}].{kind}: {kind} {number} is on {day}, not after the session logged before it "
                    f"({history[-1].log.session_date})"
                ]
            )
        log = SessionLog(
            day,
            level=session["run"]["level"] if kind == RUN else None,
            step=session["impact"]["step"] if kind == IMPACT else None,
            pf_symptoms=tuple(entry.get("pf_symptoms", ())),
            **{key: entry[key] for key in LOG_FIELDS if key in entry},
        )
        light = traffic_light(log, baseline_morning_pain=baseline)
        history.append(LoggedSession(log, light.colour))
        lights.append({"date": day.isoformat(), "light": light.colour, "reasons": list(light.reasons)})
        logged.append((copy.deepcopy(session), history[-1]))
        plan, _ = apply_log(plan, session_date=day, light=light.colour, today=day, history=history)
    return plan, progress_summary(plan, history, lights), logged
