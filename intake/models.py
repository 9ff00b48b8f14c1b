"""Intake invites, the questionnaire each patient fills in (a draft until submitted) and the outcome-measure
responses scored from it.

The answers are stored exactly as `../shared/clinical/case-format.md` names them, so `Intake.as_case()` is the very
case the assessment engine and `manage.py evaluate_case` read.
"""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from clinic.models import Patient, StaffMember
from clinic.site import site_url
from intake.codes import Level
from intake.questions import NOTE_MAX_LENGTH
from intake.scoring import INSTRUMENT_CODES, instrument

REFERRAL_NOTE_MAX_LENGTH = 2000  # a referral letter's summary, not the letter itself
INVITE_TOKEN_SALT = "intake.invite"  # noqa: S105 - a signing namespace, not a secret


def _new_nonce() -> str:
    return secrets.token_urlsafe(16)


def _default_expiry():
    return timezone.now() + timedelta(days=settings.INTAKE_INVITE_DAYS)


class InviteState(models.TextChoices):
    SENT = "sent", "Sent"
    OPENED = "opened", "Opened"
    LOCKED = "locked", "Locked"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Replaced by a newer link"
    SUBMITTED = "submitted", "Submitted"


class IntakeInvite(models.Model):
    """A secure link that lets one patient fill in their intake after confirming their date of birth.

    The link carries a signed token of the invite's id and a random nonce; the invite's own dates decide whether
    it still works.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="intake_invites")
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_default_expiry)
    nonce = models.CharField(max_length=32, default=_new_nonce, editable=False)
    sent_to = models.EmailField(blank=True, help_text="Where the link was e-mailed; blank when it was only copied.")
    opened_at = models.DateTimeField(null=True, blank=True, help_text="When the patient first got past the check.")
    failed_dob_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self):
        return f"Intake invite {self.pk}"

    def get_absolute_url(self):
        return reverse("intake:start", args=[self.token])

    @property
    def token(self) -> str:
        return signing.Signer(salt=INVITE_TOKEN_SALT).sign_object([self.pk, self.nonce])

    @classmethod
    def from_token(cls, token: str) -> "IntakeInvite | None":
        """The invite a token names, or None when the token was tampered with or names no invite."""
        try:
            pk, nonce = signing.Signer(salt=INVITE_TOKEN_SALT).unsign_object(token)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        # With its intake, if the patient has begun: the link's state and every step read it.
        invite = cls.objects.select_related("patient__clinic", "intake").filter(pk=pk).first()
        if invite is None or not constant_time_compare(str(nonce), invite.nonce):
            return None
        return invite

    @property
    def link(self) -> str:
        return f"{site_url()}{self.get_absolute_url()}"

    @property
    def submitted_intake(self) -> "Intake | None":
        intake = getattr(self, "intake", None)  # reverse one-to-one: absent until the patient starts
        return intake if intake is not None and intake.is_submitted else None

    def state(self, now=None) -> InviteState:
        now = now or timezone.now()
        if self.submitted_intake is not None:
            return InviteState.SUBMITTED
        if self.revoked_at:
            return InviteState.REVOKED
        if self.locked_at:
            return InviteState.LOCKED
        if self.expires_at <= now:
            return InviteState.EXPIRED
        return InviteState.OPENED if self.opened_at else InviteState.SENT

    def is_usable(self, now=None) -> bool:
        return self.state(now) in (InviteState.SENT, InviteState.OPENED)


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


FLAG_LEVEL_CHOICES = [(level.value, level.value.replace("_", " ").capitalize()) for level in Level]


class Intake(models.Model):
    """One patient's questionnaire: a draft the patient (or a physio on the phone) fills in step by step, then
    submitted once. `answers` is the case format's `intake` object, `patient_answers` the `patient` fields that
    are not on the Patient record."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="intakes")
    invite = models.OneToOneField(IntakeInvite, on_delete=models.SET_NULL, null=True, blank=True, related_name="intake")
    status = models.CharField(max_length=10, choices=IntakeStatus.choices, default=IntakeStatus.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    patient_answers = models.JSONField(default=dict, blank=True)
    # The questionnaire's gate for the postpartum module (reference §6.5 postpartum_within_24m); not a case field.
    postpartum_within_24m = models.BooleanField(null=True, blank=True)
    note = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True)
    current_step = models.CharField(max_length=20, blank=True)
    entered_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who filled it in on the patient's behalf, if anyone did.",
    )
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    red_flags = models.JSONField(default=list, blank=True, help_text="The red-flag screening result at submission.")
    flag_level = models.CharField(max_length=20, choices=FLAG_LEVEL_CHOICES, blank=True, db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-submitted_at", "-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(status="draft"), name="intake_one_draft_per_patient"
            ),
        ]
        indexes = [models.Index(fields=["patient", "status", "reviewed_at"])]

    def __str__(self):
        return f"Intake {self.pk}"

    def get_absolute_url(self):
        return reverse("intake:review", args=[self.patient_id, self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.status == IntakeStatus.SUBMITTED

    @property
    def is_urgent(self) -> bool:
        """The patient was told to get help today or tomorrow (reference §8: emergency or urgent)."""
        return self.flag_level in (Level.EMERGENCY, Level.URGENT)

    def answer(self, path: str):
        """The stored answer at a question path ('intake.akps.limp', 'patient.height_cm', 'flow.note'), or None."""
        root, *keys = path.split(".")
        if root == "flow":
            value = getattr(self, keys[0])
            return None if value == "" else value
        container = self._container(root)
        for key in keys[:-1]:
            container = container.get(key) or {}
        return container.get(keys[-1])

    def set_answer(self, path: str, value) -> None:
        """Store one answer; None or an empty string removes it (and an object left empty)."""
        root, *keys = path.split(".")
        if root == "flow":
            setattr(self, keys[0], "" if value is None and keys[0] == "note" else value)
            return
        container = self._container(root)
        parents = []
        for key in keys[:-1]:
            parents.append((container, key))
            container = container.setdefault(key, {})
        if value is None or value == "":
            container.pop(keys[-1], None)
            for parent, key in reversed(parents):
                if not parent[key]:
                    del parent[key]
        else:
            container[keys[-1]] = value

    def _container(self, root: str) -> dict:
        return {"intake": self.answers, "patient": self.patient_answers}[root]

    def as_case(
        self, *, findings: dict | None = None, as_of: date | None = None, plan_start: date | None = None
    ) -> dict:
        """The case the assessment engine reads (case format, Input): the patient's answers, with the physio's
        `findings` when there are any. Dated on the day of submission unless `as_of` says otherwise."""
        patient = self.patient
        if as_of is None:
            as_of = timezone.localdate(self.submitted_at) if self.submitted_at else timezone.localdate()
        case = {
            "as_of": as_of.isoformat(),
            "patient": {
                "date_of_birth": patient.date_of_birth.isoformat(),
                "sex_at_birth": patient.sex_at_birth,
                **self.patient_answers,
            },
            "intake": self.answers,
        }
        if findings:
            case["findings"] = findings
        if plan_start is not None:
            case["plan_start"] = plan_start.isoformat()
        return case


class OutcomeResponse(models.Model):
    """One completed outcome measure: the raw answers, the instrument version and the score (reference §10)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="outcome_responses")
    intake = models.ForeignKey(
        Intake, on_delete=models.CASCADE, null=True, blank=True, related_name="outcome_responses"
    )
    instrument = models.CharField(
        max_length=20, choices=[(code, instrument(code).short_name) for code in INSTRUMENT_CODES]
    )
    instrument_version = models.CharField(max_length=20)
    answers = models.JSONField(default=dict, blank=True)
    value = models.FloatField(null=True, blank=True, help_text="Empty when too few items were answered to score.")
    answered = models.PositiveSmallIntegerField()
    of = models.PositiveSmallIntegerField()
    completed_at = models.DateTimeField(default=timezone.now)
    follow_up = models.ForeignKey(
        "FollowUp",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outcome_responses",
        help_text="The follow-up questionnaire it was part of; empty for an intake's.",
    )
    # The patient's newest follow-up response of this instrument (by completion, then pk), kept by
    # `intake.services.latest_follow_ups_mark`, so the clinic's outcomes find each patient's latest score on an index.
    latest_follow_up = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-completed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "instrument"], name="outcome_once_per_intake"),
            models.UniqueConstraint(fields=["follow_up", "instrument"], name="outcome_once_per_follow_up"),
            models.CheckConstraint(
                condition=models.Q(intake__isnull=True) | models.Q(follow_up__isnull=True),
                name="outcome_of_intake_or_follow_up",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "instrument", "-completed_at"]),
            models.Index(
                fields=["patient"], condition=models.Q(latest_follow_up=True), name="outcome_latest_follow_up_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_instrument_display()} {self.pk}"


class FollowUpScheduleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(stopped_at__isnull=True)


FOLLOW_UP_MAX_WEEKS = 12


class FollowUpSchedule(models.Model):
    """The physio's plan to ask the outcome measures again: which instruments, every how many weeks, from when.

    At most one runs per patient; a new schedule replaces it (the old one is stopped, never changed), so each
    completed follow-up keeps the schedule it answered."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="follow_up_schedules")
    instruments = models.JSONField(help_text="Instrument codes, in the order they are asked.")
    safety_questions = models.BooleanField(
        default=True, help_text="Ask the intake's safety questions again (reference §8 red flags)."
    )
    every_weeks = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(FOLLOW_UP_MAX_WEEKS)]
    )
    start = models.DateField("first due", help_text="The first questionnaire is due on this day.")
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = FollowUpScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(stopped_at__isnull=True), name="follow_up_one_active_schedule"
            ),
            models.CheckConstraint(
                condition=models.Q(every_weeks__gte=1, every_weeks__lte=FOLLOW_UP_MAX_WEEKS),
                name="follow_up_every_1_to_12_weeks",
            ),
        ]

    def __str__(self):
        return f"Follow-up schedule {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.stopped_at is None

    def due_on(self, today: date) -> date | None:
        """The latest day a questionnaire fell due up to `today` (the start, then every `every_weeks` weeks), or
        None before the start. A questionnaire left unanswered is replaced by the next one, never piled up."""
        if today < self.start:
            return None
        every = timedelta(weeks=self.every_weeks)
        return self.start + every * ((today - self.start) // every)

    def next_due_after(self, day: date) -> date:
        if day < self.start:
            return self.start
        return self.due_on(day) + timedelta(weeks=self.every_weeks)


class FollowUp(models.Model):
    """One follow-up questionnaire the patient filled in: the outcome measures (as `OutcomeResponse`s) and, when the
    schedule asks them, the safety questions, with the red flags those answers raise (reference §8)."""

    schedule = models.ForeignKey(FollowUpSchedule, on_delete=models.CASCADE, related_name="follow_ups")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField()
    completed_at = models.DateTimeField(default=timezone.now)
    safety_answers = models.JSONField(default=dict, blank=True)
    red_flags = models.JSONField(default=list, blank=True, help_text="Flags the answers raise beyond the intake's.")
    flag_level = models.CharField(max_length=20, choices=FLAG_LEVEL_CHOICES, blank=True)
    worsened = models.JSONField(
        default=list,
        blank=True,
        help_text="The scores worse by at least the minimal important change since the previous questionnaire.",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-completed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["schedule", "due_on"], name="follow_up_once_per_due_day")]
        indexes = [models.Index(fields=["patient", "-completed_at"])]

    def __str__(self):
        return f"Follow-up {self.pk}"

    def get_absolute_url(self):
        return reverse("intake:follow_up", args=[self.patient_id, self.pk])

    @property
    def is_urgent(self) -> bool:
        return self.flag_level in (Level.EMERGENCY, Level.URGENT)


class ExaminedSide(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"


EXAMINATION_NOTES_MAX_LENGTH = 4000
# What the physio records beside the findings, saved with them and versioned with them.
EXAMINATION_DETAILS = (
    "side",
    "knee_flexion_left",
    "knee_flexion_right",
    "knee_extension_left",
    "knee_extension_right",
    "notes",
)


class Examination(models.Model):
    """The physio's examination of the patient for one intake: `findings` is the case format's `findings` object.

    A finding not assessed is absent, never stored as normal. `version` goes up with every save, so a physio who
    saves over a colleague's newer save is stopped instead of silently overwriting it (see `examination_save`).
    """

    intake = models.OneToOneField(Intake, on_delete=models.CASCADE, related_name="examination")
    findings = models.JSONField(default=dict, blank=True)
    # The physio's own record beside the case format's findings (the engine does not read these).
    side = models.CharField("knee examined", max_length=5, choices=ExaminedSide.choices, blank=True)
    knee_flexion_left = models.SmallIntegerField("left knee flexion (°)", null=True, blank=True)
    knee_flexion_right = models.SmallIntegerField("right knee flexion (°)", null=True, blank=True)
    knee_extension_left = models.SmallIntegerField("left knee extension (°)", null=True, blank=True)
    knee_extension_right = models.SmallIntegerField("right knee extension (°)", null=True, blank=True)
    notes = models.TextField("examination notes", max_length=EXAMINATION_NOTES_MAX_LENGTH, blank=True)
    examined_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    examined_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"Examination {self.pk}"

    @property
    def patient(self):
        return self.intake.patient


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONFIRMED = "confirmed", "Confirmed"
    REFERRED = "referred", "Referred"


class ImmutableAssessment(Exception):
    """A confirmed or referred assessment is a record of what was decided: it is never changed."""


class AssessmentQuerySet(models.QuerySet):
    def decided(self):
        """Confirmed and referred assessments, newest first."""
        return self.exclude(status=AssessmentStatus.DRAFT).order_by("-confirmed_at", "-pk")


class Assessment(models.Model):
    """The physio's assessment of one intake: the engine's result they saw, the red flags they overrode (with their
    reasons), the causes they confirmed and rejected, or the referral they recorded.

    A draft holds the decisions in progress (at most one per intake). Confirming or referring snapshots the case
    the engine read and its exact result; from then on the assessment never changes, and a later change of mind is
    a new assessment, so the history of an intake stays readable. On PostgreSQL a trigger refuses changes too.
    """

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="assessments")
    examination = models.ForeignKey(
        Examination,
        # An examination an assessment used is never deleted on its own; with its intake, both go (erasure).
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="assessments",
        help_text="The examination it used; empty for an assessment of the intake alone.",
    )
    examination_version = models.PositiveIntegerField(null=True, blank=True)
    findings = models.JSONField(default=dict, blank=True, help_text="The findings the engine read (a snapshot).")
    as_of = models.DateField(null=True, blank=True)
    plan_start = models.DateField(null=True, blank=True)
    engine_result = models.JSONField(default=dict, blank=True)
    engine_version = models.CharField(max_length=20, blank=True)
    overrides = models.JSONField(default=dict, blank=True, help_text="Red-flag code → the physio's written reason.")
    confirmed_causes = models.JSONField(default=list, blank=True, help_text="Ordered [{code, origin, note}].")
    rejected_causes = models.JSONField(default=list, blank=True, help_text="[{code, note}].")
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    referral_note = models.TextField(max_length=REFERRAL_NOTE_MAX_LENGTH, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-confirmed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake"], condition=models.Q(status="draft"), name="assessment_one_draft_per_intake"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(confirmed_by__isnull=False, confirmed_at__isnull=False, as_of__isnull=False),
                name="assessment_decided_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="referred") | ~models.Q(referral_note=""),
                name="assessment_referral_has_note",
            ),
        ]
        indexes = [models.Index(fields=["intake", "status"])]

    def __str__(self):
        return f"Assessment {self.pk}"

    def save(self, *args, **kwargs):
        self._refuse_once_decided("changed")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def get_absolute_url(self):
        return reverse("intake:assessment_detail", args=[self.intake.patient_id, self.intake_id, self.pk])

    def delete(self, *args, **kwargs):
        self._refuse_once_decided("deleted")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        # The status as stored, so save() can refuse to change a decided assessment.
        instance = super().from_db(db, field_names, values)
        instance._stored_status = instance.status if "status" in field_names else None
        return instance

    def _refuse_once_decided(self, verb: str) -> None:
        stored = getattr(self, "_stored_status", None)
        if stored not in (None, AssessmentStatus.DRAFT):
            raise ImmutableAssessment(f"Assessment {self.pk} is {stored} and cannot be {verb}.")

    def case(self) -> dict:
        """The case the engine read for this assessment: the intake's answers, the findings snapshot, the
        assessment date and the plan start. What the plan builder plans from."""
        return self.intake.as_case(findings=self.findings, as_of=self.as_of, plan_start=self.plan_start)

    @property
    def confirmed_cause_codes(self) -> list[str]:
        """The confirmed causes' codes, in the physio's order (the engine's ranking first, then those added)."""
        return [cause["code"] for cause in self.confirmed_causes]

    @property
    def gates(self) -> dict:
        """What the plan builder may schedule, from the result the physio confirmed."""
        return self.engine_result.get("gates", {})

    @property
    def patient(self):
        return self.intake.patient
