"""Reads for the clinic's patient lists and the physio's caseload; each costs a fixed number of queries."""

from collections.abc import Iterable

from django.db.models import F, Q, QuerySet

from clinic.access import patients_for_staff
from clinic.models import Patient, StaffMember, User
from clinic.page_sections import ordered_for_clinicians

SCOPE_MINE = "mine"
SCOPE_CLINIC = "clinic"
SCOPE_CHOICES = [(SCOPE_MINE, "My patients"), (SCOPE_CLINIC, "Whole clinic")]


# What the patient list leaves out of each patient: reading the times and making objects of them alone cost as much
# as the rest of a row.
NOT_LISTED = ("clinic", "sex_at_birth", "user", "created_at", "updated_at", "anonymised_at")
# Of a patient's physiotherapist the list shows the name alone: read beside the patient, rather than the physio and
# their account made into two objects for every row.
PHYSIO_NAME = {
    "physio_first_name": F("physio__user__first_name"),
    "physio_last_name": F("physio__user__last_name"),
    "physio_email": F("physio__user__email"),
}


def patient_list_for_staff(
    *, member: StaffMember, search: str = "", status: str = "", scope: str = SCOPE_CLINIC
) -> QuerySet[Patient]:
    """The patient list's patients: the whole clinic's with their physiotherapists' names (physio_names()), the
    member's own without (their physiotherapist is the member)."""
    patients = patients_for_staff(member).defer(*NOT_LISTED)
    patients = patients.filter(physio=member) if scope == SCOPE_MINE else patients.annotate(**PHYSIO_NAME)
    if search:
        patients = patients.search(search)
    if status:
        patients = patients.filter(status=status)
    if member.is_physio:
        # New intakes first, flagged ones by severity; the front desk sees no clinical data, so no clinical order.
        patients = ordered_for_clinicians(patients)
    return patients


def physio_names(patients: Iterable[Patient]) -> dict[int, str]:
    """{physio id: name} for the physiotherapists of the whole clinic's patients as patient_list_for_staff() reads
    them: each the name their account gives (User.__str__)."""
    names = {}
    for patient in patients:
        if patient.physio_id is not None and patient.physio_id not in names:
            account = User(
                first_name=patient.physio_first_name, last_name=patient.physio_last_name, email=patient.physio_email
            )
            names[patient.physio_id] = str(account)
    return names


def possible_duplicates(
    *, clinic, first_name: str, last_name: str, date_of_birth, email: str, phone: str, exclude: int | None = None
) -> list[Patient]:
    """The clinic's patients who may be this person: the same first and last name and date of birth, or the same
    e-mail address, or the same phone number (one query)."""
    same = Q(pk__in=[])
    if first_name and last_name and date_of_birth:
        same |= Q(first_name__iexact=first_name, last_name__iexact=last_name, date_of_birth=date_of_birth)
    if email:
        same |= Q(email__iexact=email)
    if phone:
        same |= Q(phone=phone)
    return list(Patient.objects.filter(same, clinic=clinic, anonymised_at__isnull=True).exclude(pk=exclude)[:5])
