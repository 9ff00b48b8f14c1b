"""The case harness: `evaluate_case` and `validate_rules`, their exit statuses and output streams, and the
vignettes in tests/cases (with the shared cases) as a whole."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from intake.codes import RED_FLAGS, Cause, Condition, Hold
from intake.schema import REVIEW_CODES
from plans.harness import check_expectations
from plans.invariants import plan_violations
from plans.library.exercises import default_library

BASE_DIR = Path(settings.BASE_DIR)
OWN_CASES = BASE_DIR / "tests" / "cases"
# Copies of the clinic's example cases (../shared/clinical/cases), so that a clone anywhere runs them.
REFERENCE_CASES = OWN_CASES / "reference"
CLINIC_SHARED_CASES = BASE_DIR.parent / "shared" / "clinical" / "cases"
CLASSIC_PFP = OWN_CASES / "pfp-weak-quadriceps-man.json"

MINIMAL = {"as_of": "2026-12-01", "intake": {"side": "left", "pain_locations": ["around_kneecap"], "onset": "gradual"}}


def run(command: str, *args: str) -> tuple[int, str, str]:
    """Run a command in-process: (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def write_case(folder: Path, name: str, case) -> Path:
    path = folder / name
    path.write_text(case if isinstance(case, str) else json.dumps(case))
    return path


# --- evaluate_case ------------------------------------------------------------------------------------------------


def test_evaluate_case_prints_the_result_as_json():
    status, out, err = run("evaluate_case", str(CLASSIC_PFP), "--no-plan")
    result = json.loads(out)
    assert (status, err) == (0, "")
    assert result["action"] == "plan"
    assert result["condition"] == "patellofemoral_pain"
    assert result["causes"][0]["code"] == "quadriceps_weakness"
    assert "plan" not in result


def test_evaluate_case_adds_the_plan_from_the_builder():
    status, out, _ = run("evaluate_case", str(CLASSIC_PFP))
    result = json.loads(out)
    plan = result["plan"]
    assert status == 0
    assert plan["running_allowed"] is True
    assert {"HIP_ABD", "QUAD_CKC"} <= set(plan["exercise_categories"])
    assert plan_violations(plan, condition=result["condition"], library=default_library()) == []


def test_evaluate_case_has_no_plan_for_an_urgent_case():
    status, out, _ = run("evaluate_case", str(REFERENCE_CASES / "acute-twist-locked-knee.json"))
    result = json.loads(out)
    assert (status, result["action"], result["plan"]) == (0, "urgent", None)


def test_evaluate_case_applies_the_cases_overrides(tmp_path):
    path = write_case(
        tmp_path,
        "override.json",
        {
            **MINIMAL,
            "intake": {**MINIMAL["intake"], "pain_locations": ["outer_knee"], "aggravators": ["downhill_running"]},
        }
        | {"findings": {"noble_test_positive": True}, "overrides": {"not_pfp_pattern": "ITBS plan agreed"}},
    )
    result = json.loads(run("evaluate_case", str(path), "--no-plan")[1])
    assert result["red_flags"][0]["overridden"] is True
    assert result["red_flags"][0]["override_reason"] == "ITBS plan agreed"


BAD_CASES = {
    "bad JSON": (
        '{"as_of": "2026-12-01",',
        ["not valid JSON (line 1, column 24: Expecting property name enclosed in double quotes)"],
    ),
    "not an object": (
        "[1]",
        [
            "the case: must be an object with fields title, as_of, plan_start, patient, intake, findings, logs, "
            "overrides, expect"
        ],
    ),
    "missing required field": (
        {"as_of": "2026-12-01", "intake": {"side": "left", "pain_locations": ["around_kneecap"]}},
        ["intake.onset: is required (one of gradual, sudden_with_injury, sudden_no_injury)"],
    ),
    "value out of range": (
        {**MINIMAL, "intake": {**MINIMAL["intake"], "nprs_now": 14}},
        ["intake.nprs_now: must be an integer from 0 to 10 (got 14)"],
    ),
    "unknown code": (
        {**MINIMAL, "intake": {**MINIMAL["intake"], "onset": "slowly"}},
        ['intake.onset: must be one of gradual, sudden_with_injury, sudden_no_injury (got "slowly")'],
    ),
    "unknown key": (
        {**MINIMAL, "findings": {"squat_reproduce_pain": True}},
        ["findings.squat_reproduce_pain: unknown field; did you mean squat_reproduces_pain?"],
    ),
    "two problems": (
        {**MINIMAL, "intake": {**MINIMAL["intake"], "side": "up", "sleep_hours": 20}},
        [
            'intake.side: must be one of left, right, both (got "up")',
            "intake.sleep_hours: must be a number from 0 to 14 (got 20)",
        ],
    ),
    "birth after the assessment": (
        {**MINIMAL, "intake": {**MINIMAL["intake"], "postpartum": {"delivery_date": "2027-01-01"}}},
        ['intake.postpartum.delivery_date: must not be after as_of 2026-12-01 (got "2027-01-01")'],
    ),
    "empty override reason": (
        {**MINIMAL, "overrides": {"pelvic_floor_symptoms": " "}},
        ["overrides.pelvic_floor_symptoms: must be text of 1 to 500 characters"],
    ),
    "override that is not allowed": (
        {**MINIMAL, "overrides": {"true_locking": "checked"}},
        [
            "overrides.true_locking: an urgent red flag cannot be overridden; "
            "only refer_before_run and caution flags can"
        ],
    ),
}


@pytest.mark.parametrize(("case", "problems"), BAD_CASES.values(), ids=BAD_CASES.keys())
def test_evaluate_case_reports_bad_input_on_stderr_with_status_2(tmp_path, case, problems):
    path = write_case(tmp_path, "bad.json", case)
    status, out, err = run("evaluate_case", str(path), "--no-plan")
    assert (status, out) == (2, "")
    assert err.splitlines() == [f"{path}: {problem}" for problem in problems]


def test_evaluate_case_reports_a_missing_file(tmp_path):
    status, out, err = run("evaluate_case", str(tmp_path / "nowhere.json"), "--no-plan")
    assert (status, out) == (2, "")
    assert "nowhere.json: cannot be read (No such file or directory)" in err


# --- validate_rules -----------------------------------------------------------------------------------------------


@pytest.mark.skipif(not CLINIC_SHARED_CASES.is_dir(), reason="the clinic's ../shared folder is not beside this clone")
def test_reference_cases_are_the_clinics_shared_cases_unchanged():
    shared = {path.name: path.read_text() for path in CLINIC_SHARED_CASES.glob("*.json")}
    copied = {path.name: path.read_text() for path in REFERENCE_CASES.glob("*.json")}
    assert copied == shared


def test_validate_rules_passes_the_reference_cases_and_the_vignettes_with_their_plans():
    status, out, err = run("validate_rules", str(OWN_CASES))
    assert (status, err) == (0, "")
    case_count = len(list(OWN_CASES.rglob("*.json")))
    assert len(list(REFERENCE_CASES.glob("*.json"))) == 4
    summary = out.splitlines()[-1]
    assert summary.startswith(f"{case_count} cases run, ")
    assert summary.endswith(", 0 failed")  # nothing skipped: plan expectations are checked too
    assert "FAIL" not in out


def test_validate_rules_reports_each_failed_expectation(tmp_path):
    expect = {
        "action": "urgent",
        "condition": "unclear",
        "red_flags_include": ["dvt_signs"],
        "causes_top3_include": ["footwear"],
    }
    path = write_case(tmp_path, "wrong.json", {**MINIMAL, "expect": expect})
    status, out, _ = run("validate_rules", "--no-plan", str(path))
    assert status == 1
    assert [line for line in out.splitlines() if line.startswith("FAIL")] == [
        f'FAIL {path}: action: expected "urgent", got "plan"',
        f'FAIL {path}: red_flags_include: expected ["dvt_signs"], got []',
        f'FAIL {path}: causes_top3_include: expected ["footwear"], got []',
    ]
    assert out.splitlines()[-1] == "1 case run, 4 expectations checked, 3 failed"


def test_validate_rules_skips_plan_expectations_with_no_plan(tmp_path):
    expect = {"action": "plan", "running_allowed": False, "exercise_categories_include": ["PFMT"]}
    path = write_case(tmp_path, "plan.json", {**MINIMAL, "expect": expect})
    status, out, _ = run("validate_rules", "--no-plan", str(path))
    assert status == 0
    assert f"ok   {path} (1 held, 2 skipped: running_allowed, exercise_categories_include)" in out
    assert out.splitlines()[-1] == "1 case run, 1 expectation checked, 0 failed, 2 skipped (no plan)"


def test_validate_rules_checks_plan_expectations_against_the_builder(tmp_path):
    expect = {"running_allowed": False, "earliest_run_date_not_before": "2026-11-01"}
    path = write_case(tmp_path, "plan.json", {**MINIMAL, "expect": expect})
    status, out, _ = run("validate_rules", str(path))
    assert status == 1
    assert f"FAIL {path}: running_allowed: expected false, got true" in out


def test_validate_rules_reads_folders_recursively_and_lists_files_without_expect(tmp_path):
    write_case(tmp_path, "no-expect.json", MINIMAL)
    (tmp_path / "deeper").mkdir()
    write_case(tmp_path / "deeper", "nested.json", {**MINIMAL, "expect": {"condition": "patellofemoral_pain"}})
    status, out, _ = run("validate_rules", "--no-plan", str(tmp_path))
    assert status == 1  # the nested case is not patellofemoral: no aggravator
    assert f"FAIL {tmp_path / 'deeper' / 'nested.json'}: condition" in out
    assert f"--   {tmp_path / 'no-expect.json'} (no expect block)" in out


def test_validate_rules_reports_every_bad_file_and_evaluates_nothing(tmp_path):
    write_case(tmp_path, "a.json", {**MINIMAL, "intake": {**MINIMAL["intake"], "nprs_now": 11}})
    write_case(tmp_path, "b.json", {**MINIMAL, "expect": {"actoin": "plan"}})
    write_case(tmp_path, "c.json", {**MINIMAL, "expect": {"action": "plan"}})
    status, out, err = run("validate_rules", "--no-plan", str(tmp_path))
    assert (status, out) == (2, "")
    assert err.splitlines() == [
        f"{tmp_path / 'a.json'}: intake.nprs_now: must be an integer from 0 to 10 (got 11)",
        f"{tmp_path / 'b.json'}: expect.actoin: unknown field; did you mean action?",
    ]


def test_validate_rules_reports_a_missing_path(tmp_path):
    assert run("validate_rules", "--no-plan", str(tmp_path / "gone")) == (
        2,
        "",
        f"{tmp_path / 'gone'}: no such file or folder\n",
    )


@pytest.mark.parametrize(
    ("plan", "expect", "holds"),
    [
        (None, {"running_allowed": False}, True),  # no plan for emergency and urgent: no running
        (None, {"earliest_run_date_not_before": "2027-01-01"}, True),
        (None, {"exercise_categories_include": ["PFMT"]}, False),
        (
            {"running_allowed": True, "earliest_run_date": None, "exercise_categories": []},
            {"earliest_run_date_not_before": "2027-01-01"},
            True,
        ),
        (
            {"running_allowed": True, "earliest_run_date": "2026-12-31", "exercise_categories": []},
            {"earliest_run_date_not_before": "2027-01-01"},
            False,
        ),
        (
            {"running_allowed": True, "earliest_run_date": "2027-01-01", "exercise_categories": []},
            {"earliest_run_date_not_before": "2027-01-01"},
            True,
        ),
    ],
)
def test_plan_expectations(plan, expect, holds):
    result = {"red_flags": [], "causes": [], "needs": [], "plan": plan}
    (check,) = check_expectations(expect, result)
    assert (check.status == "held") is holds


# --- The commands as a shell runs them: exit statuses and separate streams ---------------------------------------


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.test_settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )


def test_shell_evaluate_case_exits_0_with_json_on_stdout_only():
    completed = manage("evaluate_case", str(CLASSIC_PFP), "--no-plan")
    assert (completed.returncode, completed.stderr) == (0, "")
    assert json.loads(completed.stdout)["engine_version"]


def test_shell_evaluate_case_exits_2_with_problems_on_stderr_only(tmp_path):
    path = write_case(tmp_path, "bad.json", {**MINIMAL, "intake": {**MINIMAL["intake"], "nprs_now": 14}})
    completed = manage("evaluate_case", str(path), "--no-plan")
    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr == f"{path}: intake.nprs_now: must be an integer from 0 to 10 (got 14)\n"


def test_shell_validate_rules_exits_1_when_an_expectation_fails(tmp_path):
    path = write_case(tmp_path, "wrong.json", {**MINIMAL, "expect": {"action": "emergency"}})
    completed = manage("validate_rules", "--no-plan", str(path))
    assert (completed.returncode, completed.stderr) == (1, "")
    assert f'FAIL {path}: action: expected "emergency", got "plan"' in completed.stdout


# --- The vignettes ------------------------------------------------------------------------------------------------

VIGNETTES = sorted(OWN_CASES.glob("*.json"))


def expected_union(key: str) -> set[str]:
    return {code for path in VIGNETTES for code in json.loads(path.read_text())["expect"].get(key, [])}


def test_there_are_at_least_24_vignettes_each_with_a_title_and_expectations():
    assert len(VIGNETTES) >= 24
    for path in VIGNETTES:
        case = json.loads(path.read_text())
        assert case["title"] and case["expect"], path.name


def test_vignettes_expect_every_red_flag():
    assert set(RED_FLAGS) - expected_union("red_flags_include") == set()


def test_vignettes_expect_every_condition():
    conditions = {json.loads(path.read_text())["expect"].get("condition") for path in VIGNETTES}
    assert set(Condition) - conditions == set()


def test_vignettes_expect_every_cause_in_a_top_three():
    assert set(Cause) - expected_union("causes_top3_include") == set()


def test_vignettes_expect_every_review_reason():
    assert set(REVIEW_CODES) - expected_union("review_include") == set()


def test_vignettes_cover_every_hold():
    held = set()
    for path in VIGNETTES:
        _, out, _ = run("evaluate_case", str(path), "--no-plan")
        held |= {hold["code"] for hold in json.loads(out)["holds"]}
    assert set(Hold) - held == set()


# --- Logs: replayed on the case's plan (case-format `logs` → `progress`) ---------------------------------------------

LEAK_CASE = OWN_CASES / "postpartum-leak-after-a-run-holds-running.json"


def with_logs(logs, **expect) -> dict:
    case = json.loads(LEAK_CASE.read_text())
    return {**case, "logs": logs, "expect": expect}


def green(**log):
    return {"pain_during_max": 1, "next_morning_pain": 0, "next_morning_stiffness": 0, **log}


def test_evaluate_case_replays_the_logs_into_progress():
    status, out, err = run("evaluate_case", str(LEAK_CASE))
    result = json.loads(out)
    assert (status, err) == (0, "")
    progress = result["progress"]
    assert [light["light"] for light in progress["lights"]] == ["green", "green", "red"]
    assert any("pelvic floor symptoms: leak" in reason for reason in progress["lights"][2]["reasons"])
    assert progress["review"] == [{"code": "pelvic_floor_symptoms", "rule": "RF19"}]
    assert (progress["running_allowed"], progress["next_run"], progress["next_impact"]) == (False, None, None)
    after = [s for w in result["plan"]["weeks"] for s in w["sessions"] if s["date"] > progress["lights"][-1]["date"]]
    assert {s["kind"] for s in after} <= {"strength", "cross_train", "rest"}


def test_evaluate_case_without_logs_has_no_progress():
    _, out, _ = run("evaluate_case", str(CLASSIC_PFP))
    assert "progress" not in json.loads(out)


def test_a_log_of_a_session_the_plan_no_longer_has_exits_2_naming_it(tmp_path):
    path = write_case(
        tmp_path, "held.json", with_logs([green(run=1), green(run=2, pf_symptoms=["leak"]), green(run=3)])
    )
    status, out, err = run("evaluate_case", str(path))
    assert (status, out) == (2, "")
    assert err.splitlines() == [f"{path}: logs[2].run: the plan has no run 3 at this point"]


def test_a_log_of_an_impact_session_a_runner_never_has_exits_2(tmp_path):
    case = {**json.loads(CLASSIC_PFP.read_text()), "logs": [green(impact=1)]}
    path = write_case(tmp_path, "no-impact.json", case)
    status, _, err = run("evaluate_case", str(path))
    assert status == 2 and "logs[0].impact: the plan has no impact 1 at this point" in err


@pytest.mark.parametrize(
    ("logs", "problem"),
    [
        ([{"run": 1}], "logs[0].pain_during_max: is required"),
        ([{"run": 1, "impact": 1, "pain_during_max": 1}], "logs[0]: name the session it logs with exactly one"),
        ([{"pain_during_max": 1}], "logs[0]: name the session it logs with exactly one"),
        ([green(run=2), green(run=1)], "logs[1].run: sessions are logged in the order they happened"),
        ([green(run=0)], "logs[0].run: must be an integer from 1 to 1000 (got 0)"),
        ([green(run=1, pf_symptoms=["sneeze"])], "logs[0].pf_symptoms[0]: must be one of leak, heaviness"),
        ("not a list", "logs: must be a list"),
    ],
)
def test_bad_logs_exit_2_naming_the_field(tmp_path, logs, problem):
    path = write_case(tmp_path, "bad-logs.json", {**MINIMAL, "logs": logs})
    status, out, err = run("evaluate_case", str(path))
    assert (status, out) == (2, "")
    assert problem in err


def test_logs_on_an_urgent_case_exit_2(tmp_path):
    case = {**MINIMAL, "intake": {**MINIMAL["intake"], "locking": "current"}, "logs": [green(run=1)]}
    status, _, err = run("evaluate_case", str(write_case(tmp_path, "urgent.json", case)))
    assert status == 2 and "logs: a case with action urgent has no plan to log sessions on" in err


@pytest.mark.parametrize(
    ("expect", "failed"),
    [
        ({"lights": ["green", "green", "red"]}, False),
        ({"lights": ["green", "green", "green"]}, True),
        ({"review_include": ["pelvic_floor_symptoms"]}, False),
        ({"review_include": ["two_reds_in_14_days"]}, True),
        ({"progress_running_allowed": False}, False),
        ({"progress_running_allowed": True}, True),
    ],
)
def test_validate_rules_checks_the_progress_keys(tmp_path, expect, failed):
    case = {**json.loads(LEAK_CASE.read_text()), "expect": expect}
    status, out, _ = run("validate_rules", str(write_case(tmp_path, "progress.json", case)))
    assert (status == 1) is failed
    assert ("FAIL" in out) is failed


def test_next_run_level_change_compares_with_the_last_logged_run(tmp_path):
    red = OWN_CASES / "run-red-rests-then-drops-a-level.json"
    for change, status in ((-1, 0), (0, 1)):
        case = {**json.loads(red.read_text()), "expect": {"next_run_level_change": change}}
        assert run("validate_rules", str(write_case(tmp_path, "red.json", case)))[0] == status


def test_validate_rules_fails_a_case_whose_plan_breaks_an_invariant(tmp_path, monkeypatch):
    monkeypatch.setattr("plans.harness.plan_violations", lambda plan, **kw: ["Week 1: two runs in a row."])
    status, out, _ = run("validate_rules", str(CLASSIC_PFP))
    assert status == 1
    assert 'invariants: expected [], got ["Week 1: two runs in a row."]' in out
