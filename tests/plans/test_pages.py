"""What the plan pages build from plain data: the changes issuing a draft would make, side by side."""

from plans.pages import Difference, plan_differences

RUN = {"date": "2026-12-03", "kind": "run", "run": {"total_run_min": 10}}
REST = {"date": "2026-12-04", "kind": "rest"}
BRIDGE = {"code": "bridge", "sets": 3, "reps": 10}


def version(*, weeks=1, programme=(BRIDGE,), note="", sessions=(RUN, REST)):
    return {"content": {"weeks": [{"sessions": list(sessions)}] * weeks, "programme": list(programme)}, "note": note}


NAMES = {"bridge": "Bridge", "clam": "Clam"}


def test_the_same_plan_changes_nothing():
    assert plan_differences(version(), version(), NAMES) == []


def test_the_schedules_shape_is_compared():
    changes = plan_differences(version(weeks=2), version(weeks=3), NAMES)
    assert changes == [Difference("Weeks", "2", "3"), Difference("Running minutes in all", "20", "30")]


def test_exercises_added_removed_or_dosed_differently_are_named():
    before = version(programme=[BRIDGE, {"code": "clam", "sets": 2, "reps": 12}])
    after = version(programme=[{**BRIDGE, "reps": 15}, {"code": "side_plank", "sets": 3, "reps": 8, "per_week": 7}])
    changes = plan_differences(before, after, NAMES)
    assert [(c.what, c.now, c.drafted) for c in changes] == [
        ("Bridge", "3 × 10 · 3 times a week", "3 × 15 · 3 times a week"),
        ("Side plank", "—", "3 × 8 · daily"),
        ("Clam", "2 × 12 · 3 times a week", "Taken out"),
    ]


def test_a_new_note_for_the_patient_is_shown_in_full():
    changes = plan_differences(version(note="Run easy."), version(note="Run easy, and log every run."), NAMES)
    assert changes == [Difference("Note for the patient", "Run easy.", "Run easy, and log every run.")]


def test_a_first_issue_lists_everything_the_draft_holds():
    changes = plan_differences(None, version(), NAMES)
    assert [c.what for c in changes] == [
        "Weeks",
        "First run",
        "Running minutes in all",
        "Note for the patient",
        "Bridge",
    ]
    assert all(c.now == "—" for c in changes)
