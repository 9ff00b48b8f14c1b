"""The fields of a clinical case: what the patient reports (`intake`), what the physio examines (`findings`),
the patient's basics and the case file around them, exactly as `../shared/clinical/case-format.md` names them.

One definition serves three readers: the case harness validates JSON files with it, the questionnaire and the
examination forms are built from it, and the assessment engine reads the data it validated. Pure Python.
"""

import difflib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from intake.codes import Action, Category, Cause, Condition, Hold, RedFlag
from intake.scoring import AKPS_ITEM_CODES, KOOS_PF_ITEM_CODES, akps_option_codes

BOOL, INT, NUMBER, CHOICE, MULTI, DATE, OBJECT, TEXT, LIST = (
    "bool",
    "int",
    "number",
    "choice",
    "multi",
    "date",
    "object",
    "text",
    "list",
)


@dataclass(frozen=True)
class Field:
    key: str
    kind: str
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    required: bool = False
    min_items: int = 0
    min_length: int = 0  # TEXT: at least this many characters besides white space
    max_length: int = 0
    fields: tuple["Field", ...] = ()  # the members of an OBJECT, or of each OBJECT in a LIST

    def member(self, key: str) -> "Field | None":
        return next((f for f in self.fields if f.key == key), None)


def boolean(key, **kw):
    return Field(key, BOOL, **kw)


def integer(key, lo, hi, **kw):
    return Field(key, INT, min=lo, max=hi, **kw)


def number(key, lo, hi, **kw):
    return Field(key, NUMBER, min=lo, max=hi, **kw)


def choice(key, *choices, **kw):
    return Field(key, CHOICE, choices=tuple(choices), **kw)


def multi(key, *choices, **kw):
    return Field(key, MULTI, choices=tuple(choices), **kw)


def obj(key, *fields, **kw):
    return Field(key, OBJECT, fields=tuple(fields), **kw)


FREQUENCY = ("never", "rarely", "sometimes", "often", "always")
NEVER_OCCASIONALLY_OFTEN = ("never", "occasionally", "often")

PAIN_LOCATIONS = (
    "around_kneecap",
    "below_kneecap",
    "above_kneecap",
    "outer_knee",
    "inner_joint_line",
    "back_of_knee",
    "tibial_tubercle",
)
AGGRAVATORS = (
    "stairs_up",
    "stairs_down",
    "squatting",
    "kneeling",
    "prolonged_sitting",
    "running",
    "downhill_running",
    "jumping",
    "twisting",
)
RECENT_CHANGES = (
    "distance_up",
    "frequency_up",
    "speed_work",
    "hills",
    "new_shoes",
    "new_surface",
    "returned_after_break",
)
SAFETY_BOOLS = (
    "swelling_within_2h_of_injury",
    "fever_or_unwell",
    "hot_red_knee",
    "unexplained_weight_loss",
    "history_of_cancer",
    "morning_stiffness_over_30min",
    "other_joints_swollen",
    "calf_pain_swelling_redness",
    "numbness_or_weakness",
    "cannot_straight_leg_raise",
)

POSTPARTUM = obj(
    "postpartum",
    Field("delivery_date", DATE, required=True),
    choice("delivery_mode", "vaginal", "vaginal_instrumental", "caesarean_planned", "caesarean_emergency"),
    choice(
        "perineal_trauma",
        "none",
        "first_degree",
        "second_degree",
        "third_degree",
        "fourth_degree",
        "episiotomy",
        "unknown",
    ),
    choice("breastfeeding", "exclusive", "mixed", "no"),
    choice("urine_leak", *FREQUENCY),
    choice("urgency_leak", *FREQUENCY),
    choice("heaviness", "never", "end_of_day", "with_activity", "constant"),
    *(
        boolean(key)
        for key in (
            "bowel_or_wind_control_problems",
            "abdominal_doming",
            "bleeding_after_8_weeks",
            "caesarean_wound_concern",
            "self_harm_thoughts",
            "low_mood",
            "buggy_running_planned",
            "pelvic_floor_symptoms_before_pregnancy",
        )
    ),
    integer("pelvic_pain_nprs", 0, 10),
    integer("fatigue", 0, 10),
)

AKPS = obj("akps", *(choice(item, *akps_option_codes(item)) for item in AKPS_ITEM_CODES))
# KOOS-PF is a field Runback adds to the case format ("a field may be added"): its 11 items, each 0..4.
KOOS_PF = obj("koos_pf", *(integer(item, 0, 4) for item in KOOS_PF_ITEM_CODES))

INTAKE = obj(
    "intake",
    choice("side", "left", "right", "both", required=True),
    multi("pain_locations", *PAIN_LOCATIONS, required=True, min_items=1),
    choice("onset", "gradual", "sudden_with_injury", "sudden_no_injury", required=True),
    integer("symptom_weeks", 0, 520),
    multi("aggravators", *AGGRAVATORS),
    integer("pain_onset_run_minutes", 0, 300),
    integer("nprs_now", 0, 10),
    integer("nprs_usual", 0, 10),
    integer("nprs_worst_week", 0, 10),
    integer("nprs_during_run", 0, 10),
    choice("morning_after_run", "none", "settles_within_1h", "lasts_over_1h", "worse_next_day"),
    choice("swelling", "none", "mild_after_activity", "visible", "large_tense"),
    *(boolean(key) for key in SAFETY_BOOLS),
    boolean("can_weight_bear_4_steps"),
    boolean("can_bend_to_90"),
    choice("locking", "never", "past", "current"),
    choice("giving_way", *NEVER_OCCASIONALLY_OFTEN),
    choice("catching", *NEVER_OCCASIONALLY_OFTEN),
    choice("kneecap_dislocation", "no", "once", "recurrent"),
    choice("night_pain", "no", "occasionally", "constant"),
    number("years_running", 0, 80),
    integer("runs_per_week", 0, 14),
    number("weekly_km_before_symptoms", 0, 300),
    number("current_weekly_km", 0, 300),
    number("longest_run_30d_km", 0, 200),
    number("weekly_increase_pct", 0, 1000),
    multi("recent_changes", *RECENT_CHANGES),
    integer("cadence_spm", 100, 240),
    number("shoe_km", 0, 5000),
    boolean("sitting_job"),
    boolean("previous_running_injury"),
    number("sleep_hours", 0, 14),
    integer("fear_of_movement", 0, 10),
    choice("goal", "easy_running", "5k", "10k", "half", "marathon", "ultra"),
    AKPS,
    KOOS_PF,
    POSTPARTUM,
)

READINESS_TESTS = (
    "walk_30min",
    "sl_balance_10s",
    "sl_squat_10",
    "jog_on_spot_1min",
    "forward_bounds_10",
    "hop_in_place_10",
    "running_man_10",
)
TENDERNESS = (
    "patellar_facets",
    "inferior_pole",
    "superior_pole",
    "lateral_epicondyle",
    "medial_joint_line",
    "lateral_joint_line",
    "tibial_tubercle",
)

FINDINGS = obj(
    "findings",
    *(
        boolean(key)
        for key in (
            "squat_reproduces_pain",
            "step_down_pain",
            "thigh_atrophy",
            "effusion",
            "ligament_laxity",
            "mcmurray_positive",
            "noble_test_positive",
            "thomas_test_positive",
            "hamstring_tight",
            "quad_tight",
            "calf_tight",
            "itb_tight",
            "generalised_hypermobility",
            "trendelenburg",
        )
    ),
    obj("sl_squat", boolean("knee_valgus"), boolean("pelvic_drop"), boolean("trunk_lean"), integer("pain_nprs", 0, 10)),
    choice("hip_abductor_strength", "normal", "reduced"),
    choice("quad_strength", "normal", "reduced"),
    integer("side_lying_abduction_reps", 0, 100),
    integer("sl_bridge_reps", 0, 100),
    integer("sl_calf_raise_reps", 0, 100),
    integer("sl_sit_to_stand_reps", 0, 100),
    integer("sl_balance_seconds", 0, 300),
    choice("patellar_mobility", "normal", "hypomobile", "hypermobile"),
    choice("foot_posture", "neutral", "pronated", "supinated"),
    obj(
        "gait",
        integer("cadence_spm", 100, 240),
        *(boolean(key) for key in ("overstride", "heel_strike", "knee_valgus", "pelvic_drop", "upright_stiff")),
    ),
    multi("tenderness", *TENDERNESS),
    obj("readiness", *(boolean(key) for key in READINESS_TESTS)),
    number("dra_fingers", 0, 10),
    choice("pelvic_floor_check", "pass", "fail", "not_done"),
)

PATIENT = obj(
    "patient",
    Field("date_of_birth", DATE),
    choice("sex_at_birth", "female", "male", "intersex", "prefer_not"),
    integer("height_cm", 120, 220),
    number("weight_kg", 35, 250),
)


def _field_paths(*specs: Field, prefix: str = "") -> tuple[str, ...]:
    """The dotted path of every field under these objects, objects included ('findings.readiness')."""
    paths = []
    for spec in specs:
        path = f"{prefix}{spec.key}"
        paths.append(path)
        paths.extend(_field_paths(*spec.fields, prefix=f"{path}."))
    return tuple(paths)


# Added by Runback: the physiotherapist's overrides of red flags and holds, code → written reason. Which may be
# overridden is the engine's rule (`intake.assessment.engine.override_problems`), so the schema accepts every code.
OVERRIDES = obj("overrides", *(Field(code, TEXT, min_length=1, max_length=500) for code in (*RedFlag, *Hold)))

# reference §9.4: what the patient logged after a session, replayed on the plan built from the case (case-format
# `logs`). Each entry names its session by kind and number: exactly one of `run` and `impact`.
PF_SYMPTOMS = ("leak", "heaviness", "pelvic_pain", "bowel")
LOG_SESSION_KINDS = ("run", "impact")
LOG = (
    integer("run", 1, 1000),
    integer("impact", 1, 1000),
    boolean("completed"),
    integer("pain_during_max", 0, 10, required=True),
    boolean("pain_escalated"),
    boolean("limp"),
    boolean("swelling"),
    integer("next_morning_pain", 0, 10),
    integer("next_morning_stiffness", 0, 10),
    multi("pf_symptoms", *PF_SYMPTOMS),
    integer("rpe", 0, 10),
    number("distance_km", 0, 300),
    number("duration_min", 0, 1440),
)
LOGS = Field("logs", LIST, fields=LOG)

LIGHTS = ("green", "amber", "red")
REVIEW_CODES = ("two_reds_in_14_days", "red_at_regressed_level", "pelvic_floor_symptoms", "rising_symptoms")

EXPECT = obj(
    "expect",
    choice("action", *Action),
    choice("condition", *Condition),
    multi("red_flags_include", *RedFlag),
    multi("red_flags_exclude", *RedFlag),
    multi("causes_top3_include", *Cause),
    multi("causes_exclude", *Cause),
    boolean("running_allowed"),
    Field("earliest_run_date_not_before", DATE),
    multi("exercise_categories_include", *Category),
    # After `logs`: the lights in order, review reasons, and where the patient stands.
    Field("lights", LIST, choices=LIGHTS),
    multi("review_include", *REVIEW_CODES),
    boolean("progress_running_allowed"),
    integer("next_run_level_change", -7, 7),
    integer("next_impact_step_change_max", -8, 8),
    # Added by Runback: field paths the engine must list as still needed ("needs"), and holds it must report.
    multi("needs_include", *_field_paths(PATIENT, INTAKE, FINDINGS)),
    multi("holds_include", *Hold),
)

CASE = obj(
    "case",
    Field("title", TEXT, max_length=200),  # added by Runback: a vignette's one-line description
    Field("as_of", DATE, required=True),
    Field("plan_start", DATE),
    PATIENT,
    Field(INTAKE.key, OBJECT, fields=INTAKE.fields, required=True),
    FINDINGS,
    LOGS,
    OVERRIDES,
    EXPECT,
)


class CaseError(ValueError):
    """A case that cannot be read; `problems` holds one line per problem, each naming the field path."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _allowed(spec: Field) -> str:
    return ", ".join(spec.choices)


def _show(value: Any) -> str:
    return (
        json.dumps(value)
        if isinstance(value, str)
        else repr(value)
        if not isinstance(value, bool)
        else str(value).lower()
    )


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range(spec: Field) -> str:
    lo, hi = (int(v) if float(v).is_integer() else v for v in (spec.min, spec.max))
    return f"from {lo} to {hi}"


def check_value(spec: Field, value: Any, path: str) -> list[str]:
    """Problems with one value, each as 'path: what is wrong (got …)'; empty when the value is valid."""
    kind = spec.kind
    if kind == BOOL:
        return [] if isinstance(value, bool) else [f"{path}: must be true or false (got {_show(value)})"]
    if kind == INT:
        if _is_int(value) and spec.min <= value <= spec.max:
            return []
        return [f"{path}: must be an integer {_range(spec)} (got {_show(value)})"]
    if kind == NUMBER:
        if _is_number(value) and spec.min <= value <= spec.max:
            return []
        return [f"{path}: must be a number {_range(spec)} (got {_show(value)})"]
    if kind == CHOICE:
        if isinstance(value, str) and value in spec.choices:
            return []
        return [f"{path}: must be one of {_allowed(spec)} (got {_show(value)})"]
    if kind == MULTI:
        if not isinstance(value, list):
            return [f"{path}: must be a list of {_allowed(spec)} (got {_show(value)})"]
        problems = [
            f"{path}[{i}]: must be one of {_allowed(spec)} (got {_show(item)})"
            for i, item in enumerate(value)
            if not (isinstance(item, str) and item in spec.choices)
        ]
        if not problems and len(set(value)) != len(value):
            problems.append(f"{path}: lists an answer twice")
        if not problems and len(value) < spec.min_items:
            problems.append(f"{path}: needs at least {spec.min_items} of {_allowed(spec)}")
        return problems
    if kind == DATE:
        if isinstance(value, str):
            try:
                date.fromisoformat(value)
                if len(value) == 10:
                    return []
            except ValueError:
                pass
        return [f"{path}: must be a date as YYYY-MM-DD (got {_show(value)})"]
    if kind == LIST:
        return check_list(spec, value, path)
    if kind == TEXT:
        if isinstance(value, str) and spec.min_length <= len(value.strip()) and len(value) <= spec.max_length:
            return []
        if spec.min_length:
            return [f"{path}: must be text of {spec.min_length} to {spec.max_length} characters"]
        return [f"{path}: must be text of at most {spec.max_length} characters"]
    return check_object(spec, value, path)


def check_list(spec: Field, value: Any, path: str) -> list[str]:
    """A list of objects (`fields`) or of choices (`choices`, order and repeats kept, unlike MULTI)."""
    if not isinstance(value, list):
        return [f"{path}: must be a list (got {_show(value)})"]
    problems = []
    for index, item in enumerate(value):
        if spec.fields:
            problems.extend(check_object(spec, item, f"{path}[{index}]"))
        elif not (isinstance(item, str) and item in spec.choices):
            problems.append(f"{path}[{index}]: must be one of {_allowed(spec)} (got {_show(item)})")
    return problems


def check_object(spec: Field, value: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path or 'the case'}: must be an object with fields {', '.join(f.key for f in spec.fields)}"]
    problems = []
    known = [f.key for f in spec.fields]
    for key in value:
        if key not in known:
            hint = difflib.get_close_matches(str(key), known, n=1)
            suggestion = f"; did you mean {hint[0]}?" if hint else f" (allowed: {', '.join(known)})"
            problems.append(f"{_join(path, shown_key(key))}: unknown field{suggestion}")
    for member in spec.fields:
        sub = _join(path, member.key)
        if member.key not in value or value[member.key] is None:
            if member.required:
                allowed = f" (one of {_allowed(member)})" if member.choices else ""
                problems.append(f"{sub}: is required{allowed}")
            continue
        problems.extend(check_value(member, value[member.key], sub))
    return problems


def shown_key(key: str) -> str:
    """An unknown key as a problem line names it: quoted when it holds characters that would break the line or
    disguise it (line breaks, control and direction characters), as is otherwise."""
    return key if key.isprintable() else json.dumps(key)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate_case(data: Any) -> dict:
    """Return the case when it is valid; raise CaseError listing every problem otherwise.

    Explicit nulls count as "not known", as if the key were absent; they are dropped from the returned case.
    """
    problems = check_object(CASE, data, "") or _check_dates(data) or _check_logs(data.get("logs") or [])
    if problems:
        raise CaseError(problems)
    return _drop_nulls(data)


# Not clinical, and not in the case format: the days a case may be assessed and its plan start on. A mistyped year
# (9999) is refused here rather than planned, since a plan runs weeks past its start.
CASE_DATES_FROM, CASE_DATES_TO = date(1900, 1, 1), date(2100, 12, 31)


def _check_dates(case: dict) -> list[str]:
    """Dates that are each valid but contradict the assessment date, or fall outside the days a case is dated."""
    as_of = case["as_of"]
    problems = [
        f"{key}: must be a date from {CASE_DATES_FROM} to {CASE_DATES_TO} (got {_show(case[key])})"
        for key in ("as_of", "plan_start")
        if case.get(key) and not CASE_DATES_FROM <= date.fromisoformat(case[key]) <= CASE_DATES_TO
    ]
    if (case.get("plan_start") or as_of) < as_of:
        problems.append(f"plan_start: must not be before as_of {as_of} (got {_show(case['plan_start'])})")
    delivery = (case["intake"].get("postpartum") or {}).get("delivery_date")
    if delivery and delivery > as_of:
        problems.append(f"intake.postpartum.delivery_date: must not be after as_of {as_of} (got {_show(delivery)})")
    return problems


def _check_logs(logs: list[dict]) -> list[str]:
    """Each log names exactly one session, and numbers of a kind only go up (case-format `logs`)."""
    problems, last = [], {}
    for index, entry in enumerate(logs):
        named = [kind for kind in LOG_SESSION_KINDS if entry.get(kind) is not None]
        if len(named) != 1:
            problems.append(f"logs[{index}]: name the session it logs with exactly one of run or impact")
            continue
        kind = named[0]
        if entry[kind] <= last.get(kind, 0):
            problems.append(
                f"logs[{index}].{kind}: sessions are logged in the order they happened, so {kind} numbers only go "
                f"up (got {entry[kind]} after {last[kind]})"
            )
        last[kind] = entry[kind]
    return problems


def _drop_nulls(value):
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(item) for item in value]
    return value


def field_at(path: str) -> Field:
    """The field definition at a dotted path such as 'intake.postpartum.urine_leak'."""
    spec = CASE
    for key in path.split("."):
        spec = spec.member(key)
        if spec is None:
            raise KeyError(path)
    return spec
