"""Sessions not logged, in the app: the nightly catch-up (plans.services.missed_sessions_catch_up) makes a revision
of its own once per missed session, the physio sees why and logs the sessions the patient did rather than undo it,
and a late log moves the plan on from what the patient reports."""

from datetime import timedelta

import pytest
from django.urls import reverse

from plans import services, tasks
from plans.models import PlanStatus, RevisionKind
from tests.plans.plan_factories import RUNNER_INTAKE, day_of, draft_plan, issued_plan, move_to, sessions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]


def levels(plan, *, after):
    return [s["run"]["level"] for s in sessions(plan.current_revision.content, "run") if day_of(s) > after]


@pytest.fixture
def runner(patient):
    """A runner whose plan runs from its second day, at the level the intake supports."""
    return issued_plan(patient, answers=RUNNER_INTAKE)


@pytest.fixture
def first_run_missed(runner, frozen):
    """The first run was never logged, and the day after it has passed."""
    first = sessions(runner.current_revision.content, "run")[0]
    move_to(frozen, day_of(first) + timedelta(days=2))
    return runner, first


def test_a_missed_run_is_caught_up_once_in_a_revision_of_its_own(first_run_missed):
    plan, first = first_run_missed
    planned = levels(plan, after=day_of(first))

    assert services.missed_sessions_catch_up() == 1
    assert services.missed_sessions_catch_up() == 0  # the same day again: nothing more

    plan.refresh_from_db()
    revision = plan.current_revision
    assert (revision.kind, revision.number, revision.created_by) == (RevisionKind.MISSED, 2, None)
    assert revision.log is None and "was not logged" in revision.reason
    caught_up = levels(plan, after=day_of(first))
    assert caught_up != planned and caught_up[:2] == [first["run"]["level"]] * 2


def test_the_nightly_task_runs_after_midnight_and_counts_the_plans_changed(settings, first_run_missed):
    entry = settings.CELERY_BEAT_SCHEDULE["plans.catch_up_missed_sessions"]
    assert entry["task"] == tasks.catch_up_missed_sessions_task.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {30})
    assert tasks.catch_up_missed_sessions_task.apply().get() == 1


def test_plans_not_issued_or_ended_are_left_alone(patient, first_run_missed):
    plan, _ = first_run_missed
    services.plan_end(plan=plan, by=patient.physio)
    draft_plan(patient, answers=RUNNER_INTAKE)
    assert services.missed_sessions_catch_up() == 0


def test_the_physio_sees_why_and_is_told_to_log_what_the_patient_did(physio_client, first_run_missed):
    plan, _ = first_run_missed
    services.missed_sessions_catch_up()
    page = physio_client.get(reverse("plans:detail", args=[plan.patient_id, plan.pk])).content.decode()
    assert "was not logged: not counted as done" in page
    assert "If the patient did a session that was not logged, log it" in page
    assert reverse("plans:revision_undo", args=[plan.patient_id, plan.pk, 2]) not in page


def test_undoing_the_catch_up_is_refused_with_what_to_do_instead(physio_client, first_run_missed):
    plan, _ = first_run_missed
    services.missed_sessions_catch_up()
    undo = reverse("plans:revision_undo", args=[plan.patient_id, plan.pk, 2])
    page = physio_client.post(undo, follow=True).content.decode()
    assert "if the patient did them, log them" in page
    plan.refresh_from_db()
    assert plan.current_revision.number == 2


def test_logging_the_missed_run_late_moves_the_plan_on_from_what_was_reported(patient, first_run_missed):
    plan, first = first_run_missed
    planned = levels(plan, after=day_of(first))
    services.missed_sessions_catch_up()

    services.session_log_create(
        plan=plan,
        by=patient.user,
        session_date=day_of(first),
        pain_during_max=1,
        next_morning_pain=0,
        next_morning_stiffness=0,
    )

    plan.refresh_from_db()
    assert plan.current_revision.kind == RevisionKind.AUTOMATIC
    assert levels(plan, after=day_of(first)) == planned
    assert plan.status == PlanStatus.ISSUED


def test_a_plan_edited_and_issued_again_does_not_count_the_missed_run(patient, first_run_missed):
    plan, first = first_run_missed  # before the nightly catch-up
    plan = services.plan_draft_update(
        plan=plan, by=patient.physio, expected_version=plan.draft_version, weeks=plan.weeks + 1
    )
    services.plan_issue(plan=plan, by=patient.physio)
    plan.refresh_from_db()
    assert plan.current_revision.kind == RevisionKind.ISSUED
    assert levels(plan, after=day_of(first))[:2] == [first["run"]["level"]] * 2


def test_one_plan_that_fails_does_not_stop_the_others(monkeypatch, patient, other_patient, frozen, caplog):
    plans = [issued_plan(someone, answers=RUNNER_INTAKE) for someone in (patient, other_patient)]
    first = sessions(plans[0].current_revision.content, "run")[0]
    move_to(frozen, day_of(first) + timedelta(days=2))
    real = services.catch_up_missed
    calls = []

    def failing_first(content, **kwargs):
        calls.append(content)
        if len(calls) == 1:
            raise ValueError("a plan it cannot read")
        return real(content, **kwargs)

    monkeypatch.setattr(services, "catch_up_missed", failing_first)
    assert services.missed_sessions_catch_up() == 1
    assert "Catching up the missed sessions of plan" in caplog.text


def test_the_dates_the_patient_follows_are_the_issued_ones_not_a_draft_edited_since(patient, first_run_missed):
    plan, _ = first_run_missed
    later = plan.current_revision.start + timedelta(weeks=3)
    services.plan_draft_update(plan=plan, by=patient.physio, expected_version=plan.draft_version, start=later)
    assert services.missed_sessions_catch_up() == 1
