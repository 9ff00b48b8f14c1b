"""The physiotherapist starts the day from the patient list: new intakes first, the flagged ones on top. She
reviews the flagged one, then examines the patient with the new intake and confirms the causes of her pain."""

import re

import pytest
from playwright.sync_api import expect

from clinic.models import PatientStatus
from intake import services
from intake.codes import Cause
from intake.models import Assessment, AssessmentStatus
from tests.e2e.browser import DESKTOP, PHONE
from tests.factories import PatientFactory
from tests.intake.factories import REQUIRED_INTAKE, fill_in

pytestmark = pytest.mark.e2e


def submitted_intake(patient, physio, **answers):
    """The patient's questionnaire, sent from her link, through the services the views use."""
    invite = services.invite_create(patient=patient, by=physio, send_email=False)
    draft = fill_in(services.intake_draft_for_invite(invite=invite), {**REQUIRED_INTAKE, **answers})
    return services.intake_submit(intake=draft)


def patient_rows(page):
    return page.get_by_role("table").get_by_role("row").filter(has=page.get_by_role("cell"))


def test_physio_reviews_the_flagged_intake_first_then_examines_and_assesses(
    journey, sign_in, physio, patient, other_patient
):
    PatientFactory(clinic=physio.clinic, physio=physio, first_name="Aaron", last_name="Abbott")
    submitted_intake(patient, physio, aggravators=["stairs_down", "squatting", "running"])
    flagged = submitted_intake(other_patient, physio, calf_pain_swelling_redness=True)

    page = journey.new_page("desktop")
    sign_in(page, physio.user)
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
    rows = patient_rows(page)
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Okafor, Hannah")
    expect(rows.nth(0)).to_contain_text("Urgent flag")
    expect(rows.nth(1)).to_contain_text("Clarke, Emma")
    expect(rows.nth(1)).to_contain_text("New intake")
    expect(rows.nth(2)).to_contain_text("Abbott, Aaron")
    journey.check(page, "home page, flagged intake first")

    rows.nth(0).get_by_role("link", name="Okafor, Hannah").click()
    expect(page.get_by_role("heading", name="Hannah Okafor", level=1)).to_be_visible()
    intake_link = page.get_by_role("link", name=re.compile("^Intake of"))
    expect(page.get_by_role("listitem").filter(has=intake_link)).to_contain_text("Not reviewed")
    journey.check(page, "patient page")

    intake_link.click()
    flags = page.get_by_role("region", name="Red flags")
    expect(flags).to_contain_text("Calf pain, swelling or redness: possible DVT")
    expect(flags).to_contain_text("On sending, the patient was advised to see a GP or urgent care")
    journey.check(page, "intake review")
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_role("status")).to_contain_text("Marked as reviewed.")
    expect(page.get_by_text(f"reviewed by {physio.user.get_full_name()}")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as reviewed")).to_have_count(0)
    journey.check(page, "intake reviewed")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(rows.nth(0)).to_contain_text("Clarke, Emma")
    expect(page.get_by_text("Urgent flag")).to_have_count(0)
    journey.check(page, "home page after the review")
    flagged.refresh_from_db()
    assert flagged.reviewed_by == physio

    # Emma's new intake: she is in the clinic today. Examine, then assess.
    rows.nth(0).get_by_role("link", name="Clarke, Emma").click()
    page.get_by_role("link", name=re.compile("^Intake of")).click()
    page.get_by_role("link", name="Examine").click()
    expect(page.get_by_role("heading", name="Examination", level=1)).to_be_visible()
    journey.check(page, "examination form")
    page.set_viewport_size(PHONE["viewport"])  # the same form on a phone: its save bar sticks out of no side
    journey.check(page, "examination form on a phone")
    page.set_viewport_size(DESKTOP["viewport"])
    findings = {
        "Hip abductor strength": "Reduced",
        "Quadriceps strength": "Reduced",
        "Single-leg squat: knee valgus": "Seen",
        "Squat reproduces the pain": "Yes",
        "Step-down reproduces the pain": "Yes",
    }
    for finding, value in findings.items():
        page.get_by_role("group", name=finding, exact=True).get_by_text(value, exact=True).click()
    page.get_by_label("Side-lying hip abduction", exact=True).fill("11")
    page.get_by_role("group", name="Tender on palpation").get_by_text("Patellar facets").click()
    journey.check(page, "examination recorded")
    page.get_by_role("button", name="Save and assess").click()

    expect(page.get_by_role("heading", name="Assessment", level=1)).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("The examination has been saved.")
    # The engine ranks the causes; those scoring at least half start as Confirm. She keeps two and rejects one.
    expect(page.get_by_role("group", name=re.compile("^Decision on "))).to_have_count(3)
    journey.check(page, "assessment")
    hips = page.get_by_role("group", name="Decision on Hip muscle weakness")
    expect(hips.get_by_label("Confirm", exact=True)).to_be_checked()
    hips.get_by_role("textbox").fill("Weak side-lying abduction, 11 of 20")
    page.get_by_role("group", name="Decision on Quadriceps weakness").get_by_text("Confirm", exact=True).click()
    valgus = page.get_by_role("group", name="Decision on Dynamic knee valgus")
    valgus.get_by_text("Reject", exact=True).click()
    valgus.get_by_role("textbox").fill("Only with fatigue; not a driver")
    journey.check(page, "causes decided")
    page.get_by_role("button", name="Confirm assessment").click()

    expect(page.get_by_role("status").first).to_contain_text("The assessment has been confirmed.")
    journey.check(page, "assessment confirmed")
    assessment = Assessment.objects.get(intake__patient=patient)
    assert assessment.status == AssessmentStatus.CONFIRMED
    confirmed = [cause["code"] for cause in assessment.confirmed_causes]
    assert confirmed == [Cause.HIP_MUSCLE_WEAKNESS, Cause.QUADRICEPS_WEAKNESS]
    assert assessment.confirmed_causes[0]["note"] == "Weak side-lying abduction, 11 of 20"
    assert assessment.rejected_causes == [
        {"code": Cause.DYNAMIC_KNEE_VALGUS, "note": "Only with fatigue; not a driver"}
    ]
    patient.refresh_from_db()
    assert patient.status == PatientStatus.ASSESSED
