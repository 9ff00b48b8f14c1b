from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.library.exercises import LIBRARY_PATH, LibraryError
from plans.services import exercise_library_load


class Command(BaseCommand):
    help = (
        "Load the shipped exercise library from its versioned data file. Idempotent: exercises are matched by "
        "slug, and those no longer in the file are deactivated, never deleted. An invalid file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=LIBRARY_PATH, help=f"Library file (default {LIBRARY_PATH}).")

    def handle(self, *args, path: Path, **options):
        try:
            summary = exercise_library_load(path=path)
        except LibraryError as error:
            raise CommandError(f"The exercise library was not loaded; nothing changed.\n{error}") from error
        self.stdout.write(self.style.SUCCESS(f"Exercise library {summary.version} loaded from {path}:"))
        for label, slugs in (
            ("created", summary.created),
            ("updated", summary.updated),
            ("unchanged", summary.unchanged),
            ("deactivated", summary.deactivated),
        ):
            listed = f": {', '.join(slugs)}" if slugs and label in {"updated", "deactivated"} else ""
            self.stdout.write(f"  {len(slugs):>3} {label}{listed}")
