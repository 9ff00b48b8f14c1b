from django import template

from portal.models import CalendarFeed, PortalPreferences

register = template.Library()


@register.inclusion_tag("portal/_patient_section.html", takes_context=True)
def portal_section(context, patient):
    """The portal section of the patient page (all staff): the account, reminders and the calendar address."""
    user = patient.user
    return {
        "patient": patient,
        "account": user,
        "password_set": user is not None and user.has_usable_password(),
        "reminders_on": PortalPreferences.objects.email_reminders_on(patient),
        "feed": CalendarFeed.objects.active().filter(patient=patient).first(),
        "csrf_token": context.get("csrf_token"),
    }
