"""The exercise library as plain data: `plans/library/data/exercises.json` read into `ExerciseSpec`s.

Pure Python. The plan builder chooses from a list of specs; the `Exercise` model is loaded from the same file by
`manage.py load_exercise_library`, and clinic-specific exercises become specs too. The file format:

    {"version": "2026.11.1",
     "exercises": [{
        "slug": "glute_bridge",                 # stable id, lower_snake_case; plans refer to exercises by it
        "name": "Glute bridge",
        "kind": "strength",                     # one of KINDS
        "categories": ["HIP_EXT"],              # reference §7 codes (intake.codes.Category)
        "target_muscles": ["gluteus maximus"],
        "instructions": ["Lie on your back …"], # numbered steps, patient-friendly
        "cues": ["Squeeze your buttocks …"],
        "dosage": {"sets": 3, "reps": 10, "hold_s": null, "minutes": null, "rest_s": 60,
                   "per_side": false, "per_week": 3},
        "equipment": ["mat"],
        "level": 1,                             # 1 (easiest) .. 5
        "progressions": ["single_leg_bridge"],  # slugs of harder variants
        "regressions": [],                      # slugs of easier variants
        "contraindications": [],                # intake.codes.Contraindication values
        "impact": false,                        # true for jumping, hopping, running drills
        "impact_step": null,                    # an impact exercise's rung of the reference §4.4 ladder (4–8)
        "notes": "Dose not verified …",         # optional, for clinicians: sources and caveats of the defaults
        "figure": {…}                           # pose data drawn by plans.library.figures (see its docstring)
     }]}

An impact exercise must list the `pelvic_floor_symptoms` contraindication (reference §7 row 13). Only an impact
exercise has an `impact_step`; the plan's impact sessions climb the steps in order (plans.rules.IMPACT_STEPS).
"""

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from intake.codes import Category, Contraindication
from plans.library.figures import figure_problems
from plans.rules import IMPACT_STEPS

LIBRARY_PATH = Path(__file__).resolve().parent / "data" / "exercises.json"
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_SLUG = 60
DOSAGE_NUMBERS = ("sets", "reps", "hold_s", "minutes", "rest_s")
TEXT_LISTS = ("target_muscles", "instructions", "cues", "equipment")

KINDS = (
    "strength",
    "stretch",
    "mobility",
    "balance",
    "motor_control",
    "core",
    "pelvic_floor",
    "impact",
    "cadence_drill",
    "cross_training",
)
# The kinds in words, "Pelvic floor" and "Motor control" rather than their codes.
KIND_LABELS = {kind: kind.replace("_", " ").capitalize() for kind in KINDS}


@dataclass(frozen=True)
class Dosage:
    sets: int | None = None
    reps: int | None = None
    hold_s: int | None = None
    minutes: int | None = None
    rest_s: int | None = None
    per_side: bool = False
    per_week: int = 3

    def summary(self) -> str:
        """The dose in words, e.g. "3 × 10 each side · rest 60 s · 3 times a week"."""
        amount = []
        if self.sets and self.reps:
            amount.append(f"{self.sets} × {self.reps}")
        elif self.reps:
            amount.append(f"{self.reps} repetitions")
        elif self.sets and self.sets > 1:
            amount.append(f"{self.sets} times")
        if self.hold_s:
            amount.append(f"hold {self.hold_s} s")
        if self.minutes:
            amount.append(f"{self.minutes} min")
        parts = [" ".join(amount) + (" each side" if self.per_side else "")] if amount else []
        if self.rest_s:
            parts.append(f"rest {self.rest_s} s")
        parts.append("daily" if self.per_week >= 7 else f"{self.per_week} times a week")
        return " · ".join(parts)


@dataclass(frozen=True)
class Dose:
    sets: int | None
    reps: int | None
    hold_s: int | None
    minutes: int | None
    per_side: bool

    def text(self) -> str:
        """ "3 sets × 10 reps, each side", "3 × 30 s hold", "10 reps, holding each 5 s", "1 min"."""
        if self.reps and self.hold_s:
            amount = f"{self.reps} reps, holding each {self.hold_s} s"
        elif self.reps:
            amount = f"{self.reps} reps"
        elif self.hold_s:
            amount = f"{self.hold_s} s hold"
        elif self.minutes:
            amount = f"{self.minutes} min"
        else:
            amount = "as your physio showed you"
        if self.sets and self.sets > 1:
            amount = f"{self.sets} sets × {amount}"
        return amount + (", each side" if self.per_side else "")


def entry_dose(entry: dict, spec: "ExerciseSpec") -> Dose:
    """A plan entry's dose; what the entry leaves out comes from the exercise's own dosage."""
    default = spec.dosage
    return Dose(
        sets=entry.get("sets", default.sets),
        reps=entry.get("reps", default.reps),
        hold_s=entry.get("hold_s", default.hold_s),
        minutes=entry.get("minutes", default.minutes),
        per_side=entry.get("per_side", default.per_side),
    )


@dataclass(frozen=True)
class ExerciseSpec:
    slug: str
    name: str
    kind: str
    categories: tuple[str, ...]
    dosage: Dosage
    target_muscles: tuple[str, ...] = ()
    instructions: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    level: int = 1
    progressions: tuple[str, ...] = ()
    regressions: tuple[str, ...] = ()
    contraindications: tuple[str, ...] = ()
    impact: bool = False
    impact_step: int | None = None
    figure: dict = field(default_factory=dict, compare=False, hash=False)
    notes: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def allowed_for(self, present: set[str] | frozenset[str]) -> bool:
        """False when the patient has a state this exercise must not be given with."""
        return not present.intersection(self.contraindications)


class LibraryError(ValueError):
    pass


def spec_from_dict(entry: dict) -> ExerciseSpec:
    dosage = Dosage(**entry.get("dosage", {}))
    return ExerciseSpec(
        slug=entry["slug"],
        name=entry["name"],
        kind=entry["kind"],
        categories=tuple(entry.get("categories", ())),
        dosage=dosage,
        target_muscles=tuple(entry.get("target_muscles", ())),
        instructions=tuple(entry.get("instructions", ())),
        cues=tuple(entry.get("cues", ())),
        equipment=tuple(entry.get("equipment", ())),
        level=entry.get("level", 1),
        progressions=tuple(entry.get("progressions", ())),
        regressions=tuple(entry.get("regressions", ())),
        contraindications=tuple(entry.get("contraindications", ())),
        impact=entry.get("impact", False),
        impact_step=entry.get("impact_step"),
        figure=entry.get("figure") or {},
        notes=entry.get("notes", ""),
    )


def spec_problems(spec: ExerciseSpec, known: set[str]) -> dict[str, list[str]]:
    """What is wrong with one exercise, by field; `known` holds the slugs it may link to."""
    problems = defaultdict(list)
    if not (isinstance(spec.slug, str) and SLUG_PATTERN.match(spec.slug) and len(spec.slug) <= MAX_SLUG):
        problems["slug"].append(f"slug must be lower_snake_case, at most {MAX_SLUG} characters")
    if not (isinstance(spec.name, str) and spec.name.strip()):
        problems["name"].append("name is required")
    for field_name in TEXT_LISTS:
        if not all(isinstance(text, str) and text.strip() for text in getattr(spec, field_name)):
            problems[field_name].append("must be a list of non-empty texts")
    problems["dosage"] += _dosage_problems(spec.dosage)
    if not isinstance(spec.impact, bool):
        problems["impact"].append("impact must be true or false")
    if not isinstance(spec.notes, str):
        problems["notes"].append("notes must be text")
    if spec.kind not in KINDS:
        problems["kind"].append(f"kind must be one of {', '.join(KINDS)}")
    problems["categories"] += [f"unknown category {c}" for c in spec.categories if c not in set(Category)]
    problems["contraindications"] += [
        f"unknown contraindication {c}" for c in spec.contraindications if c not in set(Contraindication)
    ]
    # reference §7 row 13: no impact while pelvic floor symptoms are present
    if spec.impact and Contraindication.PELVIC_FLOOR_SYMPTOMS not in spec.contraindications:
        problems["contraindications"].append(
            f"an impact exercise must list {Contraindication.PELVIC_FLOOR_SYMPTOMS} (reference §7 row 13)"
        )
    if spec.impact_step is not None:
        steps = [step.step for step in IMPACT_STEPS]
        if not (_is_whole(spec.impact_step) and spec.impact_step in steps):
            problems["impact_step"].append(f"impact step must be one of {', '.join(map(str, steps))} (reference §4.4)")
        elif not spec.impact:
            problems["impact_step"].append("only an impact exercise has an impact step")
    for field_name in ("progressions", "regressions"):
        for slug in getattr(spec, field_name):
            if slug == spec.slug:
                problems[field_name].append("links to itself")
            elif slug not in known:
                problems[field_name].append(f"links to unknown exercise {slug}")
    if not (_is_whole(spec.level) and 1 <= spec.level <= 5):
        problems["level"].append("level must be a whole number from 1 to 5")
    if spec.figure:
        problems["figure"] += figure_problems(spec.figure)
    return {name: messages for name, messages in problems.items() if messages}


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _dosage_problems(dosage: Dosage) -> list[str]:
    problems = [
        f"{name} must be a positive whole number or empty"
        for name in DOSAGE_NUMBERS
        if getattr(dosage, name) is not None and not (_is_whole(getattr(dosage, name)) and getattr(dosage, name) > 0)
    ]
    if not isinstance(dosage.per_side, bool):
        problems.append("per_side must be true or false")
    if not (_is_whole(dosage.per_week) and 1 <= dosage.per_week <= 7):
        problems.append("per_week must be a whole number from 1 to 7")
    return problems


def validate_library(specs: list[ExerciseSpec]) -> list[str]:
    """Problems with a library, one line each; empty when it is consistent."""
    problems = []
    slugs = [spec.slug for spec in specs]
    known = set(slugs)
    if len(known) != len(slugs):
        problems.append("duplicate slugs: " + ", ".join(sorted({s for s in slugs if slugs.count(s) > 1})))
    for spec in specs:
        for messages in spec_problems(spec, known).values():
            problems += [f"exercise {spec.slug}: {message}" for message in messages]
    return problems


def load_library_file(path: Path = LIBRARY_PATH) -> tuple[str, list[ExerciseSpec]]:
    """Read and validate a library file; return its version and its specs. Raises LibraryError on any problem."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LibraryError(f"cannot read {path}: {error}") from error
    if not isinstance(raw, dict) or not isinstance(raw.get("version"), str) or not raw["version"]:
        raise LibraryError("the file needs a version string and an exercises list")
    if not isinstance(raw.get("exercises"), list):
        raise LibraryError("the file needs a version string and an exercises list")
    specs, problems = [], []
    for number, entry in enumerate(raw["exercises"], start=1):
        try:
            specs.append(spec_from_dict(entry))
        except (KeyError, TypeError, AttributeError) as error:
            problems.append(f"exercise {number}: malformed entry ({error})")
    problems += validate_library(specs)
    if problems:
        raise LibraryError("\n".join(problems))
    return raw["version"], specs


@cache
def default_library() -> tuple[ExerciseSpec, ...]:
    """The shipped library (what the case harness and the benchmarks plan with)."""
    return tuple(load_library_file()[1])
