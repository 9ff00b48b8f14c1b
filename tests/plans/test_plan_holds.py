"""Holds in the app: a pelvic floor symptom logged in the portal stops running and impact (reference §8 RF19, §7
row 13), the physio sees why on the plan page and resumes with what their review found; a plan whose safety
questions are unanswered may be drafted, not issued (§8)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from clinic.models import AuditEvent
from plans import services
from plans.models import PlanAlert, RevisionKind
from tests.plans.plan_factories import (
    PFP_INTAKE,
    day_of,
    draft_plan,
    issued_plan,
    move_to,
    postpartum_answers,
    sessions,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]


def url(name, plan):
    return reverse(f"plans:{name}", args=[plan.patient_id, plan.pk])


@pytest.fixture
def held_plan(patient, frozen):
    """After a birth; the patient logs a leak after her first run, in the portal."""
    plan = issued_plan(patient, answers=postpartum_answers(20))
    first = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(first))
    result = services.session_log_create(
        plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=2, pf_symptoms=["leak"]
    )
    assert result.light.colour == "red"
    plan.refresh_from_db()
    return plan


def test_a_logged_leak_stops_every_run_and_impact_session_ahead(held_plan):
    content = held_plan.current_revision.content
    assert held_plan.current_revision.kind == RevisionKind.AUTOMATIC
    logged = sessions(content, "run")[0]["date"]
    assert not [s for s in sessions(content) if s["date"] > logged and s["kind"] in ("run", "impact")]
    assert content["hold"]["codes"] == ["pelvic_floor_symptoms"]
    assert PlanAlert.objects.get().code == "pelvic_floor_symptoms"


def test_the_plan_page_says_running_is_on_hold_and_why(physio_client, held_plan):
    page = physio_client.get(url("detail", held_plan)).content.decode()
    assert "Running and impact are on hold since" in page
    assert "refer to a pelvic health physiotherapist" in page
    assert 'action="' + url("resume", held_plan) in page


def test_resuming_needs_the_reason_and_keeps_what_was_typed(physio_client, held_plan):
    response = physio_client.post(url("resume", held_plan), {"reason": "   "})
    assert response.status_code == 200
    assert "Write what your review found" in response.content.decode()
    held_plan.refresh_from_db()
    assert held_plan.current_revision.kind == RevisionKind.AUTOMATIC


def test_resuming_schedules_runs_again_and_reviews_the_alert(physio_client, held_plan, frozen):
    move_to(frozen, day_of(sessions(held_plan.current_revision.content, "run")[0]) + timedelta(days=5))
    response = physio_client.post(url("resume", held_plan), {"reason": "Seen by pelvic health: dry on jumping."})
    assert response.status_code == 302
    held_plan.refresh_from_db()
    revision = held_plan.current_revision
    assert revision.kind == RevisionKind.RESUMED and "Seen by pelvic health" in revision.reason
    assert "hold" not in revision.content
    assert [s for s in sessions(revision.content, "run") if day_of(s) > day_of(sessions(revision.content, "run")[0])]
    assert PlanAlert.objects.get().reviewed_at is not None
    assert AuditEvent.objects.filter(action="change", target_id=revision.pk, detail="running resumed").exists()


def test_resuming_a_plan_not_on_hold_is_refused(physio_client, patient):
    plan = issued_plan(patient)
    response = physio_client.post(url("resume", plan), {"reason": "Just in case."}, follow=True)
    assert "not on hold" in response.content.decode()


@pytest.mark.parametrize(("client_fixture", "status"), [("desk_client", 403), ("other_physio_client", 404)])
def test_resuming_is_for_the_clinics_physiotherapists(request, held_plan, client_fixture, status):
    response = request.getfixturevalue(client_fixture).post(url("resume", held_plan), {"reason": "Reviewed."})
    assert response.status_code == status
    held_plan.refresh_from_db()
    assert held_plan.current_revision.kind == RevisionKind.AUTOMATIC


def test_the_portal_tells_the_patient_running_waits_for_the_physio(patient_client, held_plan):
    page = patient_client.get(reverse("portal_plan")).content.decode()
    assert "paused until your physio has seen you" in page


def test_a_replan_by_the_physio_keeps_the_hold(physio, held_plan):
    plan = services.plan_draft_update(plan=held_plan, by=physio, expected_version=held_plan.draft_version, weeks=16)
    services.plan_issue(plan=plan, by=physio)
    plan.refresh_from_db()
    assert plan.current_revision.content["hold"]["codes"] == ["pelvic_floor_symptoms"]


# --- safety questions unanswered: drafted, not issued -----------------------------------------------------------


def test_a_plan_with_unanswered_safety_questions_is_drafted_but_not_issued(patient, physio):
    answers = {key: value for key, value in PFP_INTAKE.items() if key != "calf_pain_swelling_redness"}
    plan = draft_plan(patient, answers=answers)
    with pytest.raises(services.PlanNotIssuable) as refused:
        services.plan_issue(plan=plan, by=physio)
    assert "Safety questions are still unanswered (Is your calf painful, swollen or red?)" in refused.value.problems[0]


@pytest.mark.parametrize("page", ["draft", "issue_review"])
def test_the_draft_and_the_review_name_the_unanswered_safety_questions(physio_client, patient, page):
    """What `plan_issue` refuses, the pages say before the physio presses Issue: no loop between them."""
    answers = {key: value for key, value in PFP_INTAKE.items() if key != "calf_pain_swelling_redness"}
    plan = draft_plan(patient, answers=answers)
    html = physio_client.get(url(page, plan)).content.decode()
    assert "Safety questions are still unanswered (Is your calf painful, swollen or red?)" in html
    assert "passes every check" not in html
