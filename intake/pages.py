"""What intake shows on the clinic's pages (clinic.page_sections): its sections of the patient page and the order of
the physio's patient list. Registered by IntakeConfig.ready()."""

from django.utils import timezone

from clinic.models import Patient, StaffMember
from clinic.page_sections import PATIENT_PAGE, ListOrder, add_list_order, add_section
from intake.selectors import follow_up_overview, intake_overview, unreviewed_intake_annotations


def intake_section(*, patient: Patient, member: StaffMember) -> dict:
    """Invite status for all staff, the intakes themselves for physios."""
    return {"overview": intake_overview(patient), "is_physio": member.is_physio}


def follow_up_section(*, patient: Patient, member: StaffMember) -> dict | None:
    """The follow-up questionnaires: physiotherapists only (scores are clinical data)."""
    if not member.is_physio:
        return None
    return {"overview": follow_up_overview(patient, today=timezone.localdate())}


def register() -> None:
    add_section(PATIENT_PAGE, template="intake/_patient_section.html", data=intake_section)
    add_section(PATIENT_PAGE, template="intake/_follow_up_section.html", data=follow_up_section)
    # New intakes first, flagged ones by severity (intake_rank is 0 when nothing waits for review).
    add_list_order(
        ListOrder(
            annotate=unreviewed_intake_annotations,
            order_by=("-intake_rank",),
            badge_template="intake/_patient_list_badge.html",
        )
    )
