"""Small cases for engine and rule tests, built from {field path: answer} so each test shows only what matters."""

import copy
from datetime import date

AS_OF = date(2026, 12, 1)
# The least a valid case holds; the pain site fits no condition of the differential.
BASE = {"as_of": AS_OF.isoformat(), "intake": {"side": "left", "pain_locations": ["back_of_knee"], "onset": "gradual"}}


def case_with(values: dict, base: dict = BASE) -> dict:
    """A copy of `base` with each dotted field path set to its value (objects are created as needed)."""
    case = copy.deepcopy(base)
    for path, value in values.items():
        *parents, key = path.split(".")
        target = case
        for parent in parents:
            target = target.setdefault(parent, {})
        target[key] = value
    return case


def without(case: dict, paths) -> dict:
    """A copy of `case` with these dotted field paths removed, as if never answered."""
    case = copy.deepcopy(case)
    for path in paths:
        *parents, key = path.split(".")
        target = case
        for parent in parents:
            target = target.get(parent, {})
        target.pop(key, None)
    return case
