"""Reads for the portal's own pages and feeds, and the conversations between patients and their clinic: a page of
a conversation, its summary, and the unread counts beside each patient on the physio's lists (each a fixed number
of queries)."""

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from clinic.models import Patient
from clinic.site import site_url
from plans.calendar import event_summary
from plans.loads import REST
from plans.models import Plan
from plans.selectors import exercise_names
from portal.ical import AllDayEvent
from portal.models import Message


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


# Messages shown on one page of a conversation (the newest first; a link leads to earlier ones).
THREAD_PAGE_SIZE = 30
# The newest messages the patient page shows (the whole conversation is a click away).
RECENT_MESSAGES = 3


@dataclass(frozen=True)
class ThreadSummary:
    """How many messages a patient's conversation holds, how many each side has not read, and when the last came."""

    count: int
    unread_by_staff: int
    unread_by_patient: int
    last_at: datetime | None


def thread_summary(patient: Patient) -> ThreadSummary:
    """One query."""
    unread = Q(read_at__isnull=True)
    return ThreadSummary(
        **Message.objects.filter(patient=patient).aggregate(
            count=Count("pk"),
            unread_by_staff=Count("pk", filter=unread & Q(from_patient=True)),
            unread_by_patient=Count("pk", filter=unread & Q(from_patient=False)),
            last_at=Max("sent_at"),
        )
    )


def _newest_first(patient: Patient):
    return Message.objects.filter(patient=patient).select_related("author").order_by("-sent_at", "-pk")


def thread_page(patient: Patient, number) -> Page:
    """A page of the patient's conversation, page 1 the newest, its messages oldest first so the newest is at the
    bottom. Any page number that is not one gives the nearest page. Two queries."""
    page = Paginator(_newest_first(patient), THREAD_PAGE_SIZE).get_page(number)
    page.object_list = list(reversed(page.object_list))
    return page


def recent_messages(patient: Patient) -> list[Message]:
    """The newest RECENT_MESSAGES of the conversation, oldest first. One query."""
    return list(reversed(_newest_first(patient)[:RECENT_MESSAGES]))


def unread_by_patient_count(patient: Patient) -> int:
    return Message.objects.filter(patient=patient).unread_by_patient().count()


def unread_by_staff_counts(patient_ids: list[int]) -> dict[int, int]:
    """{patient id: messages the clinic's staff have not read} for the patients who have any. One query."""
    unread = Message.objects.filter(patient_id__in=patient_ids).unread_by_staff()
    return dict(unread.values("patient_id").annotate(count=Count("pk")).values_list("patient_id", "count"))


def unread_by_staff_count():
    """An expression for a Patient queryset: how many messages from the patient the staff have not read."""
    unread = (
        Message.objects.filter(patient=OuterRef("pk"))
        .unread_by_staff()
        .order_by()
        .values("patient")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(unread), Value(0))
