"""The case harness: read clinical case files, evaluate them with the engine (and the plan builder), and check their
`expect` blocks, as `../shared/clinical/case-format.md` describes. `manage.py evaluate_case` and
`manage.py validate_rules` are thin shells around these functions.

Pure Python: no ORM, no HTTP; the web app calls the engine itself, not this module.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from intake.engine import assess, override_problems
from intake.schema import CaseError, validate_case
from plans.builder import plan_for_case

BAD_INPUT = 2  # exit status for a case that cannot be read
FAILED = 1  # exit status when an expectation does not hold

PLAN_KEYS = ("running_allowed", "earliest_run_date_not_before", "exercise_categories_include")


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
    """The engine's result for a case, with the case's own overrides, plus the builder's `plan` unless left out."""
    result = assess(case, overrides=case.get("overrides"))
    if with_plan:
        result["plan"] = plan_for_case(case, result)
    return result


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


def _plan(result: dict) -> dict:
    """The plan, or what no plan means (there is none for emergency and urgent): no running, no exercises."""
    return result["plan"] or {"running_allowed": False, "earliest_run_date": None, "exercise_categories": []}


# Each key of an `expect` block: (expected, result) → (what the result shows, whether the expectation holds).
EXPECTATIONS: dict[str, Callable[[object, dict], tuple[object, bool]]] = {
    "action": lambda expected, result: _equal(result["action"], expected),
    "condition": lambda expected, result: _equal(result["condition"], expected),
    "red_flags_include": lambda expected, result: _includes(_flag_codes(result), expected),
    "red_flags_exclude": lambda expected, result: _excludes(_flag_codes(result), expected),
    "causes_top3_include": lambda expected, result: _includes(_cause_codes(result)[:3], expected),
    "causes_exclude": lambda expected, result: _excludes(_cause_codes(result), expected),
    "needs_include": lambda expected, result: _includes(result["needs"], expected),
    "running_allowed": lambda expected, result: _equal(_plan(result)["running_allowed"], expected),
    "earliest_run_date_not_before": lambda expected, result: _not_before(_plan(result)["earliest_run_date"], expected),
    "exercise_categories_include": lambda expected, result: _includes(_plan(result)["exercise_categories"], expected),
}


def check_expectations(expect: dict, result: dict) -> list[Check]:
    """Every key of `expect` checked against the result; plan keys are skipped when the result has no plan part."""
    checks = []
    for key, expected in expect.items():
        if key in PLAN_KEYS and "plan" not in result:
            checks.append(Check(key, expected, None, SKIPPED))
            continue
        got, holds = EXPECTATIONS[key](expected, result)
        checks.append(Check(key, expected, got, HELD if holds else FAILED_CHECK))
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
    reports = [
        CaseReport(path, check_expectations(case["expect"], evaluate(case, with_plan=with_plan)))
        for path, case in cases
        if "expect" in case
    ]
    return reports, [path for path, case in cases if "expect" not in case]


def show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
