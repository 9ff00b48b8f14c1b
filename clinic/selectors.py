"""Reads for the clinic's patient lists; each returns a queryset with a fixed number of queries per page."""

from django.db.models import QuerySet

from clinic.access import patients_for_staff
from clinic.models import Patient, StaffMember

SCOPE_MINE = "mine"
SCOPE_CLINIC = "clinic"


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
    return patients
