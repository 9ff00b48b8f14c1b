"""The questionnaire's wording against the case format: one source of truth for keys, codes and ranges."""

from datetime import date, timedelta

import pytest

from intake.questionnaire import (
    answer_paths,
    delivery_date_problem,
    destination,
    display,
    unanswered_by_step,
    visible_questions,
    visible_steps,
)
from intake.questions import FLOW_FIELDS, QUESTIONS, STEPS
from intake.schema import BOOL, CHOICE, INT, INTAKE, MULTI, OBJECT, PATIENT, field_at
from tests.intake.factories import REQUIRED_INTAKE

CHOICE_QUESTIONS = [q for q in QUESTIONS.values() if q.spec.kind in (CHOICE, MULTI)]


def _leaf_paths(spec, root):
    for member in spec.fields:
        if member.kind == OBJECT:
            yield from _leaf_paths(member, f"{root}.{member.key}")
        else:
            yield f"{root}.{member.key}"


def test_every_patient_reported_case_field_is_asked():
    asked = set(QUESTIONS)
    case_fields = set(_leaf_paths(INTAKE, "intake")) | {"patient.height_cm", "patient.weight_kg"}
    assert case_fields - asked == set()


def test_every_question_is_a_case_field_or_a_questionnaire_field():
    for path in QUESTIONS:
        assert path in FLOW_FIELDS or field_at(path) is not None


@pytest.mark.parametrize("question", CHOICE_QUESTIONS, ids=lambda q: q.path)
def test_answer_labels_cover_exactly_the_schema_codes(question):
    codes = [code for code, _ in question.labels]
    assert sorted(codes) == sorted(question.spec.choices) and len(set(codes)) == len(codes)


@pytest.mark.parametrize("question", [q for q in QUESTIONS.values() if q.spec.kind == BOOL], ids=lambda q: q.path)
def test_yes_no_questions_offer_both_answers_and_no_third(question):
    assert sorted(code for code, _ in question.labels) == [False, True]


def test_scales_cover_the_schema_range():
    for question in QUESTIONS.values():
        if question.widget == "scale":
            assert (question.spec.kind, question.spec.min, question.spec.max) == (INT, 0, 10)


def test_patient_fields_already_on_the_record_are_not_asked_again():
    asked = {path for path in QUESTIONS if path.startswith("patient.")}
    assert asked == {f"patient.{f.key}" for f in PATIENT.fields} - {"patient.date_of_birth", "patient.sex_at_birth"}


def test_safety_questions_must_all_be_answered():
    safety = next(step for step in STEPS if step.slug == "safety")
    assert all(question.is_required for question in safety.questions)


def test_case_format_required_fields_are_required():
    for path in ("intake.side", "intake.pain_locations", "intake.onset", "intake.postpartum.delivery_date"):
        assert QUESTIONS[path].is_required


def test_baby_step_only_after_saying_yes():
    assert "baby" not in [s.slug for s in visible_steps(postpartum_within_24m=None)]
    assert "baby" not in [s.slug for s in visible_steps(postpartum_within_24m=False)]
    assert "baby" in [s.slug for s in visible_steps(postpartum_within_24m=True)]


def test_birth_question_is_not_put_to_patients_recorded_male():
    about = STEPS[0]
    assert "flow.postpartum_within_24m" not in [q.path for q in visible_questions(about, sex_at_birth="male")]
    assert "flow.postpartum_within_24m" in [q.path for q in visible_questions(about, sex_at_birth="intersex")]


@pytest.mark.parametrize(
    ("slug", "move", "expected"),
    [
        ("about", "next", "running"),
        ("knee", "back", "running"),
        ("about", "back", "about"),
        ("knee", "review", "review"),
    ],
)
def test_destination(slug, move, expected):
    assert destination(visible_steps(postpartum_within_24m=False), slug, move) == expected


def test_nothing_is_missing_from_the_ready_made_answers():
    answers = {**answer_paths(REQUIRED_INTAKE, "intake"), "flow.postpartum_within_24m": False}
    steps = visible_steps(postpartum_within_24m=False)
    assert unanswered_by_step(steps, answers.get, sex_at_birth="female") == {}


def test_missing_answers_are_listed_by_step():
    answers = answer_paths({k: v for k, v in REQUIRED_INTAKE.items() if k not in ("side", "hot_red_knee")}, "intake")
    steps = visible_steps(postpartum_within_24m=None)
    missing = unanswered_by_step(steps, answers.get, sex_at_birth="male")
    assert {slug: [q.path for q in qs] for slug, qs in missing.items()} == {
        "knee": ["intake.side"],
        "safety": ["intake.hot_red_knee"],
    }


@pytest.mark.parametrize(
    ("path", "value", "text"),
    [
        (
            "intake.pain_locations",
            ["around_kneecap", "back_of_knee"],
            "Around or behind the kneecap; The back of the knee",
        ),
        ("intake.cannot_straight_leg_raise", True, "No, I can't"),
        ("intake.nprs_now", 4, "4 out of 10"),
        ("intake.current_weekly_km", 12.5, "12.5 km"),
        ("intake.weekly_increase_pct", 30, "30%"),
        ("intake.postpartum.delivery_date", "2026-10-06", "6 October 2026"),
        ("intake.koos_pf.kpf9", 3, "Daily"),
        ("intake.akps.limp", "constant", "All the time"),
        ("intake.goal", None, "Not answered"),
    ],
)
def test_answers_read_as_labels(path, value, text):
    assert display(QUESTIONS[path], value) == text


def test_delivery_date_must_be_past_and_within_24_months():
    today = date(2026, 12, 1)
    assert delivery_date_problem(date(2026, 10, 6), today=today) == ""
    assert "future" in delivery_date_problem(today + timedelta(days=1), today=today)
    assert "24 months" in delivery_date_problem(date(2024, 11, 1), today=today)
