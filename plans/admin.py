from django.contrib import admin

from clinic.admin import ReadOnlyAdmin
from plans.models import Exercise, HandoutSettings


@admin.register(Exercise)
class ExerciseAdmin(ReadOnlyAdmin):
    """Read-only: the shipped library changes through its data file and `load_exercise_library`, a clinic's own
    exercises through the library pages (which check and re-encode pictures)."""

    list_display = ["name", "slug", "clinic", "kind", "level", "impact", "is_active", "library_version"]
    list_filter = ["is_active", "kind", "impact", "clinic"]
    search_fields = ["name", "slug"]


@admin.register(HandoutSettings)
class HandoutSettingsAdmin(admin.ModelAdmin):
    """A clinic's default paper size (the logo on the covers is the clinic's own: the clinic's admin page)."""

    list_display = ["clinic", "paper_size"]
    list_select_related = ["clinic"]
