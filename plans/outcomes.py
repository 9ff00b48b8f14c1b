"""The clinic's outcomes: does the programme work? How the patients who started a plan in a period did, for the
physiotherapists (and the commissioners and insurers they report to). Everything is counted in the database, in a
fixed number of queries whatever the clinic's size; the page (`plans.outcome_views`) draws it.

What is counted (the page says it in words under "How these figures are worked out"):

- **Patients counted**: those whose *first plan* was issued in the period: the first issued revision (number 1) of
  any of their plans. Optionally only the patients of one treating physiotherapist (the patient's physio now), with
  one condition (as the assessment their first plan was built from concluded), or who had given birth or not (that
  assessment's intake: a birth in the last two years).
- **Questionnaires**: per score (KOOS-PF, AKPS, and each question of the pain scale, which has no total: reference
  §10), the patients with that score both in the intake their first plan was assessed from and in their latest
  follow-up questionnaire that asked the instrument, when it came after that intake (a pain question it left
  unanswered is not counted). *Improved* or *worsened*: by at least the instrument's minimal important change
  (`intake/measures/*.json`: KOOS-PF 16.4, Crossley 2018; AKPS 10, Crossley 2004; pain 1.16 points, Piva 2009;
  reference §3 and §10), judged as `intake.scoring.change` judges each follow-up.
- **Back to running**: a patient reached 30 minutes of continuous running (`MILESTONE_RUN_MIN`, reference §9.2) on
  the first logged run without walking breaks (walk/run level 7 or the build phase) that the plan held at 30 minutes
  or more, done as planned or reported as lasting 30 minutes or more, and not red (reference §9.3 P4: pain above
  5/10, pain rising, a limp or swelling; also the next morning). Weeks are counted from the day the first plan was
  issued to that session's day; the median is that of the patients who reached it.
- **Keeping to the plan**: sessions logged out of those planned (`PlannedSession`), over all the plans of the
  patients counted, before today, and today's once logged, as on the caseload (`plans.adherence`); an ended plan
  plans nothing from the day it ended unless logged then.
- **Red sessions per 100 runs**: logged runs marked red (reference §9.3 P4) per 100 logged runs, given for runs of
  `SMALL_GROUP` patients or more.
- **Referrals**: the assessments decided in the period (confirmed, or referred on) that referred the patient on
  (reference §8), with the same filters: the patient's physio, the assessment's condition, its intake's birth answer.
- **Small groups**: a percentage of fewer than `SMALL_GROUP` patients is not given, only the counts, so that one or
  two patients are not read as a trend.
"""

import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.db.models import Avg, Count, F, FilteredRelation, FloatField, Min, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.db.models.lookups import GreaterThanOrEqual, IsNull, LessThanOrEqual
from django.utils import timezone
from django.utils.safestring import mark_safe

from clinic.charts import Chart, DataTable, Series, bar_chart
from clinic.page_cache import cached
from intake.models import Assessment, AssessmentStatus, OutcomeResponse
from intake.scoring import NPRS_ITEM_CODES, instrument
from plans.ladder import CONTINUOUS_LEVEL
from plans.models import Plan, PlannedSession, PlanStatus, SessionLog
from plans.progression import RED
from plans.rules import MILESTONE_RUN_MIN

# Not in the reference (Runback's reporting choice): percentages of fewer patients than this are not given.
SMALL_GROUP = 5
# Scores are stored to a tenth of a point; a change judged against the minimal important change less a hundredth gets
# the verdict `intake.scoring.change` gives after rounding the change to a tenth (tests pin it at the boundaries).
ROUNDING = 0.01

POSTPARTUM, NOT_POSTPARTUM = "yes", "no"


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    physio_id: int | None = None
    condition: str = ""
    postpartum: str = ""  # "", POSTPARTUM or NOT_POSTPARTUM


@dataclass(frozen=True)
class Measure:
    """One score compared from the intake to the latest follow-up: an instrument's total, or one pain question."""

    key: str
    instrument: str
    item: str | None  # the pain question, for the pain scale, which has no total
    short: str  # under its bars
    label: str
    scale: str
    mic: float
    higher_is_better: bool

    @property
    def better_words(self) -> str:
        return "higher is better" if self.higher_is_better else "lower is better"


# The pain scale's questions (intake/measures/nprs.json) as the outcomes name them: (under the bars, in the table).
PAIN_QUESTIONS = {
    "nprs_now": ("Pain now", "Pain now"),
    "nprs_usual": ("Usual pain", "Usual pain"),
    "nprs_worst_week": ("Worst pain", "Worst pain in the last week"),
    "nprs_during_run": ("Running pain", "Pain when running"),
}


def _measures() -> tuple[Measure, ...]:
    totals = []
    for code in ("koos_pf", "akps"):
        m = instrument(code)
        label = f"{m.short_name}: {m.plain_name.lower()}"
        totals.append(Measure(code, code, None, m.short_name, label, "0–100", m.mic, m.higher_is_better))
    nprs = instrument("nprs")
    pain = [
        Measure(item, nprs.code, item, *PAIN_QUESTIONS[item], "0–10", nprs.mic, nprs.higher_is_better)
        for item in NPRS_ITEM_CODES
    ]
    return (*totals, *pain)


MEASURES = _measures()


# --- Counts and the small-group rule (pure) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """`count` out of `of`, from `patients` patients (the group a percentage would describe)."""

    count: int
    of: int
    patients: int

    @property
    def small(self) -> bool:
        return self.patients < SMALL_GROUP

    @property
    def percent(self) -> int | None:
        """The rounded percentage, or None for a small group or nothing to count."""
        if self.small or not self.of:
            return None
        return round(100 * self.count / self.of)

    def words(self) -> str:
        """ "7 of 12 (58 %)"; a small group without its percentage."""
        text = f"{self.count} of {self.of}"
        return f"{text} ({self.percent} %)" if self.percent is not None else text


@dataclass(frozen=True)
class ScoreChange:
    measure: Measure
    patients: int  # with a score at intake and at a follow-up
    at_intake: float | None  # averages over those patients
    latest: float | None
    improved: Share
    worsened: Share

    @property
    def change(self) -> float | None:
        if self.at_intake is None or self.latest is None:
            return None
        return round(self.latest - self.at_intake, 1)

    @property
    def unchanged(self) -> Share:
        count = self.patients - self.improved.count - self.worsened.count
        return Share(count, self.patients, self.patients)


@dataclass(frozen=True)
class BackToRunning:
    reached: Share  # of the patients counted
    days: tuple[int, ...]  # from the first plan to the milestone, one per patient who reached it

    @property
    def median_weeks(self) -> float | None:
        if not self.days or self.reached.small:
            return None
        return round(statistics.median(self.days) / 7, 1)

    def by_week(self) -> list[tuple[int, int]]:
        """(weeks since the first plan was issued, patients who reached the milestone in that week), every week from
        the first to the last with any, so the gaps show."""
        weeks = Counter(day // 7 for day in self.days)
        return [(week, weeks[week]) for week in range(min(weeks, default=0), max(weeks, default=-1) + 1)]


@dataclass(frozen=True)
class ClinicOutcomes:
    filters: Filters
    today: date
    patients: int  # whose first plan was issued in the period
    scores: tuple[ScoreChange, ...]
    running: BackToRunning
    sessions: Share  # logged of planned
    runs: int
    red_runs: int
    run_patients: int
    referrals: Share  # of the assessments decided in the period
    counted_at: datetime = field(compare=False)  # when, not what: two counts of the same records are equal

    @property
    def any_score_percent(self) -> bool:
        """Whether any questionnaire's group is large enough for its percentages (and so for bars on the chart)."""
        return any(change.improved.percent is not None for change in self.scores)

    @property
    def red_per_100_runs(self) -> float | None:
        if not self.runs or self.run_patients < SMALL_GROUP:
            return None
        return round(100 * self.red_runs / self.runs, 1)


# --- The queries ----------------------------------------------------------------------------------------------------


def _period(filters: Filters) -> tuple[datetime, datetime]:
    """The period as instants: from the start of its first day to the start of the day after its last, local time."""
    start = timezone.make_aware(datetime.combine(filters.start, time.min))
    end = timezone.make_aware(datetime.combine(filters.end + timedelta(days=1), time.min))
    return start, end


def first_plans(*, clinic_id: int, filters: Filters) -> QuerySet[Plan]:
    """The counted patients' first plans (one per patient): those first issued in the period that were the first
    of their patient's plans to be (`Plan.issued_at`, `Plan.first_for_patient`, kept by `plans.services`)."""
    start, end = _period(filters)
    plans = Plan.objects.filter(
        first_for_patient=True, issued_at__gte=start, issued_at__lt=end, patient__clinic_id=clinic_id
    ).order_by()
    return _chosen_by(filters, plans, patient="patient__", assessment="assessment__")


def _chosen_by(filters: Filters, rows: QuerySet, *, patient: str, assessment: str) -> QuerySet:
    """`rows` narrowed to the physio, condition and birth answer chosen; `patient` and `assessment` are the paths
    from a row to its patient and to the assessment that concluded the condition ("" for the assessment itself)."""
    if filters.physio_id is not None:
        rows = rows.filter(**{f"{patient}physio_id": filters.physio_id})
    if filters.condition:
        rows = rows.filter(**{f"{assessment}engine_result__condition": filters.condition})
    if filters.postpartum:
        after_birth = Q(**{f"{assessment}intake__postpartum_within_24m": True})
        rows = rows.filter(after_birth if filters.postpartum == POSTPARTUM else ~after_birth)
    return rows


def _score(measure: Measure, relation: str):
    """The measure's score in a response (`relation`: "" for the row's own, "latest__" for the one joined to it): the
    instrument's total, or the pain question's answer."""
    if measure.item is None:
        return F(f"{relation}value")
    return Cast(KeyTextTransform(measure.item, f"{relation}answers"), FloatField())


def milestone_logs() -> Q:
    """Logged sessions that reached the return-to-run milestone (see the module's docstring)."""
    continuous = Q(level__gte=CONTINUOUS_LEVEL, planned_run_min__gte=MILESTONE_RUN_MIN)
    done = Q(completed=True) | Q(duration_min__gte=MILESTONE_RUN_MIN)
    return continuous & done & ~Q(traffic_light=RED)


def _questionnaires(first: QuerySet[Plan]) -> dict:
    """Per score: the patients with a score at intake and a later one at follow-up, the averages of both, and those
    better or worse by at least the minimal important change (one query).

    The rows are the responses of the intakes the first plans were assessed from, each joined to the patient's
    latest follow-up response of the same instrument (`OutcomeResponse.latest_follow_up`) when that came after it:
    one row per patient and instrument with both scores side by side, which the query counts."""
    rows = (
        OutcomeResponse.objects.filter(intake_id__in=first.values("assessment__intake_id"))
        .annotate(
            latest=FilteredRelation(
                "patient__outcome_responses",
                condition=Q(
                    patient__outcome_responses__latest_follow_up=True,
                    patient__outcome_responses__instrument=F("instrument"),
                ),
            )
        )
        .filter(latest__completed_at__gt=F("completed_at"))
        .order_by()
    )
    aggregates = {}
    for measure in MEASURES:
        key, base, latest = measure.key, _score(measure, ""), _score(measure, "latest__")
        # The instrument first: PostgreSQL then skips reading the other instruments' answers.
        both = Q(instrument=measure.instrument) & Q(IsNull(base, False), IsNull(latest, False))
        aggregates |= {
            f"{key}_n": Count("pk", filter=both),
            f"{key}_avg_base": Avg(base, filter=both),
            f"{key}_avg_latest": Avg(latest, filter=both),
            f"{key}_better": Count("pk", filter=both & _moved(measure, base, latest, better=True)),
            f"{key}_worse": Count("pk", filter=both & _moved(measure, base, latest, better=False)),
        }
    return rows.aggregate(**aggregates)


def _moved(measure: Measure, base, latest, *, better: bool) -> Q:
    """The `latest` score moved from the intake's (`base`) by at least the minimal important change, the better or
    worse way."""
    step = measure.mic - ROUNDING
    if better == measure.higher_is_better:
        return Q(GreaterThanOrEqual(latest, base + step))
    return Q(LessThanOrEqual(latest, base - step))


def _days_to_milestone(plans: QuerySet[Plan]) -> tuple[int, ...]:
    """For each patient of `plans` who reached the milestone, the days from their first plan's issue (the earliest
    `issued_at` of their plans) to the first session that reached it (one query; one number per patient)."""
    reached = (
        plans.values("patient_id")
        .annotate(on=Min("milestone_on"), issued=Min("issued_at"))
        .filter(on__isnull=False)
        .annotate(days=F("on") - TruncDate("issued"))
    )
    return tuple(sorted(row.days for row in reached.values_list("days", flat=True)))


def clinic_outcomes(*, clinic_id: int, filters: Filters, today: date) -> ClinicOutcomes:
    """The clinic's outcomes for `filters` (see the module's docstring), in six queries whatever the clinic's size.

    The sessions come from what `plans.services` keeps on each plan (`Plan.sessions_planned` to
    `Plan.milestone_on`), one row per plan; only the plans still issued are read further, for their sessions planned
    before today (the rest of their schedule is still to come)."""
    first = first_plans(clinic_id=clinic_id, filters=filters)
    # All the issued plans of the patients counted (their sessions count from their first plan on).
    plans = Plan.objects.filter(patient_id__in=first.values("patient_id"), issued_at__isnull=False).order_by()
    totals = plans.aggregate(
        patients=Count("patient_id", distinct=True),
        logged=Coalesce(Sum("sessions_logged"), 0),
        runs=Coalesce(Sum("runs_logged"), 0),
        red=Coalesce(Sum("red_runs"), 0),
        run_patients=Count("patient_id", distinct=True, filter=Q(runs_logged__gt=0)),
        # An ended plan plans nothing from the day it ended unless logged then (so nothing after today).
        ended_planned=Coalesce(Sum("sessions_planned", filter=~Q(status=PlanStatus.ISSUED)), 0),
    )
    # Sessions due on the plans still followed: those planned before today, and today's once logged
    # (plans.adherence). Every logged day is a planned one (PlannedSession).
    following = plans.filter(status=PlanStatus.ISSUED)
    planned = PlannedSession.objects.filter(plan__in=following, day__lt=today).count()
    logged_today = SessionLog.objects.filter(plan__in=following, session_date__gte=today).count()
    scores = _questionnaires(first)
    days = _days_to_milestone(plans)
    referrals = _assessments(clinic_id=clinic_id, filters=filters).aggregate(
        decided=Count("pk"),
        referred=Count("pk", filter=Q(status=AssessmentStatus.REFERRED)),
        patients=Count("intake__patient_id", distinct=True),
    )
    counted = totals["patients"]
    changes = []
    for measure in MEASURES:
        key, n = measure.key, scores[f"{measure.key}_n"]
        changes.append(
            ScoreChange(
                measure=measure,
                patients=n,
                at_intake=_rounded(scores[f"{key}_avg_base"]),
                latest=_rounded(scores[f"{key}_avg_latest"]),
                improved=Share(scores[f"{key}_better"], n, n),
                worsened=Share(scores[f"{key}_worse"], n, n),
            )
        )
    return ClinicOutcomes(
        filters=filters,
        today=today,
        patients=counted,
        scores=tuple(changes),
        running=BackToRunning(Share(len(days), counted, counted), days),
        sessions=Share(totals["logged"], totals["ended_planned"] + planned + logged_today, counted),
        runs=totals["runs"],
        red_runs=totals["red"],
        run_patients=totals["run_patients"],
        referrals=Share(referrals["referred"], referrals["decided"], referrals["patients"]),
        counted_at=timezone.now(),
    )


def recent_clinic_outcomes(*, clinic_id: int, filters: Filters, today: date, now: datetime) -> ClinicOutcomes:
    """The clinic's outcomes as `clinic_outcomes` counted them at most `OUTCOMES_RECOUNT_MINUTES` ago.

    A report over months of a clinic's records does not change by the minute, and counting it reads every plan of the
    period (some 150 ms at 20,000 patients): the figures are kept in the page cache for each clinic and filters and
    counted again in each new window of that many minutes, so physios opening or downloading them in the meantime get
    them at once, and the page says when they were counted."""
    seconds = settings.OUTCOMES_RECOUNT_MINUTES * 60
    key = {"clinic": clinic_id, "filters": asdict(filters), "today": today, "window": int(now.timestamp()) // seconds}
    count = partial(clinic_outcomes, clinic_id=clinic_id, filters=filters, today=today)
    return cached("clinic-outcomes", key, count, seconds=seconds)


def _assessments(*, clinic_id: int, filters: Filters) -> QuerySet[Assessment]:
    start, end = _period(filters)
    assessments = Assessment.objects.decided().filter(
        intake__patient__clinic_id=clinic_id, confirmed_at__gte=start, confirmed_at__lt=end
    )
    return _chosen_by(filters, assessments, patient="intake__patient__", assessment="").order_by()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- The page's figures and the table to download --------------------------------------------------------------------

PERCENT = (100, [0, 20, 40, 60, 80, 100])
SCORES_TITLE = "Better or worse by at least the minimal important change, intake to latest follow-up"
WEEKS_TITLE = f"Weeks from the first plan to {MILESTONE_RUN_MIN} minutes' running without stopping"


def _number(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:g}{unit}"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+g}" if value else "0"


def _share_words(share: Share) -> str:
    if share.percent is not None or not share.of:
        return share.words()
    return f"{share.words()} (too few for a percentage)"


def scores_figure(outcomes: ClinicOutcomes) -> Chart:
    """The shares of patients better and worse by at least the minimal important change, each score a group of bars
    (none where too few patients have both scores), and the numbers behind them as a table."""
    scores = outcomes.scores
    series = (
        Series("Better", tuple(change.improved.percent for change in scores)),
        Series("Worse", tuple(change.worsened.percent for change in scores)),
    )
    desc = "; ".join(
        f"{change.measure.short}: {change.improved.words()} patients better, {change.worsened.words()} worse"
        if change.patients
        else f"{change.measure.short}: no patient with both scores"
        for change in scores
    )
    svg = bar_chart(
        chart_id="outcome-scores",
        title=SCORES_TITLE,
        desc=f"{desc}. Percentages only for groups of {SMALL_GROUP} patients or more.",
        x_labels=tuple(change.measure.short for change in scores),
        series=series,
        y_label="% of patients",
        scale=PERCENT,
    )
    headings = (
        "Score",
        "Patients (n)",
        "Average at intake",
        "Average at the latest follow-up",
        "Change",
        "Minimal important change",
        "Better by at least that",
        "Worse by at least that",
    )
    rows = tuple(
        (
            f"{change.measure.label} ({change.measure.scale}, {change.measure.better_words})",
            str(change.patients),
            _number(change.at_intake),
            _number(change.latest),
            _signed(change.change),
            _number(change.measure.mic),
            _share_words(change.improved) if change.patients else "—",
            _share_words(change.worsened) if change.patients else "—",
        )
        for change in scores
    )
    return _figure(svg, DataTable(SCORES_TITLE, headings, rows))


def weeks_figure(outcomes: ClinicOutcomes) -> Chart:
    """How many patients first ran the milestone in each week after their first plan was issued, and the table."""
    running = outcomes.running
    weeks = running.by_week()
    median = running.median_weeks
    desc = f"{running.reached.words()} patients ran {MILESTONE_RUN_MIN} minutes without stopping" + (
        f", a median of {median:g} weeks after their first plan was issued." if median is not None else "."
    )
    svg = bar_chart(
        chart_id="outcome-weeks",
        title=WEEKS_TITLE,
        desc=desc,
        x_labels=tuple(f"{week} weeks" for week, _ in weeks),
        series=(Series("Patients", tuple(count for _, count in weeks)),),
        y_label="Patients",
    )
    rows = tuple((str(week), str(count)) for week, count in weeks)
    return _figure(svg, DataTable(WEEKS_TITLE, ("Full weeks since the first plan", "Patients"), rows))


def _figure(svg: str, table: DataTable) -> Chart:
    # bar_chart escapes every text it draws and writes only numbers into attributes.
    return Chart(mark_safe(svg), table)  # noqa: S308


CSV_HEADINGS = ("Section", "Figure", "Patients (n)", "Count", "Out of", "Percent", "Value")


def csv_rows(outcomes: ClinicOutcomes, *, filters: dict[str, str]) -> list[tuple]:
    """The aggregated table to download: counts and averages only, never a name; `filters` are the choices in words
    (the physiotherapist by staff number)."""
    rows: list[tuple] = [
        ("Period", "From", "", "", "", "", outcomes.filters.start.isoformat()),
        ("Period", "To", "", "", "", "", outcomes.filters.end.isoformat()),
        ("Period", "Counted on", "", "", "", "", outcomes.today.isoformat()),
        *(("Filter", name, "", "", "", "", value) for name, value in filters.items()),
        ("Patients", "First plan issued in the period", outcomes.patients, "", "", "", ""),
    ]
    for change in outcomes.scores:
        label, n = change.measure.label, change.patients
        rows += [
            ("Questionnaires", f"{label}: average at intake", n, "", "", "", _csv_number(change.at_intake)),
            ("Questionnaires", f"{label}: average at the latest follow-up", n, "", "", "", _csv_number(change.latest)),
            _share_row("Questionnaires", f"{label}: better by at least {change.measure.mic:g}", change.improved),
            _share_row("Questionnaires", f"{label}: worse by at least {change.measure.mic:g}", change.worsened),
        ]
    running = outcomes.running
    rows += [
        _share_row("Back to running", f"Ran {MILESTONE_RUN_MIN} minutes without stopping", running.reached),
        (
            "Back to running",
            "Median weeks from the first plan",
            running.reached.count,
            "",
            "",
            "",
            _csv_number(running.median_weeks),
        ),
        *(
            ("Back to running", f"Reached it {week} full weeks after the first plan", "", count, "", "", "")
            for week, count in running.by_week()
        ),
        _share_row("Sessions", "Logged out of those planned", outcomes.sessions),
        ("Sessions", "Runs logged", outcomes.run_patients, outcomes.runs, "", "", ""),
        (
            "Sessions",
            "Red runs per 100 runs",
            outcomes.run_patients,
            outcomes.red_runs,
            outcomes.runs,
            "",
            _csv_number(outcomes.red_per_100_runs),
        ),
        _share_row("Referrals", "Assessments that referred the patient on", outcomes.referrals),
    ]
    return rows


def _share_row(section: str, figure: str, share: Share) -> tuple:
    percent = "" if share.percent is None else share.percent
    return (section, figure, share.patients, share.count, share.of, percent, "")


def _csv_number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
