"""Reads for the portal's own pages and feeds."""

from datetime import date
from urllib.parse import urlsplit

from clinic.site import site_url
from plans.calendar import event_summary
from plans.loads import REST
from plans.models import Plan
from plans.selectors import exercise_names
from portal.ical import AllDayEvent


def plan_calendar_events(plan: Plan, *, description: str) -> list[AllDayEvent]:
    """The plan's sessions as all-day calendar events (rest days left out), each with a UID that stays the same for
    its day whatever the schedule becomes, so calendar apps update an event rather than add another."""
    names = exercise_names(plan)
    host = urlsplit(site_url()).hostname or "runback"
    return [
        AllDayEvent(
            uid=f"plan-{plan.pk}-{session['date'].replace('-', '')}@{host}",
            day=date.fromisoformat(session["date"]),
            summary=event_summary(session, names),
            description=description,
        )
        for week in plan.current_revision.content["weeks"]
        for session in week["sessions"]
        if session["kind"] != REST
    ]
