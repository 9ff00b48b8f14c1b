from django import template
from django.utils import timezone

from intake.selectors import follow_up_overview, intake_overview

register = template.Library()


@register.inclusion_tag("intake/_patient_section.html", takes_context=True)
def intake_section(context, patient):
    """The intake section of the patient page: invite status for all staff, the intakes themselves for physios."""
    staff = context.get("current_staff")
    return {
        "patient": patient,
        "overview": intake_overview(patient),
        "is_physio": bool(staff and staff.is_physio),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("intake/_follow_up_section.html", takes_context=True)
def follow_up_section(context, patient):
    """The follow-up questionnaires on the patient page: physiotherapists only (scores are clinical data)."""
    staff = context.get("current_staff")
    if not (staff and staff.is_physio):
        return {"shown": False}
    return {
        "shown": True,
        "patient": patient,
        "overview": follow_up_overview(patient, today=timezone.localdate()),
        "csrf_token": context.get("csrf_token"),
    }
