"""The physio's caseload: patients on a plan with their adherence, last log and recent lights, those needing
attention first, in the same number of queries whatever the caseload's size."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import PatientStatus
from intake.models import FollowUp, FollowUpSchedule
from plans import services
from plans.caseload import runs_without_strength_tests
from plans.models import Plan, PlanAlert, PlanRevision, PlanStatus, RevisionKind, SessionLog
from tests.factories import PortalPatientFactory
from tests.intake.factories import SubmittedIntakeFactory
from tests.plans.plan_factories import (
    RUNNER_INTAKE,
    TODAY,
    confirmed_assessment,
    issued_plan,
    move_to,
    postpartum_answers,
    sessions,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]


@pytest.fixture
def template_plan(patient):
    """One real issued plan whose schedule the other patients of a test share (building each is slow)."""
    return issued_plan(patient, answers=RUNNER_INTAKE)


def plan_like(template: Plan, patient) -> Plan:
    plan = Plan.objects.create(
        patient=patient,
        assessment=template.assessment,
        status=PlanStatus.DRAFT,  # issued below, once it has its revision
        created_by=template.created_by,
        start=template.start,
        weeks=template.weeks,
        content=template.content,
        draft_saved_by=template.draft_saved_by,
        issued_draft_version=1,
        current_revision=None,
    )
    revision = PlanRevision.objects.create(
        plan=plan,
        number=1,
        kind=RevisionKind.ISSUED,
        content=template.current_revision.content,
        inputs=template.current_revision.inputs,
        reason="Issued",
        builder_version="test",
    )
    plan.current_revision, plan.status = revision, PlanStatus.ISSUED
    plan.save(update_fields=["current_revision", "status"])
    patient.status = PatientStatus.ON_PLAN
    patient.save(update_fields=["status"])
    return plan


def logged(plan: Plan, *lights: str) -> None:
    """Log the plan's first sessions with these lights."""
    days = [s["date"] for s in sessions(plan.current_revision.content) if s["kind"] != "rest"]
    for day, light in zip(days, lights, strict=False):
        SessionLog.objects.create(
            plan=plan, revision=plan.current_revision, session_date=day, pain_during_max=1, traffic_light=light
        )


def rows(client, **params):
    response = client.get(reverse("plans:caseload"), params)
    assert response.status_code == 200
    return response.context["rows"]


def test_caseload_lists_the_physios_patients_on_a_plan_with_adherence(physio_client, template_plan, frozen):
    logged(template_plan, "green", "green")
    move_to(frozen, TODAY + timedelta(days=4))
    [row] = rows(physio_client)
    assert row.patient == template_plan.patient and row.plan == template_plan
    assert (row.overall.logged, row.overall.planned) == (2, 4)
    assert row.last_log == TODAY + timedelta(days=1)
    assert row.trend == [(TODAY, "green"), (TODAY + timedelta(days=1), "green")]


def test_patients_needing_attention_come_first(physio_client, physio, clinic, template_plan, frozen):
    steady = plan_like(template_plan, PortalPatientFactory(clinic=clinic, physio=physio, last_name="Aardvark"))
    reds = plan_like(template_plan, PortalPatientFactory(clinic=clinic, physio=physio, last_name="Zed"))
    logged(template_plan, "green")  # the cast's patient: logged once of four
    logged(steady, "green", "green", "green", "green")
    logged(reds, "red", "green", "red", "green")
    move_to(frozen, TODAY + timedelta(days=4))
    order = rows(physio_client)
    assert [row.patient for row in order] == [reds.patient, template_plan.patient, steady.patient]
    assert [alert.code for alert in order[0].alerts] == ["two_reds"]


def test_a_red_flag_on_a_questionnaire_not_yet_reviewed_comes_first(physio_client, patient, template_plan):
    SubmittedIntakeFactory(patient=patient, flag_level="urgent", red_flags=[{"code": "x", "level": "urgent"}])
    [row] = rows(physio_client)
    assert [(alert.code, alert.text) for alert in row.alerts] == [("red_flag", "Red flag to review: urgent")]


def test_a_questionnaire_worse_by_the_minimal_important_change_alerts_until_reviewed(
    physio_client, patient, physio, template_plan
):
    schedule = FollowUpSchedule.objects.create(
        patient=patient, created_by=physio, instruments=["akps"], every_weeks=2, start=TODAY
    )
    follow_up = FollowUp.objects.create(schedule=schedule, patient=patient, due_on=TODAY, worsened=["AKPS"])
    [row] = rows(physio_client)
    assert [(alert.code, alert.text) for alert in row.alerts] == [
        ("worsened", "Questionnaire worse by at least the minimal important change: AKPS")
    ]
    follow_up.reviewed_at = timezone.now()
    follow_up.save()
    [row] = rows(physio_client)
    assert row.alerts == []


def test_pelvic_floor_symptoms_logged_and_not_reviewed_alert(physio_client, template_plan):
    logged(template_plan, "red")
    PlanAlert.objects.create(
        plan=template_plan, log=SessionLog.objects.get(), code="pelvic_floor_symptoms", rule="RF19", reason="PF"
    )
    [row] = rows(physio_client)
    assert "pelvic_floor" in [alert.code for alert in row.alerts]


def test_a_missed_week_alerts(physio_client, template_plan, frozen):
    move_to(frozen, TODAY + timedelta(days=9))
    [row] = rows(physio_client)
    assert [alert.code for alert in row.alerts] == ["missed_week"]
    assert "Nothing logged for 9 days" in physio_client.get(reverse("plans:caseload")).content.decode()


def test_by_default_only_the_physios_own_patients_the_clinic_on_request(
    physio_client, template_plan, clinic, colleague_physio, other_physio
):
    theirs = plan_like(template_plan, PortalPatientFactory(clinic=clinic, physio=colleague_physio))
    foreign = plan_like(template_plan, PortalPatientFactory(clinic=other_physio.clinic, physio=other_physio))
    assert [row.patient for row in rows(physio_client)] == [template_plan.patient]
    whole = [row.patient for row in rows(physio_client, scope="clinic")]
    assert theirs.patient in whole and template_plan.patient in whole and foreign.patient not in whole


def test_the_trend_is_drawn_as_labelled_markers(physio_client, template_plan):
    logged(template_plan, "green", "amber", "red")
    html = physio_client.get(reverse("plans:caseload")).content.decode()
    assert 'aria-label="Last 3 traffic lights, oldest first"' in html
    assert 'class="caseload-light caseload-light-red" role="img" aria-label="' in html
    assert reverse("plans:detail", args=[template_plan.patient_id, template_plan.pk]) in html


@pytest.mark.parametrize("scope", ["mine", "clinic"])
@pytest.mark.parametrize("count", [1, 20])
def test_caseload_query_count_is_fixed(
    physio_client, physio, colleague_physio, clinic, template_plan, django_assert_num_queries, count, scope
):
    for number in range(count - 1):
        treating = physio if scope == "mine" or number % 2 else colleague_physio
        plan = plan_like(template_plan, PortalPatientFactory(clinic=clinic, physio=treating))
        logged(plan, "green", "amber")
        PlanAlert.objects.create(plan=plan, log=plan.logs.first(), code="two_reds_in_14_days", rule="P5", reason="x")
    logged(template_plan, "green")
    # Session, user and role; the request's savepoint and its release; plans, logs, alerts, intake and follow-up flags;
    # the unread messages (the portal's badges).
    with django_assert_num_queries(11):
        response = physio_client.get(reverse("plans:caseload"), {"scope": scope})
    assert len(response.context["rows"]) == count


@pytest.mark.parametrize(("role", "status"), [("front_desk", 403), ("patient", 403)])
def test_caseload_is_for_physiotherapists_only(as_role, role, status):
    assert as_role(role).get(reverse("plans:caseload")).status_code == status


def assessed_before_the_strength_hold(patient, **fields):
    """After a birth, the strength tests not recorded, and running allowed as engine 2026.12.7 allowed it."""
    examined = confirmed_assessment(patient, answers=postpartum_answers(20))  # the tests recorded: running allowed
    untested = {"pelvic_floor_check": "pass"}
    return confirmed_assessment(
        patient, answers=postpartum_answers(20), findings=untested, engine_result=examined.engine_result, **fields
    )


def test_running_after_a_birth_without_the_strength_tests_alerts(physio_client, patient):
    """Assessed before the rules held running back for them (reference §9.1, §1.3): examine again."""
    plan, _ = services.plan_create(assessment=assessed_before_the_strength_hold(patient), by=patient.physio)
    services.plan_issue(plan=plan, by=patient.physio)
    [row] = rows(physio_client)
    assert [alert.code for alert in row.alerts] == ["strength_untested"]
    assert "strength tests not recorded" in physio_client.get(reverse("plans:caseload")).content.decode()


def test_no_strength_alert_once_the_tests_are_recorded_or_the_physio_gave_a_reason(patient):
    assert runs_without_strength_tests(assessed_before_the_strength_hold(patient))
    assert not runs_without_strength_tests(confirmed_assessment(patient, answers=postpartum_answers(20)))
    reason = {"strength_tests_not_recorded": "Tested last week at the gym clinic: all above 20."}
    assert not runs_without_strength_tests(assessed_before_the_strength_hold(patient, overrides=reason))
