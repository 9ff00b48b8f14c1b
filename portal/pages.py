"""What the portal shows on the clinic's patient page (clinic.page_sections): the account, reminders and the
calendar address. Registered by PortalConfig.ready()."""

from clinic.models import Patient, StaffMember
from clinic.page_sections import PATIENT_PAGE, add_section
from portal.models import CalendarFeed, PortalPreferences


def portal_section(*, patient: Patient, member: StaffMember) -> dict:
    account = patient.user
    return {
        "account": account,
        "password_set": account is not None and account.has_usable_password(),
        "reminders_on": PortalPreferences.objects.email_reminders_on(patient),
        "feed": CalendarFeed.objects.active().filter(patient=patient).first(),
    }


def register() -> None:
    add_section(PATIENT_PAGE, template="portal/_patient_section.html", data=portal_section)
