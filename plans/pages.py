"""What the plan pages show, built from the selectors' reads: the plan page, the draft editor's preview, a revision,
the days to log; and what the plans add to the pages of the apps below (clinic.page_sections): the plans section
of the patient page and the plan builder's button on a confirmed assessment, registered by PlansConfig.ready().
Each page costs a fixed number of queries whatever the plan's length."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import F, Prefetch, QuerySet, prefetch_related_objects
from django.template.loader import render_to_string

from clinic.charts import Chart, minutes_figure, pain_figure
from clinic.models import Patient, StaffMember
from clinic.page_cache import cached, records_state
from clinic.page_sections import ASSESSMENT_PAGE, PATIENT_PAGE, add_section, staff_records
from intake.codes import CATEGORY_LABELS
from intake.models import Assessment, AssessmentStatus, OutcomeResponse
from intake.pages import scores_figure_for
from plans.builder import PlanError
from plans.building import plan_built_from, unanswered_safety
from plans.calendar import (
    CalendarWeek,
    LoggedMark,
    describe_change,
    logged_run_minutes,
    plan_calendar,
    plan_exercise_slugs,
    session_on,
    session_title,
    weekday_headings,
)
from plans.handouts.selectors import handouts_of_revision
from plans.invariants import request_violations
from plans.library.exercises import Dosage
from plans.loads import REST, RUN
from plans.models import (
    Exercise,
    Handout,
    HandoutSettings,
    Plan,
    PlanAlert,
    PlanRevision,
    PlanStatus,
    RevisionKind,
    SessionLog,
)
from plans.running import run_minutes
from plans.selectors import library_version, plan_of_assessment, plans_for_patient


def plan_section(*, patient: Patient, member: StaffMember) -> dict:
    """Each plan's status and link (all staff), open alerts and unissued drafts (physios)."""
    return {"plans": plans_for_patient(patient=patient), "is_physio": member.is_physio}


def plan_actions(*, assessment: Assessment, member: StaffMember) -> dict | None:
    """On a confirmed assessment: its plan, if one was built from it, or the "Build plan" button."""
    if assessment.status != AssessmentStatus.CONFIRMED:
        return None
    return {"plan": plan_of_assessment(assessment=assessment)}


def plan_records(patient_id: int) -> list:
    """What plan_section reads, for the page cache (clinic.page_sections)."""
    plans = Plan.objects.filter(patient=patient_id)
    return [
        plans,
        PlanRevision.objects.filter(pk__in=plans.values("current_revision")),
        PlanAlert.objects.filter(plan__patient=patient_id),
    ]


def register() -> None:
    add_section(PATIENT_PAGE, template="plans/_patient_section.html", data=plan_section, records=plan_records)
    add_section(ASSESSMENT_PAGE, template="plans/_assessment_plan_actions.html", data=plan_actions)


def _problem_lines(error: PlanError) -> list[str]:
    fields = error.by_field()
    lines = [f"{message[0].upper()}{message[1:]}." for message in fields.pop("programme", [])]
    return lines + [f"{name}: {message}" for name, messages in fields.items() for message in messages]


@dataclass(frozen=True)
class ProgrammeLine:
    """One exercise of the home programme: the library exercise (for its picture) and its starting dose."""

    code: str
    name: str
    exercise: Exercise | None
    dose: str
    categories: list[str]


@dataclass(frozen=True)
class AutomaticChange:
    revision: PlanRevision
    changes: list[str]
    undone: bool
    can_undo: bool


@dataclass
class PlanView:
    """A plan's schedule as a page shows it: the calendar, the weekly running minutes, the programme and notes."""

    content: dict
    calendar: list[CalendarWeek]
    headings: list[str]
    minutes_chart: Chart
    programme: list[ProgrammeLine]
    notes: list[str]
    categories_without_exercise: list[str]
    exercises: dict[str, Exercise] = field(default_factory=dict)  # the library exercises the plan names, by code


@dataclass(frozen=True)
class PlanSchedule:
    """The plan page's parts that follow from the revision shown and the sessions logged, rendered: the calendar,
    the running and pain charts, the programme cards, the table of logged sessions (safe HTML), the notes and the
    hold. Kept in the page cache with the plan's history (plan_history)."""

    calendar: str
    charts: str
    programme: str
    logged_sessions: str
    notes: list[str]
    hold: "HoldView | None"
    more_exercises_reason: str = ""  # why the programme passes the usual cap of strength exercises


@dataclass
class PlanPage:
    """What the plan page shows. For the front desk (`clinical` False) only the revision list."""

    revisions: list[PlanRevision]
    schedule: PlanSchedule | None = None
    is_draft_preview: bool = False
    automatic: list[AutomaticChange] = field(default_factory=list)
    alerts: list[PlanAlert] = field(default_factory=list)
    logs: list[SessionLog] = field(default_factory=list)
    hold: "HoldView | None" = None


# Why running and impact are held after a logged session, for the physio (reference §8 RF19, §9.3 P5).
HOLD_REASONS = {
    "pelvic_floor_symptoms": "Pelvic floor symptoms were logged: refer to a pelvic health physiotherapist (RF19).",
    "two_reds_in_14_days": "Two red sessions within 14 days (P5).",
    "red_at_regressed_level": "Red again at the level a red had dropped the patient to (P5).",
}


@dataclass(frozen=True)
class HoldView:
    since: date
    reasons: list[str]


def hold_view(content: dict) -> HoldView | None:
    """The hold a plan's revision is under, in the physio's words; None when running and impact go ahead."""
    hold = content.get("hold") or {}
    if not hold.get("codes"):
        return None
    return HoldView(date.fromisoformat(hold["since"]), [HOLD_REASONS.get(code, code) for code in hold["codes"]])


def plan_view(content: dict, *, clinic_id: int, today: date, logged=None, chart_id: str) -> PlanView:
    """One query: the library exercises the plan names (for their names and pictures)."""
    exercises = {
        e.slug: e for e in Exercise.objects.visible_to(clinic_id).filter(slug__in=plan_exercise_slugs(content))
    }
    names = {slug: exercise.name for slug, exercise in exercises.items()}
    calendar = plan_calendar(content, today=today, logged=logged, names=names)
    done = tuple(week.done_minutes for week in calendar) if logged else None
    chart = minutes_figure(
        chart_id=chart_id,
        weeks=tuple(week.number for week in calendar),
        planned=tuple(week.planned_minutes for week in calendar),
        done=done,
    )
    programme = [
        ProgrammeLine(
            code=entry["code"],
            name=entry["name"],
            exercise=exercises.get(entry["code"]),
            dose=Dosage(
                **{k: entry[k] for k in ("sets", "reps", "hold_s", "minutes", "per_side", "per_week")}
            ).summary(),
            categories=[CATEGORY_LABELS.get(code, code) for code in entry["categories"]],
        )
        for entry in content.get("programme", [])
    ]
    return PlanView(
        content=content,
        calendar=calendar,
        headings=weekday_headings(content),
        minutes_chart=chart,
        programme=programme,
        notes=list(content.get("notes", [])),
        categories_without_exercise=[CATEGORY_LABELS.get(c, c) for c in content.get("categories_without_exercise", [])],
        exercises=exercises,
    )


def logged_marks(logs: list[SessionLog]) -> dict[date, LoggedMark]:
    marks = {}
    for log in logs:
        session = session_on(log.revision.content, log.session_date)
        planned_run = session.get("run") if session else None
        minutes = logged_run_minutes(planned_run, completed=log.completed, duration_min=log.duration_min)
        marks[log.session_date] = LoggedMark(log.traffic_light, minutes)
    return marks


def plan_page_records(*, patient_id: int, clinic_id: int, plan_id: int) -> list[QuerySet]:
    """The rows the plan page reads beside the plan and its history (clinic.page_cache.records_state): the clinic's
    staff and their accounts (the names of who issued, logged and reviewed), the exercise library, which the schedule
    names, the patient's scores, the clinic's usual paper size and the plan's handouts, whose progress the worker
    writes."""
    return [
        *staff_records(clinic_id),
        Exercise.objects.visible_to(clinic_id),
        OutcomeResponse.objects.filter(patient=patient_id),
        HandoutSettings.objects.filter(clinic=clinic_id),
        Handout.objects.filter(revision__plan=plan_id),
    ]


def plan_page_state(plan: Plan) -> str | None:
    """The state of plan_page_records (one query), or None where the database cannot tell it (SQLite)."""
    patient = plan.patient
    return records_state(
        "plan-page", plan_page_records, patient_id=patient.pk, clinic_id=patient.clinic_id, plan_id=plan.pk
    )


@dataclass(frozen=True)
class PlanPageExtras:
    """What the plan page shows beside the plan: the patient's scores (physiotherapists only), the paper size the
    handout form offers first, and the handouts asked for of the current revision."""

    scores_chart: Chart | None
    paper: str
    handouts: list[Handout]


def plan_page_extras(*, plan: Plan, clinical: bool, state: str | None) -> PlanPageExtras:
    """From the page cache while plan_page_records are in the `state` they were when last read (read after it)."""

    def read() -> PlanPageExtras:
        return PlanPageExtras(
            scores_chart=scores_figure_for(plan.patient, chart_id="plan-scores") if clinical else None,
            paper=HandoutSettings.for_clinic(plan.patient.clinic).paper_size,
            handouts=handouts_of_revision(revision_id=plan.current_revision_id),
        )

    if state is None:
        extras = read()
    else:
        patient = plan.patient
        key = {
            "clinical": clinical,
            "clinic": patient.clinic_id,
            "patient": [patient.pk, patient.created_at],
            "plan": [plan.pk, plan.created_at, plan.current_revision_id],
            "records": state,
        }
        extras = cached("plan-page-extras", key, read)
    for handout in extras.handouts:
        handout.revision = plan.current_revision  # for its links: the page's, never a copy kept with it
    return extras


def plan_page(*, plan: Plan, clinical: bool, today: date, state: str | None = None) -> PlanPage:
    """Everything the plan page shows, in a fixed number of queries whatever the plan's length. `plan` may come
    without its contents (plans.access.get_plan_page_for_staff): they are read only to render a schedule that is not
    in the page cache. `state`: plan_page_state, read before."""
    if not clinical:
        revisions = list(_revisions(plan))
        _attach(plan, revisions)
        return PlanPage(revisions=revisions)
    history = plan_history(plan=plan, today=today, state=state)
    _attach(plan, history.revisions, history.logs, history.alerts)
    page = PlanPage(revisions=history.revisions, logs=history.logs, alerts=history.alerts, schedule=history.schedule)
    undone = {revision.undoes_id for revision in history.revisions if revision.undoes_id}
    page.automatic = [
        AutomaticChange(
            revision=revision,
            changes=[describe_change(change) for change in revision.changes],
            undone=revision.pk in undone,
            can_undo=revision.may_be_undone,
        )
        for revision in history.revisions
        if revision.kind in (RevisionKind.AUTOMATIC, RevisionKind.MISSED)
    ]
    page.is_draft_preview = plan.current_revision is None
    page.hold = page.schedule.hold if plan.status == PlanStatus.ISSUED else None
    return page


@dataclass(frozen=True)
class PlanHistory:
    """What the plan page shows a physiotherapist of the plan's records: its revisions (newest first), logged
    sessions, alerts (open first) and the schedule rendered with the logs. Kept in the page cache for each
    `Plan.history_version`, state of the exercise library and day (plan_history)."""

    revisions: list[PlanRevision]
    logs: list[SessionLog]
    alerts: list[PlanAlert]
    schedule: PlanSchedule


def plan_history(*, plan: Plan, today: date, state: str | None = None) -> PlanHistory:
    """The plan's history for its page: from the page cache when this version of it, this library and this day have
    been read before (the library's state: plan_page_state, which covers it, or else one query). Otherwise read and
    rendered (revisions, logs and alerts; the revision's content, the library's exercises it names, the contents of
    any earlier revisions the logs were made against). A draft not issued yet is read every time: it changes as it is
    edited, without a revision."""
    if plan.current_revision is None:
        return _read_history(plan, today=today)
    patient = plan.patient
    # The plan's services move `history_version` on in the transaction that changes its revisions, logs or alerts,
    # and the page reads the plan before them: what is kept under a version is never older than that version.
    key = {
        "role": "physiotherapist",
        "clinic": patient.clinic_id,
        "patient": [patient.pk, patient.created_at],
        "plan": [plan.pk, plan.created_at, plan.history_version],
        "library": state if state is not None else library_version(clinic_id=patient.clinic_id),
        "today": today,
    }
    return cached("plan-history", key, lambda: _read_history(plan, today=today))


def _revisions(plan: Plan):
    return (
        PlanRevision.objects.filter(plan_id=plan.pk)
        .select_related("created_by__user")
        .defer("content", "inputs")
        .order_by("-number")
    )


def _read_history(plan: Plan, *, today: date) -> PlanHistory:
    # Read by the plan's id, not through `plan`: the records then carry no copy of the plan into the page cache
    # (_attach gives them the page's).
    revisions = list(_revisions(plan))
    logs = list(SessionLog.objects.filter(plan_id=plan.pk).select_related("logged_by"))
    alerts = list(
        PlanAlert.objects.filter(plan_id=plan.pk)
        .select_related("reviewed_by__user")
        .order_by(F("reviewed_at").desc(nulls_first=True), "-raised_at")
    )
    revision = plan.current_revision
    content, inputs = (revision.content, revision.inputs) if revision else (plan.content, plan.inputs())
    schedule = _render_schedule(content, inputs, plan=plan, logs=logs, today=today)
    for log in logs:  # the revisions' contents drew the logs' lights, the plan gave their links: neither is kept
        SessionLog.revision.field.delete_cached_value(log)
        SessionLog.plan.field.delete_cached_value(log)
    return PlanHistory(revisions=revisions, logs=logs, alerts=alerts, schedule=schedule)


def _attach(plan: Plan, *records) -> None:
    """Give the plan's records, read without it (fresh or from the page cache), the page's plan (for their links), and
    the current revision its author (for the page's heading)."""
    for record in (record for group in records for record in group):
        record.plan = plan
        if isinstance(record, PlanRevision) and record.pk == plan.current_revision_id:
            plan.current_revision.created_by = record.created_by


def _render_schedule(content: dict, inputs: dict, *, plan: Plan, logs: list[SessionLog], today: date) -> PlanSchedule:
    # Each log's traffic light is drawn against the revision it was made against: most often the one shown.
    for log in logs:
        if log.revision_id == plan.current_revision_id:
            log.revision = plan.current_revision
    prefetch_related_objects(logs, Prefetch("revision", queryset=PlanRevision.objects.only("id", "content")))
    view = plan_view(
        content, clinic_id=plan.patient.clinic_id, today=today, logged=logged_marks(logs), chart_id="plan-minutes"
    )
    pain_chart = logged_pain_figure(logs, chart_id="plan-pain") if logs else None
    for log in logs:  # for their links
        log.plan = plan
    return PlanSchedule(
        calendar=render_to_string("plans/_calendar.html", {"view": view}),
        charts=render_to_string("plans/_plan_charts.html", {"view": view, "pain_chart": pain_chart}),
        programme=render_to_string("plans/_programme.html", {"view": view}),
        logged_sessions=render_to_string("plans/_logged_sessions.html", {"logs": logs}),
        notes=view.notes,
        hold=hold_view(content),
        more_exercises_reason=inputs.get("more_exercises_reason", ""),
    )


def logged_pain_figure(logs: list[SessionLog], *, chart_id: str) -> Chart:
    """The pain chart of the logged sessions, on the physio's plan page and the patient's portal alike."""
    return pain_figure(
        chart_id=chart_id,
        dates=tuple(f"{log.session_date.day} {log.session_date:%b}" for log in logs),
        during=tuple(log.pain_during_max for log in logs),
        next_morning=tuple(log.next_morning_pain for log in logs),
    )


def draft_preview(*, plan: Plan, today: date) -> dict:
    """The draft editor's preview: what issuing the saved draft now would give (rebuilt, with the sessions logged
    since replayed), and what stops it from being issued (what `services.plan_issue` refuses it for); the stored
    draft when the builder refuses its inputs."""
    try:
        content, request, library = plan_built_from(plan=plan, inputs=plan.inputs(), today=today)
    except PlanError as error:
        content, problems = plan.content, _problem_lines(error)
    else:
        problems = request_violations(content, request, library)
    problems = unanswered_safety(content) + problems
    return {
        "view": plan_view(content, clinic_id=plan.patient.clinic_id, today=today, chart_id="draft-minutes"),
        "problems": problems,
    }


def revision_page(*, revision: PlanRevision, today: date) -> dict:
    return {
        "view": plan_view(
            revision.content, clinic_id=revision.plan.patient.clinic_id, today=today, chart_id="revision-minutes"
        ),
        "changes": [describe_change(change) for change in revision.changes],
    }


@dataclass(frozen=True)
class RecentDay:
    day: date
    title: str
    kind: str
    logged: str | None  # the traffic light when already logged

    @property
    def loggable(self) -> bool:
        return self.kind != REST and self.logged is None


RECENT_DAYS = 7


def recent_sessions(*, plan: Plan, today: date) -> list[RecentDay]:
    """The plan's last week up to today, for the physio logging a session: what each day held and whether it is
    logged."""
    since = today - timedelta(days=RECENT_DAYS - 1)
    logged = dict(plan.logs.filter(session_date__gte=since).values_list("session_date", "traffic_light"))
    return recent_days(plan.current_revision.content, logged, today)


def recent_days(content: dict, logged: dict[date, str], today: date) -> list[RecentDay]:
    """The plan's days of the last week up to today, with the traffic light of those logged."""
    since = today - timedelta(days=RECENT_DAYS - 1)
    days = []
    for week in content["weeks"]:
        for session in week["sessions"]:
            day = date.fromisoformat(session["date"])
            if since <= day <= today:
                days.append(RecentDay(day, session_title(session, {}), session["kind"], logged.get(day)))
    return days


# --- What issuing the draft changes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One thing the draft changes for the patient: its name, as the patient follows it now, and as drafted."""

    what: str
    now: str
    drafted: str


def _dose_words(entry: dict) -> str:
    parts = ("sets", "reps", "hold_s", "minutes", "per_side", "per_week")
    return Dosage(**{part: entry[part] for part in parts if entry.get(part) is not None}).summary()


def _schedule_words(content: dict) -> dict[str, str]:
    runs = [s for week in content["weeks"] for s in week["sessions"] if s["kind"] == RUN]
    first_run = f"{date.fromisoformat(runs[0]['date']):%a %-d %b %Y}" if runs else "No running yet"
    minutes = round(sum(run_minutes(s["run"]) for s in runs))
    return {"Weeks": str(len(content["weeks"])), "First run": first_run, "Running minutes in all": str(minutes)}


def plan_differences(before: dict | None, after: dict, names: dict[str, str]) -> list[Difference]:
    """What changes between two versions of a plan, each given as {"content", "note"}: the schedule's shape, the
    note for the patient, and each exercise added, removed or dosed differently (`names` by code). With no
    `before` (a first issue), everything the draft holds."""
    rows = []
    old = _schedule_words(before["content"]) if before else {}
    for what, drafted in _schedule_words(after["content"]).items():
        if old.get(what) != drafted:
            rows.append(Difference(what, old.get(what, "—"), drafted))
    if before is None or before["note"] != after["note"]:
        rows.append(Difference("Note for the patient", (before or {}).get("note") or "—", after["note"] or "—"))
    old_doses = {e["code"]: _dose_words(e) for e in before["content"]["programme"]} if before else {}
    new_doses = {e["code"]: _dose_words(e) for e in after["content"]["programme"]}
    for code in [*new_doses, *(code for code in old_doses if code not in new_doses)]:
        if old_doses.get(code) != new_doses.get(code):
            name = names.get(code, code.replace("_", " ").capitalize())
            rows.append(Difference(name, old_doses.get(code, "—"), new_doses.get(code, "Taken out")))
    return rows


def changes_to_issue(*, plan: Plan) -> list[Difference]:
    """What issuing the saved draft would change for the patient, against the revision they follow now (one query:
    the names of the exercises)."""
    current = plan.current_revision
    before = {"content": current.content, "note": current.note_for_patient} if current else None
    after = {"content": plan.content, "note": plan.note_for_patient}
    slugs = plan_exercise_slugs(plan.content) | (plan_exercise_slugs(current.content) if current else set())
    names = dict(Exercise.objects.visible_to(plan.patient.clinic_id).filter(slug__in=slugs).values_list("slug", "name"))
    return plan_differences(before, after, names)
