"""The physio's caseload: patients following an issued plan, how they keep to it and what needs attention. Each
read costs a fixed number of queries whatever the caseload's size."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from clinic.access import patients_for_staff
from clinic.models import Patient, StaffMember
from clinic.selectors import SCOPE_MINE
from intake.assessment.rules import STRENGTH_TESTS
from intake.codes import LEVEL_SEVERITY, Hold, Level
from intake.models import Assessment, FollowUp, Intake
from plans.adherence import (
    ALERT_ORDER,
    RECENT_DAYS,
    Adherence,
    Alert,
    adherence,
    caseload_alerts,
    planned_days,
    trend,
)
from plans.models import Plan, PlanAlert, PlanStatus, SessionLog


@dataclass(frozen=True)
class CaseloadRow:
    """One patient on the physio's caseload: how they keep to their plan and what needs attention."""

    patient: Patient
    plan: Plan
    recent: Adherence  # the last RECENT_DAYS days
    overall: Adherence
    last_log: date | None
    trend: list[tuple[date, str]]  # the last few traffic lights, oldest first
    alerts: list[Alert]


def _most_pressing(levels: list[str]) -> str:
    return max(levels, key=lambda level: LEVEL_SEVERITY[Level(level)], default="")


def caseload_for_staff(*, member: StaffMember, scope: str = SCOPE_MINE, today: date) -> list[CaseloadRow]:
    """Patients following an issued plan (the member's own, or the whole clinic's), those needing attention first
    (by their most pressing alert), then the least adherent. Five queries whatever the caseload's size."""
    plans = Plan.objects.filter(status=PlanStatus.ISSUED, patient__in=patients_for_staff(member)).select_related(
        "patient__physio__user", "current_revision", "assessment"
    )
    if scope == SCOPE_MINE:
        plans = plans.filter(patient__physio=member)
    plans = list(plans)
    patient_ids = [plan.patient_id for plan in plans]
    lights: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for plan_id, day, light in SessionLog.objects.filter(plan__in=plans).values_list(
        "plan_id", "session_date", "traffic_light"
    ):
        lights[plan_id].append((day, light))
    open_alerts: dict[int, list[str]] = defaultdict(list)
    for plan_id, code in PlanAlert.objects.filter(plan__in=plans, reviewed_at__isnull=True).values_list(
        "plan_id", "code"
    ):
        open_alerts[plan_id].append(code)
    flags: dict[int, list[str]] = defaultdict(list)
    worsened: dict[int, list[str]] = defaultdict(list)
    unreviewed = {"patient_id__in": patient_ids, "reviewed_at__isnull": True}
    for patient_id, level in (
        Intake.objects.filter(**unreviewed).exclude(flag_level="").values_list("patient_id", "flag_level")
    ):
        flags[patient_id].append(level)
    for patient_id, level, scores in FollowUp.objects.filter(**unreviewed).values_list(
        "patient_id", "flag_level", "worsened"
    ):
        if level:
            flags[patient_id].append(level)
        worsened[patient_id] += [score for score in scores if score not in worsened[patient_id]]
    rows = []
    for plan in plans:
        content = plan.current_revision.content
        planned = planned_days(content)
        logged = {day for day, _ in lights[plan.pk]}
        rows.append(
            CaseloadRow(
                patient=plan.patient,
                plan=plan,
                recent=adherence(planned, logged, today=today, since=today - timedelta(days=RECENT_DAYS - 1)),
                overall=adherence(planned, logged, today=today),
                last_log=max(logged, default=None),
                trend=trend(lights[plan.pk]),
                alerts=caseload_alerts(
                    planned=planned,
                    lights=lights[plan.pk],
                    today=today,
                    start=date.fromisoformat(content["start"]),
                    red_flag_level=_most_pressing(flags[plan.patient_id]),
                    worsened=worsened[plan.patient_id],
                    open_alert_codes=open_alerts[plan.pk],
                    strength_untested=runs_without_strength_tests(plan.assessment),
                ),
            )
        )
    return sorted(rows, key=_caseload_order)


def runs_without_strength_tests(assessment: Assessment) -> bool:
    """After a birth, running allowed although the four strength tests (reference §9.1, §1.3) were never recorded
    and the physio gave no reason to go on without them: an assessment made before its rules held running back for
    them (engine 2026.12.8), which the physio should examine and assess again."""
    if assessment.gates.get("weeks_postpartum") is None or not assessment.gates.get("running_allowed"):
        return False
    if Hold.STRENGTH_TESTS_NOT_RECORDED in assessment.overrides:
        return False
    return any(assessment.findings.get(field) in (None, "not_done") for field in STRENGTH_TESTS)


def _caseload_order(row: CaseloadRow):
    first = min((ALERT_ORDER.index(alert.code) for alert in row.alerts), default=len(ALERT_ORDER))
    percent = row.recent.percent if row.recent.percent is not None else 101
    return (first, -len(row.alerts), percent, row.patient.last_name, row.patient.first_name, row.patient.pk)
