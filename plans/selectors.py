"""Reads for the plans app: the exercise library, and plans (what the builder is given, and what each plan page
shows). Each returns what a page or the plan builder needs in a fixed number of queries."""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet

from clinic.charts import Chart, minutes_figure, pain_figure
from clinic.models import Clinic, Patient, StaffMember
from intake.codes import CATEGORY_LABELS
from intake.models import Assessment
from plans.access import exercises_for_staff
from plans.builder import CurrentRunning, PlanError, PlanRequest, build_plan
from plans.calendar import (
    JOG,
    KIND_LABELS,
    CalendarDay,
    CalendarWeek,
    Interval,
    LoggedMark,
    PlanProgress,
    describe_change,
    interval_words,
    logged_run_minutes,
    plan_calendar,
    plan_progress,
    run_details,
    run_intervals,
    session_title,
    weekday_headings,
)
from plans.invariants import request_violations
from plans.library.exercises import Dosage, ExerciseSpec, entry_dose
from plans.loads import REST, RUN
from plans.models import Exercise, Plan, PlanAlert, PlanRevision, PlanStatus, RevisionKind, SessionLog
from plans.progression import LoggedSession, replay_logs
from plans.selection import NoSuitableExercise

SOURCE_SHIPPED = "shipped"
SOURCE_CLINIC = "clinic"


def exercise_library_for_clinic(*, clinic: Clinic | None) -> list[ExerciseSpec]:
    """The library the plan builder chooses from: every active shipped exercise and the clinic's own.

    Links to exercises outside that set (deactivated ones) are dropped, so the result passes `validate_library`.
    One query.
    """
    exercises = Exercise.objects.active().visible_to(clinic.pk if clinic else None).order_by("slug")
    specs = [exercise.as_spec() for exercise in exercises]
    known = {spec.slug for spec in specs}
    return [
        replace(
            spec,
            progressions=tuple(slug for slug in spec.progressions if slug in known),
            regressions=tuple(slug for slug in spec.regressions if slug in known),
        )
        for spec in specs
    ]


def exercise_list_for_staff(
    *,
    member: StaffMember,
    search: str = "",
    category: str = "",
    kind: str = "",
    source: str = "",
    include_inactive: bool = False,
) -> QuerySet[Exercise]:
    exercises = exercises_for_staff(member)
    if not include_inactive:
        exercises = exercises.active()
    if search:
        exercises = exercises.search(search)
    if category:
        exercises = exercises.in_category(category)
    if kind:
        exercises = exercises.filter(kind=kind)
    if source == SOURCE_SHIPPED:
        exercises = exercises.shipped()
    elif source == SOURCE_CLINIC:
        exercises = exercises.filter(clinic_id=member.clinic_id)
    return exercises


def exercises_by_slug(*, member: StaffMember, slugs) -> dict[str, Exercise]:
    """The exercises named by `slugs` that the member may see, for linking progressions and regressions."""
    exercises = exercises_for_staff(member).filter(slug__in=list(slugs)).only("slug", "name", "level", "is_active")
    return {exercise.slug: exercise for exercise in exercises}


# --- Plans ----------------------------------------------------------------------------------------------------------


def earliest_start(assessment: Assessment) -> date:
    """The first day a plan of this assessment may start: the day of the assessment, or the plan start it set if
    earlier (case format: the plan starts on `as_of`, or `plan_start`); the assessment's gates count from there."""
    return min(day for day in (assessment.as_of, assessment.plan_start) if day is not None)


def plan_request_for(*, assessment: Assessment, inputs: dict) -> PlanRequest:
    """The builder's request: the assessment's condition, confirmed causes and gates, the intake's current running
    (reference §6.2), and the plan's inputs."""
    return PlanRequest(
        condition=assessment.engine_result["condition"],
        causes=assessment.confirmed_cause_codes,
        gates=assessment.gates,
        running=CurrentRunning.from_intake(assessment.intake.answers),
        **inputs,
    )


@dataclass(frozen=True)
class PlanHistory:
    """What a rebuilt plan replays: the logged sessions, the days whose automatic change the physio undid, and the
    physio's resumes of running after a hold (day, reason)."""

    logged: list[LoggedSession] = field(default_factory=list)
    undone: set[date] = field(default_factory=set)
    resumes: list[tuple[date, str]] = field(default_factory=list)


def plan_history(*, plan: Plan) -> PlanHistory:
    if plan.pk is None:
        return PlanHistory()
    undone = set(
        PlanRevision.objects.filter(plan=plan, kind=RevisionKind.AUTOMATIC, undone_by__isnull=False).values_list(
            "log__session_date", flat=True
        )
    )
    resumes = [
        (date.fromisoformat(resume["date"]), resume["reason"])
        for resume in (plan.current_revision.content.get("resumes", []) if plan.current_revision else [])
    ]
    return PlanHistory([log.as_logged_session() for log in plan.logs.all()], undone, resumes)


def plan_built_from(*, plan: Plan, inputs: dict) -> tuple[dict, PlanRequest, list[ExerciseSpec]]:
    """The plan `inputs` build for this plan's patient, with the sessions logged so far replayed onto it, and the
    request and library it was built with. PlanError when the builder refuses the inputs (each problem names its
    field)."""
    earliest = earliest_start(plan.assessment)
    if inputs["start"] < earliest:
        raise PlanError([f"start: a plan cannot start before the assessment on {earliest:%-d %b %Y}"])
    request = plan_request_for(assessment=plan.assessment, inputs=inputs)
    library = exercise_library_for_clinic(clinic=plan.patient.clinic)
    try:
        content = build_plan(request, library)
    except NoSuitableExercise as error:
        raise PlanError([f"programme: {error}"]) from error
    history = plan_history(plan=plan)
    if history.logged or history.resumes:
        content = replay_logs(content, history.logged, history_only=history.undone, resumes=history.resumes)
    return content, request, library


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


@dataclass
class PlanPage:
    """What the plan page shows. For the front desk (`clinical` False) only the revision list."""

    revisions: list[PlanRevision]
    view: PlanView | None = None
    is_draft_preview: bool = False
    pain_chart: Chart | None = None
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


def plan_exercise_slugs(content: dict) -> set[str]:
    """Every exercise a plan names: its programme, its sessions and their cross-training."""
    slugs = {entry["code"] for entry in content.get("programme", [])}
    for week in content["weeks"]:
        for session in week["sessions"]:
            slugs.update(entry["code"] for entry in session["exercises"])
            if session.get("cross_train"):
                slugs.add(session["cross_train"]["code"])
    return slugs


def _plan_view(content: dict, *, clinic_id: int, today: date, logged=None, chart_id: str) -> PlanView:
    """One query: the library exercises the plan names (for their names and pictures)."""
    exercises = {
        e.slug: e for e in Exercise.objects.visible_to(clinic_id).filter(slug__in=plan_exercise_slugs(content))
    }
    names = {slug: exercise.name for slug, exercise in exercises.items()}
    calendar = plan_calendar(content, today=today, logged=logged, names=names)
    done = tuple(week.done_minutes for week in calendar) if logged else None
    chart = minutes_figure(
        chart_id=chart_id,
        weeks=tuple(f"W{week.number}" for week in calendar),
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


def _logged_marks(logs: list[SessionLog]) -> dict[date, LoggedMark]:
    marks = {}
    for log in logs:
        session = session_on(log.revision.content, log.session_date)
        planned_run = session.get("run") if session else None
        minutes = logged_run_minutes(planned_run, completed=log.completed, duration_min=log.duration_min)
        marks[log.session_date] = LoggedMark(log.traffic_light, minutes)
    return marks


def plan_page(*, plan: Plan, clinical: bool, today: date) -> PlanPage:
    """Everything the plan page shows, in a fixed number of queries whatever the plan's length."""
    revisions = list(plan.revisions.select_related("created_by__user").defer("content", "inputs").order_by("-number"))
    page = PlanPage(revisions=revisions)
    if not clinical:
        return page
    logs = list(
        plan.logs.select_related("logged_by").prefetch_related(
            Prefetch("revision", queryset=PlanRevision.objects.only("id", "content"))
        )
    )
    page.logs = logs
    page.alerts = list(
        plan.alerts.select_related("reviewed_by__user").order_by(F("reviewed_at").desc(nulls_first=True), "-raised_at")
    )
    undone = {revision.undoes_id for revision in revisions if revision.undoes_id}
    page.automatic = [
        AutomaticChange(
            revision=revision,
            changes=[describe_change(change) for change in revision.changes],
            undone=revision.pk in undone,
            can_undo=revision.pk == plan.current_revision_id and plan.status == PlanStatus.ISSUED,
        )
        for revision in revisions
        if revision.kind == RevisionKind.AUTOMATIC
    ]
    shown = plan.current_revision.content if plan.current_revision else plan.content
    page.is_draft_preview = plan.current_revision is None
    page.hold = hold_view(shown) if plan.status == PlanStatus.ISSUED else None
    page.view = _plan_view(
        shown, clinic_id=plan.patient.clinic_id, today=today, logged=_logged_marks(logs), chart_id="plan-minutes"
    )
    if logs:
        page.pain_chart = logged_pain_figure(logs, chart_id="plan-pain")
    return page


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
    since replayed), and what stops it from being issued; the stored draft when the builder refuses its inputs."""
    try:
        content, request, library = plan_built_from(plan=plan, inputs=plan.inputs())
    except PlanError as error:
        content, problems = plan.content, _problem_lines(error)
    else:
        problems = request_violations(content, request, library)
    return {
        "view": _plan_view(content, clinic_id=plan.patient.clinic_id, today=today, chart_id="draft-minutes"),
        "problems": problems,
    }


def revision_page(*, revision: PlanRevision, today: date) -> dict:
    return {
        "view": _plan_view(
            revision.content, clinic_id=revision.plan.patient.clinic_id, today=today, chart_id="revision-minutes"
        ),
        "changes": [describe_change(change) for change in revision.changes],
    }


def session_on(content: dict, day: date) -> dict | None:
    """The plan's session on `day`, or None when the plan has no such day."""
    return next((s for week in content["weeks"] for s in week["sessions"] if s["date"] == day.isoformat()), None)


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
    return _recent_days(plan.current_revision.content, logged, today)


def _recent_days(content: dict, logged: dict[date, str], today: date) -> list[RecentDay]:
    """The plan's days of the last week up to today, with the traffic light of those logged."""
    since = today - timedelta(days=RECENT_DAYS - 1)
    days = []
    for week in content["weeks"]:
        for session in week["sessions"]:
            day = date.fromisoformat(session["date"])
            if since <= day <= today:
                days.append(RecentDay(day, session_title(session, {}), session["kind"], logged.get(day)))
    return days


def plans_for_patient(*, patient: Patient) -> list[Plan]:
    """The patient's plans for their page, newest first, with their open alerts counted (one query)."""
    return list(
        Plan.objects.filter(patient=patient)
        .select_related("current_revision", "draft_saved_by__user")
        .defer("content", "programme", "current_revision__content", "current_revision__changes")
        .annotate(open_alerts=Count("alerts", filter=Q(alerts__reviewed_at__isnull=True)))
    )


def plan_of_assessment(*, assessment: Assessment) -> Plan | None:
    """The newest plan built from this assessment that has not ended, if any."""
    return Plan.objects.filter(assessment=assessment).exclude(status=PlanStatus.ENDED).defer("content").first()


# --- The patient's portal -------------------------------------------------------------------------------------------


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
    view = _plan_view(
        content, clinic_id=plan.patient.clinic_id, today=today, logged=_logged_marks(logs), chart_id="my-minutes"
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
            for day in _recent_days(content, {d: log.traffic_light for d, log in logged.items()}, today)
            if day.loggable and day.day != today
        ],
        morning_log=yesterday if yesterday is not None and yesterday.next_morning_pain is None else None,
        logs=logs,
        pain_chart=logged_pain_figure(logs, chart_id="my-pain") if logs else None,
        on_hold=hold_view(content) is not None,
    )


def patients_with_session_on(patient_ids, day: date) -> list[int]:
    """Of these patients, those whose issued plan has a session (not a rest day) on `day`: who gets a reminder."""
    plans = Plan.objects.filter(status=PlanStatus.ISSUED, patient_id__in=patient_ids).select_related("current_revision")
    return [
        plan.patient_id
        for plan in plans.only("patient_id", "current_revision__content")
        if (session := session_on(plan.current_revision.content, day)) is not None and session["kind"] != REST
    ]


def exercise_names(plan: Plan) -> dict[str, str]:
    """The names of the library exercises the plan's current revision names, by code (one query)."""
    slugs = plan_exercise_slugs(plan.current_revision.content)
    return dict(Exercise.objects.visible_to(plan.patient.clinic_id).filter(slug__in=slugs).values_list("slug", "name"))
