"""The patient answers the intake questionnaire on her phone, from the link the clinic sent her."""

import pytest
from playwright.sync_api import expect

from intake import services
from intake.models import IntakeStatus
from tests.e2e.questionnaire import (
    answer,
    answer_all,
    enter_date_of_birth,
    expect_answered,
    knee_area,
    save_and_continue,
)
from tests.intake.factories import AKPS_BEST, REQUIRED_INTAKE, fill_in

pytestmark = pytest.mark.e2e

KNEE = {
    "intake.side": "right",
    "intake.onset": "gradual",
    "intake.swelling": "mild_after_activity",
    "intake.locking": "never",
    "intake.giving_way": "never",
    "intake.kneecap_dislocation": "no",
    "intake.night_pain": "no",
}
SAFETY_ALL_WELL = {
    "intake.swelling_within_2h_of_injury": False,
    "intake.fever_or_unwell": False,
    "intake.hot_red_knee": False,
    "intake.calf_pain_swelling_redness": False,
    "intake.numbness_or_weakness": False,
    "intake.cannot_straight_leg_raise": False,
    "intake.can_weight_bear_4_steps": True,
    "intake.can_bend_to_90": True,
    "intake.morning_stiffness_over_30min": False,
    "intake.other_joints_swollen": False,
    "intake.unexplained_weight_loss": False,
    "intake.history_of_cancer": False,
}
PAIN = {"intake.nprs_now": 2, "intake.nprs_usual": 3, "intake.nprs_worst_week": 6}
AKPS = {f"intake.akps.{item}": code for item, code in AKPS_BEST.items()}


@pytest.fixture
def invite(patient, physio):
    return services.invite_create(patient=patient, by=physio)


def unlock(journey, invite, *, wrong_first=False):
    """Open the link on a new phone and pass the date-of-birth check (after one wrong try, if asked)."""
    page = journey.new_page("phone")
    page.goto(invite.get_absolute_url())
    expect(page.get_by_role("heading", name=f"Hello {invite.patient.first_name}")).to_be_visible()
    journey.check(page, "date of birth asked")
    born = invite.patient.date_of_birth
    if wrong_first:
        enter_date_of_birth(page, born.month, born.day, born.year)  # day and month swapped, as happens
        expect(page.get_by_role("alert")).to_contain_text("That date of birth does not match our records.")
        expect(page.get_by_role("alert")).to_contain_text("You can try 4 more times")
        journey.check(page, "wrong date of birth")
    enter_date_of_birth(page, born.day, born.month, born.year)
    return page


def test_patient_answers_intake_on_phone_and_resumes_on_another_device(journey, invite, patient):
    page = unlock(journey, invite, wrong_first=True)

    # About you, with the keyboard only: skip link, then Tab from box to box, arrows in the radio groups, Enter.
    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    expect(page.get_by_text("Step 1 of 7")).to_be_visible()
    journey.check(page, "about you")
    keyboard = page.keyboard
    keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    keyboard.press("Enter")
    keyboard.press("Tab")
    expect(page.get_by_label("How tall are you?")).to_be_focused()
    keyboard.type("165")
    keyboard.press("Tab")
    keyboard.type("62,5")  # a phone keyboard with a decimal comma
    keyboard.press("Tab")
    keyboard.press("Space")  # sits most of the day: Yes (the first answer)
    keyboard.press("Tab")
    keyboard.type("6")
    keyboard.press("Tab")
    keyboard.press("ArrowDown")  # given birth in the last 24 months: No (the second answer)
    expect_answered(page, {"intake.sitting_job": True, "flow.postpartum_within_24m": False})
    journey.check(page, "about you answered by keyboard")
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save and continue")).to_be_focused()
    keyboard.press("Enter")

    # Your running: one answer that can't be right is kept as typed beside its message, the others are saved.
    expect(page.get_by_role("heading", name="Your running")).to_be_visible()
    answer_all(page, {"intake.years_running": "three", "intake.runs_per_week": 3, "intake.goal": "10k"})
    save_and_continue(page)
    expect(page.get_by_role("alert")).to_contain_text("Some answers need another look")
    expect(page.get_by_text("Please enter a number from")).to_be_visible()
    expect_answered(page, {"intake.years_running": "three", "intake.runs_per_week": 3, "intake.goal": "10k"})
    journey.check(page, "running with a mistake")
    answer(page, "intake.years_running", 3)
    save_and_continue(page)

    # Your knee: where it hurts, by tapping the drawing.
    expect(page.get_by_role("heading", name="Your knee")).to_be_visible()
    knee_area(page, "Around or behind the kneecap").tap()
    knee_area(page, "Just below the kneecap").tap()
    expect(knee_area(page, "Around or behind the kneecap")).to_be_checked()
    expect_answered(page, {"intake.pain_locations": ["around_kneecap", "below_kneecap"]})
    answer_all(page, KNEE)
    journey.check(page, "knee drawing tapped")
    save_and_continue(page)

    # Half-way through, she closes the browser.
    expect(page.get_by_role("heading", name="Safety questions")).to_be_visible()
    button = page.get_by_role("button", name="Save and continue")
    button_top = "button => button.getBoundingClientRect().top + window.scrollY"  # on the page, wherever scrolled
    page.wait_for_load_state("load")  # styles and fonts in: the page's own layout
    top_before = button.evaluate(button_top)
    answer(page, "intake.fever_or_unwell", False)  # saved as she answers: she leaves without pressing a button
    expect(page.locator(".intake-autosave")).to_contain_text("Your answers are saved")
    assert button.evaluate(button_top) == top_before  # the saved line did not move the button she may be tapping
    journey.check(page, "safety questions, then leaving")
    journey.close_context(page)

    # Later, on another phone: the date of birth again, then straight back to where she was.
    page = unlock(journey, invite)
    expect(page.get_by_role("heading", name="Safety questions")).to_be_visible()
    expect(page.get_by_text("Step 4 of 7")).to_be_visible()
    expect_answered(page, {"intake.fever_or_unwell": False})  # the answer she gave before closing is there
    journey.check(page, "resumed on another phone")
    page.get_by_role("button", name="Back").tap()
    expect(page.get_by_role("heading", name="Your knee")).to_be_visible()
    expect_answered(page, {**KNEE, "intake.pain_locations": ["around_kneecap", "below_kneecap"]})
    expect(knee_area(page, "Just below the kneecap")).to_be_checked()
    journey.check(page, "knee answers kept")
    save_and_continue(page)

    answer_all(page, SAFETY_ALL_WELL)
    save_and_continue(page)
    expect(page.get_by_role("heading", name="Pain", exact=True)).to_be_visible()
    answer_all(page, PAIN)
    journey.check(page, "pain")
    save_and_continue(page)
    expect(page.get_by_role("heading", name="Everyday activities")).to_be_visible()
    answer_all(page, AKPS)
    journey.check(page, "everyday activities")
    save_and_continue(page)

    expect(page.get_by_role("heading", name="Check and send")).to_be_visible()
    knee = page.get_by_role("region", name="Your knee")
    expect(knee).to_contain_text("Around or behind the kneecap; Just below the kneecap")
    expect(page.get_by_role("region", name="About you")).to_contain_text("62.5 kg")
    journey.check(page, "check and send")
    page.get_by_role("button", name="Send my answers").tap()

    expect(page.get_by_role("heading", name=f"Thank you, {patient.first_name}")).to_be_visible()
    journey.check(page, "thank you")
    intake = invite.patient.intakes.get()
    assert intake.status == IntakeStatus.SUBMITTED
    assert intake.answers["pain_locations"] == ["around_kneecap", "below_kneecap"]
    assert intake.patient_answers == {"height_cm": 165, "weight_kg": 62.5}
    assert intake.flag_level == ""


def test_patient_with_an_urgent_answer_is_told_to_see_a_doctor(journey, invite, patient):
    # She answered everything on her laptop yesterday and stopped at the safety questions.
    intake = fill_in(services.intake_draft_for_invite(invite=invite), {**REQUIRED_INTAKE})
    services.intake_save_step(intake=intake, step="safety", answers={})
    page = unlock(journey, invite)

    expect(page.get_by_role("heading", name="Safety questions")).to_be_visible()
    answer(page, "intake.calf_pain_swelling_redness", True)
    journey.check(page, "calf pain")
    save_and_continue(page)
    for later_step in ("Pain", "Everyday activities"):  # answered yesterday
        expect(page.get_by_role("heading", name=later_step, exact=True)).to_be_visible()
        save_and_continue(page)
    expect(page.get_by_role("heading", name="Check and send")).to_be_visible()
    page.get_by_role("button", name="Send my answers").tap()

    advice = page.get_by_role("alert")
    expect(advice).to_contain_text("Please see a doctor today or tomorrow")
    call = page.get_by_role("link", name=f"Call {patient.clinic.name}: {patient.clinic.phone}")
    expect(call).to_have_attribute("href", "tel:" + patient.clinic.phone.replace(" ", ""))
    journey.check(page, "urgent advice")
    assert invite.patient.intakes.get().flag_level == "urgent"
