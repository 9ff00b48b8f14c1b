"""Reads for the clinic's patient lists and the physio's caseload; each costs a fixed number of queries."""

from django.db.models import Q, QuerySet

from clinic.access import patients_for_staff
from clinic.models import Patient, StaffMember
from clinic.page_sections import ordered_for_clinicians

SCOPE_MINE = "mine"
SCOPE_CLINIC = "clinic"
SCOPE_CHOICES = [(SCOPE_MINE, "My patients"), (SCOPE_CLINIC, "Whole clinic")]


def patient_list_for_staff(
    *, member: StaffMember, search: str = "", status: str = "", scope: str = SCOPE_CLINIC
) -> QuerySet[Patient]:
    patients = patients_for_staff(member).select_related("physio__user")
    if scope == SCOPE_MINE:
        patients = patients.filter(physio=member)
    if search:
        patients = patients.search(search)
    if status:
        patients = patients.filter(status=status)
    if member.is_physio:
        # New intakes first, flagged ones by severity; the front desk sees no clinical data, so no clinical order.
        patients = ordered_for_clinicians(patients)
    return patients


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
