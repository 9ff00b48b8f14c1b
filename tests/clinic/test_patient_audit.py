"""The per-patient audit trail: what the patient pages record, and the page physiotherapists read it on."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditAction, AuditEvent, Patient
from clinic.views import AUDIT_EVENTS_PER_PAGE
from tests.clinic.test_patients import VALID_PATIENT
from tests.factories import AuditEventFactory, PatientFactory


def events_of(patient):
    return list(AuditEvent.objects.filter(patient_id=patient.pk).order_by("pk"))


# --- What is recorded ------------------------------------------------------------------------------------------


def test_viewing_a_patient_records_who_and_from_where(physio_client, physio, patient):
    physio_client.get(reverse("patient_detail", args=[patient.pk]), REMOTE_ADDR="203.0.113.9")
    [event] = events_of(patient)
    assert (event.action, event.actor, event.target_type, event.target_id) == (
        AuditAction.VIEW,
        physio.user,
        "patient",
        patient.pk,
    )
    assert event.ip_address == "203.0.113.9"


def test_opening_the_edit_form_records_a_view(desk_client, patient):
    desk_client.get(reverse("patient_edit", args=[patient.pk]))
    assert [(e.action, e.detail) for e in events_of(patient)] == [(AuditAction.VIEW, "edit form")]


def test_saving_changes_records_the_changed_field_names_never_their_values(desk_client, patient):
    data = {**VALID_PATIENT, "first_name": patient.first_name, "last_name": "Clarke-Jones", "physio": patient.physio_id}
    desk_client.post(reverse("patient_edit", args=[patient.pk]), data)
    [event] = events_of(patient)
    assert event.action == AuditAction.CHANGE
    assert event.detail == "last_name, date_of_birth, email, phone"
    assert "Clarke" not in str(vars(event)) and "1993" not in event.detail


def test_saving_without_changes_records_no_change(desk_client, patient):
    data = {
        **VALID_PATIENT,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "email": patient.email,
        "phone": patient.phone,
        "physio": patient.physio_id,
    }
    desk_client.post(reverse("patient_edit", args=[patient.pk]), data)
    assert events_of(patient) == []


def test_refused_edit_records_nothing(desk_client, patient):
    desk_client.post(reverse("patient_edit", args=[patient.pk]), {**VALID_PATIENT, "first_name": ""})
    assert events_of(patient) == []


def test_adding_a_patient_records_the_creation(desk_client, front_desk):
    desk_client.post(reverse("patient_create"), VALID_PATIENT)
    patient = Patient.objects.get()
    [event] = events_of(patient)
    assert (event.action, event.actor, event.clinic) == (AuditAction.CREATE, front_desk.user, front_desk.clinic)


def test_page_of_another_clinic_records_nothing(physio_client, foreign_patient):
    physio_client.get(reverse("patient_detail", args=[foreign_patient.pk]))
    assert not AuditEvent.objects.exists()


# --- The audit trail page ----------------------------------------------------------------------------------------


def test_audit_page_lists_entries_newest_first_with_who_what_and_where(physio_client, patient):
    now = timezone.now()
    AuditEventFactory(patient=patient, action=AuditAction.CREATE, at=now - timedelta(days=2))
    AuditEventFactory(
        patient=patient, action=AuditAction.DOWNLOAD, target_type="handout", target_id=7, at=now - timedelta(days=1)
    )
    response = physio_client.get(reverse("patient_audit", args=[patient.pk]))
    assert [e.action for e in response.context["page"].object_list] == [AuditAction.DOWNLOAD, AuditAction.CREATE]
    page = response.content.decode()
    assert "Downloaded" in page and "handout #7" in page and "203.0.113.7" in page
    assert "Alice Morgan (Physiotherapist)" in page


def test_audit_page_shows_only_this_patients_entries(physio_client, patient, other_patient, foreign_patient):
    AuditEventFactory(patient=patient)
    AuditEventFactory(patient=other_patient)
    AuditEventFactory(patient=foreign_patient)
    response = physio_client.get(reverse("patient_audit", args=[patient.pk]))
    assert [e.patient_id for e in response.context["page"].object_list] == [patient.pk]


def test_audit_page_filters_by_action(physio_client, patient):
    AuditEventFactory(patient=patient, action=AuditAction.VIEW)
    AuditEventFactory(patient=patient, action=AuditAction.CHANGE)
    response = physio_client.get(reverse("patient_audit", args=[patient.pk]), {"action": "change"})
    assert [e.action for e in response.context["page"].object_list] == [AuditAction.CHANGE]


def test_audit_page_ignores_an_unknown_action_filter(physio_client, patient):
    AuditEventFactory(patient=patient)
    response = physio_client.get(reverse("patient_audit", args=[patient.pk]), {"action": "<script>"})
    assert len(response.context["page"].object_list) == 1


def test_audit_page_is_paginated(physio_client, patient):
    AuditEventFactory.create_batch(AUDIT_EVENTS_PER_PAGE + 5, patient=patient)
    response = physio_client.get(reverse("patient_audit", args=[patient.pk]), {"action": "view"})
    assert len(response.context["page"].object_list) == AUDIT_EVENTS_PER_PAGE
    assert "action=view&amp;page=2" in response.content.decode()


@pytest.mark.parametrize("count", [1, 20])
def test_audit_page_uses_a_fixed_number_of_queries(count, physio_client, patient, django_assert_num_queries):
    AuditEventFactory.create_batch(count, patient=patient)
    # savepoint, session, user, membership with clinic, patient, count, page of events, savepoint release
    with django_assert_num_queries(8):
        response = physio_client.get(reverse("patient_audit", args=[patient.pk]))
    assert len(response.context["page"].object_list) == count


def test_audit_page_is_read_only(physio_client, patient):
    AuditEventFactory(patient=patient)
    response = physio_client.post(reverse("patient_audit", args=[patient.pk]), {"action": "view"})
    assert response.status_code == 405
    assert AuditEvent.objects.count() == 1


def test_viewing_the_audit_page_adds_no_entries(physio_client, patient):
    physio_client.get(reverse("patient_audit", args=[patient.pk]))
    assert events_of(patient) == []


def test_patient_page_links_physios_to_the_audit_trail(physio_client, patient):
    page = physio_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert reverse("patient_audit", args=[patient.pk]) in page


def test_patient_page_has_no_audit_link_for_front_desk(desk_client, clinic):
    patient = PatientFactory(clinic=clinic)
    page = desk_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert reverse("patient_audit", args=[patient.pk]) not in page
