"""Handouts and the patient's data rights: the PDFs go into the patient's export; anonymising or erasing the patient
deletes them and the batches their pages were printed in (with every file), and leaves other patients' alone."""

import io
import json
import zipfile

import pytest

from clinic import data_rights
from plans.models import Handout, HandoutBatch
from tests.plans.handout_factories import FAKE_PDF, stored_batch, stored_handout
from tests.plans.plan_factories import issued_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]


@pytest.fixture
def printed(patient, other_patient, clinic):
    """Emma's handout, Hannah's, and a batch of both."""
    emma = stored_handout(issued_plan(patient, weeks=4).current_revision, paper="letter")
    hannah = stored_handout(issued_plan(other_patient, weeks=4).current_revision)
    return {"emma": emma, "hannah": hannah, "batch": stored_batch(clinic, [emma, hannah])}


def exists(job) -> bool:
    return job.file.storage.exists(job.file.name)


def test_export_holds_the_patients_handouts_and_their_pdfs(patient, physio, printed):
    emma = printed["emma"]
    archive = data_rights.patient_export_archive(patient=patient, by=physio)
    with archive.file, zipfile.ZipFile(io.BytesIO(archive.file.read())) as zipped:
        data = json.loads(zipped.read("patient.json"))
        name = f"handouts/plan-{emma.revision.plan_id}-revision-1-letter.pdf"
        assert zipped.read(name) == FAKE_PDF
        assert [n for n in zipped.namelist() if n.endswith(".pdf")] == [name]  # never the batch: others' pages
    [record] = data["plans"]["handouts"]
    assert (record["id"], record["paper"], record["status"], record["sha256"]) == (
        emma.pk,
        "letter",
        "ready",
        emma.sha256,
    )
    assert data["files"] == [name]


@pytest.mark.parametrize("action", [data_rights.patient_erase, data_rights.patient_anonymise])
def test_erasing_or_anonymising_a_patient_deletes_their_printed_handouts_and_batches(
    action, patient, printed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        action(patient=patient)
    assert list(Handout.objects.all()) == [printed["hannah"]] and exists(printed["hannah"])
    assert not HandoutBatch.objects.exists()
    assert not exists(printed["emma"]) and not exists(printed["batch"])
