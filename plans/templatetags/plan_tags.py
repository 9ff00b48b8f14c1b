from django import template

from intake.models import AssessmentStatus
from plans.handouts.selectors import handouts_for_patient
from plans.selectors import plan_of_assessment, plans_for_patient

register = template.Library()


@register.inclusion_tag("plans/_patient_section.html", takes_context=True)
def plan_section(context, patient):
    """The plans section of the patient page: each plan's status and link (all staff), open alerts and unissued
    drafts (physios)."""
    staff = context.get("current_staff")
    return {"plans": plans_for_patient(patient=patient), "is_physio": bool(staff and staff.is_physio)}


@register.inclusion_tag("plans/_assessment_plan_actions.html", takes_context=True)
def plan_actions(context, assessment):
    """On a confirmed assessment's page: its plan, if one was built from it, or the "Build plan" button."""
    return {
        "assessment": assessment,
        "plan": plan_of_assessment(assessment=assessment) if assessment.status == AssessmentStatus.CONFIRMED else None,
        "can_build": assessment.status == AssessmentStatus.CONFIRMED,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("plans/_my_handouts.html")
def my_handouts(patient):
    """On the patient's portal home: their plan as a PDF to download, when the clinic has printed it."""
    return {"handouts": handouts_for_patient(patient=patient)}
