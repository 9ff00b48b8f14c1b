"""Models of the plans app. So far: the exercise library. Plans, their revisions and session logs follow below it.

The library is one table: the shipped exercises (`clinic` is null), loaded from `plans/data/exercises.json` by
`manage.py load_exercise_library`, and each clinic's own exercises, which its physiotherapists manage in the app.
The plan builder never sees these rows, only the `ExerciseSpec`s that `as_spec()` makes of them.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from clinic.models import Clinic, StaffMember
from plans.exercises import KINDS, MAX_SLUG, SLUG_PATTERN, Dosage, ExerciseSpec, spec_problems
from plans.images import validate_exercise_image

# ---------------------------------------------------------------------------------------------------------------
# Exercise library
# ---------------------------------------------------------------------------------------------------------------

# Path segments of the library's own pages, so no exercise may take them as its code.
RESERVED_SLUGS = frozenset({"new"})
KIND_CHOICES = [(kind, kind.replace("_", " ").capitalize()) for kind in KINDS]
DOSAGE_FIELDS = ("sets", "reps", "hold_s", "minutes", "rest_s", "per_side", "per_week")
# Spec checks the model fields cannot express themselves (links, codes inside the JSON lists, the figure).
SPEC_CHECKED_FIELDS = (
    "categories",
    "contraindications",
    "progressions",
    "regressions",
    "figure",
    "target_muscles",
    "instructions",
    "cues",
    "equipment",
)


class ExerciseQuerySet(models.QuerySet):
    def shipped(self):
        return self.filter(clinic__isnull=True)

    def visible_to(self, clinic_id):
        """The shipped library and the given clinic's own exercises; never another clinic's."""
        return self.filter(Q(clinic__isnull=True) | Q(clinic_id=clinic_id))

    def active(self):
        return self.filter(is_active=True)

    def in_category(self, code: str):
        # Matching the quoted code inside the JSON text works on SQLite and PostgreSQL alike.
        return self.filter(categories__icontains=f'"{code}"')

    def search(self, text: str):
        """Exercises whose name or target muscles contain every word of `text`."""
        queryset = self
        for word in text.split():
            queryset = queryset.filter(Q(name__icontains=word) | Q(target_muscles__icontains=word))
        return queryset


def exercise_image_path(instance, filename):
    # The file name is a random one given when the picture was re-encoded (plans.images).
    return f"exercise-images/clinic-{instance.clinic_id}/{filename}"


def positive_small(**options):
    return models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)], **options)


class Exercise(models.Model):
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercises",
        help_text="Empty for the shipped library; set for a clinic's own exercise.",
    )
    slug = models.CharField(
        max_length=MAX_SLUG,
        validators=[
            RegexValidator(SLUG_PATTERN, "Use lower-case letters, digits and underscores, starting with a letter.")
        ],
        help_text="The exercise's stable code; plans refer to it, so it never changes.",
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    categories = models.JSONField(default=list, blank=True, help_text="Reference §7 category codes.")
    target_muscles = models.JSONField(default=list, blank=True)
    instructions = models.JSONField(default=list, help_text="Numbered steps in the patient's words.")
    cues = models.JSONField(default=list, blank=True)
    equipment = models.JSONField(default=list, blank=True)
    sets = positive_small()
    reps = positive_small(verbose_name="repetitions")
    hold_s = positive_small(verbose_name="hold (seconds)")
    minutes = positive_small()
    rest_s = positive_small(verbose_name="rest (seconds)")
    per_side = models.BooleanField("each side", default=False)
    per_week = models.PositiveSmallIntegerField(
        "times a week", default=3, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    level = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (easiest) to 5."
    )
    progressions = models.JSONField(default=list, blank=True, help_text="Slugs of harder variants.")
    regressions = models.JSONField(default=list, blank=True, help_text="Slugs of easier variants.")
    contraindications = models.JSONField(default=list, blank=True)
    impact = models.BooleanField(default=False, help_text="Jumping, hopping, bounding or running.")
    figure = models.JSONField(default=dict, blank=True, help_text="Pose data drawn by plans.figures.")
    notes = models.TextField(blank=True, max_length=2000, help_text="For clinicians: sources and caveats.")
    image = models.ImageField(
        upload_to=exercise_image_path,
        blank=True,
        validators=[validate_exercise_image],
        help_text="The clinic's own picture (JPEG, PNG or WebP), shown instead of the drawing.",
    )
    video_url = models.URLField(
        "video link",
        max_length=500,
        blank=True,
        validators=[
            URLValidator(schemes=["https"], message="Use a secure link starting with https://.", code="not_https")
        ],
    )
    library_version = models.CharField(
        max_length=20, blank=True, help_text="The library file version in which a shipped exercise last changed."
    )
    is_active = models.BooleanField("active", default=True)
    created_by = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(clinic__isnull=True),
                name="exercise_shipped_slug_unique",
                violation_error_message="The shipped library already has an exercise with this code.",
            ),
            models.UniqueConstraint(
                fields=["clinic", "slug"],
                name="exercise_clinic_slug_unique",
                violation_error_message="Your clinic already has an exercise with this code.",
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="exercise_level_1_to_5"),
            models.CheckConstraint(condition=Q(per_week__gte=1, per_week__lte=7), name="exercise_per_week_1_to_7"),
        ]
        indexes = [models.Index(fields=["clinic", "is_active"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("exercise_detail", args=[self.slug])

    @property
    def is_shipped(self) -> bool:
        return self.clinic_id is None

    @property
    def dosage(self) -> Dosage:
        return Dosage(**{name: getattr(self, name) for name in DOSAGE_FIELDS})

    def as_spec(self) -> ExerciseSpec:
        """The exercise as the plain data the plan builder works with."""
        return ExerciseSpec(
            slug=self.slug,
            name=self.name,
            kind=self.kind,
            categories=tuple(self.categories),
            dosage=self.dosage,
            target_muscles=tuple(self.target_muscles),
            instructions=tuple(self.instructions),
            cues=tuple(self.cues),
            equipment=tuple(self.equipment),
            level=self.level,
            progressions=tuple(self.progressions),
            regressions=tuple(self.regressions),
            contraindications=tuple(self.contraindications),
            impact=self.impact,
            figure=self.figure,
            notes=self.notes,
        )

    @staticmethod
    def fields_from_spec(spec: ExerciseSpec) -> dict:
        """The model fields (all but clinic, slug and bookkeeping) that hold a spec."""
        return {
            "name": spec.name,
            "kind": spec.kind,
            "categories": list(spec.categories),
            "target_muscles": list(spec.target_muscles),
            "instructions": list(spec.instructions),
            "cues": list(spec.cues),
            "equipment": list(spec.equipment),
            **{name: getattr(spec.dosage, name) for name in DOSAGE_FIELDS},
            "level": spec.level,
            "progressions": list(spec.progressions),
            "regressions": list(spec.regressions),
            "contraindications": list(spec.contraindications),
            "impact": spec.impact,
            "figure": spec.figure,
            "notes": spec.notes,
        }

    def linkable_slugs(self) -> set[str]:
        """The slugs this exercise may name as progressions or regressions: the active library its clinic sees."""
        return set(
            Exercise.objects.visible_to(self.clinic_id).active().exclude(pk=self.pk).values_list("slug", flat=True)
        )

    def clean(self):
        errors = {}
        if not all(isinstance(value, list) for value in (self.categories, self.progressions, self.regressions)):
            raise ValidationError("Categories, progressions and regressions must be lists.")
        # The shipped library's links are checked as a whole when its file is loaded.
        known = self.linkable_slugs() if self.clinic_id else set(self.progressions) | set(self.regressions)
        problems = spec_problems(self.as_spec(), known)
        for name in SPEC_CHECKED_FIELDS:
            if name in problems:
                errors[name] = [message[0].upper() + message[1:] + "." for message in problems[name]]
        both = set(self.progressions) & set(self.regressions)
        if both:
            errors.setdefault("regressions", []).append(
                f"{', '.join(sorted(both))} cannot be both harder and easier than this exercise."
            )
        if self.slug in RESERVED_SLUGS:
            errors["slug"] = "This code is reserved; choose another."
        elif self.clinic_id and self.slug and Exercise.objects.shipped().filter(slug=self.slug).exists():
            errors["slug"] = "The shipped library already uses this code; choose another."
        if errors:
            raise ValidationError(errors)
