"""Writes for the plans app: the exercise library (loading the shipped file, a clinic's own exercises), and
plans (drafts, issued revisions, session logs, automatic changes and their undoing, alerts)."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinic.models import Clinic, PatientStatus, StaffMember
from clinic.pictures import save_with_picture
from clinic.services import patient_move_along
from intake.codes import RED_FLAGS, Action, RedFlag
from intake.models import Assessment, AssessmentStatus
from plans.builder import BUILDER_VERSION, DEFAULT_WEEKS, PlanError
from plans.building import plan_built_from, unanswered_safety
from plans.calendar import session_on
from plans.invariants import request_violations
from plans.library.exercises import LIBRARY_PATH, LibraryError, load_library_file
from plans.loads import IMPACT, REST, RUN
from plans.models import (
    REVISION_REASON_MAX_LENGTH,
    Exercise,
    Plan,
    PlanAlert,
    PlannedSession,
    PlanRevision,
    PlanStatus,
    RevisionKind,
    SessionLog,
)
from plans.outcomes import milestone_logs
from plans.progression import (
    GREEN,
    PF_SYMPTOMS,
    RED,
    Light,
    apply_log,
    baseline_morning_pain,
    catch_up_missed,
    day_words,
    needs_clinician,
    resume_loads,
    traffic_light,
)
from plans.running import run_minutes
from plans.selection import Prescription
from plans.signals import plan_revised

logger = logging.getLogger(__name__)


@dataclass
class LibraryLoadSummary:
    version: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)


@transaction.atomic
def exercise_library_load(*, path: Path = LIBRARY_PATH) -> LibraryLoadSummary:
    """Bring the shipped library in line with its versioned file: create, update and reactivate by slug.

    Exercises no longer in the file are deactivated, never deleted, because plans may still name them. The whole
    file is checked before anything is written; any problem raises LibraryError and changes nothing.
    """
    version, specs = load_library_file(path)
    slugs = [spec.slug for spec in specs]
    clashes = Exercise.objects.filter(clinic__isnull=False, slug__in=slugs).values_list("slug", "clinic__name")
    problems = [
        f"exercise {slug}: clinic {clinic} already has its own exercise with this slug" for slug, clinic in clashes
    ]
    existing = {exercise.slug: exercise for exercise in Exercise.objects.shipped()}
    summary = LibraryLoadSummary(version=version)
    changes = []
    for spec in specs:
        fields = Exercise.fields_from_spec(spec)
        current = existing.get(spec.slug)
        if current is not None and current.is_active and all(getattr(current, k) == v for k, v in fields.items()):
            summary.unchanged.append(spec.slug)
            continue
        (summary.created if current is None else summary.updated).append(spec.slug)
        candidate = Exercise(slug=spec.slug, library_version=version, **fields)
        try:
            candidate.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems += [f"exercise {spec.slug}: {name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items()]
        changes.append((spec.slug, fields))
    if problems:
        raise LibraryError("\n".join(problems))
    for slug, fields in changes:
        Exercise.objects.update_or_create(
            clinic=None, slug=slug, defaults={**fields, "library_version": version, "is_active": True}
        )
    removed = Exercise.objects.shipped().active().exclude(slug__in=slugs)
    summary.deactivated = sorted(removed.values_list("slug", flat=True))
    removed.update(is_active=False)
    return summary


def exercise_create(*, clinic: Clinic, by: StaffMember, **fields) -> Exercise:
    """A clinic's own exercise. A new picture is re-encoded before it is stored."""
    exercise = Exercise(clinic=clinic, created_by=by, **fields)
    return _save(exercise, previous_image="")


def exercise_update(*, exercise: Exercise, **fields) -> Exercise:
    if exercise.is_shipped:
        raise ValueError("Shipped exercises change only through the library file.")
    # A bound form has already put any new picture on the instance, so ask the database for the stored one.
    previous_image = Exercise.objects.filter(pk=exercise.pk).values_list("image", flat=True).get()
    for name, value in fields.items():
        setattr(exercise, name, value)
    return _save(exercise, previous_image=previous_image)


def exercise_set_active(*, exercise: Exercise, active: bool) -> Exercise:
    """Deactivate (or bring back) a clinic's exercise. Plans that name it keep working; new plans can't pick it."""
    if exercise.is_shipped:
        raise ValueError("Shipped exercises change only through the library file.")
    exercise.is_active = active
    exercise.save(update_fields=["is_active", "updated_at"])
    return exercise


def _save(exercise: Exercise, *, previous_image: str) -> Exercise:
    exercise.full_clean()
    return save_with_picture(exercise, field="image", previous=previous_image)


# --- Plans ----------------------------------------------------------------------------------------------------------
#
# The physio builds a draft from a confirmed assessment, edits it, and issues it as immutable revisions; logged
# sessions may change the schedule ahead (automatic revisions), which the physio can undo. Every write locks the
# plan row first, so two requests on one plan are applied one after the other.

# The statuses a patient leaves when a plan is issued: every other one (a plan is what they now follow).
BEFORE_PLAN = tuple(status for status in PatientStatus.values if status != PatientStatus.ON_PLAN)


class PlanRefused(Exception):
    """A plan action that cannot be done, with the reason in words the physio reads (no patient data)."""


class DraftConflict(Exception):
    """Someone else saved the draft after the version this change was based on."""

    def __init__(self, plan: Plan):
        self.saved_by = plan.draft_saved_by
        self.saved_at = plan.draft_saved_at
        self.version = plan.draft_version
        super().__init__(f"The draft of plan {plan.pk} is at version {plan.draft_version}.")


class PlanNotIssuable(Exception):
    """The draft breaks plan invariants; `problems` lists each in a sentence."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True)
class LoggedSessionResult:
    """What logging a session did: its traffic light, the automatic revision (if the schedule ahead changed) and
    the alerts it raised."""

    log: SessionLog
    light: Light
    revision: PlanRevision | None
    changes: list[dict]
    alerts: list[PlanAlert]


def _refuse_unless_plannable(assessment: Assessment) -> None:
    if assessment.status != AssessmentStatus.CONFIRMED:
        raise PlanRefused(
            f"Only a confirmed assessment can have a plan; this one is {assessment.get_status_display().lower()}."
        )
    action = assessment.engine_result.get("action")
    if action in (Action.EMERGENCY, Action.URGENT):
        flags = [
            RED_FLAGS[RedFlag(flag["code"])].label
            for flag in assessment.engine_result.get("red_flags", [])
            if flag.get("level") == action and flag.get("code") in set(RedFlag)
        ]
        raise PlanRefused(
            f"The assessment found {'an emergency' if action == Action.EMERGENCY else 'an urgent'} red flag"
            f"{': ' + '; '.join(flags) if flags else ''}. The patient needs medical care first, not a plan "
            "(reference §8)."
        )


@transaction.atomic
def plan_create(*, assessment: Assessment, by: StaffMember, now: datetime | None = None) -> tuple[Plan, bool]:
    """A draft plan from a confirmed assessment, built with the builder's defaults, and whether it is new: the
    assessment's existing draft comes back instead (a second click builds nothing new). Refused (PlanRefused) for
    an assessment that is not confirmed or whose action is emergency or urgent, with the reason."""
    now = now or timezone.now()
    # The assessment row is locked (never changed) so that two clicks at once make one draft, not two.
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("intake__patient__clinic")
        .get(pk=assessment.pk)
    )
    _refuse_unless_plannable(assessment)
    existing = Plan.objects.filter(assessment=assessment, status=PlanStatus.DRAFT).first()
    if existing is not None:
        return existing, False
    start = max(assessment.plan_start or assessment.as_of, timezone.localdate(now))
    plan = Plan(
        patient=assessment.intake.patient,
        assessment=assessment,
        created_by=by,
        created_at=now,
        start=start,
        weeks=DEFAULT_WEEKS,
        draft_saved_by=by,
        draft_saved_at=now,
    )
    try:
        plan.content, _, _ = plan_built_from(plan=plan, inputs=plan.inputs(), today=timezone.localdate(now))
    except PlanError as error:
        raise PlanRefused(
            " ".join(message for messages in error.by_field().values() for message in messages)
        ) from error
    plan.save()
    return plan, True


def _locked(plan: Plan) -> Plan:
    # The row is locked on its own, then read with what it joins: locked in the joined query, a wait for another
    # writer ends with PostgreSQL checking the join against the revision read before the wait, so a revision made
    # meanwhile (a log, the nightly catch-up) would drop the plan from the result.
    list(Plan.objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True))
    locked = Plan.objects.select_related(
        "assessment__intake", "patient__clinic", "draft_saved_by__user", "current_revision"
    ).get(pk=plan.pk)
    if locked.status == PlanStatus.ENDED:
        raise PlanRefused("This plan has ended; nothing in it can change.")
    return locked


DRAFT_INPUTS = (
    "start",
    "weeks",
    "start_level",
    "strength_days_per_week",
    "cadence_target_spm",
    "programme",
    "more_exercises_reason",
)


@transaction.atomic
def plan_draft_update(
    *, plan: Plan, by: StaffMember, expected_version: int, now: datetime | None = None, **changes
) -> Plan:
    """Save the draft's inputs (any of DRAFT_INPUTS) and note for the patient, and rebuild the plan from them.

    Refused with DraftConflict when the draft was saved since `expected_version` (by whom and when are on the
    error), with PlanError (each problem naming its field) when the builder cannot plan the inputs; nothing is
    saved then. A programme identical to the builder's own choice stays the builder's (None). A draft sent back
    unchanged is not saved again (its version stays, so nothing looks changed since it was issued)."""
    now = now or timezone.now()
    locked = _locked(plan)
    if locked.draft_version != expected_version:
        raise DraftConflict(locked)
    note = changes.pop("note_for_patient", locked.note_for_patient)
    unknown = set(changes) - set(DRAFT_INPUTS)
    if unknown:
        raise TypeError(f"plan_draft_update() got unknown inputs: {', '.join(sorted(unknown))}")
    inputs = {**locked.inputs(), **changes}
    if locked.programme is None and inputs["programme"] is not None:
        builders = [Prescription.from_entry(entry).as_entry() for entry in locked.content["programme"]]
        if [Prescription.from_entry(entry).as_entry() for entry in inputs["programme"]] == builders:
            inputs["programme"] = None
    if note == locked.note_for_patient and _same_inputs(inputs, locked.inputs()):
        return locked
    content, _, _ = plan_built_from(plan=locked, inputs=inputs, today=timezone.localdate(now))
    for name, value in inputs.items():
        setattr(locked, name, value)
    locked.note_for_patient = note
    locked.content = content
    locked.draft_version += 1
    locked.draft_saved_by = by
    locked.draft_saved_at = now
    locked.full_clean(exclude=["patient", "assessment", "created_by", "draft_saved_by", "current_revision"])
    locked.save()
    return locked


def _same_inputs(a: dict, b: dict) -> bool:
    def prescriptions(programme):
        return None if programme is None else [Prescription.from_entry(entry).as_entry() for entry in programme]

    same_settings = all(a[name] == b[name] for name in DRAFT_INPUTS if name != "programme")
    return same_settings and prescriptions(a["programme"]) == prescriptions(b["programme"])


def _next_number(plan: Plan) -> int:
    last = PlanRevision.objects.filter(plan=plan).order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _revision(plan: Plan, *, now, **fields) -> PlanRevision:
    revision = PlanRevision.objects.create(
        plan=plan,
        number=_next_number(plan),
        created_at=now,
        builder_version=BUILDER_VERSION,
        engine_version=plan.assessment.engine_version,
        **fields,
    )
    plan.current_revision = revision
    # The plan as it now stands, day by day, for the counts the clinic's outcomes make in the database: its days with
    # a session, and every day logged (a day logged stays planned, whatever a rebuilt schedule makes of it).
    logged = set(SessionLog.objects.filter(plan=plan).values_list("session_date", flat=True))
    PlannedSession.objects.filter(plan=plan).delete()
    PlannedSession.objects.bulk_create(PlannedSession.of_plan(plan, revision.content, logged=logged))
    plan_counts_update([plan.pk])
    return revision


def _planned_sessions_end(plan_ids, *, day: date) -> None:
    """Plans that end on `day` plan nothing from then on: their planned days from `day` that were not logged go."""
    logged = SessionLog.objects.filter(plan_id=OuterRef("plan_id"), session_date=OuterRef("day"))
    PlannedSession.objects.filter(plan_id__in=plan_ids, day__gte=day).exclude(Exists(logged)).delete()
    plan_counts_update(plan_ids)


# What moves a plan's `history_version` on: the plan page reads its revisions, logs and alerts again.
NEXT_HISTORY_VERSION = F("history_version") + 1


def plan_history_changed(plan_ids) -> None:
    """After a change to the plans' revisions, logged sessions or alerts that plan_counts_update does not follow (an
    alert reviewed, a comment removed)."""
    Plan.objects.filter(pk__in=plan_ids).update(history_version=NEXT_HISTORY_VERSION)


def plan_counts_update(plan_ids) -> None:
    """Count again what the plans' planned and logged sessions add up to (`Plan.sessions_planned` to
    `Plan.milestone_on`), in one UPDATE, after anything changed them: the clinic's outcomes sum these. A new revision
    or a logged session is a change to the plan's history too: its `history_version` goes up in the same UPDATE."""
    planned = PlannedSession.objects.filter(plan_id=OuterRef("pk")).order_by().values("plan_id")
    logs = SessionLog.objects.filter(plan_id=OuterRef("pk")).order_by().values("plan_id")
    runs = logs.filter(level__isnull=False)

    def count(rows):
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)

    Plan.objects.filter(pk__in=plan_ids).update(
        sessions_planned=count(planned),
        sessions_logged=count(logs),
        runs_logged=count(runs),
        red_runs=count(runs.filter(traffic_light=RED)),
        milestone_on=Subquery(logs.filter(milestone_logs()).annotate(on=Min("session_date")).values("on")),
        history_version=NEXT_HISTORY_VERSION,
    )


@transaction.atomic
def plan_issue(
    *, plan: Plan, by: StaffMember, expected_version: int | None = None, now: datetime | None = None
) -> PlanRevision:
    """Issue the draft as the plan's next revision, rebuilt from its inputs (with the sessions logged so far).

    Refused with PlanNotIssuable when the plan breaks an invariant, and with DraftConflict when `expected_version`
    is given and the draft was saved since. The patient's other issued plan ends; the patient is now on a plan."""
    now = now or timezone.now()
    locked = _locked(plan)
    if expected_version is not None and locked.draft_version != expected_version:
        raise DraftConflict(locked)
    content, request, library = plan_built_from(plan=locked, inputs=locked.inputs(), today=timezone.localdate(now))
    problems = unanswered_safety(content) + request_violations(content, request, library)
    if problems:
        raise PlanNotIssuable(problems)
    others = Plan.objects.filter(patient_id=locked.patient_id, status=PlanStatus.ISSUED).exclude(pk=locked.pk)
    ended = list(others.values_list("pk", flat=True))
    others.update(status=PlanStatus.ENDED, ended_at=now)
    _planned_sessions_end(ended, day=timezone.localdate(now))
    reissue = locked.current_revision is not None
    if locked.issued_at is None:
        issued_before = Plan.objects.filter(patient_id=locked.patient_id, issued_at__isnull=False)
        locked.issued_at, locked.first_for_patient = now, not issued_before.exists()
    revision = _revision(
        locked,
        now=now,
        kind=RevisionKind.ISSUED,
        content=content,
        inputs=_json_inputs(locked.inputs()),
        note_for_patient=locked.note_for_patient,
        reason=f"{'Issued again' if reissue else 'Issued'} by {by}",
        created_by=by,
    )
    locked.content = content
    locked.status = PlanStatus.ISSUED
    locked.issued_draft_version = locked.draft_version
    fields = ["content", "status", "issued_draft_version", "current_revision", "issued_at", "first_for_patient"]
    locked.save(update_fields=fields)
    patient_move_along(patient=locked.patient, to=PatientStatus.ON_PLAN, from_statuses=BEFORE_PLAN)
    plan_revised.send(sender=PlanRevision, revision=revision)
    return revision


def _json_inputs(inputs: dict) -> dict:
    return {**inputs, "start": inputs["start"].isoformat()}


@transaction.atomic
def plan_end(*, plan: Plan, by: StaffMember, now: datetime | None = None) -> Plan:
    """End an issued plan: the patient follows it no more. Its revisions and logs stay."""
    now = now or timezone.now()
    locked = _locked(plan)
    if locked.status != PlanStatus.ISSUED:
        raise PlanRefused("Only an issued plan can be ended; discard a draft by leaving it.")
    locked.status = PlanStatus.ENDED
    locked.ended_at = now
    locked.save(update_fields=["status", "ended_at"])
    _planned_sessions_end([locked.pk], day=timezone.localdate(now))
    return locked


def session_log_check(*, plan: Plan, day: date, today: date) -> None:
    """Raise PlanRefused, saying why, when the session on `day` cannot be logged (the portal asks before it shows
    the form; logging asks again under the plan's lock)."""
    content = plan.current_revision.content
    start, end = date.fromisoformat(content["start"]), date.fromisoformat(content["end"])
    when = f"{day:%a} {day.day} {day:%b %Y}"
    if not start <= day <= end:
        raise PlanRefused(
            f"{when} is outside the plan, which runs from {start.day} {start:%b %Y} to {end.day} {end:%b %Y}."
        )
    if day > today:
        raise PlanRefused(f"{when} is in the future: log a session once it has happened.")
    session = session_on(content, day)
    if session is None or session["kind"] == REST:
        raise PlanRefused(f"{when} is a rest day in the plan: there is no session to log.")
    earlier = plan.logs.filter(session_date=day).select_related("logged_by").first()
    if earlier is not None:
        raise PlanRefused(
            f"The session of {when} is already logged ({earlier.get_traffic_light_display().lower()}, by "
            f"{earlier.logged_by or 'a former user'} on {timezone.localtime(earlier.logged_at):%-d %b %Y at %H:%M})."
        )


@transaction.atomic
def session_log_create(*, plan: Plan, by, now: datetime | None = None, **fields) -> LoggedSessionResult:
    """Log how the session on `fields["session_date"]` went (reference §9.4) for the plan's current revision.

    Refused (PlanRefused, with an explanation) for a plan not issued, a day outside the plan, in the future or
    without a session, and a session already logged. The traffic light (§9.3) is computed against the patient's
    baseline morning pain from the intake; after a run, the schedule ahead is re-planned and, if it changed, saved
    as an automatic revision with its changes; reasons for a clinician review (P5, RF19) become alerts. `by` is the
    user who logged it (staff entering a patient's report, or later the patient)."""
    now = now or timezone.now()
    locked = _locked(plan)
    if locked.status != PlanStatus.ISSUED:
        raise PlanRefused("The plan has not been issued yet: sessions are logged against an issued plan.")
    day = fields["session_date"]
    today = timezone.localdate(now)
    session_log_check(plan=locked, day=day, today=today)
    revision = locked.current_revision
    session = session_on(revision.content, day)
    postpartum = locked.postpartum
    if not postpartum:
        fields["pf_symptoms"] = []  # asked after a birth only (reference §9.4)
    fields["level"] = session["run"]["level"] if session["kind"] == RUN else None
    fields["planned_run_min"] = round(run_minutes(session["run"])) if session["kind"] == RUN else None
    fields["step"] = session["impact"]["step"] if session["kind"] == IMPACT else None
    log = SessionLog(
        plan=locked,
        revision=revision,
        logged_by=by,
        logged_for_patient_by_staff=_is_staff(by),
        logged_at=now,
        traffic_light=GREEN,
        **fields,
    )
    log.full_clean(exclude=["plan", "revision", "logged_by"])
    light = traffic_light(
        log.as_session_log(), baseline_morning_pain=baseline_morning_pain(locked.assessment.intake.answers)
    )
    log.traffic_light, log.light_reasons, log.light_advice = light.colour, list(light.reasons), light.advice
    log.save()
    plan_counts_update([locked.pk])
    history = [entry.as_logged_session() for entry in locked.logs.all()]
    automatic, changes = _replan_after(locked, log, light.colour, now=now, history=history)
    alerts = _raise_alerts(locked, log, history, now=now, reported_by_staff=log.logged_for_patient_by_staff)
    return LoggedSessionResult(log=log, light=light, revision=automatic, changes=changes, alerts=alerts)


@transaction.atomic
def session_log_next_morning(
    *,
    plan: Plan,
    log: SessionLog,
    by,
    next_morning_pain: int,
    next_morning_stiffness: int,
    pf_symptoms: Sequence[str] = (),
    now: datetime | None = None,
) -> LoggedSessionResult:
    """Add the next-morning answers to a logged session (reference §9.3: evaluate after each session and the next
    morning) and check its traffic light again, then re-plan the load days ahead from today (an automatic revision
    when they change): a light that turns red steps them back, as logging the session red would have, and a green
    answered after a later run was logged counts again towards moving up (P1, P2). Alerts are raised as for a
    logged session.

    Refused (PlanRefused, with the reason) for a plan no longer issued, a log of another plan, a morning that has
    not come yet, and answers already given (they are not overwritten)."""
    now = now or timezone.now()
    locked = _locked(plan)
    if locked.status != PlanStatus.ISSUED:
        raise PlanRefused("The plan is no longer issued: nothing can be added to its sessions.")
    log = SessionLog.objects.select_for_update().filter(plan=locked, pk=log.pk).first()
    if log is None:
        raise PlanRefused("That session is not part of this plan.")
    day = log.session_date
    today = timezone.localdate(now)
    when = f"{day:%a} {day.day} {day:%b %Y}"
    if today <= day:
        raise PlanRefused(f"The morning after {when} has not come yet: answer tomorrow morning.")
    if log.next_morning_pain is not None or log.next_morning_stiffness is not None:
        raise PlanRefused(f"The next-morning answers for {when} are already recorded.")
    # Whose report a red is: the morning's answerer, unless the session was already red as staff logged it.
    reported_by_staff = _is_staff(by) or (log.traffic_light == RED and log.logged_for_patient_by_staff)
    log.next_morning_pain, log.next_morning_stiffness = next_morning_pain, next_morning_stiffness
    # Pelvic floor symptoms since the session join those logged with it (RF19: during or after running); asked
    # after a birth only (reference §9.4).
    if locked.postpartum:
        log.pf_symptoms = [code for code in PF_SYMPTOMS if code in {*log.pf_symptoms, *pf_symptoms}]
    log.full_clean(exclude=["plan", "revision", "logged_by"])
    light = traffic_light(
        log.as_session_log(), baseline_morning_pain=baseline_morning_pain(locked.assessment.intake.answers)
    )
    log.traffic_light, log.light_reasons, log.light_advice = light.colour, list(light.reasons), light.advice
    log.save(
        update_fields=[
            "next_morning_pain",
            "next_morning_stiffness",
            "pf_symptoms",
            "traffic_light",
            "light_reasons",
            "light_advice",
        ]
    )
    plan_counts_update([locked.pk])
    history = [entry.as_logged_session() for entry in locked.logs.all()]
    # Re-planned whatever the light: a red moves the runs ahead back; a late green may count again (P2).
    automatic, changes = _replan_after(locked, log, light.colour, now=now, history=history)
    alerts = _raise_alerts(locked, log, history, now=now, reported_by_staff=reported_by_staff)
    return LoggedSessionResult(log=log, light=light, revision=automatic, changes=changes, alerts=alerts)


def _replan_after(
    plan: Plan, log: SessionLog, colour: str, *, now: datetime, history
) -> tuple[PlanRevision | None, list]:
    """Schedule the load days ahead of the plan's current revision again after the session of `log` came out
    `colour`; an automatic revision (with its changes) when the schedule changed."""
    revision = plan.current_revision
    content, changes = apply_log(
        revision.content, session_date=log.session_date, light=colour, today=timezone.localdate(now), history=history
    )
    if not changes:
        return None, []
    return _automatic_revision(
        plan, kind=RevisionKind.AUTOMATIC, content=content, changes=changes, now=now, log=log
    ), changes


def _automatic_revision(
    plan: Plan, *, kind: str, content: dict, changes: list, now: datetime, log=None
) -> PlanRevision:
    """The plan's next revision, made by the rules rather than a person: the current one's inputs and note, the new
    schedule, and the changes with the first one's reason."""
    revision = plan.current_revision
    automatic = _revision(
        plan,
        now=now,
        kind=kind,
        content=content,
        inputs=revision.inputs,
        note_for_patient=revision.note_for_patient,
        reason=changes[0]["reason"][:REVISION_REASON_MAX_LENGTH],
        changes=changes,
        log=log,
    )
    plan.save(update_fields=["current_revision"])
    return automatic


def missed_sessions_catch_up(*, now: datetime | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): in each issued plan still running, run and impact sessions the patient has not
    logged are not counted as done, and the load days from today go on from the last logged session
    (plans.progression.catch_up_missed): a revision of kind MISSED in each plan whose schedule changed. Safe to run
    again: each missed day is caught up once. Returns how many plans changed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # The dates the patient follows are the current revision's: the draft's (Plan.start, weeks) may be edited since.
    current = PlanRevision.objects.filter(plan__status=PlanStatus.ISSUED, plan__current_revision=F("pk"))
    running = [
        revision.plan_id for revision in current.only("plan_id", "inputs") if revision.start < today <= revision.end
    ]
    changed = 0
    for plan_id in running:
        try:
            changed += _catch_up(plan_id, now=now)
        except Exception:  # one plan's failure must not leave every later plan unchecked
            logger.exception("Catching up the missed sessions of plan %s failed", plan_id)
    return changed


@transaction.atomic
def _catch_up(plan_id: int, *, now: datetime) -> bool:
    try:
        locked = _locked(Plan(pk=plan_id))
    except PlanRefused:
        return False  # ended since the list was read
    history = [entry.as_logged_session() for entry in locked.logs.all()]
    content, changes = catch_up_missed(locked.current_revision.content, history=history, today=timezone.localdate(now))
    if changes:
        _automatic_revision(locked, kind=RevisionKind.MISSED, content=content, changes=changes, now=now)
    return bool(changes)


# A red session the patient logged themselves: the physio hears of it at once, not at the next appointment (unless a
# review reason already names the session). One staff log for the patient (on the phone, say) raises none: they are
# talking to the patient already.
RED_LOGGED = "red_logged"


def _is_staff(user) -> bool:
    return getattr(user, "staff_member", None) is not None


def _raise_alerts(plan: Plan, log: SessionLog, history, *, now, reported_by_staff: bool) -> list[PlanAlert]:
    """Alerts for the reasons to review the patient (P5, RF19) that this logged session is part of, and for a red
    the patient reported (staff entering a red report have it in front of them)."""
    reasons = [
        reason
        for reason in needs_clinician(history, start=plan.start)
        if log.session_date.isoformat() in reason["sessions"]
    ]
    if log.traffic_light == RED and not reported_by_staff and not reasons:
        why = "; ".join(log.light_reasons)
        reason = f"The patient logged a red session on {day_words(log.session_date)}: {why}."
        reasons.append({"code": RED_LOGGED, "rule": "P4", "reason": reason})
    return [
        PlanAlert.objects.get_or_create(
            log=log,
            code=reason["code"],
            defaults={"plan": plan, "rule": reason["rule"], "reason": reason["reason"][:300], "raised_at": now},
        )[0]
        for reason in reasons
    ]


@transaction.atomic
def plan_revision_undo(
    *, plan: Plan, revision: PlanRevision, by: StaffMember, now: datetime | None = None
) -> PlanRevision:
    """Undo an automatic change: a new revision (kind undo) restoring the schedule the change replaced.

    Only the plan's current revision can be undone, and only an automatic one: a later revision was built on top
    of it. A re-issued plan keeps the undo (the logged session then counts as history only)."""
    now = now or timezone.now()
    locked = _locked(plan)
    if revision.plan_id == locked.pk and revision.kind == RevisionKind.MISSED:
        raise PlanRefused(
            "This change follows sessions that were not logged, and is not undone: if the patient did them, log them "
            "(the plan page's log form), and the plan moves on from what they report."
        )
    if revision.plan_id != locked.pk or revision.kind != RevisionKind.AUTOMATIC:
        raise PlanRefused("Only an automatic change of this plan can be undone.")
    if hasattr(revision, "undone_by"):
        raise PlanRefused(f"Revision {revision.number} has already been undone.")
    if locked.current_revision_id != revision.pk:
        raise PlanRefused(
            f"Revision {revision.number} is no longer the current one: revision {locked.current_revision.number} "
            "was made after it. Only the latest change can be undone; edit the draft to change more."
        )
    previous = PlanRevision.objects.get(plan=locked, number=revision.number - 1)
    if revision.holds_running:
        raise PlanRefused(
            "This change put running and impact on hold for a review (reference §8 RF19, §9.3 P5): it is not undone. "
            "Once you have reviewed the patient, resume running and impact on the plan page, with what you found."
        )
    undo = _revision(
        locked,
        now=now,
        kind=RevisionKind.UNDO,
        content=previous.content,
        inputs=previous.inputs,
        note_for_patient=previous.note_for_patient,
        reason=f"Undone by {by}: {revision.reason}"[:REVISION_REASON_MAX_LENGTH],
        created_by=by,
        undoes=revision,
    )
    locked.save(update_fields=["current_revision"])
    plan_revised.send(sender=PlanRevision, revision=undo)
    return undo


@transaction.atomic
def plan_resume(*, plan: Plan, by: StaffMember, reason: str, now: datetime | None = None) -> PlanRevision:
    """Resume running and impact after a hold (reference §8 RF19, §9.3 P5): the physio has reviewed the patient and
    says why. The load days from today on are scheduled from where the logged sessions leave the patient, as a new
    revision; the alerts behind the hold are marked reviewed."""
    now = now or timezone.now()
    locked = _locked(plan)
    if locked.status != PlanStatus.ISSUED:
        raise PlanRefused("Only an issued plan can be resumed.")
    revision = locked.current_revision
    hold = revision.content.get("hold") or {}
    if not hold.get("codes"):
        raise PlanRefused("Running and impact are not on hold in this plan; there is nothing to resume.")
    reason = reason.strip()
    if not reason:
        raise PlanRefused("Give the reason for resuming: what your review found.")
    history = [entry.as_logged_session() for entry in locked.logs.all()]
    content, changes = resume_loads(revision.content, day=timezone.localdate(now), history=history, reason=reason)
    resumed = _revision(
        locked,
        now=now,
        kind=RevisionKind.RESUMED,
        content=content,
        inputs=revision.inputs,
        note_for_patient=revision.note_for_patient,
        reason=f"Resumed by {by}: {reason}"[:REVISION_REASON_MAX_LENGTH],
        changes=changes,
        created_by=by,
    )
    locked.save(update_fields=["current_revision"])
    locked.alerts.filter(code__in=hold["codes"], reviewed_at__isnull=True).update(reviewed_by=by, reviewed_at=now)
    plan_revised.send(sender=PlanRevision, revision=resumed)
    return resumed


def plan_alert_review(*, alert: PlanAlert, by: StaffMember, now: datetime | None = None) -> PlanAlert:
    """Mark an alert reviewed: the physio has seen it and acted."""
    now = now or timezone.now()
    if alert.reviewed_at is None:
        alert.reviewed_by, alert.reviewed_at = by, now
        with transaction.atomic():
            alert.save(update_fields=["reviewed_by", "reviewed_at"])
            plan_history_changed([alert.plan_id])
    return alert
