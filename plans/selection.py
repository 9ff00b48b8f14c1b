"""Choosing a home programme from the exercise library and dosing it week by week (reference §5 and §7).

Pure Python. Nothing here names an exercise: the choice follows each library entry's categories, kind, level, impact
flag, contraindications and progressions, so a clinic's own library plans the same way as the shipped one.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from intake.codes import CONTRAINDICATIONS, HIP_STRENGTH, KNEE_STRENGTH, Category
from plans.exercises import Dosage, ExerciseSpec

MAX_EXERCISES_PER_SESSION = 5  # reference §5 (3–4 once independent) and the case-format plan invariants
MAIN_EXERCISES_MAX = 4  # reference §2.5, §5 and §7 notes: cap the programme at 3–4 exercises (Barton 2015)
# Not in the reference: at most 4 short daily exercises (stretches, pelvic floor, balance), 2 of them in a session,
# so that no session outgrows the cap of 5 or Esculier's 20 minutes (reference §5).
DAILY_EXERCISES_MAX = 4
DAILY_PER_SESSION_MAX = 2
IMPACT_PER_SESSION = 3  # not in the reference: three neighbouring rungs of the §4.4 impact ladder in a session
IMPACT_SESSIONS_PER_RUNG = 2  # not in the reference: as P2 for runs, two sessions before the impact rungs move up
EASY_START_MAX_LEVEL = 2  # not in the reference: a programme starts with library levels 1–2 where it can

MAIN_KINDS = frozenset({"strength", "core"})
DAILY_KINDS = frozenset({"stretch", "mobility", "pelvic_floor", "balance", "motor_control"})
# reference §5: 30 s of stretching once daily is the effective dose (Bandy 1997), so stretches keep their dose;
# impact rungs progress by moving up the ladder, cross-training and cadence drills keep the library's dose.
FIXED_DOSE_KINDS = frozenset({"stretch", "mobility", "cadence_drill", "cross_training", "impact"})

# Dosage progression. The reference gives only "progress when 1–2 extra repetitions are achievable" (§5, ACSM [U])
# and 3 × 10 as the usual trial dose; the steps below are not in it: every 2 weeks one more set (up to 3), then two
# more repetitions (up to 15), then 5 s longer holds (up to twice the starting hold); after that, the library's next
# progression at its own starting dose.
DOSAGE_STEP_WEEKS = 2
MAX_SETS = 3
REPS_STEP = 2
MAX_REPS = 15
HOLD_STEP_S = 5
HOLD_MAX_FACTOR = 2
DEFAULT_CROSS_TRAIN_MIN = 30  # reference §9.1: a 30-minute brisk walk is the entry test, the natural session length

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
    """A programme exercise, the categories it was chosen for, and the versions it moves through over the weeks:
    itself, then harder progressions that keep one of those categories."""

    spec: ExerciseSpec
    purpose: frozenset[str]
    chain: tuple[ExerciseSpec, ...] = ()


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
    main: tuple[Item, ...]  # strength and core work, on strength days
    daily: tuple[Item, ...]  # stretches, pelvic floor, balance: spread over the active days by their dosage
    impact: tuple[ExerciseSpec, ...]  # the impact ladder, easiest first (reference §4.4)
    cross_training: tuple[ExerciseSpec, ...]  # simplest first: fewest pieces of equipment, lowest level
    cadence_drill: ExerciseSpec | None
    listed: tuple[ExerciseSpec, ...] = ()  # the home programme as the physio reads it, each at its starting dose


def choose_programme(categories: list[str], pool: ExercisePool, *, hip_and_knee: bool) -> Programme:
    """As few exercises as train `categories` (in priority order): each pick trains as many still untrained
    categories as it can. A patellofemoral plan starts with a hip and a knee exercise (reference §2.5)."""
    wanted = list(categories)
    main_candidates = pool.select(MAIN_KINDS)
    main: list[Item] = []
    if hip_and_knee:
        for group, label in ((HIP_STRENGTH, "hip-strengthening"), (KNEE_STRENGTH, "knee-strengthening")):
            item = _best(main_candidates, wanted, main, required=group)
            if item is None:
                raise NoSuitableExercise(f"The exercise library has no {label} exercise this patient may do")
            main.append(item)
    _cover(main, main_candidates, wanted, MAIN_EXERCISES_MAX)
    daily: list[Item] = []
    _cover(daily, pool.select(DAILY_KINDS), wanted, DAILY_EXERCISES_MAX, chosen_before=main)
    return _programme(main, daily, pool, wanted)


def prescribed_programme(prescriptions: Iterable["Prescription"], categories: list[str], pool: ExercisePool):
    """The physio's home programme, in their order and at their starting doses (checked first with
    `programme_problems`); impact rungs, cross-training and the cadence drill are chosen as for any plan."""
    items = []
    for prescription in prescriptions:
        spec = pool.by_slug[prescription.slug]
        items.append(Item(replace(spec, dosage=prescription.dosage(spec.dosage)), frozenset(spec.categories)))
    main = [item for item in items if item.spec.kind in MAIN_KINDS]
    daily = [item for item in items if item.spec.kind in DAILY_KINDS]
    return _programme(main, daily, pool, list(categories), listed=tuple(item.spec for item in items))


def _programme(main: list[Item], daily: list[Item], pool: ExercisePool, wanted: list[str], listed=None) -> Programme:
    """The home programme with its progression chains, and what the schedule adds around it."""
    drills = pool.select({"cadence_drill"}, impact=None)
    main_chained = pool.with_chains(main)
    return Programme(
        main=tuple(main_chained),
        daily=tuple(pool.with_chains(daily, taken={spec.slug for item in main_chained for spec in item.chain})),
        impact=tuple(pool.select({"impact", *MAIN_KINDS, *DAILY_KINDS}, impact=True)),
        cross_training=tuple(
            sorted(pool.select({"cross_training"}), key=lambda s: (len(s.equipment), s.level, s.slug))
        ),
        cadence_drill=drills[0] if drills and Category.GAIT_CADENCE in wanted else None,
        listed=listed if listed is not None else tuple(item.spec for item in (*main, *daily)),
    )


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
    hip_and_knee: bool,
) -> list[str]:
    """Why a physio-chosen programme cannot be planned for this patient, one line each (empty when it can): an
    exercise the library lacks, one the patient must not do, one the schedule places itself, too many exercises,
    or a patellofemoral programme without hip and knee strengthening (reference §2.5)."""
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
    if len(main) > MAIN_EXERCISES_MAX:
        problems.append(
            f"programme: at most {MAIN_EXERCISES_MAX} strength and core exercises (reference §5: 3–4 once "
            f"independent; got {len(main)})"
        )
    if len(daily) > DAILY_EXERCISES_MAX:
        problems.append(
            f"programme: at most {DAILY_EXERCISES_MAX} daily exercises (stretches, pelvic floor, balance, movement "
            f"control; got {len(daily)})"
        )
    if hip_and_knee:
        trained = {category for spec in known for category in spec.categories}
        for group, label in ((HIP_STRENGTH, "hip"), (KNEE_STRENGTH, "knee")):
            if not group.intersection(trained):
                problems.append(
                    f"programme: a patellofemoral pain programme needs a {label}-strengthening exercise "
                    "(reference §2.5)"
                )
    return problems


def _covered(items: list[Item]) -> set[str]:
    return {category for item in items for category in item.spec.categories}


def _best(candidates, wanted, chosen, *, required=None) -> Item | None:
    untrained = [c for c in wanted if c not in _covered(chosen)]
    picked = {item.spec for item in chosen}

    def rank(spec):
        gains = [untrained.index(c) for c in spec.categories if c in untrained]
        return (spec.level > EASY_START_MAX_LEVEL, -len(gains), min(gains, default=len(wanted)), spec.level, spec.slug)

    options = [
        spec
        for spec in candidates
        if spec not in picked
        and (required.intersection(spec.categories) if required else set(untrained) & set(spec.categories))
    ]
    if not options:
        return None
    spec = min(options, key=rank)
    purpose = required.intersection(spec.categories) if required else set(untrained).intersection(spec.categories)
    return Item(spec, frozenset(purpose))


def _cover(items: list[Item], candidates, wanted, limit, *, chosen_before=()) -> None:
    """Add the best candidate while one trains a category nothing chosen yet trains, up to `limit` items."""
    while len(items) < limit:
        item = _best(candidates, wanted, [*chosen_before, *items])
        if item is None:
            return
        items.append(item)


def dosage_steps(spec: ExerciseSpec) -> list[Dosage]:
    """The doses an exercise climbs through, easiest first (see DOSAGE_STEP_WEEKS)."""
    dose = spec.dosage
    steps = [dose]
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
    DOSAGE_STEP_WEEKS; at the top of it the exercise gives way to its progression."""
    step = weeks_in_use // DOSAGE_STEP_WEEKS
    for version in item.chain:
        steps = dosage_steps(version)
        if step < len(steps):
            return version, steps[step]
        step -= len(steps)
    return version, steps[-1]


def impact_rungs(programme: Programme, impact_session: int) -> tuple[ExerciseSpec, ...]:
    """The impact exercises of the `impact_session`-th impact session: a window that moves up the ladder."""
    ladder = programme.impact
    first = min(impact_session // IMPACT_SESSIONS_PER_RUNG, max(0, len(ladder) - IMPACT_PER_SESSION))
    return ladder[first : first + IMPACT_PER_SESSION]


def programme_entry(spec: ExerciseSpec) -> dict:
    """One exercise of the plan's `programme`: the home programme at its starting dose, for an editor to start
    from (see `Prescription`)."""
    dose = spec.dosage
    return {
        "code": spec.slug,
        "name": spec.name,
        "kind": spec.kind,
        "sets": dose.sets,
        "reps": dose.reps,
        "hold_s": dose.hold_s,
        "minutes": dose.minutes,
        "per_side": dose.per_side,
        "per_week": dose.per_week,
        "categories": list(spec.categories),
    }


def exercise_entry(spec: ExerciseSpec, dose: Dosage) -> dict:
    """One exercise of a session, as the plan stores it (case-format `exercises` items, with added fields)."""
    return {
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


def cross_training_entry(spec: ExerciseSpec) -> dict:
    return {"code": spec.slug, "minutes": spec.dosage.minutes or DEFAULT_CROSS_TRAIN_MIN}
