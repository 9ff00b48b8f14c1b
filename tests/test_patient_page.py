"""The patient page, which every app fills in (clinic.page_sections): its queries do not grow with the patient's
records, and each section shows them."""

import pickle

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.page_cache import records_state
from clinic.page_sections import PATIENT_PAGE, patient_page_records
from intake import services as intake_services
from tests.factories import PatientFactory
from tests.intake.factories import ConfirmedAssessmentFactory, SubmittedIntakeFactory
from tests.plans.plan_factories import issued_plan, load_shipped_library


@pytest.fixture(autouse=True)
def shipped_library(db):
    load_shipped_library()


# The session, the user and their clinic role; the request's savepoint; the patient; the intake section's links,
# intakes and decided assessments; the follow-up schedules (there are none, so no questionnaires are read); the plans
# (with their open alerts counted); the portal's calendar address (the patient has no account, so no reminders
# setting); the messages' summary (there are none, so none are read); the audit entry; the savepoint released. On
# PostgreSQL, before the sections, the state of their records (tests/test_patient_page_cache.py).
@pytest.mark.parametrize("count", [1, 3])
def test_the_patient_page_uses_a_fixed_number_of_queries(
    count, physio_client, clinic, physio, django_assert_num_queries
):
    patient = PatientFactory(clinic=clinic, physio=physio)
    for _ in range(count):
        intake_services.invite_create(patient=patient, by=physio, send_email=False)
        ConfirmedAssessmentFactory(intake=SubmittedIntakeFactory(patient=patient), created_by=physio)
        issued_plan(patient)
    with django_assert_num_queries(14 + (connection.vendor == "postgresql")):
        response = physio_client.get(reverse("patient_detail", args=[patient.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Assess: intake of") == count + count  # the plans' own assessments' intakes too
    assert page.count("confirmed ") >= count


def test_the_sections_are_read_every_time_where_the_database_cannot_tell_their_state(physio_client, patient):
    """The embedded mode (SQLite); on PostgreSQL they are kept: tests/test_patient_page_cache.py."""
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL tells the state of the records")
    state = records_state(PATIENT_PAGE, patient_page_records, patient_id=patient.pk, clinic_id=patient.clinic_id)
    assert state is None
    page = reverse("patient_detail", args=[patient.pk])
    physio_client.get(page)
    with CaptureQueriesContext(connection) as again:
        physio_client.get(page)
    assert any('FROM "intake_intakeinvite"' in query["sql"] for query in again)


def test_an_account_kept_in_the_page_cache_leaves_its_password_hash_behind(physio):
    kept = pickle.loads(pickle.dumps(physio.user))  # noqa: S301 - our own object
    assert "password" not in kept.__dict__ and kept.get_deferred_fields() == {"password"}
    assert kept.password == physio.user.password  # read from the database if ever asked for
