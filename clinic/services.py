"""Writes for clinics, staff and patients. The views and `seed_demo` both go through these."""

from django.contrib.auth import get_user_model
from django.db import transaction

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
