"""The plan builder: confirmed causes, the assessment's gates and the patient's current running become a dated
return-to-run plan and home exercise programme (the case-format `plan` object).

Pure Python: data in, data out, deterministic (the same request always gives the same plan). The concerns, in the
order `build_plan` uses them:

- categories: which reference §7 categories the plan trains (`exercise_categories`);
- phases: how many foundation and impact-readiness weeks, and the first walk/run level (`plan_timeline`);
- calendar: what kind of session each day holds (`day_kind`, `WeekLayout`);
- runs: the ladder session by session and the build phase's volume (`plans.running.plan_runs`);
- exercises: the programme and its weekly dose (`plans.selection`), placed into the sessions (`fill_week`).

Every invariant of the case format holds for every plan built here; `plans.invariants` checks them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from intake.codes import (
    CAUSES,
    HIP_STRENGTH,
    KNEE_STRENGTH,
    RED_FLAGS,
    Action,
    Category,
    Condition,
    RedFlag,
)
from plans.exercises import ExerciseSpec, default_library
from plans.ladder import (
    AMBER_PAIN_MAX,
    BUILD_LEVEL,
    CONTINUOUS_LEVEL,
    FIRST_LEVEL,
    GREEN_PAIN_MAX,
    LEVELS,
    LadderState,
    walk_run_level,
)
from plans.running import RunningProfile, km_to_minutes, plan_runs
from plans.selection import (
    DAILY_PER_SESSION_MAX,
    MAX_EXERCISES_PER_SESSION,
    ExercisePool,
    Prescription,
    Programme,
    choose_programme,
    cross_training_entry,
    dose_for_week,
    exercise_entry,
    impact_rungs,
    prescribed_programme,
    programme_entry,
    programme_problems,
)

# Session kinds and phase codes of the case-format plan.
STRENGTH, RUN, IMPACT, CROSS_TRAIN, REST = "strength", "run", "impact", "cross_train", "rest"
SESSION_KINDS = (STRENGTH, RUN, IMPACT, CROSS_TRAIN, REST)
FOUNDATION, IMPACT_READINESS, WALK_RUN, BUILD = "foundation", "impact_readiness", "walk_run", "build"
PHASES = (FOUNDATION, IMPACT_READINESS, WALK_RUN, BUILD)

# Stored with every issued plan revision; bump it when a change to the builder or the progression rules would
# plan the same request differently.
BUILDER_VERSION = "2026.12.1"
DEFAULT_WEEKS = 14
MIN_WEEKS, MAX_WEEKS = 4, 26
# Not in the reference (the case-format example uses 2 + 2): two weeks of strength and low-impact aerobic work before
# impact (§1.6), and two weeks of the impact ladder before the walk/run ladder (§4.4, Cannon's phase II).
FOUNDATION_WEEKS = 2
IMPACT_READINESS_WEEKS = 2
STRENGTH_DAYS_BEFORE_RUNNING = 3  # reference §5: Esculier 2018, 3 sessions a week
# reference §5 (ACSM, 2–3 days a week [U]): two while running three times a week, which leaves a cross-training
# day and a rest day in the week.
STRENGTH_DAYS_WHILE_RUNNING = 2
MAX_STRENGTH_DAYS = 3  # the non-run days left after three runs and a rest day
POSTPARTUM_REST_WEEKS = 3  # reference §8 RF17: under 3 weeks after birth, pelvic floor exercises and walking only
CADENCE_INCREASE = (0.05, 0.10)  # reference §2.7 and §9.3 P10: target = baseline × 1.05–1.10; default +5 %
# Not in the reference: a cause the engine scores at least this high counts as confirmed when a case file is
# planned without a physio (manage.py evaluate_case); in the app the physio confirms causes by hand.
CONFIRMED_CAUSE_MIN_SCORE = 0.5


@dataclass(frozen=True)
class Gates:
    """The assessment's gates on the plan (the engine's `gates` object)."""

    running_allowed: bool
    running_allowed_from: date | None = None
    blocked_by: tuple[str, ...] = ()
    weeks_postpartum: int | None = None
    breastfeeding: bool = False
    extra_rest_day: bool = False  # reference §9.3 P11
    buggy_allowed_from: date | None = None
    contraindications: tuple[str, ...] = ()
    impact_readiness: str = "not_assessed"  # passed | failed | not_assessed
    cadence_spm: int | None = None

    @classmethod
    def from_dict(cls, gates: dict) -> "Gates":
        def day(key):
            value = gates.get(key)
            return date.fromisoformat(value) if isinstance(value, str) else value

        return cls(
            running_allowed=bool(gates["running_allowed"]),
            running_allowed_from=day("running_allowed_from"),
            blocked_by=tuple(gates.get("blocked_by") or ()),
            weeks_postpartum=gates.get("weeks_postpartum"),
            breastfeeding=bool(gates.get("breastfeeding")),
            extra_rest_day=bool(gates.get("extra_rest_day")),
            buggy_allowed_from=day("buggy_allowed_from"),
            contraindications=tuple(gates.get("contraindications") or ()),
            impact_readiness=gates.get("impact_readiness") or "not_assessed",
            cadence_spm=gates.get("cadence_spm"),
        )

    @property
    def postpartum(self) -> bool:
        return self.weeks_postpartum is not None


@dataclass(frozen=True)
class CurrentRunning:
    """What the patient runs now (intake §6.2 fields), plus the easy pace if the physio entered one."""

    runs_per_week: int | None = None
    current_weekly_km: float | None = None
    longest_run_30d_km: float | None = None
    nprs_during_run: int | None = None
    pain_onset_run_minutes: int | None = None
    weekly_km_before_symptoms: float | None = None
    goal: str | None = None
    pace_min_per_km: float | None = None

    @classmethod
    def from_intake(cls, intake: dict) -> "CurrentRunning":
        keys = (
            "runs_per_week",
            "current_weekly_km",
            "longest_run_30d_km",
            "nprs_during_run",
            "pain_onset_run_minutes",
            "weekly_km_before_symptoms",
            "goal",
        )
        return cls(**{key: intake.get(key) for key in keys})

    @property
    def running_now(self) -> bool:
        return bool(self.runs_per_week)

    @property
    def pain_free(self) -> bool:
        """Running now with pain the ladder calls green (reference §9.3 P1)."""
        return self.running_now and self.nprs_during_run is not None and self.nprs_during_run <= GREEN_PAIN_MAX

    @property
    def tolerating_running(self) -> bool:
        """Running now without red pain (reference §9.3 P3/P4): impact is already part of the patient's week."""
        return self.running_now and self.nprs_during_run is not None and self.nprs_during_run <= AMBER_PAIN_MAX

    def usual_run_minutes(self) -> float | None:
        """How long the patient runs continuously: the longest recent run, else the average run."""
        if self.longest_run_30d_km:
            return km_to_minutes(self.longest_run_30d_km, self.pace_min_per_km)
        if self.current_weekly_km and self.runs_per_week:
            return km_to_minutes(self.current_weekly_km / self.runs_per_week, self.pace_min_per_km)
        return None


@dataclass(frozen=True)
class PlanRequest:
    start: date
    condition: str
    causes: tuple[str, ...]  # the confirmed causes, best supported first
    gates: Gates | dict
    running: CurrentRunning = field(default_factory=CurrentRunning)
    weeks: int = DEFAULT_WEEKS
    # The physio's choices; None means the builder's default.
    start_level: int | None = None
    cadence_target_spm: int | None = None
    strength_days_per_week: int | None = None
    # The home programme in the physio's order (`Prescription`s, or plan `programme` entries); None: the builder's.
    programme: tuple[Prescription, ...] | None = None

    def __post_init__(self):
        if isinstance(self.gates, dict):
            object.__setattr__(self, "gates", Gates.from_dict(self.gates))
        object.__setattr__(self, "causes", tuple(self.causes))
        problems = []
        if self.programme is not None:
            programme = tuple(p if isinstance(p, Prescription) else Prescription.from_entry(p) for p in self.programme)
            object.__setattr__(self, "programme", programme)
            problems += programme_shape_problems(programme)
        if not MIN_WEEKS <= self.weeks <= MAX_WEEKS:
            problems.append(f"weeks: a plan lasts {MIN_WEEKS} to {MAX_WEEKS} weeks (got {self.weeks})")
        if self.start_level is not None and not FIRST_LEVEL <= self.start_level <= BUILD_LEVEL:
            problems.append(f"start_level: choose a level from {FIRST_LEVEL} to {BUILD_LEVEL} (got {self.start_level})")
        if self.strength_days_per_week is not None and not 1 <= self.strength_days_per_week <= MAX_STRENGTH_DAYS:
            problems.append(
                f"strength_days_per_week: choose 1 to {MAX_STRENGTH_DAYS} (got {self.strength_days_per_week})"
            )
        if self.cadence_target_spm is not None:
            low, high = cadence_range(self.gates.cadence_spm)
            if not low <= self.cadence_target_spm <= high:
                problems.append(
                    f"cadence_target_spm: choose {low} to {high} steps a minute (got {self.cadence_target_spm})"
                )
        if problems:
            raise PlanError(problems)


class PlanError(ValueError):
    """A request the builder cannot plan safely; `problems` names each field ("weeks: …", "programme.squat.reps: …",
    "programme: …")."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems

    def by_field(self) -> dict[str, list[str]]:
        """The problems by the field they name, each message without its field."""
        fields: dict[str, list[str]] = {}
        for problem in self.problems:
            name, _, message = problem.partition(": ")
            fields.setdefault(name, []).append(message)
        return fields


def programme_shape_problems(programme: tuple[Prescription, ...]) -> list[str]:
    """What is wrong with a physio-chosen programme before the library is consulted: no exercise, one listed twice,
    a dose out of range."""
    if not programme:
        return ["programme: choose at least one exercise"]
    slugs = [p.slug for p in programme]
    problems = [f"programme: {slug} is listed twice" for slug in dict.fromkeys(slugs) if slugs.count(slug) > 1]
    for prescription in programme:
        problems += prescription.problems()
    return problems


def cadence_range(baseline_spm: int | None) -> tuple[int, int]:
    """Targets a physio may set: baseline × 1.05–1.10 (reference §2.7), or the case-format range with no baseline."""
    if baseline_spm is None:
        return 100, 240
    low, high = CADENCE_INCREASE
    return round(baseline_spm * (1 + low)), round(baseline_spm * (1 + high))


# --- categories ---------------------------------------------------------------------------------------------------

# reference §7 rows 19–21: what a condition other than patellofemoral pain adds.
CONDITION_CATEGORIES = {
    Condition.ILIOTIBIAL_BAND_SYNDROME: (Category.HIP_ABD, Category.LOAD_MGMT, Category.GAIT_CADENCE),
    Condition.POSSIBLE_MENISCAL_INJURY: (Category.REFER,),
}


def exercise_categories(condition: str, causes: Iterable[str], *, postpartum: bool = False) -> list[str]:
    """The §7 categories of the confirmed causes in their rank order, de-duplicated; a patellofemoral plan always
    has hip and knee strengthening (reference §2.5 and §7 notes), closed chain first for the knee (Barton 2015).
    After a birth the plan trains the pelvic floor first (reference §1.1 recommendation 1, evidence 1+; §1.6)."""
    categories: list[str] = [Category.PFMT] if postpartum else []
    for cause in causes:
        categories += CAUSES[cause].categories
    categories += CONDITION_CATEGORIES.get(condition, ())
    if condition == Condition.PATELLOFEMORAL_PAIN:
        if not HIP_STRENGTH.intersection(categories):
            categories.append(Category.HIP_ABD)
        if not KNEE_STRENGTH.intersection(categories):
            categories.append(Category.QUAD_CKC)
    return [str(c) for c in dict.fromkeys(categories)]


# --- phases -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    start: date
    weeks: int
    run_from: date | None  # the earliest run or impact date within the plan; None when there is none
    foundation_weeks: int
    impact_weeks: int
    start_level: int
    strength_from: date  # reference §8 RF17: strength work waits until 3 weeks after birth
    impact_left_out: bool = False  # impact readiness was due, but the patient may do no impact exercise

    @property
    def end(self) -> date:
        return self.start + timedelta(days=7 * self.weeks - 1)

    def stage(self, week: int) -> str:
        """The phase of a week before its runs are known: foundation, impact readiness, or running (walk_run)."""
        if self.run_from is None or week < self.foundation_weeks:
            return FOUNDATION
        if week < self.foundation_weeks + self.impact_weeks:
            return IMPACT_READINESS
        return WALK_RUN


def plan_timeline(request: PlanRequest, categories: list[str], programme: Programme) -> Timeline:
    """The phases. Foundation covers the weeks before running is allowed, and at least FOUNDATION_WEEKS unless the
    patient already runs pain-free. Impact readiness follows unless the impact tests were passed or the patient
    already runs without red pain (not after a birth, not with impact intolerance). Running phases start on a week
    boundary on or after the gates' date, so build weeks compare whole weeks."""
    gates, running = request.gates, request.running
    start = request.start
    weeks_pp = gates.weeks_postpartum
    strength_from = start
    if weeks_pp is not None and weeks_pp < POSTPARTUM_REST_WEEKS:
        strength_from = start + timedelta(weeks=POSTPARTUM_REST_WEEKS - weeks_pp)
    whole_plan = Timeline(start, request.weeks, None, request.weeks, 0, FIRST_LEVEL, strength_from)
    if not gates.running_allowed:
        return whole_plan
    run_from = max(start, gates.running_allowed_from or start, strength_from)
    if run_from > whole_plan.end:
        return whole_plan
    weeks_before_running = -(-(run_from - start).days // 7)
    foundation = max(weeks_before_running, 0 if running.pain_free else FOUNDATION_WEEKS)
    impact_needed = gates.impact_readiness != "passed" and (
        gates.postpartum or not running.tolerating_running or Category.PLYO in categories
    )
    impact = IMPACT_READINESS_WEEKS if impact_needed and programme.impact else 0
    left_out = impact_needed and not programme.impact
    level = request.start_level or default_start_level(running, break_before_running=foundation + impact > 0)
    if level == BUILD_LEVEL and not can_start_in_build(running, break_before_running=foundation + impact > 0):
        raise PlanError(
            [
                "start_level: level 8 (build) needs running allowed from the first day with no foundation or impact"
                " weeks, and the patient's weekly distance and longest run of the last 30 days; choose 7 or lower"
            ]
        )
    return Timeline(start, request.weeks, run_from, foundation, impact, level, strength_from, left_out)


def can_start_in_build(running: CurrentRunning, *, break_before_running: bool) -> bool:
    """Build from day one only for a patient who keeps running and already runs what the top of the ladder asks:
    a longest run of level 7's 20 minutes and a week of three of them. The load guards start from their current
    week and longest run (reference §9.3 P7, P8)."""
    if break_before_running or not (running.longest_run_30d_km and running.current_weekly_km):
        return False
    weekly = km_to_minutes(running.current_weekly_km, running.pace_min_per_km)
    top = walk_run_level(CONTINUOUS_LEVEL)
    return running.usual_run_minutes() >= top.run_min and weekly >= top.run_min * top.sessions_per_week


def default_start_level(running: CurrentRunning, *, break_before_running: bool) -> int:
    """The first walk/run level when the physio has not chosen one. Not in the reference:

    - not running, red pain when running, or pain unknown: level 1;
    - running pain-free (P1): the build phase if they keep running and their load is known, otherwise the highest
      level whose running bout is no longer than their usual run;
    - running with pain 4–5/10 (P3): the highest level whose total running ends before the minute their pain
      usually starts, so the ladder runs below the pain.
    """
    if running.pain_free:
        if can_start_in_build(running, break_before_running=break_before_running):
            return BUILD_LEVEL
        usual = running.usual_run_minutes()
        return max((lvl.level for lvl in LEVELS if usual is not None and lvl.run_min <= usual), default=FIRST_LEVEL)
    onset = running.pain_onset_run_minutes
    if running.tolerating_running and onset:
        return max((lvl.level for lvl in LEVELS if lvl.total_run_min < onset), default=FIRST_LEVEL)
    return FIRST_LEVEL


# --- calendar -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekLayout:
    """Days of a plan week (0 = the plan's start weekday) by what they hold."""

    run_days: tuple[int, ...]  # runs, impact sessions, or cross-training before running starts
    rest_days: tuple[int, ...]
    other_days: tuple[int, ...]  # strength days first, in this order; the rest cross-training


# Runs every other day with a 3-day gap at the week's end: never two in a row (reference §9.2, MGH, military RCT).
STANDARD_WEEK = WeekLayout(run_days=(1, 3, 5), rest_days=(6,), other_days=(0, 4, 2))
# reference §9.3 P11: sleep-deprived or very tired: a rest day between every two runs, so two runs a week.
EXTRA_REST_WEEK = WeekLayout(run_days=(1, 4), rest_days=(3, 6), other_days=(0, 5, 2))


def strength_days(request: PlanRequest, stage: str) -> int:
    if request.strength_days_per_week:
        return request.strength_days_per_week
    return STRENGTH_DAYS_WHILE_RUNNING if stage == WALK_RUN else STRENGTH_DAYS_BEFORE_RUNNING


def day_kind(day: date, timeline: Timeline, layout: WeekLayout, request: PlanRequest) -> str:
    offset = (day - timeline.start).days % 7
    stage = timeline.stage((day - timeline.start).days // 7)
    if offset in layout.rest_days:
        return REST
    if day < timeline.strength_from:  # reference §8 RF17: walking and pelvic floor exercises only
        return CROSS_TRAIN if offset in layout.run_days else REST
    if offset in layout.run_days:
        return {FOUNDATION: CROSS_TRAIN, IMPACT_READINESS: IMPACT, WALK_RUN: RUN}[stage]
    return STRENGTH if layout.other_days.index(offset) < strength_days(request, stage) else CROSS_TRAIN


# --- exercises in the sessions ------------------------------------------------------------------------------------


@dataclass
class PlanCounters:
    """What carries from one week to the next while sessions are filled."""

    impact_sessions: int = 0
    cross_train_sessions: int = 0


def fill_week(
    sessions: list[dict],
    week: int,
    timeline: Timeline,
    programme: Programme,
    counters: PlanCounters,
) -> None:
    """Put exercises into one week's sessions: the strength programme on strength days, impact rungs on impact days,
    the cadence drill on run days, cross-training on cross-training days, then the daily exercises wherever there
    is room, as often as their dosage asks."""
    main_week = max(0, week - (timeline.strength_from - timeline.start).days // 7)
    main = [dose_for_week(item, main_week) for item in programme.main]
    strength_sessions = [session for session in sessions if session["kind"] == STRENGTH]
    for spec, dose in main:
        for session in spread(strength_sessions, dose.per_week):
            session["exercises"].append(exercise_entry(spec, dose))
    for session in sessions:
        kind = session["kind"]
        if kind == IMPACT:
            rungs = impact_rungs(programme, counters.impact_sessions)
            session["exercises"] = [exercise_entry(spec, spec.dosage) for spec in rungs]
            counters.impact_sessions += 1
        elif kind == RUN and programme.cadence_drill:
            session["exercises"] = [exercise_entry(programme.cadence_drill, programme.cadence_drill.dosage)]
        elif kind == CROSS_TRAIN:
            early = date.fromisoformat(session["date"]) < timeline.strength_from
            choices = programme.cross_training[:1] if early else programme.cross_training
            if choices:
                session["cross_train"] = cross_training_entry(choices[counters.cross_train_sessions % len(choices)])
                counters.cross_train_sessions += 1
            else:
                session["kind"] = REST
    place_daily(sessions, week, timeline, programme)


def spread(sessions: list[dict], count: int) -> list[dict]:
    """`count` of the sessions, as evenly spaced as they allow (all of them when there are no more)."""
    if count >= len(sessions):
        return sessions
    return [sessions[index * len(sessions) // count] for index in range(count)]


def place_daily(sessions: list[dict], week: int, timeline: Timeline, programme: Programme) -> None:
    """Spread the daily exercises over the week's active sessions, round by round so each gets its turn, up to its
    `per_week` and within the session caps. Before RF17's 3 weeks only pelvic floor work is placed."""
    daily = [dose_for_week(item, week) for item in programme.daily]
    wanted = [min(dose.per_week, 7) for _, dose in daily]
    placed: list[set[int]] = [set() for _ in daily]
    added = [0] * len(sessions)
    progress = True
    while progress:
        progress = False
        for index, (spec, dose) in enumerate(daily):
            if len(placed[index]) >= wanted[index]:
                continue
            room = [
                i
                for i, session in enumerate(sessions)
                if session["kind"] != REST
                and i not in placed[index]
                and len(session["exercises"]) < MAX_EXERCISES_PER_SESSION
                and added[i] < DAILY_PER_SESSION_MAX
                and (spec.kind == "pelvic_floor" or date.fromisoformat(session["date"]) >= timeline.strength_from)
            ]
            if room:
                chosen = min(room, key=lambda i: (added[i], i))
                sessions[chosen]["exercises"].append(exercise_entry(spec, dose))
                placed[index].add(chosen)
                added[chosen] += 1
                progress = True


# --- the plan -----------------------------------------------------------------------------------------------------


def running_profile(request: PlanRequest, categories: list[str]) -> RunningProfile:
    running, gates = request.running, request.gates
    pace = running.pace_min_per_km

    def minutes(km):
        return km_to_minutes(km, pace) if km else None

    cadence = None
    if Category.GAIT_CADENCE in categories:
        cadence = request.cadence_target_spm
        if cadence is None and gates.cadence_spm:
            cadence = round(gates.cadence_spm * (1 + CADENCE_INCREASE[0]))
    return RunningProfile(
        start=request.start,
        pace_min_per_km=pace,
        longest_run_30d_min=minutes(running.longest_run_30d_km),
        current_weekly_min=minutes(running.current_weekly_km),
        ceiling_weekly_min=minutes(running.weekly_km_before_symptoms),
        cadence_target_spm=cadence,
        buggy_allowed_from=gates.buggy_allowed_from,
    )


def build_plan(request: PlanRequest, library: Iterable[ExerciseSpec]) -> dict:
    """The case-format `plan` for a request, choosing exercises from `library`."""
    categories = exercise_categories(request.condition, request.causes, postpartum=request.gates.postpartum)
    library = tuple(library)
    pool = ExercisePool(library, request.gates.contraindications)
    hip_and_knee = request.condition == Condition.PATELLOFEMORAL_PAIN
    if request.programme is None:
        programme = choose_programme(categories, pool, hip_and_knee=hip_and_knee)
    else:
        problems = programme_problems(
            request.programme,
            {spec.slug: spec for spec in library},
            request.gates.contraindications,
            hip_and_knee=hip_and_knee,
        )
        if problems:
            raise PlanError(problems)
        programme = prescribed_programme(request.programme, categories, pool)
    timeline = plan_timeline(request, categories, programme)
    profile = running_profile(request, categories)
    layout = EXTRA_REST_WEEK if request.gates.extra_rest_day else STANDARD_WEEK
    days = [timeline.start + timedelta(days=n) for n in range(7 * timeline.weeks)]
    kinds = {day: day_kind(day, timeline, layout, request) for day in days}
    runs, _ = plan_runs(
        [day for day in days if kinds[day] == RUN],
        state=LadderState(timeline.start_level),
        history=[],
        profile=profile,
    )
    counters = PlanCounters()
    weeks = []
    for week in range(timeline.weeks):
        sessions = [_session(day, kinds[day], runs.get(day)) for day in days[7 * week : 7 * week + 7]]
        fill_week(sessions, week, timeline, programme, counters)
        weeks.append({"week": week + 1, "phase": week_phase(sessions, timeline.stage(week)), "sessions": sessions})
    plan = {
        "start": timeline.start.isoformat(),
        "end": timeline.end.isoformat(),
        "running_allowed": request.gates.running_allowed,
        "earliest_run_date": timeline.run_from.isoformat() if timeline.run_from else None,
        "start_level": timeline.start_level if timeline.run_from else None,
        "phases": phases_of(weeks),
        "exercise_categories": categories,
        "categories_without_exercise": categories_without_exercise(categories, weeks),
        "programme": [programme_entry(spec) for spec in programme.listed],
        "running_load": profile.as_dict(),
        "weeks": weeks,
        "adjustments": [],
    }
    if Category.GAIT_CADENCE in categories:
        plan["cadence"] = {"baseline_spm": request.gates.cadence_spm, "target_spm": profile.cadence_target_spm}
    plan["notes"] = plan_notes(request, plan, timeline)
    return plan


def categories_without_exercise(categories: list[str], weeks: list[dict]) -> list[str]:
    """The plan's categories no exercise in it trains (the library lacks one, the patient may not do it, or the
    3–4-exercise cap left it out), apart from those the physio delivers or that are advice: for the physio to see."""
    trained = {
        c for week in weeks for session in week["sessions"] for e in session["exercises"] for c in e["categories"]
    }
    return [c for c in categories if c not in trained and c not in ADVICE_CATEGORIES]


def _session(day: date, kind: str, run: dict | None) -> dict:
    session = {"date": day.isoformat(), "kind": kind, "exercises": []}
    if kind == RUN:
        if run is None:
            session["kind"] = REST
        else:
            session["run"] = run
    return session


def week_phase(sessions: list[dict], stage: str) -> str:
    """A running week is `build` when all its runs are level 8, `walk_run` otherwise."""
    levels = [s["run"]["level"] for s in sessions if s["kind"] == RUN]
    if stage in (WALK_RUN, BUILD) and levels:
        return BUILD if min(levels) == BUILD_LEVEL else WALK_RUN
    return stage


def phases_of(weeks: list[dict]) -> list[dict]:
    phases: list[dict] = []
    for week in weeks:
        if phases and phases[-1]["code"] == week["phase"]:
            phases[-1]["weeks"] += 1
        else:
            phases.append({"code": week["phase"], "weeks": 1})
    return phases


# --- notes for the patient ----------------------------------------------------------------------------------------

# Categories the physio delivers or that are advice rather than a home exercise; each has a note instead.
ADVICE_NOTES = {
    Category.LOAD_MGMT: "Keep to this plan even on good days: your knee gets stronger with steady, gradual "
    "increases, not big jumps.",
    Category.EDU: "Some discomfort during exercise is normal and does not mean you are damaging your knee.",
    Category.ORTHOSES: "Your physio may fit shop-bought insoles to ease the pain for the first few weeks.",
    Category.TAPING: "Your physio may tape your kneecap to ease the pain while you build strength.",
    Category.PATELLAR_MOB: "Your physio will loosen your kneecap in clinic, alongside these exercises.",
    Category.REFER: "Your physio will arrange the referral discussed at your assessment.",
}
ADVICE_CATEGORIES = frozenset(ADVICE_NOTES)
RACE_GOALS = ("5k", "10k", "half", "marathon", "ultra")  # intake `goal` codes beyond easy running


def plan_notes(request: PlanRequest, plan: dict, timeline: Timeline) -> list[str]:
    gates = request.gates
    notes = [ADVICE_NOTES[c] for c in plan["exercise_categories"] if c in ADVICE_NOTES]
    if not gates.running_allowed:
        reasons = [RED_FLAGS[RedFlag(code)].label for code in gates.blocked_by if code in set(RedFlag)]
        because = f" ({'; '.join(reasons)})" if reasons else ""
        notes.append(f"Running is on hold for now{because}. This plan keeps you strong until your physio clears you.")
    elif plan["earliest_run_date"] is None:
        notes.append(
            f"Running can start on {gates.running_allowed_from.isoformat()}, after this plan ends; "
            "your physio will extend it."
        )
    if timeline.impact_left_out:
        notes.append(
            "Hopping and jumping exercises are left out for now, so you go from strengthening to the walk/run steps; "
            "tell your physio if anything feels wrong when you start."
        )
    if any(week["phase"] in (WALK_RUN, BUILD) for week in plan["weeks"]):
        notes += [
            "Never run two days in a row. Run on flat, even ground at an easy pace at which you can still talk.",
            "Log every run. Pain up to 3 out of 10 that has gone by the next morning is fine. At 4–5 out of 10 you "
            "repeat the level. Above 5, a limp or swelling: stop, rest and the plan steps back a level.",
        ]
    if any(week["phase"] == BUILD for week in plan["weeks"]):
        notes.append("Add speed, and later hills, only once you reach your target running time without pain.")
        if request.running.goal in RACE_GOALS:  # reference §9.3 P6: one variable at a time
            notes.append(
                f"Training for your {request.running.goal} goal (speed work, hills, longer runs) comes after this "
                "plan, once this running feels easy; your physio will plan it with you."
            )
    if "cadence" in plan:
        target = plan["cadence"]["target_spm"]
        notes.append(
            f"Run at about {target} steps a minute: a metronome app or your watch can give you the beat."
            if target
            else "Your physio will measure your step rate and set a slightly quicker target for your runs."
        )
    if request.condition == Condition.PATELLAR_TENDINOPATHY:  # reference §7 row 19
        notes.append("Your physio will add a tendon-loading programme for the tendon below your kneecap.")
    notes += postnatal_notes(request, plan)
    return notes


def postnatal_notes(request: PlanRequest, plan: dict) -> list[str]:
    """reference §9.3 P11, §1.5 and §8 RF17/RF19."""
    gates = request.gates
    if not gates.postpartum:
        return []
    notes = [
        "Stop and tell your physio if you leak, feel heaviness or dragging, or have pelvic pain during or after "
        "exercise."
    ]
    if gates.weeks_postpartum < POSTPARTUM_REST_WEEKS:
        notes.append("For the first weeks after the birth: rest, gentle walks and pelvic floor exercises only.")
    if gates.extra_rest_day:
        notes.append("Your plan has extra rest days while you are short of sleep or very tired.")
    if gates.breastfeeding:
        notes.append("Feed or express before you exercise, wear a supportive sports bra and drink enough water.")
    if gates.buggy_allowed_from:
        buggy_runs = any(s.get("run", {}).get("buggy") for w in plan["weeks"] for s in w["sessions"])
        notes.append(
            "The easy run of the week can be with the buggy: use a running buggy and keep both hands on it."
            if buggy_runs
            else f"Running with the buggy can start once you finish the solo running ladder, and not before "
            f"{gates.buggy_allowed_from.isoformat()}."
        )
    return notes


# --- case files ---------------------------------------------------------------------------------------------------


def confirmed_causes(causes: list[dict]) -> tuple[str, ...]:
    """The engine's ranked causes scoring at least CONFIRMED_CAUSE_MIN_SCORE."""
    return tuple(cause["code"] for cause in causes if cause["score"] >= CONFIRMED_CAUSE_MIN_SCORE)


def plan_for_case(case: dict, result: dict, library: Iterable[ExerciseSpec] | None = None) -> dict | None:
    """The `plan` that `manage.py evaluate_case` prints: None when the action is emergency or urgent."""
    if result["action"] in (Action.EMERGENCY, Action.URGENT):
        return None
    request = PlanRequest(
        start=date.fromisoformat(case.get("plan_start") or case["as_of"]),
        condition=result["condition"],
        causes=confirmed_causes(result["causes"]),
        gates=result["gates"],
        running=CurrentRunning.from_intake(case["intake"]),
    )
    return build_plan(request, default_library() if library is None else library)
