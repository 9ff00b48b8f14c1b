"""Intake invites, the questionnaire each patient fills in (a draft until submitted) and the outcome-measure
responses scored from it.

The answers are stored exactly as `../shared/clinical/case-format.md` names them, so `Intake.as_case()` is the very
case the assessment engine and `manage.py evaluate_case` read.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from clinic.models import Patient, StaffMember
from intake.codes import Level
from intake.questions import NOTE_MAX_LENGTH
from intake.scoring import INSTRUMENT_CODES, instrument

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
        invite = cls.objects.select_related("patient__clinic").filter(pk=pk).first()
        if invite is None or not constant_time_compare(str(nonce), invite.nonce):
            return None
        return invite

    @property
    def link(self) -> str:
        return f"{settings.SITE_URL}{self.get_absolute_url()}"

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

    def as_case(self) -> dict:
        """The case the assessment engine reads (case format, Input), dated on the day of submission."""
        patient = self.patient
        as_of = timezone.localdate(self.submitted_at) if self.submitted_at else timezone.localdate()
        return {
            "as_of": as_of.isoformat(),
            "patient": {
                "date_of_birth": patient.date_of_birth.isoformat(),
                "sex_at_birth": patient.sex_at_birth,
                **self.patient_answers,
            },
            "intake": self.answers,
        }


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

    class Meta:
        ordering = ["-completed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "instrument"], name="outcome_once_per_intake"),
        ]
        indexes = [models.Index(fields=["patient", "instrument", "-completed_at"])]

    def __str__(self):
        return f"{self.get_instrument_display()} {self.pk}"
