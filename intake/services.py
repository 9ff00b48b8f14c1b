"""Writes for the intake: invites, the questionnaire draft, submission with red-flag screening and scoring, and the
physio's review. The views and `seed_demo` both go through these."""

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.models import Patient, PatientStatus, StaffMember
from clinic.services import patient_move_along
from intake import tasks
from intake.codes import LEVEL_SEVERITY, Level
from intake.engine import screen_intake
from intake.models import Intake, IntakeInvite, IntakeStatus, OutcomeResponse
from intake.questionnaire import destination, unanswered_by_step, visible_steps
from intake.questions import REVIEW, Question
from intake.schema import validate_case
from intake.scoring import NPRS_ITEM_CODES, score


class IntakeClosed(Exception):
    """The intake has been submitted: nothing may change it any more."""


class IntakeIncomplete(Exception):
    """Required questions are unanswered; `missing` lists them by step slug."""

    def __init__(self, missing: dict[str, list[Question]]):
        super().__init__(f"{sum(len(q) for q in missing.values())} required answers missing")
        self.missing = missing


# --- Invites --------------------------------------------------------------------------------------------------


@transaction.atomic
def invite_create(*, patient: Patient, by: StaffMember, send_email: bool = True) -> IntakeInvite:
    """Issue a new link for the patient: earlier unsubmitted links stop working, a draft already started moves to
    the new link (no answer is lost), the patient's status moves to "intake sent", and the link is e-mailed to the
    patient's address (unless `send_email` is off, as for the demo clinic)."""
    now = timezone.now()
    IntakeInvite.objects.filter(patient=patient, revoked_at__isnull=True).exclude(
        intake__status=IntakeStatus.SUBMITTED
    ).update(revoked_at=now)
    invite = IntakeInvite.objects.create(
        patient=patient,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INTAKE_INVITE_DAYS),
        sent_to=patient.email if send_email else "",
    )
    Intake.objects.filter(patient=patient, status=IntakeStatus.DRAFT).update(invite=invite)
    patient_move_along(patient=patient, to=PatientStatus.INTAKE_SENT, from_statuses=(PatientStatus.NEW,))
    if invite.sent_to:
        tasks.send_invite_email_task.delay_on_commit(invite_id=invite.pk)
    return invite


def invite_send_email(*, invite: IntakeInvite) -> bool:
    """E-mail the link (plain text and HTML). The message names the clinic and the link, never health data."""
    if not invite.sent_to or not invite.is_usable():
        return False
    context = {
        "first_name": invite.patient.first_name,
        "clinic": invite.patient.clinic,
        "link": invite.link,
        "expires_at": invite.expires_at,
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("intake/email/invite_subject.txt", context).strip(),
        body=render_to_string("intake/email/invite.txt", context),
        to=[invite.sent_to],
    )
    message.attach_alternative(render_to_string("intake/email/invite.html", context), "text/html")
    message.send()
    return True


@transaction.atomic
def invite_check_birth_date(*, invite: IntakeInvite, date_of_birth: date) -> bool:
    """True when the date of birth matches the patient's. A wrong date counts an attempt; the last allowed wrong
    attempt locks the link (settings.INTAKE_DOB_MAX_ATTEMPTS)."""
    locked = IntakeInvite.objects.select_for_update().get(pk=invite.pk)
    now = timezone.now()
    if not locked.is_usable(now):
        return False
    if date_of_birth == invite.patient.date_of_birth:
        if locked.opened_at is None:
            locked.opened_at = now
            locked.save(update_fields=["opened_at"])
        invite.opened_at = locked.opened_at
        return True
    locked.failed_dob_attempts += 1
    if locked.failed_dob_attempts >= settings.INTAKE_DOB_MAX_ATTEMPTS:
        locked.locked_at = now
    locked.save(update_fields=["failed_dob_attempts", "locked_at"])
    invite.failed_dob_attempts, invite.locked_at = locked.failed_dob_attempts, locked.locked_at
    return False


# --- The questionnaire ----------------------------------------------------------------------------------------


@transaction.atomic
def intake_draft_for_invite(*, invite: IntakeInvite) -> Intake:
    """The intake this link fills in: its own (draft or submitted), else the patient's draft, else a new draft."""
    IntakeInvite.objects.select_for_update().get(pk=invite.pk)  # two devices opening at once make one draft
    intake = Intake.objects.filter(invite=invite).first()
    if intake is not None:
        return intake
    draft = Intake.objects.filter(patient_id=invite.patient_id, status=IntakeStatus.DRAFT).first()
    if draft is not None:
        draft.invite = invite
        draft.save(update_fields=["invite", "updated_at"])
        return draft
    return Intake.objects.create(patient=invite.patient, invite=invite)


@transaction.atomic
def intake_draft_for_staff(*, patient: Patient, by: StaffMember) -> Intake:
    """The draft a physio fills in on the patient's behalf: the one the patient started, or a new one attached to
    the patient's open link (so the link then shows the intake as sent)."""
    Patient.objects.select_for_update().get(pk=patient.pk)
    draft = Intake.objects.filter(patient=patient, status=IntakeStatus.DRAFT).first()
    if draft is not None:
        return draft
    invite = (
        IntakeInvite.objects.filter(patient=patient, revoked_at__isnull=True, intake__isnull=True)
        .order_by("-created_at")
        .first()
    )
    return Intake.objects.create(patient=patient, invite=invite, entered_by=by)


@transaction.atomic
def intake_save_step(
    *, intake: Intake, step: str, answers: dict, move: str | None = None, by: StaffMember | None = None
) -> Intake:
    """Store the valid answers of one step. With `move` ("next", "back" or "review") the draft also records the
    step the patient goes to, which is where they resume; without it they stay on this step."""
    intake = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
    if intake.is_submitted:
        raise IntakeClosed
    for path, value in answers.items():
        intake.set_answer(path, value)
    steps = visible_steps(postpartum_within_24m=intake.postpartum_within_24m)
    intake.current_step = destination(steps, step, move) if move else step
    if by is not None:
        intake.entered_by = by
    intake.save()
    return intake


def highest_level(flags: list[dict]) -> str:
    """The most severe red-flag level, or '' when there are none (reference §8 action levels)."""
    levels = [Level(flag["level"]) for flag in flags]
    return max(levels, key=LEVEL_SEVERITY.__getitem__).value if levels else ""


def _outcome_answers(answers: dict) -> dict[str, dict]:
    return {
        "nprs": {code: answers[code] for code in NPRS_ITEM_CODES if code in answers},
        "koos_pf": dict(answers.get("koos_pf", {})),
        "akps": dict(answers.get("akps", {})),
    }


@transaction.atomic
def intake_submit(*, intake: Intake, by: StaffMember | None = None) -> Intake:
    """Submit the intake once: screen it for red flags, score its outcome measures and store both with it.

    Idempotent: a second submit (a double click, a retried request) finds the intake submitted and returns it.
    Raises IntakeIncomplete when required questions are unanswered.
    """
    intake = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
    if intake.is_submitted:
        return intake
    patient = intake.patient
    steps = visible_steps(postpartum_within_24m=intake.postpartum_within_24m)
    missing = unanswered_by_step(steps, intake.answer, sex_at_birth=patient.sex_at_birth)
    if missing:
        raise IntakeIncomplete(missing)
    if intake.postpartum_within_24m is not True:
        intake.answers.pop("postpartum", None)  # answered, then the gate was changed to No
    now = timezone.now()
    intake.status = IntakeStatus.SUBMITTED
    intake.submitted_at = now
    intake.current_step = REVIEW
    if by is not None:
        intake.entered_by = by
    case = validate_case(intake.as_case())
    flags = screen_intake(case["intake"], as_of=date.fromisoformat(case["as_of"]), patient=case["patient"])
    intake.red_flags = flags
    intake.flag_level = highest_level(flags)
    intake.save()
    for code, answers in _outcome_answers(intake.answers).items():
        result = score(code, answers)
        OutcomeResponse.objects.create(
            patient=patient,
            intake=intake,
            instrument=code,
            instrument_version=result.version,
            answers=result.answers,
            value=result.value,
            answered=result.answered,
            of=result.of,
            completed_at=now,
        )
    patient_move_along(
        patient=patient,
        to=PatientStatus.INTAKE_RECEIVED,
        from_statuses=(PatientStatus.NEW, PatientStatus.INTAKE_SENT),
    )
    return intake


def intake_mark_reviewed(*, intake: Intake, by: StaffMember) -> bool:
    """Record that a physio has read the submitted intake; the first review is the one kept."""
    now = timezone.now()
    updated = Intake.objects.filter(pk=intake.pk, status=IntakeStatus.SUBMITTED, reviewed_at__isnull=True).update(
        reviewed_at=now, reviewed_by=by
    )
    if updated:
        intake.reviewed_at, intake.reviewed_by = now, by
    return bool(updated)
