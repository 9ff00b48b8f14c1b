"""Reads for the intake: a patient's invites and intakes, what the physio's review page shows, the examination, and
the assessment page (the engine run live on the intake and examination, and the history of assessments)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, OuterRef, Prefetch, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from clinic.charts import Chart, Score, scores_figure
from clinic.models import Patient
from intake.assessment.decisions import (
    CONFIRM,
    ENGINE,
    CauseDecision,
    initial_verdict,
    may_override,
    override_label,
    result_digest,
    why_not_overridable,
)
from intake.assessment.engine import assess
from intake.codes import (
    CATEGORY_LABELS,
    CAUSES,
    CONTRAINDICATIONS,
    ISSUING,
    LEVEL_LABELS,
    LEVEL_SEVERITY,
    RED_FLAGS,
    RUNNING,
    Level,
    RedFlag,
)
from intake.examination_labels import GROUPS as EXAMINATION_GROUPS
from intake.examination_labels import NONE_TENDER, NOT_ASSESSED, ExamGroup, anchor_for, field_anchor
from intake.examination_labels import QUESTIONS as EXAMINATION_QUESTIONS
from intake.models import (
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
from intake.questionnaire import AnswerLine, answer_paths, display, summary, visible_steps
from intake.questions import QUESTIONS, SAFETY_SECTION, Question
from intake.schema import CaseError, validate_case
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
        .prefetch_related(Prefetch("assessments", queryset=Assessment.objects.decided(), to_attr="decided_assessments"))
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
    overridden: bool = False
    override_reason: str = ""

    @property
    def may_override(self) -> bool:
        return may_override(self.code)

    @property
    def why_not_overridable(self) -> str:
        return "" if self.may_override else why_not_overridable(self.code)


HOLD_LEVEL = "hold"
HOLD_STOPS = {
    RUNNING: "No running or impact, and the plan is not issued, until you record what resolves it or override it.",
    ISSUING: "The plan may be drafted but not issued until you answer these or override with your reason.",
}


def hold_lines(holds: list[dict]) -> list[FlagLine]:
    """The holds of a result (reference §9.1 entry criteria, §8 RF22, unanswered safety questions), as flag lines
    the page shows and overrides the same way; a hold is always the physio's to lift."""
    return [
        FlagLine(
            code=hold["code"],
            level=HOLD_LEVEL,
            label=hold["reason"],
            reason="",
            evidence=list(hold.get("evidence", [])),
            source=hold.get("source", ""),
            what_to_do=HOLD_STOPS[hold["stops"]],
            overridden=bool(hold.get("overridden")),
            override_reason=hold.get("override_reason", ""),
        )
        for hold in holds
    ]


def flag_lines(flags: list[dict]) -> list[FlagLine]:
    """Red flags (as screened on submission or raised by the engine), most severe first, with the reference's label,
    the action for their level and the physio's override, if any."""
    lines = []
    for flag in flags:
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
                overridden=bool(flag.get("overridden")),
                override_reason=flag.get("override_reason", ""),
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
    return _outcome_reports(OutcomeResponse.objects.filter(intake=intake), patient_id=intake.patient_id)


def follow_up_reports(follow_up: FollowUp) -> list[OutcomeReport]:
    """The same for a follow-up questionnaire: each score, and the change since the previous questionnaire (the
    intake's or an earlier follow-up's) against the minimal important change."""
    return _outcome_reports(follow_up.outcome_responses.all(), patient_id=follow_up.patient_id)


def _outcome_reports(responses, *, patient_id: int) -> list[OutcomeReport]:
    responses = {r.instrument: r for r in responses}
    earlier = {}
    if responses:
        completed_at = next(iter(responses.values())).completed_at
        for response in OutcomeResponse.objects.filter(patient_id=patient_id, completed_at__lt=completed_at).order_by(
            "instrument", "-completed_at"
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


# --- The examination and the assessment -------------------------------------------------------------------------


def examination_for(intake: Intake) -> Examination | None:
    return Examination.objects.filter(intake=intake).select_related("examined_by__user", "updated_by__user").first()


def assessment_draft(intake: Intake) -> Assessment | None:
    return Assessment.objects.filter(intake=intake, status=AssessmentStatus.DRAFT).first()


def assessment_history(intake: Intake) -> list[Assessment]:
    """The intake's confirmed and referred assessments, newest first, with who decided."""
    history = list(Assessment.objects.filter(intake=intake).decided().select_related("confirmed_by__user"))
    for assessment in history:
        assessment.intake = intake
    return history


@dataclass(frozen=True)
class LiveAssessment:
    """The engine run on the intake, the current examination and the draft's overrides, as of one day."""

    as_of: date
    case: dict
    result: dict | None  # None when the case cannot be read
    problems: list[str]
    overrides: dict
    last_decided: int | None  # the intake's latest confirmed or referred assessment, when the engine ran

    @property
    def digest(self) -> str:
        """What the physio decides on: this result, after that latest assessment (so a colleague's decision taken
        meanwhile is seen before a second one is added)."""
        return result_digest({"result": self.result, "after": self.last_decided}) if self.result is not None else ""


def live_assessment(
    intake: Intake, *, examination: Examination | None, draft: Assessment | None, as_of: date
) -> LiveAssessment:
    overrides = dict(draft.overrides) if draft else {}
    # A plan start chosen on an earlier day may have passed: the plan then starts on the day of the assessment.
    plan_start = draft.plan_start if draft and draft.plan_start and draft.plan_start >= as_of else None
    case = intake.as_case(findings=examination.findings if examination else None, as_of=as_of, plan_start=plan_start)
    last_decided = Assessment.objects.filter(intake=intake).decided().values_list("pk", flat=True).first()
    try:
        result = assess(validate_case(case), overrides=overrides)
    except CaseError as error:
        return LiveAssessment(as_of, case, None, error.problems, overrides, last_decided)
    except ValueError as error:  # an override the engine no longer allows
        return LiveAssessment(as_of, case, None, str(error).splitlines(), overrides, last_decided)
    return LiveAssessment(as_of, case, result, [], overrides, last_decided)


def assessment_now(intake: Intake, *, as_of: date) -> LiveAssessment:
    """The engine run on the intake as it stands: its current examination and its draft's overrides."""
    return live_assessment(intake, examination=examination_for(intake), draft=assessment_draft(intake), as_of=as_of)


@dataclass(frozen=True)
class CauseLine:
    """A cause on the assessment page: the engine's score and evidence, and the reference's categories for it."""

    code: str
    score: float | None  # None for a cause the physio added
    evidence: list[str]
    sources: list[str]
    origin: str

    @property
    def info(self):
        return CAUSES[self.code]

    @property
    def categories(self) -> list[str]:
        return [CATEGORY_LABELS[category] for category in self.info.categories]

    @property
    def percent(self) -> int:
        return round((self.score or 0) * 100)

    @property
    def preselected(self) -> bool:
        return self.score is not None and initial_verdict(self.score) == CONFIRM


def cause_lines(result: dict, decisions: list[CauseDecision]) -> list[CauseLine]:
    """The engine's ranked causes, then those the physio added, in the order of `decisions`."""
    ranked = {cause["code"]: cause for cause in result["causes"]}
    lines = []
    for decision in decisions:
        cause = ranked.get(decision.code)
        if cause is None:
            lines.append(CauseLine(decision.code, None, [], [], decision.origin))
        else:
            lines.append(CauseLine(cause["code"], cause["score"], cause["evidence"], cause["sources"], ENGINE))
    return lines


@dataclass(frozen=True)
class NeedLine:
    path: str
    label: str
    url: str
    on_examination: bool  # a finding to examine; otherwise a question to ask the patient


def need_label(path: str) -> str:
    if path in EXAMINATION_QUESTIONS:
        return EXAMINATION_QUESTIONS[path].text
    if path in QUESTIONS:
        return QUESTIONS[path].text
    group = next((g for g in EXAMINATION_GROUPS if g.questions[0].path.startswith(f"{path}.")), None)
    if group is not None:
        return group.title
    return {"patient.date_of_birth": "Date of birth"}.get(path, path)


def need_lines(needs: list[str], intake: Intake) -> list[NeedLine]:
    """What must still be assessed before a running plan, each linked to where it is answered: the examination
    form's field, or the intake (a question to ask the patient)."""
    examination_url = reverse("intake:examination", args=[intake.patient_id, intake.pk])
    lines = []
    for path in needs:
        anchor = anchor_for(path) if path.startswith("findings.") else None
        if anchor:
            lines.append(NeedLine(path, need_label(path), f"{examination_url}#{anchor}", True))
        else:
            lines.append(NeedLine(path, need_label(path), f"{intake.get_absolute_url()}#answers-heading", False))
    return lines


@dataclass(frozen=True)
class GatesView:
    """The engine's `gates` in words and dates, for the page."""

    running_allowed: bool
    running_from: date | None
    blocked_by: list[str]
    issue_blocked_by: list[str]
    contraindications: list[str]
    impact_readiness: str
    extra_rest_day: bool
    buggy_allowed_from: date | None
    weeks_postpartum: int | None
    breastfeeding: bool
    cadence_spm: int | None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def gates_view(gates: dict) -> GatesView:
    return GatesView(
        running_allowed=gates["running_allowed"],
        running_from=_day(gates["running_allowed_from"]),
        blocked_by=[override_label(code) for code in gates["blocked_by"]],
        issue_blocked_by=[need_label(path) for path in gates.get("issue_blocked_by", [])],
        contraindications=[CONTRAINDICATIONS[code] for code in gates["contraindications"]],
        impact_readiness=gates["impact_readiness"].replace("_", " "),
        extra_rest_day=gates["extra_rest_day"],
        buggy_allowed_from=_day(gates["buggy_allowed_from"]),
        weeks_postpartum=gates["weeks_postpartum"],
        breastfeeding=gates["breastfeeding"],
        cadence_spm=gates["cadence_spm"],
    )


@dataclass(frozen=True)
class FindingLine:
    question: Question
    anchor: str
    text: str


def finding_text(question: Question, value) -> str:
    """A finding as a clinician reads it: its label, or "Not assessed" when absent."""
    if value is None:
        return NOT_ASSESSED
    if value == []:
        return question.label_for(NONE_TENDER)
    return display(question, value)


def findings_summary(findings: dict) -> list[tuple[ExamGroup, list[FindingLine]]]:
    """The findings that were assessed, group by group in the order of the form (groups with none left out)."""
    values = answer_paths(findings, "findings")
    groups = []
    for group in EXAMINATION_GROUPS:
        lines = [
            FindingLine(question, field_anchor(question.path), finding_text(question, values[question.path]))
            for question in group.questions
            if question.path in values
        ]
        if lines:
            groups.append((group, lines))
    return groups


@dataclass(frozen=True)
class ConflictLine:
    question: Question
    anchor: str
    theirs: str
    yours: str


def conflict_lines(saved: dict, typed: dict) -> list[ConflictLine]:
    """The findings where a colleague's saved examination and the physio's typed form differ."""
    theirs, yours = answer_paths(saved, "findings"), answer_paths(typed, "findings")
    lines = []
    for group in EXAMINATION_GROUPS:
        for question in group.questions:
            path = question.path
            if theirs.get(path) != yours.get(path):
                lines.append(
                    ConflictLine(
                        question,
                        field_anchor(path),
                        finding_text(question, theirs.get(path)),
                        finding_text(question, yours.get(path)),
                    )
                )
    return lines


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
    return [
        DueFollowUp(schedule, schedule.due_on(today))
        for schedule in schedules
        if (schedule.pk, schedule.due_on(today)) not in answered
    ]


def due_follow_up(patient: Patient, *, today: date) -> DueFollowUp | None:
    return next(iter(due_follow_ups(patient_ids=[patient.pk], today=today)), None)


@dataclass(frozen=True)
class FollowUpOverview:
    """The follow-up section of the patient page: the schedule running, when the next one is due, those answered."""

    schedule: FollowUpSchedule | None
    due: DueFollowUp | None
    next_due: date | None
    follow_ups: list[FollowUp]


def follow_up_overview(patient: Patient, *, today: date) -> FollowUpOverview:
    schedule = FollowUpSchedule.objects.active().filter(patient=patient).select_related("created_by__user").first()
    follow_ups = list(
        FollowUp.objects.filter(patient=patient)
        .select_related("reviewed_by__user")
        .prefetch_related("outcome_responses")
    )
    return FollowUpOverview(
        schedule=schedule,
        due=due_follow_up(patient, today=today) if schedule else None,
        next_due=schedule.next_due_after(today) if schedule else None,
        follow_ups=follow_ups,
    )


# The instruments scored 0–100 (higher is better), drawn together on one chart; the NPRS is drawn as pain.
SCORED_ON_100 = ("koos_pf", "akps")


def scores_figure_for(patient: Patient, *, chart_id: str) -> Chart | None:
    """The patient's KOOS-PF and AKPS scores over time, intake and follow-ups, with their minimal important change;
    None until there is a score."""
    responses = list(
        OutcomeResponse.objects.filter(patient=patient, instrument__in=SCORED_ON_100, value__isnull=False).order_by(
            "completed_at", "pk"
        )
    )
    if not responses:
        return None
    # One column per questionnaire (an intake or a follow-up), in the order they were answered.
    columns: dict[tuple, dict[str, float]] = {}
    for response in responses:
        key = (response.intake_id, response.follow_up_id, response.completed_at)
        columns.setdefault(key, {})[response.instrument] = response.value
    dates = tuple(f"{timezone.localdate(key[2]):%-d %b}" for key in columns)
    scores = tuple(
        Score(instrument(code).short_name, tuple(values.get(code) for values in columns.values()), instrument(code).mic)
        for code in SCORED_ON_100
        if any(code in values for values in columns.values())
    )
    return scores_figure(chart_id=chart_id, dates=dates, scores=scores)


@dataclass(frozen=True)
class Advice:
    """What the patient is told after sending answers that raised red flags (reference §8)."""

    level: str
    mental_health_crisis: bool
    body_emergency: bool


def advice_for(flags: list[dict], level: str) -> Advice:
    emergencies = {flag["code"] for flag in flags if flag["level"] == Level.EMERGENCY}
    crisis = RedFlag.PERINATAL_MENTAL_HEALTH_CRISIS
    return Advice(level, crisis in emergencies, bool(emergencies - {crisis}))


def safety_summary(safety_answers: dict) -> list[AnswerLine]:
    """A follow-up's answers to the safety questions, worded as asked."""
    return [
        AnswerLine(question, display(question, safety_answers[question.key]), True)
        for question in SAFETY_SECTION.questions
        if question.key in safety_answers
    ]
