"""Reads for the intake: the physio's list order by unreviewed intakes, a patient's draft, the examination and the
assessments of an intake, and the follow-up questionnaires that are due. Each in a fixed number of queries;
intake/pages.py builds the pages from them."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from clinic.models import Patient
from intake.codes import (
    LEVEL_SEVERITY,
    Level,
)
from intake.models import (
    Assessment,
    AssessmentStatus,
    Examination,
    FollowUp,
    FollowUpSchedule,
    Intake,
    IntakeStatus,
    OutcomeResponse,
)

# On a physio's patient list, patients with an unreviewed submitted intake come first: flagged ones by the severity
# of their highest red-flag level (reference §8), then those without flags; everyone else ranks 0.
UNFLAGGED_INTAKE_RANK = 1
INTAKE_RANKS = {level: LEVEL_SEVERITY[level] + UNFLAGGED_INTAKE_RANK + 1 for level in Level}


def waiting_intake_expressions() -> dict:
    """Expressions for a Patient queryset: `intake_rank` (0 when nothing waits for review) and `intake_flag_level`
    ("" without a flag) of the most pressing unreviewed intake; subqueries, for the UPDATE that stores them on the
    patient (intake.services.patients_rank_waiting_intakes)."""
    rank = Case(
        *(When(flag_level=level.value, then=Value(value)) for level, value in INTAKE_RANKS.items()),
        default=Value(UNFLAGGED_INTAKE_RANK),
    )
    waiting = (
        Intake.objects.filter(patient=OuterRef("pk"), status=IntakeStatus.SUBMITTED, reviewed_at__isnull=True)
        .annotate(rank=rank)
        .order_by("-rank", "-submitted_at")
    )
    return {
        "intake_rank": Coalesce(Subquery(waiting.values("rank")[:1]), Value(0)),
        "intake_flag_level": Coalesce(Subquery(waiting.values("flag_level")[:1]), Value("")),
    }


def draft_for_patient(patient: Patient) -> Intake | None:
    return Intake.objects.filter(patient=patient, status=IntakeStatus.DRAFT).select_related("entered_by__user").first()


# --- The examination and the assessment -------------------------------------------------------------------------


def examination_for(intake: Intake) -> Examination | None:
    return Examination.objects.filter(intake=intake).select_related("examined_by__user", "updated_by__user").first()


def examination_as_saved(intake: Intake) -> Examination | None:
    """The intake's examination with who saved it last (what the assessment page names), None before the first: read
    with the intake itself by `intake.access.get_intake_to_assess`, else here (and who saved it when named)."""
    try:
        return intake.examination
    except Examination.DoesNotExist:
        return None


def assessment_draft(intake: Intake) -> Assessment | None:
    return Assessment.objects.filter(intake=intake, status=AssessmentStatus.DRAFT).first()


def assessment_draft_and_history(intake: Intake) -> tuple[Assessment | None, list[Assessment]]:
    """The intake's draft assessment, if any (one at most), and its confirmed and referred assessments, newest
    first, with who decided: one query for both. Without the results and findings they stored, which the assessment
    page does not show (each past assessment's own page does)."""
    assessments = list(
        Assessment.objects.filter(intake=intake)
        .select_related("confirmed_by__user")
        .defer("engine_result", "findings")
        .order_by("-confirmed_at", "-pk")
    )
    for assessment in assessments:
        assessment.intake = intake
    draft = next((assessment for assessment in assessments if assessment.status == AssessmentStatus.DRAFT), None)
    history = [assessment for assessment in assessments if assessment.status != AssessmentStatus.DRAFT]
    return draft, history


# --- Follow-up questionnaires ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueFollowUp:
    """The questionnaire a patient should fill in now: their schedule's latest due day without an answer."""

    schedule: FollowUpSchedule
    due_on: date


def due_follow_ups(*, patient_ids, today: date) -> list[DueFollowUp]:
    """The questionnaires due today or earlier and not yet answered, for these patients (two queries)."""
    schedules = [
        schedule
        for schedule in FollowUpSchedule.objects.active().filter(patient_id__in=patient_ids)
        if schedule.due_on(today) is not None
    ]
    answered = set(FollowUp.objects.filter(schedule__in=schedules).values_list("schedule_id", "due_on"))
    return [due for schedule in schedules if (due := due_of(schedule, answered=answered, today=today))]


def due_of(schedule: FollowUpSchedule, *, answered: set[tuple[int, date]], today: date) -> DueFollowUp | None:
    """The active schedule's questionnaire due today or earlier, unless it is among those `answered` (schedule id and
    due day)."""
    due_on = schedule.due_on(today)
    if due_on is None or (schedule.pk, due_on) in answered:
        return None
    return DueFollowUp(schedule, due_on)


def due_follow_up(patient: Patient, *, today: date) -> DueFollowUp | None:
    return next(iter(due_follow_ups(patient_ids=[patient.pk], today=today)), None)


def latest_responses_before(patient_id: int, when) -> dict[str, OutcomeResponse]:
    """The patient's latest scored response of each questionnaire answered before `when` (one query)."""
    earlier: dict[str, OutcomeResponse] = {}
    for response in OutcomeResponse.objects.filter(patient_id=patient_id, completed_at__lt=when).order_by(
        "instrument", "-completed_at"
    ):
        earlier.setdefault(response.instrument, response)
    return earlier
