"""What the portal's pages show: the patient's plan as they follow it (today's session, the week ahead, what to
log, their charts), in a fixed number of queries; and what the portal adds to the clinic's pages
(clinic.page_sections), registered by PortalConfig.ready(): the patient page's sections (the account, reminders and
the calendar address; the messages), the unread messages first on the physio's patient list, and their count beside
each patient on the caseload."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch
from django.template.loader import render_to_string

from clinic.charts import Chart
from clinic.models import Patient, StaffMember
from clinic.page_sections import CASELOAD, PATIENT_PAGE, ListOrder, add_badge, add_list_order, add_section
from plans.calendar import (
    JOG,
    KIND_LABELS,
    CalendarDay,
    Interval,
    PlanProgress,
    interval_words,
    plan_progress,
    run_details,
    run_intervals,
    session_on,
    session_title,
)
from plans.library.exercises import entry_dose
from plans.loads import REST, RUN
from plans.models import Exercise, Plan, PlanRevision, SessionLog
from plans.pages import PlanView, RecentDay, hold_view, logged_marks, logged_pain_figure, plan_view, recent_days
from portal.forms import MessageForm
from portal.models import CalendarFeed, Message, PortalPreferences
from portal.selectors import recent_messages, thread_summary, unread_by_staff_counts
from portal.services import messages_closed_because


def portal_section(*, patient: Patient, member: StaffMember) -> dict:
    account = patient.user
    password_set = account is not None and account.has_usable_password()
    return {
        "account": account,
        "password_set": password_set,
        # Shown beside an account in use only.
        "preferences": PortalPreferences.objects.for_patient(patient) if password_set else None,
        "feed": CalendarFeed.objects.active().filter(patient=patient).first(),
    }


def messages_section(*, patient: Patient, member: StaffMember) -> dict:
    """Physiotherapists read the newest messages and answer; the front desk learns only that the patient and the
    physiotherapists exchange messages and whether some wait to be read: what they say is clinical."""
    summary = thread_summary(patient)
    if not member.is_physio:
        return {"summary": summary, "is_physio": False}
    closed = messages_closed_because(patient)
    return {
        "summary": summary,
        "is_physio": True,
        "recent": recent_messages(patient) if summary.count else [],
        "closed": closed,
        "form": None if closed else MessageForm(label=f"Your message to {patient.first_name}"),
    }


def portal_records(patient_id: int) -> list:
    """What portal_section reads, for the page cache (the account is among the clinic's: clinic.page_sections)."""
    return [
        PortalPreferences.objects.filter(patient=patient_id),
        CalendarFeed.objects.filter(patient=patient_id),
    ]


def messages_records(patient_id: int) -> list:
    """What messages_section reads, for the page cache (the authors are among the clinic's: clinic.page_sections)."""
    return [Message.objects.filter(patient=patient_id)]


def unread_badges(patient_ids: list[int]) -> dict[int, dict]:
    return {
        patient_id: {"count": count, "patient_id": patient_id}
        for patient_id, count in unread_by_staff_counts(patient_ids).items()
    }


def register() -> None:
    add_section(PATIENT_PAGE, template="portal/_patient_section.html", data=portal_section, records=portal_records)
    add_section(
        PATIENT_PAGE,
        template="portal/_messages_section.html",
        data=messages_section,
        records=messages_records,
    )
    # After what intake puts first (flagged and new intakes): patients whose messages wait, the most first
    # (Patient.unread_messages, kept by the portal's services).
    add_list_order(ListOrder(order_by=("-unread_messages",), badge=unread_list_badge))
    add_badge(CASELOAD, template="portal/_unread_badge.html", data=unread_badges)


def unread_list_badge(patient: Patient) -> str:
    """Beside a patient on the clinicians' list whose messages wait: how many, linking to them."""
    if not patient.unread_messages:
        return ""
    return render_to_string("portal/_unread_badge.html", {"count": patient.unread_messages, "patient_id": patient.pk})


@dataclass(frozen=True)
class ExerciseToday:
    """One exercise of today's session as the patient does it: the picture, the dose and how to do it."""

    code: str
    name: str
    exercise: Exercise | None
    dose: str
    instructions: tuple[str, ...]
    cues: tuple[str, ...]


@dataclass(frozen=True)
class SessionToday:
    day: date
    kind: str
    title: str
    details: tuple[str, ...]
    intervals: list[Interval]  # the walk/run stretches, for the timer; empty for anything but a timed run
    interval_words: str
    exercises: list[ExerciseToday]
    log: SessionLog | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def total_minutes(self) -> float:
        return sum(interval.minutes for interval in self.intervals)

    @property
    def rounds(self) -> int:
        return sum(1 for interval in self.intervals if interval.kind == JOG)

    @property
    def timer_spec(self) -> str:
        """The intervals for the timer of static/js/portal.js: "walk:300 run:60 …" (kind and seconds)."""
        return " ".join(f"{interval.kind}:{round(interval.minutes * 60)}" for interval in self.intervals)


@dataclass
class PortalPlan:
    """What the patient's portal shows of their plan, in a fixed number of queries."""

    plan: Plan
    view: PlanView
    today: SessionToday | None  # None on a rest day, before the plan starts and after it ends
    week_ahead: list[CalendarDay]
    progress: PlanProgress
    to_log: list[RecentDay]  # the last week's sessions before today not logged yet
    morning_log: SessionLog | None  # yesterday's session, waiting for the next-morning answers
    logs: list[SessionLog]
    pain_chart: Chart | None
    on_hold: bool = False  # running and impact wait for the physio (reference §8 RF19, §9.3 P5)

    @property
    def runs_planned(self) -> bool:
        """Whether the running chart has anything to show: not all zeros while the plan only builds strength."""
        return any(week.planned_minutes for week in self.view.calendar)


WEEK_AHEAD_DAYS = 7


def _exercise_today(entry: dict, exercises: dict[str, Exercise]) -> ExerciseToday:
    exercise = exercises.get(entry["code"])
    if exercise is None:  # an exercise taken out of the library since: its name and dose still show
        return ExerciseToday(entry["code"], entry["code"].replace("_", " ").capitalize(), None, "", (), ())
    spec = exercise.as_spec()
    return ExerciseToday(
        entry["code"], exercise.name, exercise, entry_dose(entry, spec).text(), spec.instructions, spec.cues
    )


def portal_plan(*, plan: Plan, today: date) -> PortalPlan:
    """The patient's issued plan as their portal shows it: today's session, the week ahead, where they stand, the
    sessions to log and the next-morning question, and their charts."""
    logs = list(
        plan.logs.prefetch_related(Prefetch("revision", queryset=PlanRevision.objects.only("id", "content"))).order_by(
            "session_date"
        )
    )
    content = plan.current_revision.content
    view = plan_view(
        content, clinic_id=plan.patient.clinic_id, today=today, logged=logged_marks(logs), chart_id="my-minutes"
    )
    exercises = view.exercises
    logged = {log.session_date: log for log in logs}
    session = session_on(content, today)
    today_session = None
    if session is not None and session["kind"] != REST:
        names = {slug: exercise.name for slug, exercise in exercises.items()}
        run = session.get("run") if session["kind"] == RUN else None
        today_session = SessionToday(
            day=today,
            kind=session["kind"],
            title=session_title(session, names),
            details=tuple(run_details(run)) if run else (),
            intervals=run_intervals(run) if run else [],
            interval_words=interval_words(run) if run else "",
            exercises=[_exercise_today(entry, exercises) for entry in session.get("exercises", [])],
            log=logged.get(today),
        )
    days = [day for week in view.calendar for day in week.days]
    yesterday = logged.get(today - timedelta(days=1))
    return PortalPlan(
        plan=plan,
        view=view,
        today=today_session,
        week_ahead=[day for day in days if today < day.day <= today + timedelta(days=WEEK_AHEAD_DAYS)],
        progress=plan_progress(content, today=today),
        to_log=[
            day
            for day in recent_days(content, {d: log.traffic_light for d, log in logged.items()}, today)
            if day.loggable and day.day != today
        ],
        morning_log=yesterday if yesterday is not None and yesterday.next_morning_pain is None else None,
        logs=logs,
        pain_chart=logged_pain_figure(logs, chart_id="my-pain") if logs else None,
        on_hold=hold_view(content) is not None,
    )
