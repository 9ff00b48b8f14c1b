"""What the intake pages show, built from the selectors' reads: the intake and follow-up overviews, red flags and
holds, outcome reports, the answers, the assessment's causes, needs and gates, the examination's findings; and what
intake adds to the clinic's pages (clinic.page_sections): its sections of the patient page and the order of the
physio's patient list, registered by IntakeConfig.ready()."""

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic.charts import Chart, Score, scores_figure
from clinic.models import Patient, StaffMember
from clinic.page_sections import PATIENT_PAGE, ListOrder, add_list_order, add_section
from intake.assessment.decisions import (
    CONFIRM,
    ENGINE,
    CauseDecision,
    initial_verdict,
    may_override,
    override_label,
    why_not_overridable,
)
from intake.codes import (
    CATEGORY_LABELS,
    CAUSES,
    CONTRAINDICATIONS,
    ISSUING,
    LEVEL_LABELS,
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
    FollowUp,
    FollowUpSchedule,
    Intake,
    IntakeInvite,
    OutcomeResponse,
)
from intake.questionnaire import AnswerLine, answer_paths, display, summary, visible_steps
from intake.questions import QUESTIONS, SAFETY_SECTION, Question
from intake.scoring import INSTRUMENT_CODES, Change, Instrument, change, compared_scores, instrument
from intake.selectors import DueFollowUp, due_of, latest_responses_before

INVITES_SHOWN = 5
# The instruments scored 0–100 (higher is better), drawn together on one chart; the NPRS is drawn as pain.
SCORED_ON_100 = ("koos_pf", "akps")


HOLD_LEVEL = "hold"


HOLD_STOPS = {
    RUNNING: "No running or impact, and the plan is not issued, until you record what resolves it or override it.",
    ISSUING: "The plan may be drafted but not issued until you answer these or override with your reason.",
}


def intake_section(*, patient: Patient, member: StaffMember) -> dict:
    """Invite status for all staff, the intakes themselves for physios."""
    return {"overview": intake_overview(patient), "is_physio": member.is_physio}


def follow_up_section(*, patient: Patient, member: StaffMember) -> dict | None:
    """The follow-up questionnaires: physiotherapists only (scores are clinical data)."""
    if not member.is_physio:
        return None
    return {"overview": follow_up_overview(patient, today=timezone.localdate())}


def intake_records(patient_id: int) -> list:
    """What intake_section shows, for the page cache (clinic.page_sections)."""
    return [
        IntakeInvite.objects.filter(patient=patient_id),
        Intake.objects.filter(patient=patient_id),
        Assessment.objects.filter(intake__patient=patient_id),
    ]


def intake_section_changes_at(data: dict) -> datetime | None:
    """When intake_section changes with the clock alone: the link it shows as working expires."""
    invite = data["overview"].current_invite
    return invite.expires_at if invite is not None and invite.is_usable() else None


def follow_up_records(patient_id: int) -> list:
    """What follow_up_section reads, for the page cache (clinic.page_sections)."""
    return [
        FollowUpSchedule.objects.filter(patient=patient_id),
        FollowUp.objects.filter(patient=patient_id),
        OutcomeResponse.objects.filter(patient=patient_id),
    ]


def register() -> None:
    add_section(
        PATIENT_PAGE,
        template="intake/_patient_section.html",
        data=intake_section,
        records=intake_records,
        changes_at=intake_section_changes_at,
    )
    add_section(
        PATIENT_PAGE, template="intake/_follow_up_section.html", data=follow_up_section, records=follow_up_records
    )
    # New intakes first, flagged ones by severity (Patient.intake_rank, kept by the intake's services: 0 when
    # nothing waits for review).
    add_list_order(ListOrder(order_by=("-intake_rank",), badge=waiting_intake_badge))


def waiting_intake_badge(patient: Patient) -> str:
    """Beside a patient on the clinicians' list whose intake waits for review: its red flag, or "New intake"."""
    return _waiting_intake_badge_of_level(patient.intake_flag_level) if patient.intake_rank else ""


@cache
def _waiting_intake_badge_of_level(level: str) -> str:
    # The badge depends on the flag's level alone, one of a handful: rendered once per level, not once per row.
    return render_to_string("intake/_patient_list_badge.html", {"level": level})


@dataclass(frozen=True)
class IntakeOverview:
    """The intake section of the patient page."""

    current_invite: IntakeInvite | None  # the newest link that has not been replaced
    invites: list[IntakeInvite]
    intakes: list[Intake]  # submitted, newest first
    draft: Intake | None


# What the section leaves out of the intakes it lists: the answers and the screening, read on the intake's own page.
INTAKE_CONTENT = ("answers", "patient_answers", "red_flags", "note")


def intake_overview(patient: Patient) -> IntakeOverview:
    """Three queries: the links, the intakes, their decided assessments (none with the answers or results the
    section does not show)."""
    invites = list(IntakeInvite.objects.filter(patient=patient).select_related("created_by__user")[:INVITES_SHOWN])
    current = next((invite for invite in invites if invite.revoked_at is None), None)
    decided = Assessment.objects.decided().only("intake_id", "status", "confirmed_at")
    intakes = list(
        Intake.objects.filter(patient=patient)
        .defer(*INTAKE_CONTENT)
        .select_related("entered_by__user")
        .prefetch_related(Prefetch("assessments", queryset=decided, to_attr="decided_assessments"))
        .order_by("-submitted_at", "-pk")
    )
    # A link's state reads its intake, one of the patient's read here: joining it to the links costs as much again.
    intake_of_invite = {intake.invite_id: intake for intake in intakes if intake.invite_id}
    for invite in invites:
        IntakeInvite.intake.related.set_cached_value(invite, intake_of_invite.get(invite.pk))
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


def hold_lines(holds: list[dict]) -> list[FlagLine]:
    """The holds of a result (reference §9.1 entry criteria, §8 RF22, unanswered safety questions), as flag lines
    the page shows and overrides the same way; a hold is always the physio's to lift. Unanswered questions are
    named as the forms ask them, not by their field paths."""
    return [
        FlagLine(
            code=hold["code"],
            level=HOLD_LEVEL,
            label=hold["reason"],
            reason="",
            evidence=[f"not answered: {need_label(path)}" for path in hold["questions"]]
            if hold.get("questions")
            else list(hold.get("evidence", [])),
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
    return [
        OutcomeRow(
            label,
            now,
            before,
            change(measure.code, before, now) if now is not None and before is not None else None,
        )
        for label, now, before in compared_scores(measure, response, previous)
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
        earlier = latest_responses_before(patient_id, next(iter(responses.values())).completed_at)
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
    def source_text(self) -> str:
        """Where the cause and the rules that raised it come from, each once: "Reference §7 row 1, §4.3"."""
        places = dict.fromkeys(source.removeprefix("reference ") for source in [self.info.source, *self.sources])
        return f"Reference {', '.join(places)}"

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


def _readiness_words(gates: dict, red_flags: list[dict]) -> str:
    """The impact readiness tests' outcome, saying so when the physio overrode the failed tests' red flag."""
    words = gates["impact_readiness"].replace("_", " ")
    overridden = next(
        (f for f in red_flags if f["code"] == RedFlag.FAILED_IMPACT_READINESS and f.get("overridden")), None
    )
    if words == "failed" and overridden:
        return f"failed, overridden by the physio ({overridden.get('override_reason', '')})"
    return words


def gates_view(gates: dict, red_flags: list[dict] = ()) -> GatesView:
    return GatesView(
        running_allowed=gates["running_allowed"],
        running_from=_day(gates["running_allowed_from"]),
        blocked_by=[override_label(code) for code in gates["blocked_by"]],
        issue_blocked_by=[need_label(path) for path in gates.get("issue_blocked_by", [])],
        contraindications=[CONTRAINDICATIONS[code] for code in gates["contraindications"]],
        impact_readiness=_readiness_words(gates, list(red_flags)),
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


@dataclass(frozen=True)
class FollowUpOverview:
    """The follow-up section of the patient page: the schedule running, when the next one is due, those answered."""

    schedule: FollowUpSchedule | None
    due: DueFollowUp | None
    next_due: date | None
    follow_ups: list[FollowUp]


def follow_up_overview(patient: Patient, *, today: date) -> FollowUpOverview:
    """One query for a patient who never had follow-up questionnaires; with a schedule, the questionnaires answered
    (and their scores), and the one due when the schedule runs."""
    schedules = list(FollowUpSchedule.objects.filter(patient=patient).select_related("created_by__user"))
    schedule = next((schedule for schedule in schedules if schedule.is_active), None)
    follow_ups = (
        list(
            FollowUp.objects.filter(patient=patient)
            .select_related("reviewed_by__user")
            .prefetch_related("outcome_responses")
        )
        if schedules  # follow-ups belong to a schedule
        else []
    )
    # The questionnaire due is read from the follow-ups just read (what due_follow_up would ask the database again).
    answered = {(follow_up.schedule_id, follow_up.due_on) for follow_up in follow_ups}
    return FollowUpOverview(
        schedule=schedule,
        due=due_of(schedule, answered=answered, today=today) if schedule else None,
        next_due=schedule.next_due_after(today) if schedule else None,
        follow_ups=follow_ups,
    )


def scores_figure_for(patient: Patient, *, chart_id: str, for_patient: bool = False) -> Chart | None:
    """The patient's KOOS-PF and AKPS scores over time, intake and follow-ups, with their minimal important change
    (for the patient: plain names and words); None until there is a score."""
    responses = list(
        OutcomeResponse.objects.filter(patient=patient, instrument__in=SCORED_ON_100, value__isnull=False)
        .only("intake_id", "follow_up_id", "completed_at", "instrument", "value")  # not the answers
        .order_by("completed_at", "pk")
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
        Score(
            instrument(code).plain_name if for_patient else instrument(code).short_name,
            tuple(values.get(code) for values in columns.values()),
            instrument(code).mic,
        )
        for code in SCORED_ON_100
        if any(code in values for values in columns.values())
    )
    return scores_figure(chart_id=chart_id, dates=dates, scores=scores, for_patient=for_patient)


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
