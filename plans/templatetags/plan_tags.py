from django import template

from plans.selectors import plans_for_patient

register = template.Library()


@register.inclusion_tag("plans/_patient_section.html", takes_context=True)
def plan_section(context, patient):
    """The plans section of the patient page: each plan's status and link (all staff), open alerts and unissued
    drafts (physios)."""
    staff = context.get("current_staff")
    return {"plans": plans_for_patient(patient=patient), "is_physio": bool(staff and staff.is_physio)}
