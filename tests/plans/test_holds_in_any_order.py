"""Holds and step backs that stay whatever order sessions are logged, answered, undone or resumed in (reference
§8 RF19, §9.3 P4 and P5): a late log or a late next-morning answer, a leak logged after a resume, undoing the
hold, re-issuing, and a red the patient reports on a session staff logged."""

from datetime import timedelta

import pytest

from plans import services
from plans.builder import PlanError
from plans.models import PlanAlert
from tests.plans.plan_factories import RUNNER_INTAKE, day_of, issued_plan, move_to, postpartum_answers, sessions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]


def loads_after(plan, day):
    plan.refresh_from_db()
    return [s for s in sessions(plan.current_revision.content) if day_of(s) > day and s["kind"] in ("run", "impact")]


def test_late_morning_answer_for_an_earlier_run_lifts_a_pelvic_floor_hold(patient, frozen):
    plan = issued_plan(patient, answers=postpartum_answers(20))
    first, second = sessions(plan.current_revision.content, "run")[:2]
    move_to(frozen, day_of(first))
    first_log = services.session_log_create(
        plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=1
    ).log
    move_to(frozen, day_of(second))
    services.session_log_create(
        plan=plan, by=patient.user, session_date=day_of(second), pain_during_max=1, pf_symptoms=["leak"]
    )
    assert loads_after(plan, day_of(second)) == []  # held (RF19)
    move_to(frozen, day_of(second) + timedelta(days=1))
    services.session_log_next_morning(
        plan=plan, log=first_log, by=patient.user, next_morning_pain=0, next_morning_stiffness=0
    )
    plan.refresh_from_db()
    assert plan.current_revision.content.get("hold", {}).get("codes") == ["pelvic_floor_symptoms"]
    assert loads_after(plan, day_of(second)) == []


def test_late_morning_answer_for_an_earlier_run_loses_a_later_red_regression(patient, frozen):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    first, second, third = sessions(plan.current_revision.content, "run")[:3]
    move_to(frozen, day_of(first))
    first_log = services.session_log_create(
        plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=1
    ).log
    move_to(frozen, day_of(second))
    services.session_log_create(plan=plan, by=patient.user, session_date=day_of(second), pain_during_max=7)  # red
    plan.refresh_from_db()
    after_red = sessions(plan.current_revision.content)
    assert next(s for s in after_red if s["date"] == third["date"])["kind"] != "run"  # P4: the next run is skipped
    move_to(frozen, day_of(second) + timedelta(days=1))
    services.session_log_next_morning(
        plan=plan, log=first_log, by=patient.user, next_morning_pain=0, next_morning_stiffness=0
    )
    plan.refresh_from_db()
    now = sessions(plan.current_revision.content)
    assert next(s for s in now if s["date"] == third["date"])["kind"] != "run"


def test_logging_an_earlier_session_after_a_later_red_loses_the_regression(patient, frozen):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    first, second, third = sessions(plan.current_revision.content, "run")[:3]
    move_to(frozen, day_of(second))
    services.session_log_create(plan=plan, by=patient.user, session_date=day_of(second), pain_during_max=7)  # red
    plan.refresh_from_db()
    assert next(s for s in sessions(plan.current_revision.content) if s["date"] == third["date"])["kind"] != "run"
    services.session_log_create(plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=1)  # late
    plan.refresh_from_db()
    now = sessions(plan.current_revision.content)
    assert next(s for s in now if s["date"] == third["date"])["kind"] != "run"


def test_two_reds_logged_in_reverse_order_hold_running(patient, frozen):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    first, second = sessions(plan.current_revision.content, "run")[:2]
    move_to(frozen, day_of(second))
    services.session_log_create(plan=plan, by=patient.user, session_date=day_of(second), pain_during_max=7)
    services.session_log_create(plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=7)
    assert PlanAlert.objects.filter(code="two_reds_in_14_days").exists()  # the physio is told (P5) ...
    plan.refresh_from_db()
    assert plan.current_revision.content.get("hold")  # ... but running must hold too, as in date order
    assert loads_after(plan, day_of(second)) == []


def test_a_leak_logged_after_a_resume_for_a_day_before_it_holds_again(patient, physio, frozen):
    plan = issued_plan(patient, answers=postpartum_answers(20))
    content = plan.current_revision.content
    first = sessions(content, "run")[0]
    move_to(frozen, day_of(first))
    services.session_log_create(
        plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=1, pf_symptoms=["leak"]
    )
    plan.refresh_from_db()
    later = [s for s in sessions(plan.current_revision.content) if day_of(s) > day_of(first) and s["kind"] != "rest"]
    unlogged = later[0]  # a strength / cross-training session after the hold, not logged yet
    resume_day = day_of(unlogged) + timedelta(days=1)
    move_to(frozen, resume_day)
    services.plan_resume(plan=plan, by=physio, reason="Seen by pelvic health: dry on jumping.")
    plan.refresh_from_db()
    assert loads_after(plan, resume_day)
    # the next day the patient logs that earlier session, with a leak the physio had not heard of
    move_to(frozen, resume_day + timedelta(days=1))
    services.session_log_create(
        plan=plan, by=patient.user, session_date=day_of(unlogged), pain_during_max=1, pf_symptoms=["heaviness"]
    )
    assert PlanAlert.objects.filter(code="pelvic_floor_symptoms", reviewed_at__isnull=True).exists()
    plan.refresh_from_db()
    assert plan.current_revision.content.get("hold")  # RF19: no running until cleared


@pytest.fixture
def held(patient, frozen):
    plan = issued_plan(patient, answers=postpartum_answers(20))
    first = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(first))
    services.session_log_create(
        plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=1, pf_symptoms=["leak"]
    )
    plan.refresh_from_db()
    assert plan.current_revision.content["hold"]["codes"] == ["pelvic_floor_symptoms"]
    return plan, day_of(first)


def test_undoing_the_pelvic_floor_hold_does_not_bring_runs_back_without_a_resume(held, physio):
    plan, first = held
    try:
        services.plan_revision_undo(plan=plan, revision=plan.current_revision, by=physio)
    except services.PlanRefused:
        return
    plan.refresh_from_db()
    assert plan.current_revision.content.get("hold"), "undo lifted the RF19 hold with no reason given"
    assert loads_after(plan, first) == []


@pytest.mark.parametrize("change", [{"weeks": 10}, {"strength_days_per_week": 3}, {"start_level": 2}])
def test_reissuing_an_edited_plan_keeps_the_pelvic_floor_hold(held, physio, change):
    plan, first = held
    plan = services.plan_draft_update(plan=plan, by=physio, expected_version=plan.draft_version, **change)
    services.plan_issue(plan=plan, by=physio)
    plan.refresh_from_db()
    assert plan.current_revision.content.get("hold", {}).get("codes") == ["pelvic_floor_symptoms"]
    assert loads_after(plan, first) == []


def test_a_red_next_morning_the_patient_reports_alerts_the_physio_even_when_staff_logged_the_session(
    patient, physio, frozen
):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    first = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(first))
    log = services.session_log_create(plan=plan, by=physio.user, session_date=day_of(first), pain_during_max=2).log
    assert log.logged_for_patient_by_staff
    move_to(frozen, day_of(first) + timedelta(days=1))
    result = services.session_log_next_morning(
        plan=plan, log=log, by=patient.user, next_morning_pain=6, next_morning_stiffness=6
    )
    assert result.light.colour == "red"
    assert PlanAlert.objects.filter(log=log).exists(), "the patient's red morning reached no one"


def test_a_plan_with_logged_sessions_keeps_its_start(patient, physio, frozen):
    """A new start would move the logged sessions to other days or out of the plan, where they no longer count (a
    hold lost, a run planned the day after a logged run): refused, with what to do instead."""
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    first = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(first))
    services.session_log_create(plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=1)
    plan.refresh_from_db()
    with pytest.raises(PlanError, match="keeps its start") as refused:
        services.plan_draft_update(plan=plan, by=physio, expected_version=plan.draft_version, start=day_of(first))
    assert "end this plan and make a new one" in str(refused.value)


def test_a_plan_with_logged_sessions_cannot_end_before_the_last_of_them(patient, physio, frozen):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    late = next(
        s for s in sessions(plan.current_revision.content, "run") if day_of(s) >= plan.start + timedelta(weeks=5)
    )
    move_to(frozen, day_of(late))
    services.session_log_create(plan=plan, by=patient.user, session_date=day_of(late), pain_during_max=1)
    plan.refresh_from_db()
    with pytest.raises(PlanError, match="the plan cannot end before it"):
        services.plan_draft_update(plan=plan, by=physio, expected_version=plan.draft_version, weeks=4)


def test_a_leak_on_the_day_the_physio_resumed_holds_running_again(held, physio, patient, frozen):
    plan, first = held
    load_days = [s for s in sessions(plan.current_revision.content) if day_of(s) > first and s["kind"] == "cross_train"]
    day = day_of(load_days[1])
    move_to(frozen, day)
    services.plan_resume(plan=plan, by=physio, reason="Seen by pelvic health: dry on jumping.")
    plan.refresh_from_db()
    run = next(s for s in sessions(plan.current_revision.content) if s["date"] == day.isoformat())
    assert run["kind"] in ("run", "impact")
    # that evening she runs, and leaks
    services.session_log_create(plan=plan, by=patient.user, session_date=day, pain_during_max=1, pf_symptoms=["leak"])
    plan.refresh_from_db()
    assert plan.current_revision.content.get("hold", {}).get("codes") == ["pelvic_floor_symptoms"]
    assert loads_after(plan, day) == []


def test_the_plan_page_offers_no_undo_for_the_change_that_put_running_on_hold(held, physio_client):
    plan, _ = held
    page = physio_client.get(plan.get_absolute_url()).content.decode()
    assert "Resume running and impact" in page
    assert "Undo this change" not in page


def test_a_pelvic_floor_alert_names_the_symptoms_in_words_and_links_to_its_session(held, physio_client):
    plan, _ = held
    alert = PlanAlert.objects.get(code="pelvic_floor_symptoms")
    page = physio_client.get(plan.get_absolute_url()).content.decode()
    assert "Pelvic floor symptoms logged (leaking urine)" in page
    assert alert.log.get_absolute_url() in page


def test_a_leak_reported_the_next_morning_turns_the_session_red_and_holds_running(patient, frozen):
    """reference §8 RF19: pelvic floor symptoms during or after running; the morning after is asked about too."""
    plan = issued_plan(patient, answers=postpartum_answers(20))
    first = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(first))
    log = services.session_log_create(plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=1).log
    move_to(frozen, day_of(first) + timedelta(days=1))
    result = services.session_log_next_morning(
        plan=plan, log=log, by=patient.user, next_morning_pain=0, next_morning_stiffness=0, pf_symptoms=["heaviness"]
    )
    assert result.light.colour == "red" and result.log.pf_symptoms == ["heaviness"]
    plan.refresh_from_db()
    assert plan.current_revision.content["hold"]["codes"] == ["pelvic_floor_symptoms"]
    assert PlanAlert.objects.filter(log=log, code="pelvic_floor_symptoms").exists()
