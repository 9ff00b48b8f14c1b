"""The case harness: read clinical case files, evaluate them with the engine (and the plan builder), and check their
`expect` blocks, as `../shared/clinical/case-format.md` describes. `manage.py evaluate_case` and
`manage.py validate_rules` are thin shells around these functions.

Pure Python: no ORM, no HTTP; the web app calls the engine itself, not this module.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from intake.assessment.engine import assess, override_problems
from intake.schema import CaseError, validate_case
from plans.builder import plan_for_case
from plans.invariants import plan_violations, progress_violations
from plans.library.exercises import default_library
from plans.progression import CaseLogError, baseline_morning_pain, replay_case_logs

BAD_INPUT = 2  # exit status for a case that cannot be read
FAILED = 1  # exit status when an expectation does not hold

PROGRESS_KEYS = (
    "lights",
    "review_include",
    "progress_running_allowed",
    "next_run_level_change",
    "next_impact_step_change_max",
)
PLAN_KEYS = ("running_allowed", "earliest_run_date_not_before", "exercise_categories_include", *PROGRESS_KEYS)
INVARIANTS = "invariants"  # checked for every case with a plan, expected or not


class HarnessError(Exception):
    """Input the harness cannot work with; `problems` holds one line per problem, naming file and field path."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def read_case(path: Path) -> dict:
    """The validated case in a JSON file, or HarnessError with a line per problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise HarnessError([f"{path}: cannot be read ({error.strerror})"]) from error
    except UnicodeDecodeError as error:
        raise HarnessError([f"{path}: is not UTF-8 text"]) from error
    except json.JSONDecodeError as error:
        raise HarnessError(
            [f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"]
        ) from error
    except RecursionError as error:
        raise HarnessError([f"{path}: nested too deeply to be a case"]) from error
    except ValueError as error:  # a number with more digits than Python converts
        raise HarnessError([f"{path}: not a case ({error})"]) from error
    try:
        case = validate_case(data)
    except CaseError as error:
        raise HarnessError([f"{path}: {problem}" for problem in error.problems]) from error
    problems = override_problems(case.get("overrides", {}))
    if problems:
        raise HarnessError([f"{path}: {problem}" for problem in problems])
    return case


def case_files(paths: Iterable[Path]) -> list[Path]:
    """The JSON files named, and those anywhere under the folders named, in a stable order."""
    files, problems = [], []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.json")))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    if problems:
        raise HarnessError(problems)
    return files


def evaluate(case: dict, *, with_plan: bool = True) -> dict:
    """The engine's result for a case, with the case's own overrides, plus the builder's `plan` unless left out.
    With `logs`, the plan is the one after the logs were replayed, and the result has their `progress`. Raises
    HarnessError (naming the log) for a log the plan cannot take."""
    result = assess(case, overrides=case.get("overrides"))
    if not with_plan:
        return result
    plan = plan_for_case(case, result)
    if case.get("logs"):
        if plan is None:
            raise HarnessError([f"logs: a case with action {result['action']} has no plan to log sessions on"])
        try:
            plan, result["progress"], _ = replay_case_logs(
                plan, case["logs"], baseline=baseline_morning_pain(case["intake"])
            )
        except CaseLogError as error:
            raise HarnessError(error.problems) from error
    result["plan"] = plan
    return result


def invariant_problems(case: dict, result: dict) -> list[str]:
    """Every plan invariant of case-format.md the case's plan breaks (with the logs' too); empty without a plan."""
    plan = result.get("plan")
    if not plan:
        return []
    gates = result["gates"]
    running_from = gates.get("running_allowed_from")
    problems = plan_violations(
        plan,
        condition=result["condition"],
        longest_run_30d_km=case["intake"].get("longest_run_30d_km"),
        running_allowed_from=date.fromisoformat(running_from) if running_from else None,
        contraindications=gates["contraindications"],
        library=default_library(),
    )
    if case.get("logs"):
        fresh = plan_for_case(case, result)
        _, progress, logged = replay_case_logs(fresh, case["logs"], baseline=baseline_morning_pain(case["intake"]))
        problems += progress_violations(plan, logged, progress)
    return problems


# --- Expectations ---------------------------------------------------------------------------------------------------

HELD, FAILED_CHECK, SKIPPED = "held", "failed", "skipped"


@dataclass(frozen=True)
class Check:
    key: str
    expected: object
    got: object
    status: str


@dataclass
class CaseReport:
    path: Path
    checks: list[Check] = field(default_factory=list)

    def with_status(self, status: str) -> list[Check]:
        return [check for check in self.checks if check.status == status]


def _flag_codes(result: dict) -> list[str]:
    return [flag["code"] for flag in result["red_flags"]]


def _cause_codes(result: dict) -> list[str]:
    return [cause["code"] for cause in result["causes"]]


def _equal(got: object, expected: object) -> tuple[object, bool]:
    return got, got == expected


def _includes(got: list, expected: list) -> tuple[list, bool]:
    return got, set(expected) <= set(got)


def _excludes(got: list, expected: list) -> tuple[list, bool]:
    return got, not set(expected) & set(got)


def _not_before(got: str | None, expected: str) -> tuple[str | None, bool]:
    return got, got is None or got >= expected  # a plan without runs satisfies any earliest date


def _progress(result: dict) -> dict:
    return result.get("progress") or {"lights": [], "review": [], "running_allowed": None}


def _last_logged(case: dict, result: dict, kind: str) -> dict | None:
    """The last logged session of a kind, as the plan holds it after the logs (logged days are not re-planned)."""
    lights = _progress(result)["lights"]
    days = [light["date"] for light in lights]
    sessions = [s for week in result["plan"]["weeks"] for s in week["sessions"] if s["date"] in days]
    return next((s for s in reversed(sessions) if s["kind"] == kind), None)


def _change(case: dict, result: dict, kind: str, key: str) -> int | None:
    upcoming = _progress(result).get(f"next_{kind}")
    last = _last_logged(case, result, kind)
    if upcoming is None or last is None:
        return None
    return upcoming[key] - last[kind][key]


def _plan(result: dict) -> dict:
    """The plan, or what no plan means (there is none for emergency and urgent): no running, no exercises."""
    return result["plan"] or {"running_allowed": False, "earliest_run_date": None, "exercise_categories": []}


# Each key of an `expect` block: (expected, case, result) → (what the result shows, whether the expectation holds).
EXPECTATIONS: dict[str, Callable[[object, dict, dict], tuple[object, bool]]] = {
    "action": lambda expected, case, result: _equal(result["action"], expected),
    "condition": lambda expected, case, result: _equal(result["condition"], expected),
    "red_flags_include": lambda expected, case, result: _includes(_flag_codes(result), expected),
    "red_flags_exclude": lambda expected, case, result: _excludes(_flag_codes(result), expected),
    "causes_top3_include": lambda expected, case, result: _includes(_cause_codes(result)[:3], expected),
    "causes_exclude": lambda expected, case, result: _excludes(_cause_codes(result), expected),
    "needs_include": lambda expected, case, result: _includes(result["needs"], expected),
    "holds_include": lambda expected, case, result: _includes([hold["code"] for hold in result["holds"]], expected),
    "running_allowed": lambda expected, case, result: _equal(_plan(result)["running_allowed"], expected),
    "earliest_run_date_not_before": lambda expected, case, result: _not_before(
        _plan(result)["earliest_run_date"], expected
    ),
    "exercise_categories_include": lambda expected, case, result: _includes(
        _plan(result)["exercise_categories"], expected
    ),
    "lights": lambda expected, case, result: _equal(
        [light["light"] for light in _progress(result)["lights"]], expected
    ),
    "review_include": lambda expected, case, result: _includes(
        [review["code"] for review in _progress(result)["review"]], expected
    ),
    "progress_running_allowed": lambda expected, case, result: _equal(_progress(result)["running_allowed"], expected),
    "next_run_level_change": lambda expected, case, result: _equal(_change(case, result, "run", "level"), expected),
    "next_impact_step_change_max": lambda expected, case, result: _at_most(
        _change(case, result, "impact", "step"), expected
    ),
}


def _at_most(got: int | None, expected: int) -> tuple[int | None, bool]:
    return got, got is None or got <= expected  # no next impact session moves on by definition


def check_expectations(expect: dict, result: dict, case: dict | None = None) -> list[Check]:
    """Every key of `expect` checked against the result, plus the plan invariants whenever the result has a plan;
    plan keys are skipped when the result has no plan part."""
    case = case or {}
    checks = []
    for key, expected in expect.items():
        if key in PLAN_KEYS and "plan" not in result:
            checks.append(Check(key, expected, None, SKIPPED))
            continue
        got, holds = EXPECTATIONS[key](expected, case, result)
        checks.append(Check(key, expected, got, HELD if holds else FAILED_CHECK))
    if result.get("plan") and case:
        broken = invariant_problems(case, result)
        checks.append(Check(INVARIANTS, [], broken, FAILED_CHECK if broken else HELD))
    return checks


def validate_cases(paths: Iterable[Path], *, with_plan: bool) -> tuple[list[CaseReport], list[Path]]:
    """Check every case with an `expect` block: the reports, and the files without one.

    Every file is read and validated first, so one bad file stops the run before anything is evaluated
    (HarnessError with every problem of every file).
    """
    files = case_files(paths)
    cases, problems = [], []
    for path in files:
        try:
            cases.append((path, read_case(path)))
        except HarnessError as error:
            problems.extend(error.problems)
    if problems:
        raise HarnessError(problems)
    reports, problems = [], []
    for path, case in cases:
        if "expect" not in case:
            continue
        try:
            result = evaluate(case, with_plan=with_plan)
        except HarnessError as error:
            problems.extend(f"{path}: {problem}" for problem in error.problems)
            continue
        reports.append(CaseReport(path, check_expectations(case["expect"], result, case)))
    if problems:
        raise HarnessError(problems)
    return reports, [path for path, case in cases if "expect" not in case]


def show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
