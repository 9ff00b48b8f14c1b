"""Models of the plans app: the exercise library, then plans, their revisions, session logs and alerts.

The library is one table: the shipped exercises (`clinic` is null), loaded from `plans/library/data/exercises.json` by
`manage.py load_exercise_library`, and each clinic's own exercises, which its physiotherapists manage in the app.
The plan builder never sees these rows, only the `ExerciseSpec`s that `as_spec()` makes of them.
"""

import hashlib
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from clinic.file_store import STORE_UNREACHABLE, FileStoreUnavailable
from clinic.models import Clinic, Patient, StaffMember
from clinic.pictures import validate_picture
from plans.adherence import planned_days
from plans.builder import MAX_WEEKS, MIN_WEEKS
from plans.ladder import BUILD_LEVEL, FIRST_LEVEL
from plans.library.exercises import KIND_LABELS, MAX_SLUG, SLUG_PATTERN, Dosage, ExerciseSpec, spec_problems
from plans.progression import (
    AMBER,
    GREEN,
    HOLD_RULES,
    PF_SYMPTOM_LABELS,
    PF_SYMPTOMS,
    RED,
    LoggedSession,
    advice_words,
)
from plans.progression import SessionLog as ProgressionLog

# ---------------------------------------------------------------------------------------------------------------
# Exercise library
# ---------------------------------------------------------------------------------------------------------------

# Path segments of the library's own pages, so no exercise may take them as its code.
RESERVED_SLUGS = frozenset({"new"})
KIND_CHOICES = list(KIND_LABELS.items())
DOSAGE_FIELDS = ("sets", "reps", "hold_s", "minutes", "rest_s", "per_side", "per_week")
# Spec checks the model fields cannot express themselves (links, codes inside the JSON lists, the figure).
SPEC_CHECKED_FIELDS = (
    "impact_step",
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
    # The file name is a random one given when the picture was re-encoded (clinic.pictures).
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
    impact_step = models.PositiveSmallIntegerField(
        "impact ladder step",
        null=True,
        blank=True,
        help_text="An impact exercise's rung of the impact ladder (reference §4.4: 4 pogo jumps … 8 hops in several "
        "directions).",
    )
    figure = models.JSONField(default=dict, blank=True, help_text="Pose data drawn by plans.library.figures.")
    notes = models.TextField(blank=True, max_length=2000, help_text="For clinicians: sources and caveats.")
    image = models.ImageField(
        upload_to=exercise_image_path,
        blank=True,
        validators=[validate_picture],
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
            impact_step=self.impact_step,
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
            "impact_step": spec.impact_step,
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


# ---------------------------------------------------------------------------------------------------------------
# Plans, their revisions and session logs
# ---------------------------------------------------------------------------------------------------------------
#
# A `Plan` is one patient's return-to-run plan, built from one confirmed assessment. The physio works on its draft
# (the builder's inputs and the plan they build) and issues it: issuing freezes the draft into the next
# `PlanRevision`, which the patient follows. Logged sessions (`SessionLog`) may change the schedule ahead; each such
# change is an automatic revision the physio can undo. A revision is never changed; the plan's `current_revision`
# is what the patient sees. Handouts and the patient portal read revisions, never the draft.

NOTE_FOR_PATIENT_MAX_LENGTH = 1000
REVISION_REASON_MAX_LENGTH = 300
MORE_EXERCISES_REASON_MAX_LENGTH = 300
SESSION_COMMENT_MAX_LENGTH = 1000


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    ENDED = "ended", "Ended"


class PlanQuerySet(models.QuerySet):
    def for_clinic(self, clinic_id):
        return self.filter(patient__clinic_id=clinic_id)


class Plan(models.Model):
    """One patient's plan: the draft the physio edits, and the revisions issued from it.

    The draft is the builder's inputs (`start` … `programme`; `programme` None means the builder chooses the home
    programme) and `content`, the plan they built at the last save. `draft_version` goes up with every save: a save
    based on an older version is refused (two physios editing at once). The condition, causes, gates and current
    running come from the assessment, which never changes once confirmed.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="plans")
    # RESTRICT, not PROTECT: an assessment with plans is never deleted on its own, yet erasing the patient removes
    # both (the plans go with the patient).
    assessment = models.ForeignKey("intake.Assessment", on_delete=models.RESTRICT, related_name="plans")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The draft: the builder's inputs, the note and the plan they built.
    start = models.DateField("start date")
    weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(MIN_WEEKS), MaxValueValidator(MAX_WEEKS)])
    start_level = models.PositiveSmallIntegerField("starting level", null=True, blank=True)
    strength_days_per_week = models.PositiveSmallIntegerField("strength days a week", null=True, blank=True)
    cadence_target_spm = models.PositiveSmallIntegerField("cadence target (steps a minute)", null=True, blank=True)
    programme = models.JSONField(
        null=True, blank=True, help_text="The physio's home programme (plan `programme` entries); empty: the builder's."
    )
    # The physio may go past the usual cap of strength and core exercises (reference §5: 3–4 once independent),
    # saying why; the reason is kept with every revision issued.
    more_exercises_reason = models.CharField(
        "reason for more strength exercises", max_length=MORE_EXERCISES_REASON_MAX_LENGTH, blank=True
    )
    note_for_patient = models.TextField(
        max_length=NOTE_FOR_PATIENT_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(NOTE_FOR_PATIENT_MAX_LENGTH)],  # a TextField's max_length binds forms only
    )
    content = models.JSONField(help_text="The plan the draft's inputs built at its last save.")
    draft_version = models.PositiveIntegerField(default=1)
    draft_saved_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    draft_saved_at = models.DateTimeField(default=timezone.now)
    issued_draft_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The draft version last issued; empty until the plan is first issued."
    )
    current_revision = models.ForeignKey(
        "PlanRevision", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    # Kept by plans.services for the clinic's outcomes (plans.outcomes), so that page sums one row per plan instead of
    # reading every session: when the plan was first issued and whether it was the patient's first plan to be, and
    # what its planned and logged sessions add up to (`plan_counts_update` counts them again whenever they change).
    issued_at = models.DateTimeField("first issued", null=True, blank=True, editable=False)
    first_for_patient = models.BooleanField(
        "the patient's first plan", default=False, editable=False, help_text="The first of the patient's plans issued."
    )
    sessions_planned = models.PositiveIntegerField(default=0, editable=False, help_text="Its PlannedSession rows.")
    sessions_logged = models.PositiveIntegerField(default=0, editable=False)
    runs_logged = models.PositiveIntegerField(default=0, editable=False)
    red_runs = models.PositiveIntegerField(default=0, editable=False)
    milestone_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The day of its first logged session that reached the return-to-run milestone (plans.outcomes).",
    )
    # Goes up whenever the plan's revisions, logged sessions or alerts change (plans.services: plan_counts_update,
    # plan_history_changed): the plan page keeps what it shows of them in the page cache under this number.
    history_version = models.PositiveIntegerField(default=0, editable=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"], condition=Q(status="draft"), name="plan_one_draft_per_assessment"
            ),
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status="issued"), name="plan_one_issued_per_patient"
            ),
            models.CheckConstraint(condition=Q(weeks__gte=MIN_WEEKS, weeks__lte=MAX_WEEKS), name="plan_weeks_in_range"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(current_revision__isnull=False), name="plan_issued_has_revision"
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "status"]),
            # The patients the clinic's outcomes count: those whose first plan was issued in the period.
            models.Index(fields=["issued_at"], condition=Q(first_for_patient=True), name="plan_first_issued_idx"),
        ]

    def __str__(self):
        return f"Plan {self.pk}"

    def get_absolute_url(self):
        return reverse("plans:detail", args=[self.patient_id, self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def postpartum(self) -> bool:
        """The patient gave birth recently, so their logs ask about pelvic floor symptoms (reference §9.4)."""
        return self.assessment.gates.get("weeks_postpartum") is not None

    @property
    def has_unissued_changes(self) -> bool:
        """The draft was saved since the plan was last issued (always true for a plan never issued)."""
        return self.draft_version != self.issued_draft_version

    def inputs(self) -> dict:
        """The draft's builder inputs, as `PlanRequest` fields."""
        return {
            "start": self.start,
            "weeks": self.weeks,
            "start_level": self.start_level,
            "strength_days_per_week": self.strength_days_per_week,
            "cadence_target_spm": self.cadence_target_spm,
            "programme": self.programme,
            "more_exercises_reason": self.more_exercises_reason,
        }


class RevisionKind(models.TextChoices):
    ISSUED = "issued", "Issued by the physiotherapist"
    AUTOMATIC = "automatic", "Automatic change after a logged session"
    UNDO = "undo", "Automatic change undone"
    RESUMED = "resumed", "Running resumed by the physiotherapist"
    MISSED = "missed", "Automatic change after sessions not logged"


class ImmutableRevision(Exception):
    """A plan revision is a record of what the patient was given: it is never changed."""


class PlanRevisionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRevision("Plan revisions are never changed.")


class PlanRevision(models.Model):
    """One version of a plan as the patient had it: issued by a physio, changed automatically after a logged
    session or after sessions not logged, or an automatic change undone. Never changed once created (the model
    refuses; on PostgreSQL a trigger refuses too); deleted only with its plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(help_text="1, 2, … within the plan.")
    kind = models.CharField(max_length=10, choices=RevisionKind.choices)
    content = models.JSONField(help_text="The plan (case-format `plan` object).")
    inputs = models.JSONField(help_text="The builder inputs it was built from (dates as ISO text).")
    note_for_patient = models.TextField(max_length=NOTE_FOR_PATIENT_MAX_LENGTH, blank=True)
    reason = models.CharField(max_length=REVISION_REASON_MAX_LENGTH)
    changes = models.JSONField(default=list, blank=True, help_text="The automatic changes (`apply_log`), if any.")
    log = models.ForeignKey(
        "SessionLog",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="revisions",
        help_text="The logged session that caused an automatic revision.",
    )
    undoes = models.OneToOneField("self", on_delete=models.CASCADE, null=True, blank=True, related_name="undone_by")
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    builder_version = models.CharField(max_length=20)
    engine_version = models.CharField(max_length=20, blank=True)

    objects = PlanRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_revision_number_unique"),
            models.CheckConstraint(
                condition=~Q(kind="automatic") | Q(log__isnull=False), name="plan_revision_automatic_has_log"
            ),
            models.CheckConstraint(
                condition=~Q(kind="undo") | Q(undoes__isnull=False), name="plan_revision_undo_names_revision"
            ),
        ]

    def __str__(self):
        return f"Plan {self.plan_id} revision {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRevision(f"Revision {self.number} of plan {self.plan_id} cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("plans:revision", args=[self.plan.patient_id, self.plan_id, self.number])

    @property
    def is_automatic(self) -> bool:
        return self.kind == RevisionKind.AUTOMATIC

    @property
    def holds_running(self) -> bool:
        """An automatic change that put running and impact on hold for a review (RF19, P5): not undone, resumed."""
        return any(change.get("rule") in HOLD_RULES for change in self.changes)

    @property
    def may_be_undone(self) -> bool:
        """The plan's current revision, an automatic change that holds nothing, of an issued plan."""
        return (
            self.is_automatic
            and not self.holds_running
            and self.plan.current_revision_id == self.pk
            and self.plan.status == PlanStatus.ISSUED
        )

    @property
    def start(self) -> date:
        return date.fromisoformat(self.inputs["start"])

    @property
    def end(self) -> date:
        return self.start + timedelta(days=7 * self.inputs["weeks"] - 1)

    @property
    def patient(self):
        return self.plan.patient


class PlannedSession(models.Model):
    """A day with something to do in a plan as it now stands: every day but rest days of its current revision, and
    every day a session was logged; once the plan has ended, none from its last day on unless logged there.

    Written again whenever the plan's current revision changes, and cut when the plan ends (`plans.services`), so
    the sessions planned up to a day are counted in the database (`plans.outcomes`) without reading any revision's
    schedule. Derived from the revisions and logs, which stay the record of what the patient was given and did."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="planned_sessions")
    day = models.DateField()

    class Meta:
        ordering = ["plan", "day"]
        constraints = [models.UniqueConstraint(fields=["plan", "day"], name="planned_session_once_per_day")]

    def __str__(self):
        return f"Planned session {self.pk}"

    @classmethod
    def of_plan(cls, plan: Plan, content: dict, *, logged: set[date]) -> list["PlannedSession"]:
        """The planned sessions of `content` (a case-format plan) and the `logged` days for `plan`, unsaved."""
        return [cls(plan=plan, day=day) for day in sorted(set(planned_days(content)) | logged)]


class TrafficLight(models.TextChoices):
    # reference §9.3 P1, P3, P4
    GREEN = GREEN, "Green"
    AMBER = AMBER, "Amber"
    RED = RED, "Red"


PF_SYMPTOM_CHOICES = [(code, PF_SYMPTOM_LABELS[code]) for code in PF_SYMPTOMS]  # reference §9.4


def zero_to_ten(verbose_name, **options):
    return models.PositiveSmallIntegerField(
        verbose_name, validators=[MinValueValidator(0), MaxValueValidator(10)], **options
    )


class SessionLog(models.Model):
    """How one planned session went (reference §9.4), against the revision the patient was following, with the
    traffic light computed from it (§9.3). One per plan day."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="logs")
    revision = models.ForeignKey(PlanRevision, on_delete=models.RESTRICT, related_name="logs")
    session_date = models.DateField()
    completed = models.BooleanField(default=True)
    level = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The walk/run level of a run session (8: build phase)."
    )
    step = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The impact-ladder rung of an impact session (reference §4.4)."
    )
    pain_during_max = zero_to_ten("worst pain during the session")
    pain_escalated = models.BooleanField("pain got worse during the session", default=False)
    limp = models.BooleanField("limp or change in running style", default=False)
    swelling = models.BooleanField(default=False)
    next_morning_pain = zero_to_ten("pain the next morning", null=True, blank=True)
    next_morning_stiffness = zero_to_ten("stiffness the next morning", null=True, blank=True)
    pf_symptoms = models.JSONField(
        "pelvic floor symptoms", default=list, blank=True, help_text="Asked after a birth only (reference §9.4)."
    )
    rpe = zero_to_ten("effort (RPE)", null=True, blank=True)
    distance_km = models.DecimalField(
        "distance (km)", max_digits=5, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    duration_min = models.PositiveSmallIntegerField("duration (minutes)", null=True, blank=True)
    planned_run_min = models.PositiveSmallIntegerField(
        "planned running minutes",
        null=True,
        blank=True,
        help_text="The running minutes the plan held for a run session when it was logged (at level 7 and in the "
        "build phase, one run without walking).",
    )
    traffic_light = models.CharField(max_length=5, choices=TrafficLight.choices)
    light_reasons = models.JSONField(default=list, blank=True)
    light_advice = models.TextField(blank=True)
    comment = models.TextField(
        "the patient's comment",
        max_length=SESSION_COMMENT_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(SESSION_COMMENT_MAX_LENGTH)],  # a TextField's max_length binds forms only
        help_text="What the patient wrote with the log, in their words, for the physio.",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    logged_for_patient_by_staff = models.BooleanField(default=False)
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "session_date"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "session_date"], name="session_log_once_per_day"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 0, f"{name}__lte": 10}) | Q(**{f"{name}__isnull": True}),
                    name=f"session_log_{name}_0_to_10",
                )
                for name in ("pain_during_max", "next_morning_pain", "next_morning_stiffness", "rpe")
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=FIRST_LEVEL, level__lte=BUILD_LEVEL),
                name="session_log_level_1_to_8",
            ),
            models.CheckConstraint(
                condition=Q(distance_km__isnull=True) | Q(distance_km__gte=0), name="session_log_distance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(traffic_light__in=[GREEN, AMBER, RED]), name="session_log_traffic_light_known"
            ),
        ]

    def __str__(self):
        return f"Session log {self.pk}"

    def get_absolute_url(self):
        return reverse("plans:log", args=[self.plan.patient_id, self.plan_id, self.pk])

    def as_session_log(self) -> ProgressionLog:
        """The log as the progression rules read it."""
        return ProgressionLog(
            session_date=self.session_date,
            level=self.level,
            step=self.step,
            completed=self.completed,
            pain_during_max=self.pain_during_max,
            pain_escalated=self.pain_escalated,
            limp=self.limp,
            swelling=self.swelling,
            next_morning_pain=self.next_morning_pain,
            next_morning_stiffness=self.next_morning_stiffness,
            pf_symptoms=tuple(self.pf_symptoms),
            rpe=self.rpe,
            distance_km=float(self.distance_km) if self.distance_km is not None else None,
            duration_min=self.duration_min,
        )

    def as_logged_session(self) -> LoggedSession:
        return LoggedSession(self.as_session_log(), self.traffic_light)

    @property
    def advice(self) -> str:
        """What to do now, in today's words (`light_advice` keeps what was said when it was logged)."""
        awaiting = self.next_morning_pain is None or self.next_morning_stiffness is None
        return advice_words(self.traffic_light, pelvic_floor=bool(self.pf_symptoms), awaiting_morning=awaiting)

    @property
    def patient(self):
        return self.plan.patient


class PlanAlert(models.Model):
    """Something in the logged sessions the physio must review (reference §9.3 P5, §8 RF19): raised once per
    logged session and reason, open until a physio marks it reviewed."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="alerts")
    log = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="alerts")
    code = models.CharField(max_length=40)
    rule = models.CharField(max_length=10)
    reason = models.CharField(max_length=300)
    raised_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["log", "code"], name="plan_alert_once_per_log_and_reason")]
        indexes = [models.Index(fields=["plan", "reviewed_at"])]

    def __str__(self):
        return f"Plan alert {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.reviewed_at is None


# ---------------------------------------------------------------------------------------------------------------
# PDF handouts and the print queue
# ---------------------------------------------------------------------------------------------------------------
#
# A `Handout` is the PDF of one plan revision on one paper size, rendered in the background (plans.handouts.tasks)
# and kept under MEDIA_ROOT, never served publicly: the download view checks access and the checksum. Asking again
# for the same revision and paper reuses the stored file. A `HandoutBatch` is several handouts rendered into one PDF
# as one job, for the front desk to print in one go; it holds the pages of every patient whose handout it contains.


class Paper(models.TextChoices):
    A4 = "a4", "A4"
    LETTER = "letter", "US Letter"


class PrintStatus(models.TextChoices):
    QUEUED = "queued", "Waiting"
    RENDERING = "rendering", "Being made"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


PRINT_ERROR_MAX_LENGTH = 300


class PrintJob(models.Model):
    """What a handout and a batch share: the paper, where the render job is, and the PDF it made.

    `status` moves queued → rendering (claimed by the task whose id is `task_id`) → ready or failed. `dispatched_at`
    is when the job was last handed to the broker: empty while the broker could not be reached, so the sweeper
    knows to send it again. `error` says why a job failed in words for the front desk, never with patient data.
    """

    paper = models.CharField(max_length=10, choices=Paper.choices)
    status = models.CharField(max_length=10, choices=PrintStatus.choices, default=PrintStatus.QUEUED)
    file = models.FileField(blank=True)  # each subclass gives its own folder
    sha256 = models.CharField("SHA-256 of the file", max_length=64, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now, help_text="When it was last asked for.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=PRINT_ERROR_MAX_LENGTH, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Renders started, retries included.")
    task_id = models.CharField("claiming task id", max_length=64, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    # The kind of job in words and in the print queue's row ids ("handout-7").
    kind = "handout"

    class Meta:
        abstract = True

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.pk}"

    @property
    def is_ready(self) -> bool:
        return self.status == PrintStatus.READY

    @property
    def is_pending(self) -> bool:
        return self.status in (PrintStatus.QUEUED, PrintStatus.RENDERING)

    @property
    def outcome(self) -> str:
        """The line under the status on the print queue: pages and size when ready, the reason when failed."""
        if self.status == PrintStatus.READY:
            pages = f"{self.page_count} page{'' if self.page_count == 1 else 's'}"
            return f"{pages}, {filesizeformat(self.size_bytes)}"
        return self.error if self.status == PrintStatus.FAILED else ""

    def verified_pdf(self) -> bytes | None:
        """The stored PDF, if this job is ready and its file is there and matches its checksum; otherwise None.
        Raises FileStoreUnavailable when the file store (S3) can't be reached: the file may be there after all."""
        if not (self.is_ready and self.file and self.sha256):
            return None
        try:
            with self.file.open("rb") as stored:
                pdf = stored.read()
        except STORE_UNREACHABLE as error:  # first: botocore's timeouts are OSErrors too
            raise FileStoreUnavailable(f"could not read {self.file.name}") from error
        except OSError:  # gone from storage (FileNotFoundError) or unreadable
            return None
        return pdf if hashlib.sha256(pdf).hexdigest() == self.sha256 else None


class HandoutQuerySet(models.QuerySet):
    def for_clinic(self, clinic_id):
        return self.filter(revision__plan__patient__clinic_id=clinic_id)


class Handout(PrintJob):
    """The PDF handout of one plan revision on one paper size."""

    revision = models.ForeignKey(PlanRevision, on_delete=models.CASCADE, related_name="handouts")
    file = models.FileField(upload_to="handouts/%Y/%m/", blank=True)

    objects = HandoutQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "paper"], name="handout_one_per_revision_and_paper"),
            models.CheckConstraint(condition=Q(paper__in=Paper.values), name="handout_paper_known"),
            models.CheckConstraint(condition=Q(status__in=PrintStatus.values), name="handout_status_known"),
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(file="") & ~Q(sha256="")), name="handout_ready_has_file"
            ),
        ]
        indexes = [models.Index(fields=["status", "dispatched_at"]), models.Index(fields=["-requested_at"])]

    def __str__(self):
        return f"Handout {self.pk}"

    def download_url(self) -> str:
        return reverse("handouts:download", args=[self.revision.plan.patient_id, self.pk])

    def retry_url(self) -> str:
        return reverse("handouts:retry", args=[self.revision.plan.patient_id, self.pk])


class HandoutBatchQuerySet(models.QuerySet):
    def containing_patient(self, patient_id):
        """The batches with a handout of this patient: their files hold that patient's pages."""
        return self.filter(handouts__revision__plan__patient_id=patient_id).distinct()


class HandoutBatch(PrintJob):
    """Several handouts of one clinic rendered into one PDF as one job, on one paper size, to print in one go."""

    kind = "batch"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="handout_batches")
    handouts = models.ManyToManyField(Handout, related_name="batches")
    file = models.FileField(upload_to="handouts/batches/%Y/%m/", blank=True)

    objects = HandoutBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(paper__in=Paper.values), name="handout_batch_paper_known"),
            models.CheckConstraint(condition=Q(status__in=PrintStatus.values), name="handout_batch_status_known"),
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(file="") & ~Q(sha256="")), name="handout_batch_ready_has_file"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "-requested_at"]), models.Index(fields=["status", "dispatched_at"])]

    def __str__(self):
        return f"Handout batch {self.pk}"

    def download_url(self) -> str:
        return reverse("handouts:batch_download", args=[self.pk])

    def retry_url(self) -> str:
        return reverse("handouts:batch_retry", args=[self.pk])


class HandoutSettings(models.Model):
    """How a clinic's handouts are printed: the paper size it uses unless asked otherwise (the cover's logo is the
    clinic's own, `Clinic.logo`)."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="handout_settings")
    paper_size = models.CharField(
        "default paper size",
        max_length=10,
        choices=Paper.choices,
        default=Paper.A4,
        help_text="Staff may choose the other.",
    )

    class Meta:
        verbose_name = "handout settings"
        verbose_name_plural = "handout settings"

    def __str__(self):
        return f"Handout settings of {self.clinic}"

    @classmethod
    def for_clinic(cls, clinic: Clinic) -> "HandoutSettings":
        """The clinic's settings, or the defaults (A4) when it has none saved."""
        return cls.objects.filter(clinic=clinic).first() or cls(clinic=clinic)
