"""The patient follows her plan on her phone: today's run with the interval timer, logging it in a few taps (a
forgotten answer asked for, the others kept), the traffic light in plain words, the next morning's question that
turns the session red and rests her next run, her charts, and the calendar address: every page checked."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinic import services as clinic_services
from plans.models import SessionLog
from tests.factories import PASSWORD
from tests.plans.library_factories import picture_upload
from tests.plans.plan_factories import RUNNER_INTAKE, day_of, issued_plan, load_shipped_library, sessions

pytestmark = pytest.mark.e2e


def at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_patient_follows_her_plan_on_her_phone(journey, patient, time_machine, settings):
    settings.SESSION_COOKIE_AGE = 7 * 24 * 60 * 60  # she stays signed in on her phone from one day to the next
    load_shipped_library()
    patient.clinic.logo = picture_upload("logo.png", size=(300, 100))
    clinic_services.clinic_save(clinic=patient.clinic)
    plan = issued_plan(patient, answers=RUNNER_INTAKE, as_of=timezone.localdate())
    run = sessions(plan.current_revision.content, "run")[0]
    time_machine.move_to(at(day_of(run), 8), tick=True)

    page = journey.new_page("phone")
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(patient.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", name="Hello Emma", level=1)).to_be_visible()  # her portal, straight away
    logo = page.get_by_role("banner").locator(".clinic-logo img")  # her clinic's logo and name head the page
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_role("banner")).to_contain_text(patient.clinic.name)
    walk, jog, repeats = (run["run"][key] for key in ("walk_min", "run_min", "repeats"))
    expect(page.get_by_text(f"{repeats} × (walk {walk} + run {jog})")).to_be_visible()
    journey.check(page, "today's run")

    page.get_by_role("button", name="Start").tap()
    expect(page.locator("[data-timer-announce]")).to_have_text(f"Started. Walk for {walk} minutes.")
    expect(page.locator("[data-timer-round]")).to_have_text(f"Round 1 of {repeats}")
    expect(page.locator("[data-timer-next]")).to_have_text(f"→ Run {jog}:00")
    page.get_by_role("button", name="Pause").tap()
    expect(page.locator("[data-timer-announce]")).to_contain_text("Paused")
    journey.check(page, "timer paused")

    page.get_by_text("Yes, all of it").tap()
    page.locator("label[for=id_pain_during_max_2]").tap()
    page.get_by_role("group", name="Did the pain get worse as you went on?").get_by_text("No").tap()
    page.get_by_role("group", name="Did you limp, or have to change the way you moved?").get_by_text("No").tap()
    page.get_by_role("button", name="Save and see what it means").tap()
    expect(page.get_by_text("Please answer this question.")).to_be_visible()
    expect(page.locator("#id_pain_during_max_2")).to_be_checked()  # what she tapped is kept
    journey.check(page, "a forgotten answer")
    page.get_by_role("group", name="Is your knee swollen?").get_by_text("No").tap()
    page.get_by_role("button", name="Save and see what it means").tap()
    expect(page.get_by_text("Green: next time you repeat level")).to_be_visible()
    journey.check(page, "logged green")
    assert SessionLog.objects.get().traffic_light == "green"

    time_machine.move_to(at(day_of(run) + timedelta(days=1), 8), tick=True)
    page.goto("/me/")
    expect(page.get_by_role("heading", name="How is your knee this morning?")).to_be_visible()
    journey.check(page, "the morning after")
    page.get_by_role("group", name="How much does your knee hurt this morning?").get_by_text("4", exact=True).tap()
    page.get_by_role("group", name="How stiff is your knee this morning?").get_by_text("1", exact=True).tap()
    page.get_by_role("button", name="Save my morning answers").tap()
    expect(page.get_by_text("Your answers this morning make this session red.")).to_be_visible()
    expect(page.get_by_text("rest instead of ").first).to_be_visible()
    journey.check(page, "red the morning after")
    assert SessionLog.objects.get().traffic_light == "red"

    page.goto("/me/")
    expect(page.get_by_role("img", name="Pain during sessions and the next morning")).to_be_attached()
    journey.check(page, "charts")

    page.get_by_role("button", name="Show navigation").tap()
    page.get_by_role("link", name="Settings").tap()
    page.get_by_role("button", name="Get my calendar address").tap()
    expect(page.get_by_role("status").first).to_contain_text("Your calendar address is ready")
    expect(page.get_by_label("Your private calendar address")).to_have_value(plan.patient.calendar_feeds.get().link)
    journey.check(page, "calendar address")
