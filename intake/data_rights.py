"""What the intake app holds about a patient, for their data rights (composed in `clinic/data_rights.py`):
invites, intakes with their answers, outcome responses, examinations and assessments, follow-up questionnaire
schedules and the follow-ups answered.

A new model of this app that holds a patient's data belongs in MODELS and in each function below
(`tests/clinic/test_data_rights.py` fails for a patient-owned model that no app lists).
"""

from django.utils import timezone

from clinic.models import Patient
from clinic.personal_data import REMOVED_TEXT, StoredFile, anonymising, export_record, removed
from intake.codes import CAUSES, CONDITION_LABELS
from intake.models import Assessment, Examination, FollowUp, FollowUpSchedule, Intake, IntakeInvite, OutcomeResponse
from intake.pages import answer_summary, findings_summary

MODELS = (IntakeInvite, Intake, OutcomeResponse, Examination, Assessment, FollowUpSchedule, FollowUp)
# The invite's nonce is the secret of the patient's link: it never leaves the database.
INVITE_SECRETS = ("nonce",)


def export(patient: Patient) -> dict:
    """Everything the intake holds about `patient`, oldest first, as JSON-ready data."""
    invites = IntakeInvite.objects.filter(patient=patient).select_related("created_by__user", "intake")
    intakes = Intake.objects.filter(patient=patient).select_related("entered_by__user", "reviewed_by__user")
    examinations = Examination.objects.filter(intake__patient=patient).select_related(
        "examined_by__user", "updated_by__user"
    )
    assessments = Assessment.objects.filter(intake__patient=patient).select_related(
        "created_by__user", "confirmed_by__user"
    )
    return {
        "intake_invites": [
            {
                **export_record(invite, exclude=INVITE_SECRETS),
                "state": invite.state(),
                "state_label": invite.state().label,
            }
            for invite in invites.order_by("created_at", "pk")
        ],
        "intakes": [
            {**export_record(intake), "answers_in_words": _answers_in_words(intake, patient)}
            for intake in intakes.order_by("started_at", "pk")
        ],
        "outcome_responses": [
            export_record(response)
            for response in OutcomeResponse.objects.filter(patient=patient).order_by("completed_at", "pk")
        ],
        "examinations": [
            {**export_record(examination), "findings_in_words": _findings_in_words(examination.findings)}
            for examination in examinations.order_by("examined_at", "pk")
        ],
        "assessments": [_assessment(assessment) for assessment in assessments.order_by("created_at", "pk")],
        "follow_up_schedules": [
            export_record(schedule)
            for schedule in FollowUpSchedule.objects.filter(patient=patient)
            .select_related("created_by__user", "stopped_by__user")
            .order_by("created_at", "pk")
        ],
        "follow_ups": [
            export_record(follow_up)
            for follow_up in FollowUp.objects.filter(patient=patient)
            .select_related("reviewed_by__user")
            .order_by("completed_at", "pk")
        ],
    }


def _answers_in_words(intake: Intake, patient: Patient) -> list[dict]:
    intake.patient = patient
    return [
        {"step": part.step.title, "question": line.question.text, "answer": line.text}
        for part in answer_summary(intake)
        for line in part.lines
        if line.answered
    ]


def _findings_in_words(findings: dict) -> list[dict]:
    return [
        {"group": group.title, "finding": line.question.text, "value": line.text}
        for group, lines in findings_summary(findings)
        for line in lines
    ]


def _assessment(assessment: Assessment) -> dict:
    record = export_record(assessment)
    condition = assessment.engine_result.get("condition")
    record["condition_label"] = CONDITION_LABELS.get(condition, "") if condition else ""
    record["confirmed_cause_labels"] = [
        CAUSES[code].label for code in assessment.confirmed_cause_codes if code in CAUSES
    ]
    return record


def stored_files(patient: Patient) -> list[StoredFile]:
    """The intake stores no files."""
    return []


def anonymise(patient: Patient) -> None:
    """Remove what could identify the patient and keep the clinical data: the address the links were sent to and
    the links themselves (revoked, with new nonces so no old link opens anything), and every free text (the
    patient's note, the physios' notes and examination notes, override reasons and referral notes, also inside
    decided assessments); no follow-up questionnaire falls due any more."""
    now = timezone.now()
    new_nonce = IntakeInvite._meta.get_field("nonce").get_default
    for invite in IntakeInvite.objects.filter(patient=patient):
        invite.sent_to = ""
        invite.nonce = new_nonce()
        invite.revoked_at = invite.revoked_at or now
        invite.save(update_fields=["sent_to", "nonce", "revoked_at"])
    Intake.objects.filter(patient=patient).exclude(note="").update(note=REMOVED_TEXT)
    Examination.objects.filter(intake__patient=patient).exclude(notes="").update(notes=REMOVED_TEXT)
    FollowUpSchedule.objects.active().filter(patient=patient).update(stopped_at=now)  # nobody asks an anonymous record
    with anonymising():
        for assessment in Assessment.objects.filter(intake__patient=patient):
            # A queryset update: a decided assessment refuses save(), and the database lets only this through.
            Assessment.objects.filter(pk=assessment.pk).update(**_without_free_text(assessment))


def _without_free_text(assessment: Assessment) -> dict:
    result = dict(assessment.engine_result)
    if "red_flags" in result:
        result["red_flags"] = [
            {**flag, "override_reason": removed(flag["override_reason"])} if "override_reason" in flag else flag
            for flag in result["red_flags"]
        ]
    return {
        "overrides": {code: removed(reason) for code, reason in assessment.overrides.items()},
        "confirmed_causes": [{**cause, "note": removed(cause.get("note"))} for cause in assessment.confirmed_causes],
        "rejected_causes": [{**cause, "note": removed(cause.get("note"))} for cause in assessment.rejected_causes],
        "referral_note": removed(assessment.referral_note),
        "engine_result": result,
    }


def erase(patient: Patient) -> None:
    """Delete everything the intake holds about the patient. Deleting an intake takes its outcome responses,
    examination and assessments with it (decided assessments too: their database trigger refuses updates only)."""
    Intake.objects.filter(patient=patient).delete()
    IntakeInvite.objects.filter(patient=patient).delete()
    OutcomeResponse.objects.filter(patient=patient).delete()
    FollowUpSchedule.objects.filter(patient=patient).delete()  # with the follow-ups answered
