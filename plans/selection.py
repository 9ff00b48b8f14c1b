"""Choosing a home programme from the exercise library and dosing it week by week (reference §5 and §7).

Pure Python. Nothing here names an exercise: the choice follows each library entry's categories, kind, level, impact
flag, contraindications and progressions, so a clinic's own library plans the same way as the shipped one.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from intake.codes import CONTRAINDICATIONS, HIP_STRENGTH, KNEE_STRENGTH, Category
from plans.library.exercises import Dosage, ExerciseSpec
from plans.rules import (
    DAILY_EXERCISES_MAX,
    DEFAULT_CROSS_TRAIN_MIN,
    DOSAGE_STEP_WEEKS,
    EASY_START_MAX_LEVEL,
    HOLD_MAX_FACTOR,
    HOLD_STEP_S,
    HSR_REPS,
    IMPACT_EXERCISES_PER_STEP,
    IMPACT_STEPS,
    MAIN_EXERCISES_MAX,
    MAX_REPS,
    MAX_SETS,
    REPS_STEP,
)

MAIN_KINDS = frozenset({"strength", "core"})
DAILY_KINDS = frozenset({"stretch", "mobility", "pelvic_floor", "balance", "motor_control"})
# reference §5: 30 s of stretching once daily is the effective dose (Bandy 1997), so stretches keep their dose;
# impact rungs progress by moving up the ladder, cross-training and cadence drills keep the library's dose; pelvic
# floor training is prescribed individually by the clinician (§5), so the plan does not raise it on its own.
FIXED_DOSE_KINDS = frozenset({"stretch", "mobility", "cadence_drill", "cross_training", "impact", "pelvic_floor"})
# reference §5: stretching 3 days a week works and keeps the gains (Ayala 2010, Reid & Kim 2014), so a stretch may
# come down from daily to make room; what the reference prescribes daily (pelvic floor training, the lower-limb
# dynamic control exercise of Esculier 2018) stays daily.
REDUCIBLE_KINDS = frozenset({"stretch", "mobility"})

# A physio-chosen home programme holds these kinds; the plan schedules impact rungs, cross-training and the cadence
# drill itself, on their own days.
PRESCRIBED_KINDS = MAIN_KINDS | DAILY_KINDS
DOSE_PARTS = ("sets", "reps", "hold_s", "minutes", "per_week")
# Not in the reference: the bounds of a dose a physio types in. Times a week are the library's 1–7; the others are
# wide enough for every shipped dose (pogo jumps' 30 contacts, the 60 s pelvic floor hold, a 4-set broad hop) and
# catch typing slips (a 100-rep set, a 10-minute hold).
DOSE_LIMITS = {"sets": (1, 5), "reps": (1, 30), "hold_s": (1, 120), "minutes": (1, 60), "per_week": (1, 7)}
DOSE_WORDS = {
    "sets": "sets",
    "reps": "repetitions",
    "hold_s": "seconds of hold",
    "minutes": "minutes",
    "per_week": "times a week",
}


def is_impact(spec: ExerciseSpec) -> bool:
    return spec.impact or spec.kind == "impact"


class NoSuitableExercise(ValueError):
    """The library has nothing the patient may do for a category the plan must contain."""


@dataclass(frozen=True)
class Item:
    """A programme exercise, the categories it was chosen for, how many times a week it is prescribed, and the
    versions it moves through over the weeks: itself, then harder progressions that keep one of those categories."""

    spec: ExerciseSpec
    purpose: frozenset[str]
    chain: tuple[ExerciseSpec, ...] = ()
    per_week: int = 3

    @property
    def daily_kind(self) -> bool:
        return self.spec.kind in DAILY_KINDS


@dataclass(frozen=True)
class Requirement:
    """An exercise a plan must contain whatever the causes (reference §2.5: hip and knee for patellofemoral pain;
    §4.5: isometric and heavy slow loading for patellar tendinopathy)."""

    label: str
    categories: frozenset[str]
    needed_by: str  # "a patellofemoral pain programme"
    source: str
    accepts: Callable[[ExerciseSpec], bool] = field(default=lambda spec: True)

    @property
    def article(self) -> str:
        return "an" if self.label[0] in "aeiou" else "a"

    def met_by(self, spec: ExerciseSpec) -> bool:
        return bool(self.categories.intersection(spec.categories)) and self.accepts(spec)


def _holds(spec: ExerciseSpec) -> bool:
    return bool(spec.dosage.hold_s) and not spec.dosage.reps


PFP = "a patellofemoral pain programme"
PFP_REQUIREMENTS = (
    Requirement("hip-strengthening", HIP_STRENGTH, PFP, "reference §2.5"),
    Requirement("knee-strengthening", KNEE_STRENGTH, PFP, "reference §2.5"),
)
TENDON = frozenset({Category.TENDON_LOAD})
TENDINOPATHY = "a patellar tendinopathy programme"
TENDON_REQUIREMENTS = (
    Requirement("isometric tendon-loading", TENDON, TENDINOPATHY, "reference §4.5 stage 1", _holds),
    Requirement(
        "heavy slow tendon-loading", TENDON, TENDINOPATHY, "reference §4.5 stage 2", lambda spec: not _holds(spec)
    ),
)


class ExercisePool:
    """The library exercises this patient may be given: none of their contraindications is present."""

    def __init__(self, library, contraindications=()):
        present = frozenset(contraindications)
        allowed = (spec for spec in library if spec.allowed_for(present))
        self.allowed = tuple(sorted(allowed, key=lambda spec: (spec.level, spec.slug)))
        self.by_slug = {spec.slug: spec for spec in self.allowed}

    def select(self, kinds, *, impact: bool | None = False) -> list[ExerciseSpec]:
        return [s for s in self.allowed if s.kind in kinds and (impact is None or is_impact(s) == impact)]

    def with_chains(self, items: list[Item], *, taken: set[str] | None = None) -> list[Item]:
        """The items with their progression chains, no two sharing an exercise (nor reaching another's start), so
        a session never lists the same exercise twice."""
        taken = {item.spec.slug for item in items} | (taken or set())
        chained = []
        for item in items:
            chain = self._progression_chain(item, taken)
            taken.update(spec.slug for spec in chain)
            chained.append(replace(item, chain=chain))
        return chained

    def _progression_chain(self, item: Item, taken: set[str]) -> tuple[ExerciseSpec, ...]:
        """The exercise, then its first allowed progression, and so on: same kind group, never impact, never back,
        never an exercise `taken` by another item."""
        group = MAIN_KINDS if item.spec.kind in MAIN_KINDS else frozenset({item.spec.kind})
        chain = [item.spec]
        while True:
            harder = (self.by_slug.get(slug) for slug in chain[-1].progressions)
            following = next(
                (
                    spec
                    for spec in harder
                    if spec is not None
                    and spec not in chain
                    and spec.slug not in taken
                    and spec.kind in group
                    and not is_impact(spec)
                    and item.purpose.intersection(spec.categories)
                ),
                None,
            )
            if following is None:
                return tuple(chain)
            chain.append(following)


@dataclass(frozen=True)
class Programme:
    main: tuple[Item, ...]  # strength and core work, on strength days first
    daily: tuple[Item, ...]  # stretches, pelvic floor, balance, movement control: spread over the week
    impact_steps: tuple[tuple[int, tuple[ExerciseSpec, ...]], ...]  # reference §4.4 rungs with their exercises
    cross_training: tuple[ExerciseSpec, ...]  # simplest first: fewest pieces of equipment, lowest level
    cadence_drill: ExerciseSpec | None
    chosen: bool = True  # the builder chose it; False: the physio prescribed it

    @property
    def items(self) -> tuple[Item, ...]:
        return (*self.main, *self.daily)

    def without(self, dropped: Item) -> "Programme":
        return replace(
            self,
            main=tuple(item for item in self.main if item is not dropped),
            daily=tuple(item for item in self.daily if item is not dropped),
        )

    def with_per_week(self, changed: Item, per_week: int) -> "Programme":
        def swap(items):
            return tuple(replace(item, per_week=per_week) if item is changed else item for item in items)

        return replace(self, main=swap(self.main), daily=swap(self.daily))


def choose_programme(
    categories: list[str], pool: ExercisePool, *, requirements: tuple[Requirement, ...] = (), strength_days: int
) -> Programme:
    """As few exercises as train `categories` (in priority order): each pick trains as many still untrained
    categories as it can, after the exercises the condition requires. Strength work is prescribed on the plan's
    strength days; the other exercises at their library frequency."""
    wanted = list(categories)
    main_candidates = pool.select(MAIN_KINDS)
    main: list[Item] = []
    for requirement in requirements:
        item = _best(main_candidates, wanted, main, requirement=requirement)
        if item is None:
            raise NoSuitableExercise(f"The exercise library has no {requirement.label} exercise this patient may do")
        main.append(item)
    _cover(main, main_candidates, wanted, MAIN_EXERCISES_MAX)
    daily: list[Item] = []
    _cover(daily, pool.select(DAILY_KINDS), wanted, DAILY_EXERCISES_MAX, chosen_before=main)
    # A daily-dosed strength exercise (the isometric tendon hold, reference §4.5) keeps its frequency.
    main = [
        replace(item, per_week=item.spec.dosage.per_week if item.spec.dosage.per_week >= 7 else strength_days)
        for item in main
    ]
    daily = [replace(item, per_week=item.spec.dosage.per_week) for item in daily]
    return _programme(main, daily, pool, wanted)


def prescribed_programme(prescriptions: Iterable["Prescription"], categories: list[str], pool: ExercisePool):
    """The physio's home programme, in their order, at their starting doses and frequencies (checked first with
    `programme_problems`); impact rungs, cross-training and the cadence drill are chosen as for any plan."""
    items = []
    for prescription in prescriptions:
        spec = pool.by_slug[prescription.slug]
        dose = prescription.dosage(spec.dosage)
        items.append(Item(replace(spec, dosage=dose), frozenset(spec.categories), per_week=dose.per_week))
    main = [item for item in items if item.spec.kind in MAIN_KINDS]
    daily = [item for item in items if item.spec.kind in DAILY_KINDS]
    return _programme(main, daily, pool, list(categories), chosen=False)


def _programme(main: list[Item], daily: list[Item], pool: ExercisePool, wanted: list[str], chosen=True) -> Programme:
    """The home programme with its progression chains, and what the schedule adds around it."""
    drills = pool.select({"cadence_drill"}, impact=None)
    main_chained = pool.with_chains(main)
    return Programme(
        main=tuple(main_chained),
        daily=tuple(pool.with_chains(daily, taken={spec.slug for item in main_chained for spec in item.chain})),
        impact_steps=impact_steps(pool),
        cross_training=tuple(
            sorted(pool.select({"cross_training"}), key=lambda s: (len(s.equipment), s.level, s.slug))
        ),
        cadence_drill=drills[0] if drills and Category.GAIT_CADENCE in wanted else None,
        chosen=chosen,
    )


def impact_steps(pool: ExercisePool) -> tuple[tuple[int, tuple[ExerciseSpec, ...]], ...]:
    """The rungs of the reference §4.4 impact ladder this patient may climb, each with its easiest exercises; a rung
    with no exercise the patient may do is left out."""
    steps = []
    for step in IMPACT_STEPS:
        specs = [spec for spec in pool.allowed if is_impact(spec) and spec.impact_step == step.step]
        if specs:
            steps.append((step.step, tuple(specs[:IMPACT_EXERCISES_PER_STEP])))
    return tuple(steps)


# --- a physio-chosen programme ------------------------------------------------------------------------------------


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Prescription:
    """One exercise of a physio-chosen home programme and its starting dose. A part left out (None) is not part of
    the dose: a bridge held 5 s at the top has `hold_s=5`, a plain one none. Side by side and rest come from the
    library. In a plan's `programme` list it is an entry with `code` and the dose parts."""

    slug: str
    sets: int | None = None
    reps: int | None = None
    hold_s: int | None = None
    minutes: int | None = None
    per_week: int | None = 3

    @classmethod
    def from_entry(cls, entry: dict) -> "Prescription":
        return cls(slug=entry["code"], **{part: entry.get(part) for part in DOSE_PARTS})

    def as_entry(self) -> dict:
        return {"code": self.slug, **{part: getattr(self, part) for part in DOSE_PARTS}}

    def dosage(self, library_dose: Dosage) -> Dosage:
        return replace(library_dose, **{part: getattr(self, part) for part in DOSE_PARTS})

    def problems(self) -> list[str]:
        """What is wrong with the dose itself, one line per part: `programme.<slug>.<part>: …`."""
        problems = []
        for part in DOSE_PARTS:
            value = getattr(self, part)
            low, high = DOSE_LIMITS[part]
            if value is None and part != "per_week":
                continue
            if not (_is_whole(value) and low <= value <= high):
                got = "nothing" if value is None else value
                problems.append(f"programme.{self.slug}.{part}: choose {low} to {high} {DOSE_WORDS[part]} (got {got})")
        if self.reps is None and self.hold_s is None and self.minutes is None:
            problems.append(f"programme.{self.slug}: give repetitions, a hold or minutes")
        return problems


def programme_problems(
    prescriptions: Iterable[Prescription],
    library: Mapping[str, ExerciseSpec],
    contraindications: Iterable[str],
    *,
    requirements: tuple[Requirement, ...] = (),
    more_exercises_reason: str = "",
) -> list[str]:
    """Why a physio-chosen programme cannot be planned for this patient, one line each (empty when it can): an
    exercise the library lacks, one the patient must not do, one the schedule places itself, too many exercises,
    or an exercise the condition requires missing (reference §2.5 hip and knee; §4.5 tendon loading).

    The cap on strength and core exercises is the reference's advice for adherence once the patient is
    independent (§5: 3–4), not a safety limit: the physio passes it by giving a reason. A home session still holds
    at most MAX_EXERCISES_PER_SESSION exercises (case-format invariant), which the placing enforces."""
    present = set(contraindications)
    problems, known = [], []
    for prescription in prescriptions:
        spec = library.get(prescription.slug)
        field = f"programme.{prescription.slug}"
        if spec is None:
            problems.append(f"{field}: {prescription.slug} is not in the exercise library (or has been deactivated)")
            continue
        known.append(spec)
        reasons = sorted(present.intersection(spec.contraindications))
        if reasons:
            because = "; ".join(CONTRAINDICATIONS.get(code, code).lower() for code in reasons)
            problems.append(f"{field}: {spec.name} must not be given to this patient ({because})")
        if is_impact(spec):
            problems.append(
                f"{field}: {spec.name} is an impact exercise; the plan places impact work itself, in its "
                "impact-readiness weeks"
            )
        elif spec.kind not in PRESCRIBED_KINDS:
            problems.append(
                f"{field}: {spec.name} is {spec.kind.replace('_', ' ')}; the plan places it itself, on its own days"
            )
    main = [spec for spec in known if spec.kind in MAIN_KINDS]
    daily = [spec for spec in known if spec.kind in DAILY_KINDS]
    if len(main) > MAIN_EXERCISES_MAX and not more_exercises_reason.strip():
        problems.append(
            f"more_exercises_reason: {len(main)} strength and core exercises, more than the {MAIN_EXERCISES_MAX} the "
            "reference advises once the patient is independent (§5: 3–4, for adherence); remove one, or say why "
            "this patient needs more"
        )
    if len(daily) > DAILY_EXERCISES_MAX:
        problems.append(
            f"programme: at most {DAILY_EXERCISES_MAX} daily exercises (stretches, pelvic floor, balance, movement "
            f"control; got {len(daily)})"
        )
    for requirement in requirements:
        if not any(requirement.met_by(spec) for spec in known):
            problems.append(
                f"programme: {requirement.needed_by} needs {requirement.article} {requirement.label} exercise "
                f"({requirement.source})"
            )
    return problems


def _covered(items: list[Item]) -> set[str]:
    return {category for item in items for category in item.spec.categories}


def _best(candidates, wanted, chosen, *, requirement: Requirement | None = None) -> Item | None:
    untrained = [c for c in wanted if c not in _covered(chosen)]
    picked = {item.spec for item in chosen}

    def rank(spec):
        gains = [untrained.index(c) for c in spec.categories if c in untrained]
        return (spec.level > EASY_START_MAX_LEVEL, -len(gains), min(gains, default=len(wanted)), spec.level, spec.slug)

    options = [
        spec
        for spec in candidates
        if spec not in picked and (requirement.met_by(spec) if requirement else set(untrained) & set(spec.categories))
    ]
    if not options:
        return None
    spec = min(options, key=rank)
    purpose = requirement.categories if requirement else set(untrained)
    return Item(spec, frozenset(purpose.intersection(spec.categories)))


def _cover(items: list[Item], candidates, wanted, limit, *, chosen_before=()) -> None:
    """Add the best candidate while one trains a category nothing chosen yet trains, up to `limit` items."""
    while len(items) < limit:
        item = _best(candidates, wanted, [*chosen_before, *items])
        if item is None:
            return
        items.append(item)


def dosage_steps(spec: ExerciseSpec) -> list[Dosage]:
    """The doses an exercise climbs through, easiest first (see DOSAGE_STEP_WEEKS). Tendon loading follows its own
    course (reference §4.5): the isometric holds keep their 5 × 45 s; heavy slow resistance goes from 15 repetitions
    to 6, each step with a heavier weight."""
    dose = spec.dosage
    steps = [dose]
    if Category.TENDON_LOAD in spec.categories:
        if dose.reps is None:
            return steps
        return [replace(dose, reps=reps) for reps in HSR_REPS if reps <= dose.reps] or steps
    if spec.kind in FIXED_DOSE_KINDS:
        return steps
    while dose.sets is not None and dose.sets < MAX_SETS:
        dose = replace(dose, sets=dose.sets + 1)
        steps.append(dose)
    while dose.reps is not None and dose.reps + REPS_STEP <= MAX_REPS:
        dose = replace(dose, reps=dose.reps + REPS_STEP)
        steps.append(dose)
    if dose.hold_s:
        longest = spec.dosage.hold_s * HOLD_MAX_FACTOR
        while dose.hold_s + HOLD_STEP_S <= longest:
            dose = replace(dose, hold_s=dose.hold_s + HOLD_STEP_S)
            steps.append(dose)
    return steps


def dose_for_week(item: Item, weeks_in_use: int) -> tuple[ExerciseSpec, Dosage]:
    """The version and dose of a programme exercise in its `weeks_in_use`-th week (0-based): the dose climbs every
    DOSAGE_STEP_WEEKS; at the top of it the exercise gives way to its progression. The times a week stay those the
    programme prescribes."""
    step = weeks_in_use // DOSAGE_STEP_WEEKS
    for version in item.chain:
        steps = dosage_steps(version)
        if step < len(steps):
            return version, replace(steps[step], per_week=item.per_week)
        step -= len(steps)
    return version, replace(steps[-1], per_week=item.per_week)


def programme_entry(item: Item) -> dict:
    """One exercise of the plan's `programme`: the home programme at its starting dose and prescribed frequency, for
    an editor to start from (see `Prescription`)."""
    spec, dose = item.spec, item.spec.dosage
    return {
        "code": spec.slug,
        "name": spec.name,
        "kind": spec.kind,
        "sets": dose.sets,
        "reps": dose.reps,
        "hold_s": dose.hold_s,
        "minutes": dose.minutes,
        "per_side": dose.per_side,
        "per_week": item.per_week,
        "categories": list(spec.categories),
    }


def exercise_entry(spec: ExerciseSpec, dose: Dosage, *, prescribed: bool) -> dict:
    """One exercise of a session, as the plan stores it (case-format `exercises` items, with added fields). A
    programme exercise carries its `per_week`; a session's own exercises (impact rungs, the cadence drill) do not."""
    entry = {
        "code": spec.slug,
        "sets": dose.sets,
        "reps": dose.reps,
        "hold_s": dose.hold_s,
        "minutes": dose.minutes,
        "per_side": dose.per_side,
        "kind": spec.kind,
        "categories": list(spec.categories),
        "impact": is_impact(spec),
    }
    if prescribed:
        entry["per_week"] = dose.per_week
    return entry


def cross_training_entry(spec: ExerciseSpec, *, available_from=None) -> dict:
    entry = {"code": spec.slug, "minutes": spec.dosage.minutes or DEFAULT_CROSS_TRAIN_MIN}
    if available_from is not None:
        entry["from"] = available_from.isoformat()
    return entry
