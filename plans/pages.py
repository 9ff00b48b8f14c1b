"""What the plans show on the pages of the apps below (clinic.page_sections): the plans section of the patient page
and the plan builder's button on a confirmed assessment. Registered by PlansConfig.ready()."""

from clinic.models import Patient, StaffMember
from clinic.page_sections import ASSESSMENT_PAGE, PATIENT_PAGE, add_section
from intake.models import Assessment, AssessmentStatus
from plans.selectors import plan_of_assessment, plans_for_patient


def plan_section(*, patient: Patient, member: StaffMember) -> dict:
    """Each plan's status and link (all staff), open alerts and unissued drafts (physios)."""
    return {"plans": plans_for_patient(patient=patient), "is_physio": member.is_physio}


def plan_actions(*, assessment: Assessment, member: StaffMember) -> dict | None:
    """On a confirmed assessment: its plan, if one was built from it, or the "Build plan" button."""
    if assessment.status != AssessmentStatus.CONFIRMED:
        return None
    return {"plan": plan_of_assessment(assessment=assessment)}


def register() -> None:
    add_section(PATIENT_PAGE, template="plans/_patient_section.html", data=plan_section)
    add_section(ASSESSMENT_PAGE, template="plans/_assessment_plan_actions.html", data=plan_actions)
