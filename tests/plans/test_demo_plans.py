"""The demo clinic's plans: Emma two weeks into an issued plan with logged sessions, Laura's issued plan after a
birth, Tom's draft; all through the services, and seeding twice adds nothing."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinic.models import PatientStatus
from plans.building import plan_built_from
from plans.invariants import request_violations
from plans.models import Plan, PlanRevision, PlanStatus, SessionLog

pytestmark = pytest.mark.django_db


def test_demo_emma_is_two_weeks_into_her_issued_plan_with_logged_sessions(demo):
    plan = Plan.objects.get(patient__first_name="Emma")
    today = timezone.localdate()
    assert (plan.status, plan.start) == (PlanStatus.ISSUED, today - timedelta(days=16))
    assert plan.patient.status == PatientStatus.ON_PLAN
    lights = list(plan.logs.values_list("traffic_light", flat=True))
    assert len(lights) == 6 and lights.count("amber") == 1 and set(lights) == {"green", "amber"}
    assert all(log.session_date < today and log.logged_for_patient_by_staff for log in plan.logs.all())
    assert plan.logs.filter(level__isnull=False).exists()  # a run among them: the chart shows minutes done
    automatic = plan.revisions.get(kind="automatic")
    assert automatic.log.traffic_light == "amber" and plan.current_revision == automatic


def test_demo_laura_has_an_issued_plan_after_her_birth(demo):
    plan = Plan.objects.get(patient__first_name="Laura")
    assert plan.status == PlanStatus.ISSUED and plan.assessment.gates["weeks_postpartum"] == 20
    assert "PFMT" in plan.current_revision.content["exercise_categories"]
    content, request, library = plan_built_from(plan=plan, inputs=plan.inputs(), today=timezone.localdate())
    assert request_violations(content, request, library) == []


def test_demo_tom_has_a_draft(demo):
    plan = Plan.objects.get(patient__first_name="Tom")
    assert plan.status == PlanStatus.DRAFT and plan.current_revision is None


def test_demo_seeding_twice_adds_no_plan(demo, settings):
    settings.DEBUG = True
    counts = [model.objects.count() for model in (Plan, PlanRevision, SessionLog)]
    call_command("seed_demo", stdout=None)
    assert [model.objects.count() for model in (Plan, PlanRevision, SessionLog)] == counts
