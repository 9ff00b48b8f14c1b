"""Reads for the intake: a patient's invites and intakes, and what the physio's review page shows."""

from dataclasses import dataclass

from django.db.models import Case, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from clinic.models import Patient
from intake.codes import LEVEL_LABELS, LEVEL_SEVERITY, RED_FLAGS, Level
from intake.models import Intake, IntakeInvite, IntakeStatus, OutcomeResponse
from intake.questionnaire import summary, visible_steps
from intake.scoring import INSTRUMENT_CODES, Change, Instrument, change, instrument

# On a physio's patient list, patients with an unreviewed submitted intake come first: flagged ones by the severity
# of their highest red-flag level (reference §8), then those without flags; everyone else ranks 0.
UNFLAGGED_INTAKE_RANK = 1
INTAKE_RANKS = {level: LEVEL_SEVERITY[level] + UNFLAGGED_INTAKE_RANK + 1 for level in Level}


def unreviewed_intake_annotations() -> dict:
    """Annotations for a Patient queryset: `intake_rank` (0 when nothing waits for review) and `intake_flag_level`
    of the most pressing unreviewed intake. Subqueries, so a list still costs one query."""
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
        "intake_flag_level": Subquery(waiting.values("flag_level")[:1]),
    }


def draft_for_patient(patient: Patient) -> Intake | None:
    return Intake.objects.filter(patient=patient, status=IntakeStatus.DRAFT).select_related("entered_by__user").first()


@dataclass(frozen=True)
class IntakeOverview:
    """The intake section of the patient page."""

    current_invite: IntakeInvite | None  # the newest link that has not been replaced
    invites: list[IntakeInvite]
    intakes: list[Intake]  # submitted, newest first
    draft: Intake | None


INVITES_SHOWN = 5


def intake_overview(patient: Patient) -> IntakeOverview:
    invites = list(
        IntakeInvite.objects.filter(patient=patient).select_related("intake", "created_by__user")[:INVITES_SHOWN]
    )
    current = next((invite for invite in invites if invite.revoked_at is None), None)
    intakes = list(
        Intake.objects.filter(patient=patient)
        .select_related("entered_by__user", "reviewed_by__user")
        .order_by("-submitted_at", "-pk")
    )
    return IntakeOverview(
        current_invite=current,
        invites=invites,
        intakes=[intake for intake in intakes if intake.is_submitted],
        draft=next((intake for intake in intakes if not intake.is_submitted), None),
    )


@dataclass(frozen=True)
class FlagLine:
    code: str
    level: str
    label: str
    reason: str
    evidence: list[str]
    source: str
    what_to_do: str


def flag_lines(intake: Intake) -> list[FlagLine]:
    """The stored red flags, most severe first, with the reference's label and the action for their level."""
    lines = []
    for flag in intake.red_flags:
        info = RED_FLAGS.get(flag["code"])
        level = Level(flag["level"])
        label = info.label if info else flag["code"].replace("_", " ").capitalize()
        lines.append(
            FlagLine(
                code=flag["code"],
                level=level.value,
                label=label,
                reason="" if flag.get("reason") == label else flag.get("reason", ""),
                evidence=list(flag.get("evidence", [])),
                source=flag.get("source") or (info.source if info else ""),
                what_to_do=LEVEL_LABELS[level],
            )
        )
    severity = list(Level)
    return sorted(lines, key=lambda line: severity.index(Level(line.level)))


@dataclass(frozen=True)
class OutcomeRow:
    label: str
    value: float | None
    previous: float | None
    change: Change | None


@dataclass(frozen=True)
class OutcomeReport:
    measure: Instrument
    response: OutcomeResponse
    previous: OutcomeResponse | None
    rows: list[OutcomeRow]


def _rows(measure: Instrument, response: OutcomeResponse, previous: OutcomeResponse | None) -> list[OutcomeRow]:
    if measure.method == "each":
        # The NPRS has no total: each question is its own score, compared one by one (reference §10).
        pairs = [
            (item.text, response.answers.get(item.code), previous.answers.get(item.code) if previous else None)
            for item in measure.items
        ]
    else:
        pairs = [(measure.short_name, response.value, previous.value if previous else None)]
    return [
        OutcomeRow(
            label,
            now,
            before,
            change(measure.code, before, now) if now is not None and before is not None else None,
        )
        for label, now, before in pairs
    ]


def outcome_reports(intake: Intake) -> list[OutcomeReport]:
    """Each outcome measure of the intake with its score and, when the patient answered it before, the change
    since the previous time judged against the minimal important change (`intake.scoring.change`)."""
    responses = {r.instrument: r for r in OutcomeResponse.objects.filter(intake=intake)}
    earlier = {}
    if responses:
        completed_at = next(iter(responses.values())).completed_at
        for response in (
            OutcomeResponse.objects.filter(patient_id=intake.patient_id, completed_at__lt=completed_at)
            .exclude(intake=intake)
            .order_by("instrument", "-completed_at")
        ):
            earlier.setdefault(response.instrument, response)
    reports = []
    for code in INSTRUMENT_CODES:
        if code in responses:
            measure = instrument(code)
            previous = earlier.get(code)
            reports.append(OutcomeReport(measure, responses[code], previous, _rows(measure, responses[code], previous)))
    return reports


def answer_summary(intake: Intake):
    steps = visible_steps(postpartum_within_24m=intake.postpartum_within_24m)
    return summary(steps, intake.answer, sex_at_birth=intake.patient.sex_at_birth)
