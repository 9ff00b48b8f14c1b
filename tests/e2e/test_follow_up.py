"""The physio reads a follow-up questionnaire whose knee score has worsened: each outcome measure in a card wide
enough for its table (score now, before, and the change with its badge on one line), flagged as clearly as an
improvement; on a phone the cards stack and each table still fits its card, the change's words wrapping under it."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from intake import services
from intake.scoring import instrument
from tests.intake.factories import SAFETY_NO, OutcomeResponseFactory, SubmittedIntakeFactory

pytestmark = pytest.mark.e2e

AKPS_WORST = {item.code: min(item.options, key=lambda option: option.points).code for item in instrument("akps").items}
KOOS_NONE = {f"kpf{n}": 0 for n in range(1, 12)}


def worsened_follow_up(patient, physio):
    intake = SubmittedIntakeFactory(patient=patient, submitted_at=timezone.now() - timedelta(days=30))
    OutcomeResponseFactory(intake=intake, instrument="akps", value=70)
    OutcomeResponseFactory(intake=intake, instrument="koos_pf", value=60, answered=11, of=11)
    schedule = services.follow_up_schedule_set(
        patient=patient,
        by=physio,
        instruments=["nprs", "koos_pf", "akps"],
        every_weeks=2,
        start=timezone.localdate(),
        safety_questions=True,
    )
    answers = {**SAFETY_NO, "nprs_now": 1, "nprs_usual": 2, "nprs_worst_week": 3, "koos_pf": KOOS_NONE}
    return services.follow_up_submit(
        schedule=schedule, due_on=timezone.localdate(), answers={**answers, "akps": AKPS_WORST}
    )


def cells_on_one_line(table) -> bool:
    """No cell of the table wraps onto a second line (its height stays that of one line of its row)."""
    return table.evaluate(
        """table => Array.from(table.querySelectorAll("tbody td")).every(cell => {
               const line = parseFloat(getComputedStyle(cell).lineHeight) || 24;
               return cell.getBoundingClientRect().height < 1.5 * line + 10;
           })"""
    )


def test_physio_reads_a_worsened_follow_up_on_a_desktop_and_a_phone(journey, sign_in, physio, patient):
    follow_up = worsened_follow_up(patient, physio)

    page = journey.new_page("desktop")
    sign_in(page, physio.user)
    page.goto(follow_up.get_absolute_url())
    outcomes = page.get_by_role("region", name="Outcome measures")
    expect(outcomes.get_by_text("meaningful worsening")).to_be_visible()
    expect(outcomes.get_by_text("meaningful improvement")).to_be_visible()
    for table in outcomes.get_by_role("table").all():
        assert cells_on_one_line(table)
        card = table.locator("xpath=ancestor::article[1]")
        assert table.bounding_box()["width"] <= card.bounding_box()["width"]  # fits its card: nothing cut off
    journey.check(page, "follow-up with a worsening, desktop")

    phone = journey.new_page("phone")
    sign_in(phone, physio.user)
    phone.goto(follow_up.get_absolute_url())
    cards = phone.get_by_role("region", name="Outcome measures").locator("article")
    boxes = [card.bounding_box() for card in cards.all()]
    assert all(later["y"] > earlier["y"] for earlier, later in itertools.pairwise(boxes))  # stacked
    for table in phone.get_by_role("region", name="Outcome measures").get_by_role("table").all():
        card = table.locator("xpath=ancestor::article[1]")
        assert table.bounding_box()["width"] <= card.bounding_box()["width"]  # read without scrolling sideways
    journey.check(phone, "follow-up with a worsening, phone")
