"""Writes for clinics, staff and patients. The views and `seed_demo` both go through these."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clinic.models import Clinic, Patient, StaffMember

User = get_user_model()


@transaction.atomic
def staff_member_create(
    *, clinic: Clinic, email: str, first_name: str, last_name: str, role: str, password: str | None = None
) -> StaffMember:
    user = User.objects.create_user(email=email, password=password, first_name=first_name, last_name=last_name)
    member = StaffMember(user=user, clinic=clinic, role=role)
    member.full_clean()
    member.save()
    return member


def patient_create(*, clinic: Clinic, by: StaffMember, **fields) -> Patient:
    patient = Patient(clinic=clinic, **fields)
    patient.full_clean()
    patient.save()
    return patient


def patient_update(*, patient: Patient, by: StaffMember, **fields) -> Patient:
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.full_clean()
    patient.save()
    return patient


def patient_move_along(*, patient: Patient, to: str, from_statuses: tuple[str, ...]) -> bool:
    """Move the patient to status `to`, but only from one of `from_statuses`: a later stage of the pathway is never
    undone by an earlier event (a follow-up questionnaire does not take a patient off their plan)."""
    moved = Patient.objects.filter(pk=patient.pk, status__in=from_statuses).update(status=to, updated_at=timezone.now())
    if moved:
        patient.status = to
    return bool(moved)
