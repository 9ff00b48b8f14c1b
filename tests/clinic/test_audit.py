import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from clinic import audit
from clinic.models import AuditAction, AuditEvent


@pytest.fixture
def request_from(physio):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox")
    request.user = physio.user
    return request


def test_record_names_actor_role_target_and_origin(request_from, patient, physio):
    event = audit.record(request_from, patient=patient, action=AuditAction.VIEW)
    assert (event.patient_id, event.target_type, event.target_id) == (patient.pk, "patient", patient.pk)
    assert event.actor_label == f"{physio.user.get_full_name()} (Physiotherapist)"
    assert (event.ip_address, event.user_agent) == ("203.0.113.7", "Firefox")


def test_record_never_copies_patient_names_into_the_trail(request_from, patient):
    event = audit.record(request_from, patient=patient, action=AuditAction.CHANGE, detail="status")
    assert patient.last_name not in str(event.__dict__)


def test_audit_events_cannot_be_changed_or_deleted(request_from, patient):
    event = audit.record(request_from, patient=patient, action=AuditAction.VIEW)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgresql_trigger
def test_postgresql_refuses_raw_updates_of_the_trail(request_from, patient):
    audit.record(request_from, patient=patient, action=AuditAction.VIEW)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE clinic_auditevent SET detail = 'tampered'")


def test_removing_an_account_keeps_its_entries(patient, front_desk):
    request = RequestFactory().get("/")
    request.user = front_desk.user
    audit.record(request, patient=patient, action=AuditAction.VIEW)
    name = front_desk.user.get_full_name()
    front_desk.user.delete()
    assert list(audit.events_for_patient(patient).values_list("actor_label", flat=True)) == [f"{name} (Front desk)"]


def test_patient_acting_in_their_portal_is_recorded_without_their_name(patient):
    request = RequestFactory().get("/")
    request.user = patient.user
    event = audit.record(request, patient=patient, action=AuditAction.VIEW)
    assert (event.actor_label, event.actor_id) == (audit.PATIENT_ACTOR_LABEL, patient.user.pk)
    assert patient.last_name not in str(event.__dict__)
