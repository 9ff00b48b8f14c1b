"""The next-morning answers added to a logged session: the light checked again, the schedule re-planned when it
turns red, and the service's refusals (reference §9.3: evaluate after each session and the next morning)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from plans import services
from plans.models import RevisionKind, SessionLog
from tests.plans.plan_factories import RUNNER_INTAKE, day_of, issued_plan, move_to, sessions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]


@pytest.fixture
def logged_run(patient, frozen):
    """A runner's first run, logged green on the evening of the day by the patient, without the morning answers."""
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    first = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(first))
    result = services.session_log_create(plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=2)
    assert result.light.colour == "green" and result.light.awaiting_next_morning
    plan.refresh_from_db()
    return result.log


def next_morning(log, pain, stiffness):
    return services.session_log_next_morning(
        plan=log.plan, log=log, by=log.plan.patient.user, next_morning_pain=pain, next_morning_stiffness=stiffness
    )


def test_next_morning_no_worse_than_usual_stays_green_and_changes_nothing(logged_run, frozen):
    move_to(frozen, logged_run.session_date + timedelta(days=1))
    result = next_morning(logged_run, 1, 1)  # the intake: pain now 1, usually 2
    stored = SessionLog.objects.get()
    assert (stored.next_morning_pain, stored.next_morning_stiffness, stored.traffic_light) == (1, 1, "green")
    assert result.revision is None and result.changes == []
    assert "Tomorrow morning" not in stored.light_advice  # nothing is awaited any more


def test_next_morning_worse_than_usual_turns_red_and_re_plans(logged_run, frozen):
    plan = logged_run.plan
    second = sessions(plan.current_revision.content, "run")[1]
    move_to(frozen, logged_run.session_date + timedelta(days=1))
    result = next_morning(logged_run, 3, 1)
    plan.refresh_from_db()
    assert result.light.colour == "red" and SessionLog.objects.get().traffic_light == "red"
    assert "next-morning pain 3/10, above the usual 1/10" in result.light.reasons[0]
    revision = plan.current_revision
    assert (revision.kind, revision.log, result.revision) == (RevisionKind.AUTOMATIC, logged_run, revision)
    assert revision.changes[0]["date"] == second["date"] and revision.changes[0]["change"] == "skipped"


def test_next_morning_refused_before_the_morning_after(logged_run):
    with pytest.raises(services.PlanRefused, match="has not come yet"):
        next_morning(logged_run, 1, 1)
    assert SessionLog.objects.get().next_morning_pain is None


def test_next_morning_refused_when_already_answered(logged_run, frozen):
    move_to(frozen, logged_run.session_date + timedelta(days=1))
    next_morning(logged_run, 1, 1)
    with pytest.raises(services.PlanRefused, match="already recorded"):
        next_morning(SessionLog.objects.get(), 5, 5)
    assert SessionLog.objects.get().next_morning_pain == 1


def test_next_morning_refused_for_a_plan_no_longer_issued(logged_run, frozen, physio):
    services.plan_end(plan=logged_run.plan, by=physio)
    move_to(frozen, logged_run.session_date + timedelta(days=1))
    with pytest.raises(services.PlanRefused, match="has ended"):
        next_morning(logged_run, 1, 1)


def test_next_morning_refused_for_a_log_of_another_plan(logged_run, frozen, other_patient):
    other = issued_plan(other_patient, answers=RUNNER_INTAKE)
    move_to(frozen, logged_run.session_date + timedelta(days=1))
    with pytest.raises(services.PlanRefused, match="not part of this plan"):
        services.session_log_next_morning(
            plan=other, log=logged_run, by=other_patient.user, next_morning_pain=1, next_morning_stiffness=1
        )


def test_next_morning_out_of_range_is_refused(logged_run, frozen):
    move_to(frozen, logged_run.session_date + timedelta(days=1))
    with pytest.raises(ValidationError):
        next_morning(logged_run, 11, 1)
    assert SessionLog.objects.get().next_morning_pain is None
