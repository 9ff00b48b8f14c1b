"""Literal handout data for the tests and the benchmark: a 12-week patellofemoral plan in the case format
(`pfp_12_week_plan.json`, laid out as the plan builder lays out a week) with six exercises, two kinds of
cross-training, a clinic, a physio and a patient. Literal so that the tests can name exact dates, cells and doses
whatever the builder and the library's wording become."""

import json
from datetime import date
from pathlib import Path

from plans.library.exercises import ExerciseSpec, default_library, spec_from_dict

PLAN_FILE = Path(__file__).with_name("pfp_12_week_plan.json")
SHIPPED_FIGURES = {spec.slug: spec.figure for spec in default_library()}

CLINIC = {"name": "Riverside Physio", "phone": "020 7946 0001", "address": "12 Mill Lane\nKingston KT1 1AA"}
PHYSIO = {"name": "Alice Morgan", "registration": "PH123456"}
PATIENT_NAME = "Emma Clarke"
NOTE = "Well done on getting started, Emma.\nKeep your runs easy and flat for now."
# Markup typed where text belongs: a handout prints it as text and never fetches what it names.
HOSTILE = (
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://127.0.0.1:9/private">',
    "<style>@import url(http://169.254.169.254/);</style>",
    '<a href="javascript:alert(1)">click me</a>',
    "<script>document.write(1)</script>",
)


def squeeze(text: str) -> str:
    """Text without any whitespace, so a line wrap in the PDF does not hide a match."""
    return "".join(text.split())


ISSUED_ON = date(2026, 12, 1)


def _spec(slug, name, kind, categories, dosage, instructions, cues=(), equipment=(), muscles=(), impact=False):
    # The words are the test's own; the drawing is the shipped library's figure for the same slug.
    return spec_from_dict(
        {
            "slug": slug,
            "name": name,
            "kind": kind,
            "categories": categories,
            "dosage": dosage,
            "instructions": instructions,
            "cues": cues,
            "equipment": equipment,
            "target_muscles": muscles,
            "impact": impact,
            "figure": SHIPPED_FIGURES.get(slug),
        }
    )


def exercises() -> dict[str, ExerciseSpec]:
    specs = [
        _spec(
            "glute_bridge",
            "Glute bridge",
            "strength",
            ["HIP_EXT"],
            {"sets": 3, "reps": 10, "rest_s": 60},
            [
                "Lie on your back with your knees bent and your feet flat on the floor, hip-width apart.",
                "Squeeze your buttocks and lift your hips until your shoulders, hips and knees are in a line.",
                "Pause at the top, then lower slowly.",
            ],
            ["Push through your heels.", "Keep your knees in line with your feet."],
            ["mat"],
            ["gluteus maximus", "hamstrings"],
        ),
        _spec(
            "side_lying_hip_abduction",
            "Side-lying hip abduction",
            "strength",
            ["HIP_ABD"],
            {"sets": 3, "reps": 10, "rest_s": 60, "per_side": True},
            [
                "Lie on your side with your bottom knee bent and your top leg straight.",
                "Lift the top leg up and slightly back, toes pointing forwards.",
                "Lower it slowly.",
            ],
            ["Keep your hips stacked; don't roll backwards."],
            ["mat"],
            ["gluteus medius"],
        ),
        _spec(
            "sit_to_stand",
            "Sit to stand",
            "strength",
            ["QUAD_CKC"],
            {"sets": 3, "reps": 10, "rest_s": 60},
            [
                "Sit near the front of a firm chair, feet hip-width apart.",
                "Lean forwards and stand up without using your hands.",
                "Sit back down slowly.",
            ],
            ["Keep your knees over your toes."],
            ["chair"],
            ["quadriceps", "gluteus maximus"],
        ),
        _spec(
            "wall_sit",
            "Wall sit",
            "strength",
            ["QUAD_CKC"],
            {"sets": 3, "hold_s": 30, "rest_s": 60},
            [
                "Stand with your back against a wall, feet a step away from it.",
                "Slide down until your knees are bent to a comfortable angle, no lower than a right angle.",
                "Hold, then slide back up.",
            ],
            ["Stop higher up the wall if your kneecap hurts."],
            ["wall"],
            ["quadriceps"],
        ),
        _spec(
            "double_leg_calf_raise",
            "Calf raise",
            "strength",
            ["CALF"],
            {"sets": 3, "reps": 15, "rest_s": 60},
            ["Stand tall holding a worktop.", "Rise up onto your toes.", "Lower slowly."],
            ["Go up quickly, down slowly."],
            ["wall or worktop"],
            ["calf muscles"],
        ),
        _spec(
            "pogo_jumps",
            "Pogo jumps",
            "impact",
            ["PLYO"],
            {"sets": 3, "reps": 30, "rest_s": 60},
            ["Stand with your feet hip-width apart.", "Make small, quick bounces on the balls of your feet."],
            ["Land softly and quietly."],
            [],
            ["calf muscles"],
            impact=True,
        ),
        _spec("stationary_bike", "Exercise bike", "cross_training", ["LOAD_MGMT"], {"minutes": 20}, []),
        _spec("brisk_walking", "Brisk walk", "cross_training", ["LOAD_MGMT"], {"minutes": 30}, []),
    ]
    return {spec.slug: spec for spec in specs}


CARD_SLUGS = (
    "glute_bridge",
    "side_lying_hip_abduction",
    "sit_to_stand",
    "wall_sit",
    "double_leg_calf_raise",
    "pogo_jumps",
)


def plan(weeks: int = 12) -> dict:
    """The 12-week plan, or its first `weeks` weeks (a shorter handout renders faster)."""
    whole = json.loads(PLAN_FILE.read_text())
    return {**whole, "weeks": whole["weeks"][:weeks]}


def context_arguments(**overrides) -> dict:
    """The keyword arguments of `handout_context` for the sample handout, with `overrides`."""
    arguments = {
        "plan": plan(),
        "exercises": exercises(),
        "patient_name": PATIENT_NAME,
        "clinic": CLINIC,
        "physio": PHYSIO,
        "condition": "patellofemoral_pain",
        "causes": ["hip_muscle_weakness", "training_load_error"],
        "note": NOTE,
        "revision": 2,
        "issued_on": ISSUED_ON,
        "paper": "a4",
    }
    return {**arguments, **overrides}


def context(**overrides) -> dict:
    from plans.handouts.content import handout_context

    return handout_context(**context_arguments(**overrides))
