"""The plan builder fed from the database: what a plan's builder is given (the assessment's condition, causes and
gates, the intake's running, the plan's inputs) and the plan those build with the sessions logged so far replayed.
Used by the services that save plans and by the draft editor's preview."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from intake.models import Assessment
from intake.pages import need_label
from plans.builder import CurrentRunning, PlanError, PlanRequest, build_plan
from plans.library.exercises import ExerciseSpec
from plans.models import Plan, PlanRevision, RevisionKind
from plans.progression import LoggedSession, catch_up_missed, replay_logs
from plans.selection import NoSuitableExercise
from plans.selectors import exercise_library_for_clinic


def earliest_start(assessment: Assessment) -> date:
    """The first day a plan of this assessment may start: the day of the assessment, or the plan start it set if
    earlier (case format: the plan starts on `as_of`, or `plan_start`); the assessment's gates count from there."""
    return min(day for day in (assessment.as_of, assessment.plan_start) if day is not None)


def unanswered_safety(content: dict) -> list[str]:
    """A plan may be drafted but not issued while safety questions are unanswered (reference §8): the physio
    answers them, or overrides the hold with a reason, on the assessment. One line naming them, or none."""
    paths = content.get("issue_blocked_by") or []
    if not paths:
        return []
    questions = "; ".join(need_label(path) for path in paths)
    return [
        f"Safety questions are still unanswered ({questions}). Answer them in a new assessment, or override the "
        "hold there with your reason, before the plan is issued."
    ]


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
    physio's resumes of running after a hold (day, reason, the days of the sessions it reviewed if it lists them)."""

    logged: list[LoggedSession] = field(default_factory=list)
    undone: set[date] = field(default_factory=set)
    resumes: list[tuple[date, str, tuple[str, ...] | None]] = field(default_factory=list)


def plan_history(*, plan: Plan) -> PlanHistory:
    if plan.pk is None:
        return PlanHistory()
    undone = set(
        PlanRevision.objects.filter(plan=plan, kind=RevisionKind.AUTOMATIC, undone_by__isnull=False).values_list(
            "log__session_date", flat=True
        )
    )
    resumes = [
        (date.fromisoformat(resume["date"]), resume["reason"], tuple(resume["covers"]) if "covers" in resume else None)
        for resume in (plan.current_revision.content.get("resumes", []) if plan.current_revision else [])
    ]
    return PlanHistory([log.as_logged_session() for log in plan.logs.all()], undone, resumes)


def logged_calendar_problems(plan: Plan, inputs: dict, history: PlanHistory) -> list[str]:
    """Once sessions are logged, the plan keeps the calendar they were logged on: a new start would put them on other
    days (or outside the plan), where they no longer count, and a run could land on the day after a logged one; an
    earlier end would leave logged sessions outside it. To start afresh, the physio ends the plan and makes a new
    one."""
    if not history.logged or plan.current_revision is None:
        return []
    days = sorted(entry.log.session_date for entry in history.logged)
    start = date.fromisoformat(plan.current_revision.content["start"])
    problems = []
    if inputs["start"] != start:
        problems.append(
            f"start: sessions are logged on this plan from {days[0]:%-d %b %Y}, so it keeps its start, "
            f"{start:%-d %b %Y}; to start afresh, end this plan and make a new one"
        )
    last_day = start + timedelta(weeks=inputs["weeks"], days=-1)
    if days[-1] > last_day:
        problems.append(
            f"weeks: the last session logged is on {days[-1]:%-d %b %Y}; the plan cannot end before it "
            f"({inputs['weeks']} weeks end on {last_day:%-d %b %Y})"
        )
    return problems


def plan_built_from(*, plan: Plan, inputs: dict, today: date) -> tuple[dict, PlanRequest, list[ExerciseSpec]]:
    """The plan `inputs` build for this plan's patient, with the sessions logged so far replayed onto it (and, once
    issued, those missed by `today` caught up), and the request and library it was built with. PlanError when the
    builder refuses the inputs (each problem names its field)."""
    earliest = earliest_start(plan.assessment)
    problems = []
    if inputs["start"] < earliest:
        problems.append(f"start: a plan cannot start before the assessment on {earliest:%-d %b %Y}")
    history = plan_history(plan=plan)
    problems += logged_calendar_problems(plan, inputs, history)
    try:  # the request checks the other inputs: every problem is named at once, not one round at a time
        request = plan_request_for(assessment=plan.assessment, inputs=inputs)
    except PlanError as error:
        raise PlanError(problems + error.problems) from error
    if problems:
        raise PlanError(problems)
    library = exercise_library_for_clinic(clinic=plan.patient.clinic)
    try:
        content = build_plan(request, library)
    except NoSuitableExercise as error:
        raise PlanError([f"programme: {error}"]) from error
    if history.logged or history.resumes:
        content = replay_logs(content, history.logged, history_only=history.undone, resumes=history.resumes)
    if plan.current_revision is not None:  # issued: sessions it held may have been missed (catch_up_missed)
        content, _ = catch_up_missed(content, history=history.logged, today=today)
    return content, request, library
