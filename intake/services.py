"""Writes for the intake: invites, the questionnaire draft, submission with red-flag screening and scoring, the
physio's review, the examination and the assessment. The views and `seed_demo` both go through these."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from clinic.emails import patient_email
from clinic.models import Patient, PatientStatus, StaffMember
from clinic.services import patient_move_along
from intake import selectors, tasks
from intake.assessment.decisions import (
    PHYSIO,
    CauseDecision,
    decision_lists,
    decisions_for,
    override_refusal,
    undecided,
)
from intake.assessment.engine import screen_intake
from intake.assessment.live import live_assessment
from intake.codes import CAUSES, LEVEL_SEVERITY, Action, Cause, Level
from intake.models import (
    EXAMINATION_DETAILS,
    Assessment,
    AssessmentStatus,
    Examination,
    FollowUp,
    FollowUpSchedule,
    Intake,
    IntakeInvite,
    IntakeStatus,
    OutcomeResponse,
)
from intake.questionnaire import answer_paths, destination, unanswered_by_step, visible_steps
from intake.questions import REVIEW, SAFETY_SECTION, Question
from intake.schema import FINDINGS, check_object, validate_case
from intake.scoring import INSTRUMENT_CODES, NPRS_ITEM_CODES, score, worsened_scores


class IntakeClosed(Exception):
    """The intake has been submitted: nothing may change it any more."""


class IntakeNotSubmitted(Exception):
    """The intake is still a draft: there is nothing to examine or assess yet."""


class IntakeIncomplete(Exception):
    """Required questions are unanswered; `missing` lists them by step slug."""

    def __init__(self, missing: dict[str, list[Question]]):
        super().__init__(f"{sum(len(q) for q in missing.values())} required answers missing")
        self.missing = missing


# --- Invites --------------------------------------------------------------------------------------------------


@transaction.atomic
def invite_create(
    *, patient: Patient, by: StaffMember, send_email: bool = True, now: datetime | None = None
) -> IntakeInvite:
    """Issue a new link for the patient: earlier unsubmitted links stop working, a draft already started moves to
    the new link (no answer is lost), the patient's status moves to "intake sent", and the link is e-mailed to the
    patient's address (unless `send_email` is off, as for the demo clinic)."""
    now = now or timezone.now()
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
    """E-mail the link (plain text and HTML) in the clinic's name. The message names the clinic and the link, never
    health data."""
    if not invite.sent_to or not invite.is_usable():
        return False
    context = {
        "first_name": invite.patient.first_name,
        "clinic": invite.patient.clinic,
        "link": invite.link,
        "expires_at": invite.expires_at,
    }
    patient_email(
        templates="intake/email/invite", context=context, to=invite.sent_to, clinic=invite.patient.clinic
    ).send()
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


def intake_draft_for_invite(*, invite: IntakeInvite, now: datetime | None = None) -> Intake:
    """The intake this link fills in: its own (draft or submitted), else the patient's draft, else a new draft.
    A link's own intake stays its own, so finding it needs no lock (nor a query, when it came with the invite)."""
    intake = getattr(invite, "intake", None)
    if intake is not None:
        return intake
    return _intake_draft_for_new_link(invite=invite, now=now)


@transaction.atomic
def _intake_draft_for_new_link(*, invite: IntakeInvite, now: datetime | None) -> Intake:
    IntakeInvite.objects.select_for_update().get(pk=invite.pk)  # two devices opening at once make one draft
    intake = Intake.objects.filter(invite=invite).first()
    if intake is not None:  # the other device made it while this one waited for the lock
        return intake
    draft = Intake.objects.filter(patient_id=invite.patient_id, status=IntakeStatus.DRAFT).first()
    if draft is not None:
        draft.invite = invite
        draft.save(update_fields=["invite", "updated_at"])
        return draft
    return Intake.objects.create(patient=invite.patient, invite=invite, started_at=now or timezone.now())


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


def _store_outcomes(outcomes: dict[str, dict], *, patient: Patient, completed_at, **source) -> None:
    """Score each instrument's answers and store them with the instrument version (reference §10); `source` is the
    intake or the follow-up they were part of."""
    for code, answers in outcomes.items():
        result = score(code, answers)
        OutcomeResponse.objects.create(
            patient=patient,
            instrument=code,
            instrument_version=result.version,
            answers=result.answers,
            value=result.value,
            answered=result.answered,
            of=result.of,
            completed_at=completed_at,
            **source,
        )


@transaction.atomic
def intake_submit(*, intake: Intake, by: StaffMember | None = None, now: datetime | None = None) -> Intake:
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
    now = now or timezone.now()
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
    _store_outcomes(_outcome_answers(intake.answers), patient=patient, completed_at=now, intake=intake)
    patient_move_along(
        patient=patient,
        to=PatientStatus.INTAKE_RECEIVED,
        from_statuses=(PatientStatus.NEW, PatientStatus.INTAKE_SENT),
    )
    patients_rank_waiting_intakes(patient_ids=[patient.pk])
    return intake


@transaction.atomic
def intake_mark_reviewed(*, intake: Intake, by: StaffMember, now: datetime | None = None) -> bool:
    """Record that a physio has read the submitted intake; the first review is the one kept."""
    now = now or timezone.now()
    updated = Intake.objects.filter(pk=intake.pk, status=IntakeStatus.SUBMITTED, reviewed_at__isnull=True).update(
        reviewed_at=now, reviewed_by=by
    )
    if updated:
        intake.reviewed_at, intake.reviewed_by = now, by
        patients_rank_waiting_intakes(patient_ids=[intake.patient_id])
    return bool(updated)


def patients_rank_waiting_intakes(*, patient_ids) -> None:
    """Store on each patient where their unreviewed intakes put them on the clinicians' list (Patient.intake_rank
    and the badge's flag level), in one UPDATE whatever the number of patients. Every change to what waits for
    review (an intake sent, an intake reviewed) calls it; so do the data migration and the benchmark's seeder."""
    Patient.objects.filter(pk__in=patient_ids).update(**selectors.waiting_intake_expressions())


# --- The physio's examination ---------------------------------------------------------------------------------


class ExaminationConflict(Exception):
    """A colleague saved the examination after this physio's form was loaded; `current` is what they saved."""

    def __init__(self, current: Examination):
        super().__init__(f"Examination {current.pk} is at version {current.version}")
        self.current = current


@dataclass(frozen=True)
class ExaminationSaved:
    examination: Examination
    created: bool
    changed: list[str]  # the paths of the findings that changed ('sl_squat.knee_valgus'), never their values


def findings_changed(before: dict, after: dict) -> list[str]:
    """The findings paths whose value differs between two findings objects, in order."""
    old, new = answer_paths(before, "findings"), answer_paths(after, "findings")
    return sorted(path.removeprefix("findings.") for path in old.keys() | new.keys() if old.get(path) != new.get(path))


@transaction.atomic
def examination_save(
    *,
    intake: Intake,
    findings: dict,
    version: int,
    by: StaffMember,
    details: dict | None = None,
    now: datetime | None = None,
) -> ExaminationSaved:
    """Store the examination of a submitted intake: the case format's `findings`, and the physio's `details` beside
    them (EXAMINATION_DETAILS: the knee examined, range of motion, notes; left as they are when None). `version` is
    the examination's version the physio's form was loaded with (0 before there was one): when a colleague has saved
    since, nothing is stored and ExaminationConflict says what they saved, so nobody's work is silently
    overwritten."""
    problems = check_object(FINDINGS, findings, "findings")
    if problems:
        raise ValueError(f"Invalid findings: {', '.join(problem.split(':')[0] for problem in problems)}")
    details = details or {}
    unknown = set(details) - set(EXAMINATION_DETAILS)
    if unknown:
        raise TypeError(f"examination_save() got unknown details: {', '.join(sorted(unknown))}")
    locked = Intake.objects.select_for_update().get(pk=intake.pk)  # serialises two first saves
    if not locked.is_submitted:
        raise IntakeNotSubmitted
    examination = Examination.objects.filter(intake=intake).select_related("updated_by__user").first()
    if examination is None:
        examination = Examination.objects.create(
            intake=intake,
            findings=findings,
            examined_by=by,
            updated_by=by,
            examined_at=now or timezone.now(),
            **{name: value for name, value in details.items() if value is not None},
        )
        return ExaminationSaved(examination, True, findings_changed({}, findings) + sorted(_recorded(details)))
    if examination.version != version:
        raise ExaminationConflict(examination)
    changed = findings_changed(examination.findings, findings)
    changed += [name for name, value in details.items() if getattr(examination, name) != _detail(name, value)]
    if changed:
        examination.findings = findings
        for name, value in details.items():
            setattr(examination, name, _detail(name, value))
        examination.version += 1
        examination.updated_by = by
        examination.save()
    return ExaminationSaved(examination, False, changed)


def _detail(name: str, value):
    """A detail as the model stores it: empty text rather than None."""
    return "" if value is None and name in ("side", "notes") else value


def _recorded(details: dict) -> set[str]:
    return {name for name, value in details.items() if value not in (None, "")}


# --- The assessment -------------------------------------------------------------------------------------------

REFERRAL_ACTIONS = (Action.EMERGENCY, Action.URGENT)
# A confirmed assessment moves a patient on to "assessed" from any earlier stage, or back from a referral once they
# are cleared; a patient on a plan stays on it. A referral stops a plan too: only the discharged stay as they are.
BEFORE_ASSESSMENT = (PatientStatus.NEW, PatientStatus.INTAKE_SENT, PatientStatus.INTAKE_RECEIVED)
ASSESSED_FROM = (*BEFORE_ASSESSMENT, PatientStatus.REFERRED)
REFERRED_FROM = (*BEFORE_ASSESSMENT, PatientStatus.ASSESSED, PatientStatus.ON_PLAN)
RESULT_CHANGED = (
    "The result has changed since the page was shown (the examination was saved again, the plan start changed, the "
    "date moved on, or a colleague has just decided an assessment of this intake: see the list at the bottom). Check "
    "the page below, then decide again."
)


class AssessmentRefused(Exception):
    """What the physio asked cannot be done; `message` says why, in words for the page (no patient data)."""

    def __init__(self, message: str, field: str | None = None, also: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs beside, if any
        self.also = also  # other fields the message is about (each gets a short note beside it)


def _locked_draft(intake: Intake, by: StaffMember, *, now: datetime | None = None) -> Assessment:
    """The intake's draft assessment (a new, unsaved one when there is none), with the intake row locked so two
    physios' writes to it happen one after the other."""
    locked = Intake.objects.select_for_update().get(pk=intake.pk)
    if not locked.is_submitted:
        raise IntakeNotSubmitted
    draft = Assessment.objects.filter(intake=intake, status=AssessmentStatus.DRAFT).first()
    return draft or Assessment(intake=intake, created_by=by, created_at=now or timezone.now())


def _live(intake: Intake, draft: Assessment, *, now: datetime | None = None):
    examination = selectors.examination_for(intake)
    as_of = timezone.localdate(now)
    live = live_assessment(intake, examination=examination, draft=draft, as_of=as_of)
    return examination, live


@transaction.atomic
def assessment_save_draft(
    *, intake: Intake, by: StaffMember, decisions: list[CauseDecision], plan_start: date | None
) -> Assessment:
    """Keep the physio's decisions in progress (cause verdicts and notes, the plan start) in the intake's draft."""
    draft = _locked_draft(intake, by)
    draft.confirmed_causes, draft.rejected_causes = decision_lists(decisions)
    draft.plan_start = plan_start
    draft.save()
    return draft


@transaction.atomic
def assessment_override(*, intake: Intake, by: StaffMember, code: str, reason: str) -> Assessment:
    """Override a raised red flag or hold with the physio's written reason. The engine decides which may be
    overridden (`intake.assessment.engine.override_problems`); the reason is required, trimmed and length-limited."""
    reason = (reason or "").strip()
    refusal = override_refusal(code, reason)
    if refusal:
        raise AssessmentRefused(refusal, field=f"reason-{code}")
    draft = _locked_draft(intake, by)
    _, live = _live(intake, draft)
    raised = [*live.result["red_flags"], *live.result.get("holds", [])] if live.result else []
    if code not in {item["code"] for item in raised}:
        raise AssessmentRefused("That red flag or hold is not raised in this assessment.")
    draft.overrides = {**draft.overrides, code: reason}
    draft.save()
    return draft


@transaction.atomic
def assessment_remove_override(*, intake: Intake, by: StaffMember, code: str) -> Assessment:
    draft = _locked_draft(intake, by)
    draft.overrides = {flag: reason for flag, reason in draft.overrides.items() if flag != code}
    draft.save()
    return draft


@transaction.atomic
def assessment_add_cause(*, intake: Intake, by: StaffMember, code: str, note: str) -> Assessment:
    """Add a cause the engine did not list, confirmed, with the physio's note on why it applies."""
    note = (note or "").strip()
    if code not in set(Cause):
        raise AssessmentRefused("Choose the cause to add.", field="add_code")
    if not note:
        raise AssessmentRefused("Say why this cause applies.", field="add_note")
    draft = _locked_draft(intake, by)
    _, live = _live(intake, draft)
    listed = {cause["code"] for cause in live.result["causes"]} if live.result else set()
    if code in listed | set(draft.confirmed_cause_codes):
        raise AssessmentRefused("That cause is already on the list: confirm it there.", field="add_code")
    draft.confirmed_causes = [*draft.confirmed_causes, {"code": code, "origin": PHYSIO, "note": note}]
    draft.save()
    return draft


@transaction.atomic
def assessment_remove_cause(*, intake: Intake, by: StaffMember, code: str) -> Assessment:
    """Take back a cause the physio added."""
    draft = _locked_draft(intake, by)
    draft.confirmed_causes = [
        cause for cause in draft.confirmed_causes if not (cause["code"] == code and cause["origin"] == PHYSIO)
    ]
    draft.save()
    return draft


def _as_shown(intake: Intake, by: StaffMember, shown_digest: str, *, now: datetime, draft: Assessment | None = None):
    """The locked draft, the examination and the engine's result run again, which must be the result the physio was
    shown (`shown_digest`) for them to decide on it."""
    draft = draft or _locked_draft(intake, by, now=now)
    examination, live = _live(intake, draft, now=now)
    if live.result is None:
        raise AssessmentRefused("The case cannot be assessed until the problems above are put right.", field="digest")
    if live.digest != shown_digest:
        raise AssessmentRefused(RESULT_CHANGED, field="digest")
    return draft, examination, live


def _decide(draft: Assessment, *, status: str, examination, live, by: StaffMember, now: datetime) -> Assessment:
    """Snapshot what the engine read and concluded, and who decided when: from here on the assessment is final.
    The intake counts as reviewed from then on, if nobody had marked it yet."""
    draft.status = status
    draft.as_of = live.as_of
    draft.plan_start = date.fromisoformat(live.case["plan_start"]) if "plan_start" in live.case else None
    draft.examination = examination
    draft.examination_version = examination.version if examination else None
    draft.findings = live.case.get("findings", {})
    draft.engine_result = live.result
    draft.engine_version = live.result["engine_version"]
    draft.confirmed_by = by
    draft.confirmed_at = now
    draft.save()
    intake_mark_reviewed(intake=draft.intake, by=by, now=now)  # whoever assessed it has read it
    return draft


@transaction.atomic
def assessment_confirm(
    *,
    intake: Intake,
    by: StaffMember,
    shown_digest: str,
    decisions: list[CauseDecision],
    plan_start: date | None,
    now: datetime | None = None,
) -> Assessment:
    """Confirm the physio's `decisions` on exactly the result they were shown (`shown_digest`): the engine runs again
    and must give the same result. Every listed cause must be confirmed or rejected. Emergency and urgent results
    are referred, not confirmed. The patient moves on to "assessed"."""
    now = now or timezone.now()
    draft = _locked_draft(intake, by, now=now)
    draft.confirmed_causes, draft.rejected_causes = decision_lists(decisions)
    draft.plan_start = plan_start
    draft, examination, live = _as_shown(intake, by, shown_digest, now=now, draft=draft)
    if live.result["action"] in REFERRAL_ACTIONS:
        raise AssessmentRefused(
            f"An {live.result['action']} result is not confirmed: record the referral instead.", field="referral_note"
        )
    final = decisions_for(live.result["causes"], confirmed=draft.confirmed_causes, rejected=draft.rejected_causes)
    left = undecided(final)
    if left:
        names = ", ".join(CAUSES[code].label for code in left)
        raise AssessmentRefused(
            f"Confirm or reject every cause before confirming the assessment ({names}).",
            field=f"verdict-{left[0]}",
            also=tuple(f"verdict-{code}" for code in left[1:]),
        )
    draft.confirmed_causes, draft.rejected_causes = decision_lists(final)
    _decide(draft, status=AssessmentStatus.CONFIRMED, examination=examination, live=live, by=by, now=now)
    patient_move_along(patient=intake.patient, to=PatientStatus.ASSESSED, from_statuses=ASSESSED_FROM)
    return draft


@transaction.atomic
def assessment_refer(
    *, intake: Intake, by: StaffMember, note: str, shown_digest: str, now: datetime | None = None
) -> Assessment:
    """Record that the patient was referred on (the way for emergency and urgent results, and open to the physio's
    judgement for any other), with the result they were shown. The patient's status becomes "referred"."""
    note = (note or "").strip()
    if not note:
        raise AssessmentRefused("Write where the patient was referred and what they were told.", field="referral_note")
    now = now or timezone.now()
    draft, examination, live = _as_shown(intake, by, shown_digest, now=now)
    draft.referral_note = note
    draft.confirmed_causes, draft.rejected_causes = [], []
    _decide(draft, status=AssessmentStatus.REFERRED, examination=examination, live=live, by=by, now=now)
    patient_move_along(patient=intake.patient, to=PatientStatus.REFERRED, from_statuses=REFERRED_FROM)
    return draft


# --- Follow-up questionnaires ---------------------------------------------------------------------------------

SAFETY_KEYS = tuple(question.key for question in SAFETY_SECTION.questions)


class FollowUpRefused(Exception):
    """A follow-up questionnaire cannot be scheduled or taken, with the reason in words for the page."""


def latest_intake(patient: Patient) -> Intake | None:
    return Intake.objects.filter(patient=patient, status=IntakeStatus.SUBMITTED).order_by("-submitted_at").first()


@transaction.atomic
def follow_up_schedule_set(
    *, patient: Patient, by: StaffMember, instruments: list[str], every_weeks: int, start: date, safety_questions: bool
) -> FollowUpSchedule:
    """Ask the outcome measures again, every `every_weeks` weeks from `start`. A running schedule is stopped and
    replaced (its follow-ups keep it). Refused before the patient has sent an intake: follow-ups are compared with
    it."""
    Patient.objects.select_for_update().get(pk=patient.pk)
    if latest_intake(patient) is None:
        raise FollowUpRefused("Follow-up questionnaires are compared with the intake: schedule them once it is sent.")
    unknown = set(instruments) - set(INSTRUMENT_CODES)
    if unknown or not instruments:
        raise FollowUpRefused("Choose at least one of the outcome measures.")
    follow_up_schedule_stop(patient=patient, by=by)
    schedule = FollowUpSchedule(
        patient=patient,
        instruments=[code for code in INSTRUMENT_CODES if code in instruments],
        every_weeks=every_weeks,
        start=start,
        safety_questions=safety_questions,
        created_by=by,
        created_at=timezone.now(),
    )
    schedule.full_clean()
    schedule.save()
    return schedule


def follow_up_schedule_stop(*, patient: Patient, by: StaffMember) -> bool:
    """Stop asking: no questionnaire falls due any more. False when nothing was scheduled."""
    return bool(
        FollowUpSchedule.objects.active().filter(patient=patient).update(stopped_at=timezone.now(), stopped_by=by)
    )


def follow_up_flags(*, intake: Intake, safety_answers: dict, as_of: date) -> list[dict]:
    """The red flags (reference §8) the follow-up's safety answers raise that the intake's answers alone do not
    raise on the same day: the intake with its safety answers replaced by the new ones, screened as at
    submission."""
    patient = intake.as_case(as_of=as_of)["patient"]
    before = {flag["code"] for flag in screen_intake(intake.answers, as_of=as_of, patient=patient)}
    after = screen_intake({**intake.answers, **safety_answers}, as_of=as_of, patient=patient)
    return [flag for flag in after if flag["code"] not in before]


@transaction.atomic
def follow_up_submit(
    *, schedule: FollowUpSchedule, due_on: date, answers: dict, now: datetime | None = None
) -> FollowUp:
    """Store the patient's follow-up questionnaire due on `due_on`: each instrument scored as an OutcomeResponse
    (with its version and raw answers), the safety answers screened for new red flags. `answers` is in the case
    format's `intake` shape (`{"nprs_now": 2, "koos_pf": {...}, "hot_red_knee": False}`).

    Idempotent: a second submit of the same questionnaire returns the first. Refused when the schedule has stopped
    or the questionnaire is no longer the one due (a newer one replaced it)."""
    schedule = FollowUpSchedule.objects.select_for_update(of=("self",)).select_related("patient").get(pk=schedule.pk)
    existing = FollowUp.objects.filter(schedule=schedule, due_on=due_on).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not schedule.is_active:
        raise FollowUpRefused("Your physiotherapist has stopped these questionnaires: there is nothing to send.")
    if schedule.due_on(today) != due_on:
        raise FollowUpRefused("This questionnaire has been replaced by a newer one: please fill in that one.")
    patient = schedule.patient
    safety = {key: answers[key] for key in SAFETY_KEYS if key in answers} if schedule.safety_questions else {}
    intake = latest_intake(patient)
    flags = follow_up_flags(intake=intake, safety_answers=safety, as_of=today) if safety and intake else []
    follow_up = FollowUp.objects.create(
        schedule=schedule,
        patient=patient,
        due_on=due_on,
        completed_at=now,
        safety_answers=safety,
        red_flags=flags,
        flag_level=highest_level(flags),
    )
    outcomes = _outcome_answers(answers)
    _store_outcomes(
        {code: outcomes[code] for code in schedule.instruments}, patient=patient, completed_at=now, follow_up=follow_up
    )
    latest_follow_ups_mark(patient_id=patient.pk)
    # A score worse by at least the minimal important change is flagged as clearly as an improvement: the physio's
    # caseload raises it until the questionnaire is reviewed.
    responses = {response.instrument: response for response in follow_up.outcome_responses.all()}
    follow_up.worsened = worsened_scores(responses, selectors.latest_responses_before(patient.pk, now))
    if follow_up.worsened:
        follow_up.save(update_fields=["worsened"])
    return follow_up


def latest_follow_ups_mark(*, patient_id: int) -> None:
    """Mark the patient's newest follow-up response of each instrument (`OutcomeResponse.latest_follow_up`), and only
    those, after one arrives: the clinic's outcomes compare the intake with it."""
    responses = OutcomeResponse.objects.filter(patient_id=patient_id, follow_up__isnull=False)
    newer = responses.filter(instrument=OuterRef("instrument")).filter(
        Q(completed_at__gt=OuterRef("completed_at")) | Q(completed_at=OuterRef("completed_at"), pk__gt=OuterRef("pk"))
    )
    responses.update(latest_follow_up=~Exists(newer))


def follow_up_mark_reviewed(*, follow_up: FollowUp, by: StaffMember) -> bool:
    """Record that a physio has read the follow-up (and acted on its red flags); the first review is kept."""
    now = timezone.now()
    updated = FollowUp.objects.filter(pk=follow_up.pk, reviewed_at__isnull=True).update(reviewed_at=now, reviewed_by=by)
    if updated:
        follow_up.reviewed_at, follow_up.reviewed_by = now, by
    return bool(updated)
