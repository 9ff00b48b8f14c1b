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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from intake.codes import (
    CAUSES,
    HOLDS,
    RED_FLAGS,
    Action,
    Category,
    Condition,
    Hold,
    RedFlag,
)
from plans.ladder import BUILD_LEVEL, CONTINUOUS_LEVEL, FIRST_LEVEL, LEVELS, LadderState, walk_run_level
from plans.library.exercises import ExerciseSpec, default_library
from plans.loads import (
    BUILD,
    CROSS_TRAIN,
    FOUNDATION,
    REST,
    STRENGTH,
    WALK_RUN,
    LoadState,
    cross_training_for,
    first_impact_step,
    is_load_day,
    schedule_loads,
)
from plans.rules import (
    AMBER_PAIN_MAX,
    CADENCE_INCREASE,
    FOUNDATION_WEEKS,
    GREEN_PAIN_MAX,
    LOAD_DAY_PROGRAMME_MAX,
    MAX_EXERCISES_PER_SESSION,
    MORNING_AFTER_RUN_GREEN,
    MORNING_AFTER_RUN_RED,
    POSTPARTUM_REST_WEEKS,
    STRENGTH_DAYS,
    STRETCH_MIN_PER_WEEK,
    SWIM_AFTER_BIRTH_WEEKS,
    SWIM_AFTER_CAESAREAN_WEEKS,
)
from plans.running import RunningProfile, km_to_minutes
from plans.selection import (
    PFP_REQUIREMENTS,
    REDUCIBLE_KINDS,
    TENDON_REQUIREMENTS,
    ExercisePool,
    Item,
    Prescription,
    Programme,
    choose_programme,
    cross_training_entry,
    dose_for_week,
    exercise_entry,
    prescribed_programme,
    programme_entry,
    programme_problems,
)

# Stored with every issued plan revision; bump it when a change to the builder or the progression rules would
# plan the same request differently.
BUILDER_VERSION = "2026.12.8"
DEFAULT_WEEKS = 14
MIN_WEEKS, MAX_WEEKS = 4, 26
MAX_STRENGTH_DAYS = 3  # the days left after three run days and a rest day


@dataclass(frozen=True)
class Gates:
    """The assessment's gates on the plan (the engine's `gates` object)."""

    running_allowed: bool
    running_allowed_from: date | None = None
    blocked_by: tuple[str, ...] = ()
    issue_blocked_by: tuple[str, ...] = ()  # safety questions still open: the plan may not be issued yet
    weeks_postpartum: int | None = None
    delivery_date: date | None = None
    caesarean: bool = False
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
            issue_blocked_by=tuple(gates.get("issue_blocked_by") or ()),
            weeks_postpartum=gates.get("weeks_postpartum"),
            delivery_date=day("delivery_date"),
            caesarean=bool(gates.get("caesarean")),
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
    morning_after_run: str | None = None
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
            "morning_after_run",
        )
        return cls(**{key: intake.get(key) for key in keys})

    @property
    def running_now(self) -> bool:
        return bool(self.runs_per_week)

    @property
    def pain_free(self) -> bool:
        """Running now as the ladder calls green (reference §9.3 P1): pain at most 3/10, and the knee known to be
        fine the morning after."""
        return (
            self.running_now
            and self.nprs_during_run is not None
            and self.nprs_during_run <= GREEN_PAIN_MAX
            and self.morning_after_run in MORNING_AFTER_RUN_GREEN
        )

    @property
    def tolerating_running(self) -> bool:
        """Running now without red signs (reference §9.3 P3/P4): impact is already part of the patient's week."""
        return (
            self.running_now
            and self.nprs_during_run is not None
            and self.nprs_during_run <= AMBER_PAIN_MAX
            and self.morning_after_run not in MORNING_AFTER_RUN_RED
        )

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
    # Why the physio's programme has more strength and core exercises than the usual cap (empty: the cap holds).
    more_exercises_reason: str = ""

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

# reference §7 rows 19–21: what a condition other than patellofemoral pain adds. Patellar tendinopathy's loading
# programme comes first of all (§4.5); the others follow the causes.
CONDITION_CATEGORIES = {
    Condition.ILIOTIBIAL_BAND_SYNDROME: (Category.HIP_ABD, Category.LOAD_MGMT, Category.GAIT_CADENCE),
    Condition.POSSIBLE_MENISCAL_INJURY: (Category.REFER,),
}
REQUIREMENTS = {
    Condition.PATELLOFEMORAL_PAIN: PFP_REQUIREMENTS,  # reference §2.5: hip and knee, whatever the causes
    Condition.PATELLAR_TENDINOPATHY: TENDON_REQUIREMENTS,  # reference §4.5: stages 1 and 2 of tendon loading
}


def exercise_categories(
    condition: str, causes: Iterable[str], *, postpartum: bool = False, caesarean: bool = False
) -> list[str]:
    """The §7 categories of the confirmed causes in their rank order, de-duplicated.

    After a birth the plan trains the pelvic floor first (reference §1.1 recommendation 1, evidence 1+; §1.6) and,
    after a caesarean, the deep abdominal muscles (§1.5 lists the caesarean as a risk factor; §7 rows 14 and 15).
    Patellar tendinopathy starts with its tendon-loading programme (§4.5, §7 row 19). A patellofemoral plan always
    has hip and knee strengthening (§2.5 and §7 notes), closed chain first for the knee (Barton 2015).
    """
    categories: list[str] = []
    if postpartum:
        categories.append(Category.PFMT)
        if caesarean:
            categories.append(Category.DRA_REHAB)
    if condition == Condition.PATELLAR_TENDINOPATHY:
        categories.append(Category.TENDON_LOAD)
    for cause in causes:
        categories += CAUSES[cause].categories
    categories += CONDITION_CATEGORIES.get(condition, ())
    if condition == Condition.PATELLOFEMORAL_PAIN:
        if not {Category.HIP_ABD, Category.HIP_EXT, Category.HIP_ER}.intersection(categories):
            categories.append(Category.HIP_ABD)
        if not {Category.QUAD_CKC, Category.QUAD_OKC}.intersection(categories):
            categories.append(Category.QUAD_CKC)
    return [str(c) for c in dict.fromkeys(categories)]


# --- phases -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    start: date
    weeks: int
    run_from: date | None  # the earliest run or impact date the gates allow within the plan; None when none
    load_from: date | None  # the first day a run or impact session may fall on: the first week after foundation
    foundation_weeks: int
    impact_needed: bool  # the impact ladder comes before the walk/run ladder (reference §4.4, §4.5 stage 3)
    start_level: int
    strength_from: date  # reference §8 RF17: strength work waits until 3 weeks after birth
    impact_left_out: bool = False  # the impact ladder was due, but the patient may do no impact exercise: no runs

    @property
    def end(self) -> date:
        return self.start + timedelta(days=7 * self.weeks - 1)


def plan_timeline(request: PlanRequest, categories: list[str], programme: Programme) -> Timeline:
    """The phases. Foundation covers the weeks before running is allowed, and at least FOUNDATION_WEEKS unless the
    patient already runs pain-free (never for tendinopathy, whose stages 1–2 come first, reference §4.5). The impact
    ladder follows unless the impact tests were passed or the patient already runs without red pain (not after a
    birth, not with impact intolerance, always for tendinopathy). Loads start on a week boundary on or after the
    gates' date, so build weeks compare whole weeks."""
    gates, running = request.gates, request.running
    start = request.start
    weeks_pp = gates.weeks_postpartum
    strength_from = start
    if weeks_pp is not None and weeks_pp < POSTPARTUM_REST_WEEKS:
        strength_from = start + timedelta(weeks=POSTPARTUM_REST_WEEKS - weeks_pp)
    no_loads = Timeline(start, request.weeks, None, None, request.weeks, False, FIRST_LEVEL, strength_from)
    if not gates.running_allowed:
        return no_loads
    run_from = max(start, gates.running_allowed_from or start, strength_from)
    tendon = request.condition == Condition.PATELLAR_TENDINOPATHY
    weeks_before_running = -(-(run_from - start).days // 7)
    foundation = max(weeks_before_running, 0 if running.pain_free and not tendon else FOUNDATION_WEEKS)
    load_from = start + timedelta(weeks=foundation)
    if load_from > no_loads.end:
        return no_loads
    # reference §9.1: running starts through the impact gate, passed in the clinic or climbed here as the ladder of
    # §4.4. Only a runner already running with pain at most 3/10 (the gate's own limit) goes on without it, and not
    # once the gate was failed.
    impact_due = tendon or (
        gates.impact_readiness != "passed"
        and (
            gates.impact_readiness == "failed"
            or gates.postpartum
            or not running.pain_free
            or Category.PLYO in categories
        )
    )
    if impact_due and not programme.impact_steps:
        # Every impact exercise is ruled out (pelvic floor symptoms the physio chose to plan around): no gate either
        # way, so no running in this plan; it strengthens until the physio passes the gate in the clinic.
        return replace(no_loads, impact_left_out=True)
    break_before_running = foundation > 0 or impact_due
    level = request.start_level or default_start_level(running, break_before_running=break_before_running)
    if level == BUILD_LEVEL and not can_start_in_build(running, break_before_running=break_before_running):
        raise PlanError(
            [
                "start_level: level 8 (build) needs running allowed from the first day with no foundation or impact"
                " weeks, and the patient's weekly distance and longest run of the last 30 days; choose 7 or lower"
            ]
        )
    return Timeline(
        start,
        request.weeks,
        run_from,
        load_from,
        foundation,
        impact_due,
        level,
        strength_from,
    )


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

    load_days: tuple[int, ...]  # runs and impact sessions, cross-training before they start
    rest_days: tuple[int, ...]
    other_days: tuple[int, ...]  # strength days first, in this order; the rest cross-training


# Runs every other day with a 3-day gap at the week's end: never two in a row (reference §9.2, MGH, military RCT).
STANDARD_WEEK = WeekLayout(load_days=(1, 3, 5), rest_days=(6,), other_days=(0, 4, 2))
# reference §9.3 P11: sleep-deprived or very tired: a rest day between every two runs, so two runs a week.
EXTRA_REST_WEEK = WeekLayout(load_days=(1, 4), rest_days=(3, 6), other_days=(0, 5, 2))


def day_kind(day: date, timeline: Timeline, layout: WeekLayout, strength_days: int) -> str:
    """What a day holds before the load days are scheduled (those read REST until `schedule_loads` fills them)."""
    offset = (day - timeline.start).days % 7
    if offset in layout.rest_days:
        return REST
    if day < timeline.strength_from:  # reference §8 RF17: walking and pelvic floor exercises only
        return CROSS_TRAIN if offset in layout.load_days else REST
    if offset in layout.load_days:
        return REST if timeline.load_from and day >= timeline.load_from else CROSS_TRAIN
    return STRENGTH if layout.other_days.index(offset) < strength_days else CROSS_TRAIN


def in_water(spec: ExerciseSpec) -> bool:
    return any("pool" in item.lower() for item in spec.equipment)


def cross_training_choices(programme: Programme, gates: Gates) -> list[dict]:
    """The cross-training the plan rotates through, swimming only once healed after a birth (reference §1.6; the
    weeks are Runback's choice, plans.rules)."""
    after_birth = None
    if gates.delivery_date is not None:
        weeks = SWIM_AFTER_CAESAREAN_WEEKS if gates.caesarean else SWIM_AFTER_BIRTH_WEEKS
        after_birth = gates.delivery_date + timedelta(weeks=weeks)
    return [
        cross_training_entry(spec, available_from=after_birth if in_water(spec) else None)
        for spec in programme.cross_training
    ]


# --- the home programme in the sessions -----------------------------------------------------------------------------

# Where an exercise goes first. Strength work on strength days, then other active days, a rest day last; exercises
# done a few times a week away from the strength days, to even the days out. Daily ones go everywhere.
MAIN_PREFERENCE = {STRENGTH: 0, CROSS_TRAIN: 1, "load": 2, REST: 3}
SPREAD_PREFERENCE = {REST: 0, CROSS_TRAIN: 0, "load": 0, STRENGTH: 1}


def place_programme(plan: dict, programme: Programme, timeline: Timeline) -> Item | None:
    """Put every programme exercise on exactly `per_week` days of each week it is prescribed in (case-format
    invariant: daily means every day, rest days included), at most MAX_EXERCISES_PER_SESSION a day and
    LOAD_DAY_PROGRAMME_MAX on a load day. Pelvic floor training runs from the first day; everything else from
    `strength_from` (reference §8 RF17). Returns the first exercise that does not fit, None when all do."""
    strength_week = (timeline.strength_from - timeline.start).days // 7
    order = sorted(programme.items, key=lambda item: Category.PFMT not in item.purpose)  # §1.1: pelvic floor first
    for week in plan["weeks"]:
        index = week["week"] - 1
        sessions = week["sessions"]
        kinds = ["load" if is_load_day(s, plan) else s["kind"] for s in sessions]
        room = [LOAD_DAY_PROGRAMME_MAX if kind == "load" else MAX_EXERCISES_PER_SESSION for kind in kinds]
        for item in order:
            pelvic = item.spec.kind == "pelvic_floor"
            if not pelvic and index < strength_week:
                continue
            spec, dose = dose_for_week(item, index if pelvic else index - strength_week)
            days = _days_for(item, kinds, room, dose.per_week)
            if days is None:
                return item
            for day in days:
                sessions[day]["exercises"].append(exercise_entry(spec, dose, prescribed=True))
                room[day] -= 1
    return None


def _days_for(item: Item, kinds: list[str], room: list[int], count: int) -> list[int] | None:
    """`count` days of the week with room, as preferred for the item and spread over the week; None when fewer
    than `count` days have room."""
    open_days = [day for day in range(len(kinds)) if room[day] > 0]
    if len(open_days) < count:
        return None
    preference = SPREAD_PREFERENCE if item.daily_kind else MAIN_PREFERENCE
    chosen: list[int] = []
    for tier in sorted({(preference[kinds[day]], -room[day]) for day in open_days}):
        days = [day for day in open_days if (preference[kinds[day]], -room[day]) == tier]
        wanted = count - len(chosen)
        chosen += days if len(days) <= wanted else spread(days, wanted)
        if len(chosen) == count:
            return sorted(chosen)
    return sorted(chosen)


def spread(days: list[int], count: int) -> list[int]:
    """`count` of the days, as evenly spaced as they allow."""
    return [days[index * len(days) // count] for index in range(count)]


def fitted_programme(plan: dict, programme: Programme, timeline: Timeline) -> Programme:
    """Place the programme, making it fit when the builder chose it: a stretch comes down to three days a week
    (reference §5: Ayala 2010, Reid & Kim 2014), otherwise the least important exercise that does not fit is left
    out (its category then shows under `categories_without_exercise`). A physio's own programme that does not fit
    is refused, naming the exercise."""
    while (failed := place_programme(plan, programme, timeline)) is not None:
        for session in (s for week in plan["weeks"] for s in week["sessions"]):
            session["exercises"] = []
        if not programme.chosen:
            raise PlanError(
                [
                    f"programme.{failed.spec.slug}.per_week: {failed.spec.name} does not fit {failed.per_week} times "
                    f"a week beside the rest of the programme (at most {MAX_EXERCISES_PER_SESSION} exercises a day, "
                    f"{LOAD_DAY_PROGRAMME_MAX} on run and impact days); choose fewer times a week or fewer exercises"
                ]
            )
        if failed.spec.kind in REDUCIBLE_KINDS and failed.per_week > STRETCH_MIN_PER_WEEK:
            programme = programme.with_per_week(failed, STRETCH_MIN_PER_WEEK)
        else:
            programme = programme.without(failed)
    return programme


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


def request_programme(request: PlanRequest, categories: list[str], library: tuple[ExerciseSpec, ...]) -> Programme:
    gates = request.gates
    pool = ExercisePool(library, gates.contraindications)
    requirements = REQUIREMENTS.get(request.condition, ())
    if request.programme is None:
        strength_days = request.strength_days_per_week or STRENGTH_DAYS
        return choose_programme(categories, pool, requirements=requirements, strength_days=strength_days)
    problems = programme_problems(
        request.programme,
        {spec.slug: spec for spec in library},
        gates.contraindications,
        requirements=requirements,
        more_exercises_reason=request.more_exercises_reason,
    )
    if problems:
        raise PlanError(problems)
    return prescribed_programme(request.programme, categories, pool)


def build_plan(request: PlanRequest, library: Iterable[ExerciseSpec]) -> dict:
    """The case-format `plan` for a request, choosing exercises from `library`."""
    gates = request.gates
    categories = exercise_categories(
        request.condition, request.causes, postpartum=gates.postpartum, caesarean=gates.caesarean
    )
    programme = request_programme(request, categories, tuple(library))
    timeline = plan_timeline(request, categories, programme)
    profile = running_profile(request, categories)
    layout = EXTRA_REST_WEEK if gates.extra_rest_day else STANDARD_WEEK
    strength_days = request.strength_days_per_week or STRENGTH_DAYS
    days = [timeline.start + timedelta(days=n) for n in range(7 * timeline.weeks)]
    plan = {
        "start": timeline.start.isoformat(),
        "end": timeline.end.isoformat(),
        "running_allowed": gates.running_allowed,
        "earliest_run_date": timeline.run_from.isoformat() if timeline.load_from else None,
        "start_level": timeline.start_level if timeline.load_from else None,
        "phases": [],
        "exercise_categories": categories,
        "running_load": profile.as_dict(),
        "schedule": {
            "load_days": list(layout.load_days),
            "load_from": timeline.load_from.isoformat() if timeline.load_from else None,
            "impact_needed": timeline.impact_needed,
            "impact_ladder": [
                {"step": step, "exercises": [exercise_entry(spec, spec.dosage, prescribed=False) for spec in specs]}
                for step, specs in programme.impact_steps
            ],
            "cross_training": cross_training_choices(programme, gates),
            "cadence_drill": (
                exercise_entry(programme.cadence_drill, programme.cadence_drill.dosage, prescribed=False)
                if programme.cadence_drill
                else None
            ),
        },
        "weeks": [
            {
                "week": week + 1,
                "phase": FOUNDATION,
                "sessions": [
                    {"date": day.isoformat(), "kind": day_kind(day, timeline, layout, strength_days), "exercises": []}
                    for day in days[7 * week : 7 * week + 7]
                ],
            }
            for week in range(timeline.weeks)
        ],
        "adjustments": [],
        "issue_blocked_by": list(gates.issue_blocked_by),
    }
    _fill_cross_training(plan, timeline)
    programme = fitted_programme(plan, programme, timeline)
    schedule_loads(
        plan,
        from_day=timeline.start,
        state=LoadState(LadderState(timeline.start_level), impact_step=first_impact_step(plan)),
    )
    plan["programme"] = [programme_entry(item) for item in _listed(programme, request)]
    plan["categories_without_exercise"] = categories_without_exercise(categories, plan)
    if Category.GAIT_CADENCE in categories:
        plan["cadence"] = {"baseline_spm": gates.cadence_spm, "target_spm": profile.cadence_target_spm}
    if request.condition == Condition.ILIOTIBIAL_BAND_SYNDROME:
        plan["avoid_downhill"] = True  # reference §7 row 20
    plan["notes"] = plan_notes(request, plan, timeline)
    return plan


def _fill_cross_training(plan: dict, timeline: Timeline) -> None:
    """Cross-training on the days that hold it before loads start; only the simplest (walking) before RF17's three
    weeks after birth."""
    turn = 0
    for session in (s for week in plan["weeks"] for s in week["sessions"]):
        if session["kind"] != CROSS_TRAIN:
            continue
        day = date.fromisoformat(session["date"])
        cross = cross_training_for(plan, day, 0 if day < timeline.strength_from else turn)
        if cross is None:
            session["kind"] = REST
        else:
            session["cross_train"] = cross
            turn += 1


def _listed(programme: Programme, request: PlanRequest) -> list[Item]:
    """The programme as the physio reads it: in their own order when they prescribed it."""
    if request.programme is None:
        return list(programme.items)
    order = [prescription.slug for prescription in request.programme]
    return sorted(programme.items, key=lambda item: order.index(item.spec.slug))


def categories_without_exercise(categories: list[str], plan: dict) -> list[str]:
    """The plan's categories no exercise in it trains (the library lacks one, the patient may not do it, or the
    3–4-exercise cap left it out), apart from those the physio delivers or that are advice: for the physio to see."""
    trained = {c for entry in plan["programme"] for c in entry["categories"]}
    schedule = plan["schedule"]
    for rung in schedule["impact_ladder"] if schedule["load_from"] else ():
        trained.update(c for entry in rung["exercises"] for c in entry["categories"])
    if schedule["cadence_drill"] and schedule["load_from"]:
        trained.update(schedule["cadence_drill"]["categories"])
    return [c for c in categories if c not in trained and c not in ADVICE_CATEGORIES]


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


def blocked_words(codes: Iterable[str]) -> list[str]:
    """Why running waits, in the patient's words."""
    words = []
    for code in codes:
        if code in set(Hold):
            words.append(HOLDS[Hold(code)].plain)
        elif code in set(RedFlag):
            words.append(RED_FLAGS[RedFlag(code)].label.lower())
    return list(dict.fromkeys(words))


def plan_notes(request: PlanRequest, plan: dict, timeline: Timeline) -> list[str]:
    gates = request.gates
    notes = [ADVICE_NOTES[c] for c in plan["exercise_categories"] if c in ADVICE_NOTES]
    if not gates.running_allowed:
        reasons = blocked_words(gates.blocked_by)
        because = f": {'; '.join(reasons)}" if reasons else ""
        notes.append(
            f"Running, hopping and jumping wait for now{because}. This plan keeps you strong until your physio "
            "clears you."
        )
    elif plan["earliest_run_date"] is None:
        notes.append(
            f"Running can start on {_words(gates.running_allowed_from)}, after this plan ends; your physio will "
            "extend it."
        )
    if timeline.impact_left_out:
        notes.append(
            "Hopping and jumping are left out for now, and running waits for them: your physio will check how your "
            "body copes with jogging on the spot and hopping before you start running."
        )
    if timeline.impact_needed:
        notes.append(
            "Hops and jumps come in steps. Move to the next step only when a session hurts no more than 3 out of 10 "
            "and your knee is no worse the next morning; otherwise repeat it or step back."
        )
    if any(week["phase"] in (WALK_RUN, BUILD) for week in plan["weeks"]):
        notes += [
            "Never run two days in a row. Run on flat, even ground at an easy pace at which you can still talk.",
            "Log every run. Pain up to 3 out of 10 that has gone by the next morning is fine. At 4–5 out of 10 you "
            "repeat the level. Above 5, a limp or swelling: stop, rest and the plan steps back a level.",
        ]
    if plan.get("avoid_downhill"):  # reference §7 row 20
        notes.append("Avoid running downhill for now: choose flat routes, and walk down steep slopes.")
    if any(week["phase"] == BUILD for week in plan["weeks"]):
        hills = "uphill only" if plan.get("avoid_downhill") else "later hills"
        notes.append(f"Add speed, and {hills}, only once you reach your target running time without pain.")
        if request.running.goal in RACE_GOALS:  # reference §9.3 P6: one variable at a time
            notes.append(
                "Training for your race (speed work, hills, longer runs) comes after this plan, once this running "
                "feels easy; your physio will plan it with you."
            )
    if "cadence" in plan:
        target = plan["cadence"]["target_spm"]
        notes.append(
            f"Run at about {target} steps a minute: a metronome app or your watch can give you the beat."
            if target
            else "Your physio will measure your step rate and set a slightly quicker target for your runs."
        )
    if request.condition == Condition.PATELLAR_TENDINOPATHY:  # reference §4.5
        notes.append(
            "Your tendon gets stronger with load: do the holds every day (they also ease the pain) and the slow, "
            "heavy exercises every other day. Hops and running come once these feel comfortable, with pain no more "
            "than 3 out of 10 that is no worse the next morning."
        )
    if request.condition == Condition.POSSIBLE_MENISCAL_INJURY:  # reference §8 RF22, §7 row 21
        notes.append("Your physio will review your knee before any running or jumping; keep to these exercises.")
    notes += postnatal_notes(request, plan)
    return notes


def _words(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def postnatal_notes(request: PlanRequest, plan: dict) -> list[str]:
    """reference §9.3 P11, §1.5, §1.6 and §8 RF17/RF19."""
    gates = request.gates
    if not gates.postpartum:
        return []
    notes = [
        "Stop and tell your physio if you leak, feel heaviness or dragging, or have pelvic pain during or after "
        "exercise: running and jumping then pause until your physio has seen you."
    ]
    if gates.weeks_postpartum < POSTPARTUM_REST_WEEKS:
        notes.append("For the first weeks after the birth: rest, gentle walks and pelvic floor exercises only.")
    swim_from = next((c.get("from") for c in plan["schedule"]["cross_training"] if c.get("from")), None)
    if swim_from and swim_from > plan["start"]:
        notes.append(f"Swimming can start from {_words(date.fromisoformat(swim_from))}, once you have healed.")
    if gates.extra_rest_day:
        notes.append("Your plan has extra rest days while you are short of sleep or very tired.")
    if gates.breastfeeding:
        notes.append("Feed or express before you exercise, wear a supportive sports bra and drink enough water.")
    if gates.buggy_allowed_from:
        buggy_runs = any(s.get("run", {}).get("buggy") for w in plan["weeks"] for s in w["sessions"])
        notes.append(
            "The easy run of the week can be with the buggy: use a running buggy and keep both hands on it."
            if buggy_runs
            else "Running with the buggy can start once you finish the solo running steps, and not before "
            f"{_words(gates.buggy_allowed_from)}."
        )
    return notes


# --- case files ---------------------------------------------------------------------------------------------------


def plan_for_case(case: dict, result: dict, library: Iterable[ExerciseSpec] | None = None) -> dict | None:
    """The `plan` that `manage.py evaluate_case` prints: None when the action is emergency or urgent. Without a
    physio to confirm them, every cause the engine found counts as confirmed, in its rank order."""
    if result["action"] in (Action.EMERGENCY, Action.URGENT):
        return None
    request = PlanRequest(
        start=date.fromisoformat(case.get("plan_start") or case["as_of"]),
        condition=result["condition"],
        causes=tuple(cause["code"] for cause in result["causes"]),
        gates=result["gates"],
        running=CurrentRunning.from_intake(case["intake"]),
    )
    return build_plan(request, default_library() if library is None else library)
