"""How the questionnaire flows: which steps and questions a patient sees, what is still unanswered, the rules a
single answer must meet beyond its schema range, and how a stored answer reads back to a person.

Pure Python: answers are read through a function `answer_of(path)`, so the model, forms and tests share it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from intake.questions import REVIEW, STEPS, Question, Step
from intake.schema import BOOL, DATE, INT, MULTI, NUMBER, TEXT

AnswerOf = Callable[[str], Any]

POSTPARTUM_MODULE_DAYS = 731  # case format: the postpartum object is for births "in the last 24 months"


def visible_steps(*, postpartum_within_24m: bool | None) -> list[Step]:
    """The steps this patient goes through, in order, ending with the review."""
    return [step for step in STEPS if not step.only_after_birth or postpartum_within_24m is True]


def visible_questions(step: Step, *, sex_at_birth: str) -> list[Question]:
    return [q for q in step.questions if not (q.only_if_not_male and sex_at_birth == "male")]


def step_by_slug(slug: str, steps: list[Step]) -> Step | None:
    return next((step for step in steps if step.slug == slug), None)


def neighbours(step: Step, steps: list[Step]) -> tuple[Step | None, Step | None]:
    index = steps.index(step)
    previous = steps[index - 1] if index > 0 else None
    following = steps[index + 1] if index + 1 < len(steps) else None
    return previous, following


def destination(steps: list[Step], slug: str, move: str) -> str:
    """The step a patient goes to from step `slug`: "back", "next", or straight to the "review" after a change."""
    step = step_by_slug(slug, steps)
    if step is None:
        return steps[0].slug
    if move == "review":
        return REVIEW
    previous, following = neighbours(step, steps)
    return ((previous if move == "back" else following) or step).slug


def answer_paths(values: dict, root: str) -> dict:
    """Case answers as question paths: {'akps': {'limp': 'none'}} under 'intake' → {'intake.akps.limp': 'none'}."""
    paths = {}
    for key, value in values.items():
        if isinstance(value, dict):
            paths.update(answer_paths(value, f"{root}.{key}"))
        else:
            paths[f"{root}.{key}"] = value
    return paths


def is_answered(value) -> bool:
    return value is not None and value != "" and value != []


def missing_answers(questions: list[Question], answer_of: AnswerOf) -> list[Question]:
    return [q for q in questions if q.is_required and not is_answered(answer_of(q.path))]


def unanswered_by_step(steps: list[Step], answer_of: AnswerOf, *, sex_at_birth: str) -> dict[str, list[Question]]:
    """Required questions still without an answer, by step slug (steps with none are left out)."""
    result = {}
    for step in steps:
        missing = missing_answers(visible_questions(step, sex_at_birth=sex_at_birth), answer_of)
        if missing:
            result[step.slug] = missing
    return result


def delivery_date_problem(value: date, *, today: date) -> str:
    """Why a date of birth of the baby cannot be right, or '' when it can."""
    if value > today:
        return "That date is in the future. Please check it."
    if (today - value).days > POSTPARTUM_MODULE_DAYS:
        return (
            "That is more than 24 months ago. If it is right, go back to “About you” and answer No to the question "
            "about giving birth."
        )
    return ""


def display(question: Question, value) -> str:
    """An answer as a person reads it: labels instead of codes, units after numbers."""
    if not is_answered(value):
        return "Not answered"
    kind = question.spec.kind
    if kind == MULTI:
        return "; ".join(question.label_for(code) for code in value)
    if question.labels:
        return question.label_for(value)
    if kind == BOOL:
        return "Yes" if value else "No"
    if question.widget == "scale":
        return f"{value} out of 10"
    if kind == DATE:
        day = date.fromisoformat(value)
        return f"{day.day} {day:%B %Y}"
    if kind in (INT, NUMBER) and question.unit:
        return f"{value:g} {question.unit}" if question.unit != "%" else f"{value:g}%"
    if kind == TEXT:
        return value
    return str(value)


@dataclass(frozen=True)
class AnswerLine:
    question: Question
    text: str
    answered: bool


@dataclass(frozen=True)
class StepSummary:
    step: Step
    lines: list[AnswerLine]


def summary(steps: list[Step], answer_of: AnswerOf, *, sex_at_birth: str) -> list[StepSummary]:
    """Every question of the visible steps with its answer as text, grouped by step (the review lists)."""
    return [
        StepSummary(
            step,
            [
                AnswerLine(q, display(q, answer_of(q.path)), is_answered(answer_of(q.path)))
                for q in visible_questions(step, sex_at_birth=sex_at_birth)
            ],
        )
        for step in steps
        if step.slug != REVIEW
    ]
