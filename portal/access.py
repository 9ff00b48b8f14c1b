"""Who may reach the portal's own records: a calendar feed by its secret address (see clinic.access and
plans.access for the patient's own records)."""

from django.shortcuts import get_object_or_404

from portal.models import CalendarFeed


def get_calendar_feed(token: str) -> CalendarFeed:
    """The working calendar feed of a secret address; a revoked or unknown one answers 404. No sign-in: calendar
    apps cannot, so the address is the only key."""
    return get_object_or_404(CalendarFeed.objects.active().select_related("patient__clinic"), token=token)
