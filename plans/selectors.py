"""Reads for the plans app: the exercise library, a patient's plans, who has a session on a day. Each in a fixed
number of queries; plans/pages.py builds the pages from them."""

from dataclasses import replace
from datetime import date

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from clinic.models import Clinic, Patient, StaffMember
from intake.models import Assessment
from plans.access import exercises_for_staff
from plans.calendar import plan_exercise_slugs, session_on
from plans.library.exercises import ExerciseSpec
from plans.loads import REST
from plans.models import Exercise, Plan, PlanAlert, PlanStatus

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


def library_version(*, clinic_id: int) -> list:
    """What changes whenever an exercise the clinic's plans can name changes (one query): how many there are and when
    the last was changed."""
    state = Exercise.objects.visible_to(clinic_id).aggregate(count=Count("id"), changed=Max("updated_at"))
    return [state["count"], state["changed"]]


def exercises_by_slug(*, member: StaffMember, slugs) -> dict[str, Exercise]:
    """The exercises named by `slugs` that the member may see, for linking progressions and regressions."""
    exercises = exercises_for_staff(member).filter(slug__in=list(slugs)).only("slug", "name", "level", "is_active")
    return {exercise.slug: exercise for exercise in exercises}


# --- Plans ----------------------------------------------------------------------------------------------------------


def plans_for_patient(*, patient: Patient) -> list[Plan]:
    """The patient's plans for their page, newest first, with their open alerts counted (one query)."""
    open_alerts = (
        PlanAlert.objects.filter(plan=OuterRef("pk"), reviewed_at__isnull=True)
        .order_by()
        .values("plan")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return list(
        Plan.objects.filter(patient=patient)
        .select_related("current_revision", "draft_saved_by__user")
        .defer("content", "programme", "current_revision__content", "current_revision__changes")
        .annotate(open_alerts=Coalesce(Subquery(open_alerts), 0))
    )


def plan_of_assessment(*, assessment: Assessment) -> Plan | None:
    """The newest plan built from this assessment that has not ended, if any."""
    return Plan.objects.filter(assessment=assessment).exclude(status=PlanStatus.ENDED).defer("content").first()


# --- The patient's portal -------------------------------------------------------------------------------------------


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
