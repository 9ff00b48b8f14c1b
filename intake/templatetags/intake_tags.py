from django import template

from intake.selectors import intake_overview

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
