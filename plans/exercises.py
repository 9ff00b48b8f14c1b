"""The exercise library as plain data: `plans/data/exercises.json` read into `ExerciseSpec`s.

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
        "figure": {…}                           # pose data drawn by plans.figures
     }]}
"""

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from intake.codes import Category, Contraindication

LIBRARY_PATH = Path(__file__).resolve().parent / "data" / "exercises.json"

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


@dataclass(frozen=True)
class Dosage:
    sets: int | None = None
    reps: int | None = None
    hold_s: int | None = None
    minutes: int | None = None
    rest_s: int | None = None
    per_side: bool = False
    per_week: int = 3


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
    figure: dict = field(default_factory=dict, compare=False, hash=False)

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
        figure=entry.get("figure") or {},
    )


def validate_library(specs: list[ExerciseSpec]) -> list[str]:
    """Problems with a library, one line each; empty when it is consistent."""
    problems = []
    slugs = [spec.slug for spec in specs]
    known = set(slugs)
    if len(known) != len(slugs):
        problems.append("duplicate slugs: " + ", ".join(sorted({s for s in slugs if slugs.count(s) > 1})))
    for spec in specs:
        where = f"exercise {spec.slug}"
        if spec.kind not in KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(KINDS)}")
        problems += [f"{where}: unknown category {c}" for c in spec.categories if c not in set(Category)]
        problems += [
            f"{where}: unknown contraindication {c}" for c in spec.contraindications if c not in set(Contraindication)
        ]
        problems += [
            f"{where}: links to unknown exercise {s}" for s in spec.progressions + spec.regressions if s not in known
        ]
        if not 1 <= spec.level <= 5:
            problems.append(f"{where}: level must be from 1 to 5")
    return problems


def load_library_file(path: Path = LIBRARY_PATH) -> tuple[str, list[ExerciseSpec]]:
    """Read and validate a library file; return its version and its specs."""
    raw = json.loads(Path(path).read_text())
    specs = [spec_from_dict(entry) for entry in raw["exercises"]]
    problems = validate_library(specs)
    if problems:
        raise LibraryError("\n".join(problems))
    return raw["version"], specs


@cache
def default_library() -> tuple[ExerciseSpec, ...]:
    """The shipped library (what the case harness and the benchmarks plan with)."""
    return tuple(load_library_file()[1])
