"""Answering the intake questionnaire as a patient does: by the words on the screen.

Answers are given as the case format stores them (`"intake.onset": "gradual"`); the wording comes from
`intake/questions.py`, so a question is found by its text (its fieldset's legend or its label) and an answer by
the label the patient taps, never by a field name.
"""

from playwright.sync_api import Locator, Page, expect

from intake.questions import QUESTIONS
from intake.schema import MULTI


def _is_choice(path: str) -> bool:
    question = QUESTIONS[path]
    return bool(question.labels) or question.widget == "scale"


def _values(path: str, value) -> list:
    return value if QUESTIONS[path].spec.kind == MULTI else [value]


def _text(path: str, value) -> str:
    question = QUESTIONS[path]
    return question.label_for(value) if question.labels else str(value)


def group(page: Page, path: str) -> Locator:
    """The fieldset of a question with answers to choose from, found by its legend."""
    return page.get_by_role("group", name=QUESTIONS[path].text, exact=True)


def answer(page: Page, path: str, value) -> None:
    """Tap the answer's box (each one of a list of codes), or type a number into the question's box."""
    if _is_choice(path):
        for each in _values(path, value):
            group(page, path).get_by_text(_text(path, each), exact=True).tap()
    else:
        page.get_by_label(QUESTIONS[path].text, exact=True).fill(str(value))


def answer_all(page: Page, answers: dict) -> None:
    for path, value in answers.items():
        answer(page, path, value)


def expect_answered(page: Page, answers: dict) -> None:
    """Each answer shows as given: kept from an earlier visit."""
    for path, value in answers.items():
        if _is_choice(path):
            for each in _values(path, value):
                box = (
                    group(page, path)
                    .locator("input")
                    .and_(group(page, path).get_by_label(_text(path, each), exact=True))
                )
                expect(box).to_be_checked()
        else:
            expect(page.get_by_label(QUESTIONS[path].text, exact=True)).to_have_value(str(value))


def knee_area(page: Page, label: str) -> Locator:
    """An area of the knee drawing, which the page's script turns into a checkbox named like the list's box."""
    return page.locator("svg.knee-svg").get_by_role("checkbox", name=label, exact=True)


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").tap()


def enter_date_of_birth(page: Page, day: int, month: int, year: int) -> None:
    for box, value in (("Day", day), ("Month", month), ("Year", year)):
        page.get_by_label(box, exact=True).tap()
        page.get_by_label(box, exact=True).fill(str(value))
    page.get_by_role("button", name="Continue").tap()
