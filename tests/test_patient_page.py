"""The patient page, which every app fills in (clinic.page_sections): its queries do not grow with the patient's
records, and each section shows them."""

import pytest
from django.urls import reverse

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
# setting); the messages' summary (there are none, so none are read); the audit entry; the savepoint released.
@pytest.mark.parametrize("count", [1, 3])
def test_the_patient_page_uses_a_fixed_number_of_queries(
    count, physio_client, clinic, physio, django_assert_num_queries
):
    patient = PatientFactory(clinic=clinic, physio=physio)
    for _ in range(count):
        intake_services.invite_create(patient=patient, by=physio, send_email=False)
        ConfirmedAssessmentFactory(intake=SubmittedIntakeFactory(patient=patient), created_by=physio)
        issued_plan(patient)
    with django_assert_num_queries(14):
        response = physio_client.get(reverse("patient_detail", args=[patient.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Assess: intake of") == count + count  # the plans' own assessments' intakes too
    assert page.count("confirmed ") >= count
