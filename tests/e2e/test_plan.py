"""The physiotherapist builds a plan from a confirmed assessment, moves an exercise down the programme without
JavaScript's help, issues the plan, logs the session the patient reports on the phone, and reads the plan on a
phone: every page checked for accessibility."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans.models import Plan, PlanStatus, SessionLog
from tests.plans.plan_factories import confirmed_assessment, load_shipped_library

pytestmark = pytest.mark.e2e


def test_physio_builds_issues_and_follows_a_plan(journey, sign_in, physio, patient):
    load_shipped_library()
    assessment = confirmed_assessment(patient, as_of=timezone.localdate())

    page = journey.new_page("desktop")
    sign_in(page, physio.user)
    page.goto(assessment.get_absolute_url())
    page.get_by_role("button", name="Build plan").click()

    expect(page.get_by_role("heading", name="Draft plan", level=1)).to_be_visible()
    journey.check(page, "draft editor")
    # A button that works never looks switched off: the first row's Up (switched off) is faded and dashed, its
    # Down (working) is neither.
    switched_off = page.get_by_role("button", name=re.compile(r"^Move .* up$")).first
    working = page.get_by_role("button", name=re.compile(r"^Move .* down$")).first
    look = "b => [getComputedStyle(b).opacity, getComputedStyle(b).borderTopStyle]"
    assert switched_off.is_disabled() and float(switched_off.evaluate(look)[0]) < 0.6
    assert switched_off.evaluate(look)[1] == "dashed" and working.evaluate(look) == ["1", "solid"]
    rows = page.locator("#programme .plan-row h2")
    first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    page.get_by_role("spinbutton", name="Weeks").fill("8")
    page.get_by_role("button", name=re.compile(r"^Move .* down$")).first.click()
    expect(page.get_by_role("status").first).to_contain_text("Draft saved")
    expect(rows.nth(0)).to_contain_text(second.split(". ", 1)[1])
    expect(rows.nth(1)).to_contain_text(first.split(". ", 1)[1])
    journey.check(page, "exercise moved down")
    # A change typed and not saved is not lost on the way to issuing: it is saved, then shown before issuing.
    page.get_by_label("Note for the patient").fill("Log every run the evening after.")
    page.get_by_role("button", name="Save and review the changes to issue").click()
    expect(page.get_by_role("heading", name="What the patient will get", level=1)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Note for the patient"))).to_contain_text("Log every run")
    journey.check(page, "changes to issue")
    page.get_by_role("button", name="Issue revision 1").click()

    expect(page.get_by_role("heading", name="Return-to-run plan", level=1)).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("Revision 1 is issued")
    expect(page.locator("[aria-current=date]")).to_have_count(1)
    journey.check(page, "plan issued")
    plan = Plan.objects.get(patient=patient)
    assert plan.status == PlanStatus.ISSUED and plan.weeks == 8

    page.get_by_role("link", name="Log a session").click()
    page.get_by_label("Worst knee pain during the session (0–10)").fill("2")
    page.get_by_label("Knee pain the next morning (0–10)").fill("1")
    page.get_by_label("Knee stiffness the next morning (0–10)").fill("1")
    journey.check(page, "log a session")
    page.get_by_role("button", name="Log the session").click()
    expect(page.get_by_text("Green: your plan goes on as it was")).to_be_visible()
    journey.check(page, "session logged")
    assert SessionLog.objects.get(plan=plan).traffic_light == "green"

    page.set_viewport_size({"width": 375, "height": 812})  # her phone, between patients
    page.goto(plan.get_absolute_url())
    expect(page.get_by_text("Logged: green")).to_be_visible()
    journey.check(page, "plan on a phone")
