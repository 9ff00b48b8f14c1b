"""Reads for the exercise library. Each returns what a page or the plan builder needs in a fixed number of queries."""

from dataclasses import replace

from django.db.models import QuerySet

from clinic.access import exercises_for_staff
from clinic.models import Clinic, StaffMember
from plans.exercises import ExerciseSpec
from plans.models import Exercise

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
