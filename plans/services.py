"""Writes for the exercise library: loading the shipped file, and a clinic's own exercises."""

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.models import Clinic, StaffMember
from plans.exercises import LIBRARY_PATH, LibraryError, load_library_file
from plans.images import reencode_exercise_image
from plans.models import Exercise


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
    if exercise.image and not exercise.image._committed:  # a new upload, checked by full_clean above
        exercise.image = reencode_exercise_image(exercise.image.file)
    exercise.save()
    if previous_image and previous_image != exercise.image.name:
        storage = exercise.image.storage
        transaction.on_commit(lambda: storage.delete(previous_image))
    return exercise
