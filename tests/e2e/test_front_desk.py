"""The front desk adds a new patient and sends her the intake link."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from clinic.models import Patient, PatientStatus

pytestmark = pytest.mark.e2e


def test_front_desk_adds_patient_and_sends_intake_invite(journey, sign_in, front_desk, physio):
    page = journey.new_page("desktop")
    sign_in(page, front_desk.user)
    expect(page.get_by_role("heading", name="Patients of Riverside Physio")).to_be_visible()
    journey.check(page, "patient list")

    page.get_by_role("link", name="Add a patient").click()
    journey.check(page, "empty form")
    page.get_by_label("First name").fill("Sophie")
    page.get_by_label("Last name").fill("Turner")
    page.get_by_label("Date of birth").fill("2090-04-12")  # a slip of the year: in the future
    page.get_by_label("Sex at birth").select_option(label="Female")
    page.get_by_label("Email").fill("sophie.turner@example.test")
    page.get_by_label("Phone").fill("07700 900123")
    page.get_by_label("Treating physiotherapist").select_option(label=str(physio))
    page.get_by_role("button", name="Save patient").click()

    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below")
    expect(page.get_by_text("The date of birth cannot be in the future.")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Sophie")
    expect(page.get_by_label("Email")).to_have_value("sophie.turner@example.test")
    expect(page.get_by_label("Treating physiotherapist")).to_have_value(str(physio.pk))
    assert not Patient.objects.filter(last_name="Turner").exists()
    journey.check(page, "date of birth refused")

    page.get_by_label("Date of birth").fill("1990-04-12")
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_role("heading", name="Sophie Turner", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Sophie Turner has been added.")
    journey.check(page, "patient added")

    page.get_by_role("button", name="Send intake invite").click()
    expect(page.get_by_role("status")).to_contain_text("e-mailed to sophie.turner@example.test")
    link = page.get_by_label("Link for the patient").input_value()
    journey.check(page, "invite sent")

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    journey.check(page, "link copied")

    patient = Patient.objects.get(last_name="Turner")
    assert patient.status == PatientStatus.INTAKE_SENT
    assert link == patient.intake_invites.get().link
    assert link.startswith(journey.base_url)
    [message] = mail.outbox
    assert message.to == ["sophie.turner@example.test"]
    assert link in message.body

    # The next day Sophie phones to book and is added again by mistake: her record is found before anything is saved.
    page.goto("/patients/new/")
    page.get_by_label("First name").fill("Sophie")
    page.get_by_label("Last name").fill("Turner")
    page.get_by_label("Date of birth").fill("1990-04-12")
    page.get_by_label("Phone").fill("07700900123")
    page.get_by_role("button", name="Save patient").click()
    duplicates = page.get_by_role("alert").filter(has_text="This may be a patient already on record")
    expect(duplicates).to_contain_text("Sophie Turner, born 12 Apr 1990 · sophie.turner@example.test")
    expect(page.get_by_label("First name")).to_have_value("Sophie")  # what she typed is kept
    journey.check(page, "possible duplicate listed")
    duplicates.get_by_role("link", name="Sophie Turner").click()
    expect(page.get_by_role("heading", name="Sophie Turner", level=1)).to_be_visible()
    assert Patient.objects.filter(last_name="Turner").count() == 1
