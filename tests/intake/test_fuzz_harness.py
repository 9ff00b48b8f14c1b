"""Fuzzing the case harness: `intake.schema.validate_case` and `manage.py evaluate_case` on generated JSON (the
vignettes with unknown keys, wrong types, huge numbers, unicode and deep nesting put in, and files that are not
JSON at all). A case is either evaluated or refused with one line per problem naming its field; nothing else."""

import copy
import json
import re
from dataclasses import replace
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from intake.assessment.engine import override_problems
from intake.schema import (
    BOOL,
    CASE,
    CHOICE,
    DATE,
    INT,
    MULTI,
    NUMBER,
    TEXT,
    CaseError,
    Field,
    _field_paths,
    shown_key,
    validate_case,
)
from plans.harness import BAD_INPUT, evaluate
from tests.fuzzing import HARNESS, any_day, examples, json_values, junk
from tests.intake.factories import VIGNETTES

CASES = [json.loads(path.read_text()) for path in sorted(VIGNETTES.glob("*.json"))]
SCHEMA_PATHS = frozenset(_field_paths(*CASE.fields))
ROOT = "the case"  # how a problem with the case as a whole is named


def _paths(value, path=""):
    """Every field path in `value` as the harness names them: 'intake.akps.limp', 'findings.tenderness[2]'."""
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{shown_key(key)}" if path else shown_key(key)
            yield inner
            yield from _paths(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            inner = f"{path}[{index}]"
            yield inner
            yield from _paths(item, inner)


def assert_names_a_field(problem: str, data) -> None:
    """A problem line starts with the path of a field of the case, or of a field the case format has (a member of
    a list entry, such as a log's, by its index: 'logs[2].pain_during_max')."""
    known = SCHEMA_PATHS | set(_paths(data)) | {ROOT}
    unindexed = re.sub(r"\[\d+\]", "", problem.split(": ", 1)[0])
    assert any(problem.startswith(f"{path}: ") for path in known) or unindexed in known, problem


def _containers(value):
    """`value` and every object and list inside it."""
    yield value
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, dict | list):
            yield from _containers(item)


@st.composite
def deep(draw):
    """A value nested hundreds of levels deep."""
    value = draw(json_values(max_leaves=2))
    for _ in range(draw(st.integers(50, 400))):
        value = [value] if draw(st.booleans()) else {"x": value}
    return value


@st.composite
def mutated_cases(draw):
    """A vignette with a few of its fields replaced, removed, wrapped, nested deep or joined by unknown ones."""
    case = copy.deepcopy(draw(st.sampled_from(CASES)))
    for _ in range(draw(st.integers(1, 4))):
        container = draw(st.sampled_from(list(_containers(case))))
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        mutation = draw(st.sampled_from(["replace", "remove", "add", "wrap", "deep"]))
        if mutation == "add" and isinstance(container, dict):
            container[draw(junk)] = draw(json_values())
        elif keys:
            key = draw(st.sampled_from(keys))
            if mutation == "remove":
                del container[key]
            elif mutation == "wrap":
                container[key] = draw(st.sampled_from([[container[key]], {"value": container[key]}]))
            elif mutation == "deep":
                container[key] = draw(deep())
            else:
                container[key] = draw(json_values())
    return case


def valid_values(spec: Field) -> st.SearchStrategy:
    """Any value the case format accepts for a field, its extremes included."""
    if spec.kind == BOOL:
        return st.booleans()
    if spec.kind == INT:
        return st.integers(int(spec.min), int(spec.max))
    if spec.kind == NUMBER:
        return st.integers(int(spec.min), int(spec.max)) | st.floats(spec.min, spec.max, allow_nan=False)
    if spec.kind == CHOICE:
        return st.sampled_from(spec.choices)
    if spec.kind == MULTI:
        return st.lists(st.sampled_from(spec.choices), min_size=spec.min_items, unique=True)
    if spec.kind == DATE:
        return any_day.map(date.isoformat)
    if spec.kind == TEXT:
        return st.text(min_size=spec.min_length, max_size=spec.max_length).filter(
            lambda text: len(text.strip()) >= spec.min_length
        )
    required = {member.key: valid_values(member) for member in spec.fields if member.required}
    optional = {member.key: valid_values(member) for member in spec.fields if not member.required}
    return st.fixed_dictionaries(required, optional=optional)


# Cases the format accepts, with any answers at all (the expectations are validate_rules' business).
valid_cases = valid_values(replace(CASE, fields=tuple(f for f in CASE.fields if f.key != "expect")))
cases = mutated_cases() | valid_cases | json_values()


MINIMAL_INTAKE = {"side": "left", "pain_locations": ["around_kneecap"], "onset": "gradual"}
# Found by this fuzzing, kept as examples that always run: a plan past the last day Python knows, and an unknown
# key that broke the one-line-per-problem output.
FOUND = [
    {"as_of": "9999-12-31", "intake": MINIMAL_INTAKE},
    {"as_of": "2026-12-01", "plan_start": "9999-12-31", "intake": MINIMAL_INTAKE},
    {"\r": None},
    {"as_of": "2026-12-01", "intake": {**MINIMAL_INTAKE, "line\nbreak": 1}},
]


def found_examples(test):
    for data in FOUND:
        test = example(data)(test)
    return test


@HARNESS
@given(cases)
@found_examples
def test_validate_case_evaluates_or_names_every_problems_field(data):
    """As the harness reads a case: the format first, then which red flags may be overridden, then the engine and
    the plan builder, which must take any case that passed."""
    try:
        case = validate_case(data)
    except CaseError as error:
        problems = error.problems
    else:
        problems = override_problems(case.get("overrides", {}))
        if not problems:
            evaluate(case, with_plan=True)
            event("evaluated")
            return
    assert problems
    for problem in problems:
        assert_names_a_field(problem, data)


def _evaluate_case_command(path: Path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("evaluate_case", str(path), stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _assert_command_answer(path: Path, data) -> None:
    status, out, err = _evaluate_case_command(path)
    if status == 0:
        assert json.loads(out)["engine_version"] and not err
        return
    assert (status, out) == (BAD_INPUT, ""), err
    for line in err.splitlines():
        assert line.startswith(f"{path}: "), line
        problem = line.removeprefix(f"{path}: ")
        if data is not None:
            assert_names_a_field(problem, data)


@pytest.fixture(scope="module")
def case_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "case.json"


@settings(HARNESS, max_examples=examples(100))
@given(cases)
@found_examples
def test_evaluate_case_prints_a_result_or_names_every_problems_field(case_file, data):
    case_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    _assert_command_answer(case_file, data)


# Files that are not a JSON object at all: the command says so, naming the file, and exits 2.
NOT_JSON = [
    b"",
    b"\xef\xbb\xbf{}",  # a byte-order mark
    b"\xff\xfe\x00{",  # not UTF-8
    b"{'as_of': '2026-12-01'}",
    b"[" * 100_000 + b"]" * 100_000,  # nested deeper than any parser's stack
    b'{"as_of": ' + b"9" * 5000 + b"}",  # more digits than Python turns into an integer
    b'{"as_of": "2026-12-01", "intake": ' + b"{" * 5000 + b"}" * 5000 + b"}",
    b'{"as_of": "2026-12-01"} trailing',
    b"NaN",
]


@pytest.mark.parametrize("content", NOT_JSON, ids=range(len(NOT_JSON)))
def test_evaluate_case_refuses_a_file_that_is_not_a_case(case_file, content):
    case_file.write_bytes(content)
    status, out, err = _evaluate_case_command(case_file)
    assert (status, out) == (BAD_INPUT, "")
    assert err.startswith(f"{case_file}: ")
