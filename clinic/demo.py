"""The demo clinic: staff, and patients at different points of the pathway, built through the services the
views use. Idempotent: running it again changes nothing that is already there."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from clinic import services
from clinic.models import Clinic, Patient, PatientStatus, StaffMember, StaffRole

DEMO_PASSWORD = "runback-demo-2026"  # noqa: S105 - printed for the demo on purpose

User = get_user_model()


@dataclass(frozen=True)
class DemoStaff:
    key: str
    email: str
    first_name: str
    last_name: str
    role: str


@dataclass(frozen=True)
class DemoPatient:
    first_name: str
    last_name: str
    date_of_birth: date
    sex_at_birth: str
    physio_key: str
    stage: str  # how far along the pathway the demo takes this patient


STAFF = [
    DemoStaff("physio", "physio@demo.runback.test", "Alice", "Morgan", StaffRole.PHYSIOTHERAPIST),
    DemoStaff("physio2", "physio2@demo.runback.test", "Ben", "Adeyemi", StaffRole.PHYSIOTHERAPIST),
    DemoStaff("desk", "desk@demo.runback.test", "Carla", "Price", StaffRole.FRONT_DESK),
]

PATIENTS = [
    DemoPatient("Emma", "Clarke", date(1994, 2, 11), "female", "physio", PatientStatus.NEW),
    DemoPatient("Hannah", "Okafor", date(1990, 7, 30), "female", "physio", PatientStatus.NEW),
    DemoPatient("Tom", "Reilly", date(1988, 9, 9), "male", "physio", PatientStatus.NEW),
    DemoPatient("Priya", "Nair", date(1996, 3, 22), "female", "physio", PatientStatus.NEW),
    DemoPatient("Daniel", "Kovacs", date(1979, 11, 5), "male", "physio2", PatientStatus.NEW),
    DemoPatient("Laura", "Mendes", date(1991, 5, 4), "female", "physio2", PatientStatus.NEW),
    DemoPatient("Marcus", "Webb", date(1985, 1, 15), "male", "physio", PatientStatus.NEW),
    DemoPatient("Grace", "Liu", date(1983, 8, 19), "female", "physio2", PatientStatus.DISCHARGED),
]

PATIENT_PORTAL_EMAIL = "patient@demo.runback.test"
ADMIN_EMAIL = "admin@demo.runback.test"


@transaction.atomic
def seed_demo_clinic() -> dict[str, str]:
    """Create (or find) the demo clinic and return the demo logins as {role description: e-mail}."""
    clinic, _ = Clinic.objects.get_or_create(
        slug="demo",
        defaults={
            "name": "Runback Demo Physiotherapy",
            "phone": "020 7946 0000",
            "email": "hello@demo.runback.test",
            "address": "1 Riverside Walk\nLondon",
        },
    )
    staff = {entry.key: _staff_member(clinic, entry) for entry in STAFF}
    for entry in PATIENTS:
        _patient(clinic, staff, entry)
    if not User.objects.filter(email=ADMIN_EMAIL).exists():
        User.objects.create_superuser(email=ADMIN_EMAIL, password=DEMO_PASSWORD, first_name="Site", last_name="Admin")
    logins = {f"{entry.role.label} ({entry.first_name} {entry.last_name})": entry.email for entry in STAFF}
    logins["Administrator (Django admin)"] = ADMIN_EMAIL
    return logins


def _staff_member(clinic: Clinic, entry: DemoStaff) -> StaffMember:
    existing = StaffMember.objects.filter(user__email=entry.email).first()
    if existing:
        return existing
    return services.staff_member_create(
        clinic=clinic,
        email=entry.email,
        first_name=entry.first_name,
        last_name=entry.last_name,
        role=entry.role,
        password=DEMO_PASSWORD,
    )


def _patient(clinic: Clinic, staff: dict[str, StaffMember], entry: DemoPatient) -> Patient:
    physio = staff[entry.physio_key]
    patient = Patient.objects.filter(
        clinic=clinic,
        first_name=entry.first_name,
        last_name=entry.last_name,
        date_of_birth=entry.date_of_birth,
    ).first()
    if patient is None:
        patient = services.patient_create(
            clinic=clinic,
            by=physio,
            first_name=entry.first_name,
            last_name=entry.last_name,
            date_of_birth=entry.date_of_birth,
            sex_at_birth=entry.sex_at_birth,
            email=f"{entry.first_name.lower()}.{entry.last_name.lower()}@example.com",
            phone="07700 900000",
            physio=physio,
        )
        if entry.stage == PatientStatus.DISCHARGED:
            services.patient_update(patient=patient, by=physio, status=PatientStatus.DISCHARGED)
    return patient
