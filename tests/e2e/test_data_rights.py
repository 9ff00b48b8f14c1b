"""A physiotherapist confirms who she is, downloads everything held about a patient, anonymises the record, then
erases it."""

import json
import zipfile

import pytest
from playwright.sync_api import expect

from clinic.models import AuditAction, AuditEvent, Patient
from tests.factories import PASSWORD
from tests.intake.factories import ConfirmedAssessmentFactory, SubmittedIntakeFactory

pytestmark = pytest.mark.e2e


def test_physio_exports_anonymises_and_erases_a_patient(journey, sign_in, physio, patient, tmp_path):
    intake = SubmittedIntakeFactory(patient=patient, note="Emma says the stairs are worst.")
    ConfirmedAssessmentFactory(intake=intake, created_by=physio)
    page = journey.new_page("desktop")
    sign_in(page, physio.user)
    page.goto(patient.get_absolute_url())
    page.get_by_role("link", name="Data rights").click()

    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    journey.check(page, "asked to confirm")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Data rights: Emma Clarke")).to_be_visible()
    expect(page.get_by_text("Assessments: 1")).to_be_visible()
    journey.check(page, "data rights page")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download everything (ZIP)").click()
    archive = tmp_path / download.value.suggested_filename
    download.value.save_as(archive)
    assert archive.name.startswith(f"runback-patient-{patient.pk}-")
    exported = json.loads(zipfile.ZipFile(archive).read("patient.json"))
    assert exported["intake"]["intakes"][0]["note"] == "Emma says the stairs are worst."

    page.get_by_label("Anonymise: keep the clinical records").check()
    page.get_by_label("Reason").select_option(label="The patient asked for it")
    page.get_by_label("The patient's full name").fill("Emma Clark")
    page.get_by_role("button", name="Carry it out").click()
    expect(page.get_by_text("That isn't the patient's name as recorded.")).to_be_visible()
    expect(page.get_by_label("The patient's full name")).to_have_value("Emma Clark")
    journey.check(page, "name mistyped")

    page.get_by_label("The patient's full name").fill("Emma Clarke")
    page.get_by_role("button", name="Carry it out").click()
    expect(page.get_by_role("status")).to_contain_text("The record has been anonymised")
    expect(page.get_by_role("heading", name=f"Anonymised patient {patient.pk}", level=1)).to_be_visible()
    journey.check(page, "anonymised")

    page.get_by_role("link", name="Data rights").click()
    page.get_by_label("Erase: delete the patient").check()
    page.get_by_label("Reason").select_option(label="The clinic's retention period for the records has ended")
    page.get_by_label("The patient's full name").fill(f"Anonymised patient {patient.pk}")
    page.get_by_role("button", name="Carry it out").click()
    expect(page.get_by_role("status")).to_contain_text("The patient's records have been erased.")
    journey.check(page, "erased")

    assert not Patient.objects.filter(pk=patient.pk).exists()
    assert AuditEvent.objects.filter(patient_id=patient.pk, action=AuditAction.ERASE).get().detail == (
        "reason: retention_ended"
    )
    assert page.request.get(f"/patients/{patient.pk}/").status == 404  # the record is gone, not just hidden
