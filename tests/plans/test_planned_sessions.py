"""What the clinic's outcomes count in the database: each plan's planned sessions (the days of its current revision
with something to do) kept up with every revision, each logged run's planned minutes kept with the log, and what
each plan adds up to (first issue, sessions planned and logged, runs, red runs, the milestone) kept with the plan."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from plans import services
from plans.adherence import planned_days
from plans.models import Plan, PlannedSession, SessionLog
from plans.outcomes import milestone_logs
from plans.progression import RED
from plans.running import run_minutes
from tests.plans.plan_factories import RUNNER_INTAKE, day_of, issued_plan, move_to, sessions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library")]


def planned(plan) -> list:
    return list(PlannedSession.objects.filter(plan=plan).order_by("day").values_list("day", flat=True))


def run_minutes_logged() -> list:
    return list(SessionLog.objects.order_by("pk").values_list("planned_run_min", flat=True))


def log(plan, day, **fields):
    fields = {"pain_during_max": 2, "next_morning_pain": 1, "next_morning_stiffness": 1, **fields}
    return services.session_log_create(plan=plan, by=plan.patient.physio.user, session_date=day, **fields)


@pytest.fixture
def runner_plan(patient):
    return issued_plan(patient, answers=RUNNER_INTAKE)


def test_issuing_a_plan_keeps_its_days_with_a_session(runner_plan):
    content = runner_plan.current_revision.content
    assert planned(runner_plan) == planned_days(content)
    assert len(planned(runner_plan)) == len([s for s in sessions(content) if s["kind"] != "rest"])


def test_an_automatic_change_and_its_undo_keep_the_planned_sessions_up_to_date(runner_plan, frozen, physio):
    first, second = sessions(runner_plan.current_revision.content, "run")[:2]
    move_to(frozen, day_of(first))
    log(runner_plan, day_of(first), pain_during_max=7)  # red: the next run becomes a rest day
    runner_plan.refresh_from_db()
    assert day_of(second) not in planned(runner_plan)
    assert planned(runner_plan) == planned_days(runner_plan.current_revision.content)
    services.plan_revision_undo(plan=runner_plan, revision=runner_plan.current_revision, by=physio)
    assert day_of(second) in planned(runner_plan)


def test_a_logged_run_keeps_the_minutes_planned_for_it_and_other_sessions_none(runner_plan, frozen):
    content = runner_plan.current_revision.content
    run = sessions(content, "run")[0]
    other = next(s for s in sessions(content) if s["kind"] not in ("run", "rest"))
    for session in sorted((run, other), key=day_of):
        move_to(frozen, day_of(session))
        log(runner_plan, day_of(session))
    assert SessionLog.objects.get(session_date=day_of(run)).planned_run_min == run_minutes(run["run"])
    assert SessionLog.objects.get(session_date=day_of(other)).planned_run_min is None


def test_the_migration_fills_in_what_the_services_now_keep(runner_plan, frozen, physio):
    """Plans and logs from before the migration get the very rows the services write, an ended plan's too."""
    for session in [s for s in sessions(runner_plan.current_revision.content) if s["kind"] != "rest"][:4]:
        move_to(frozen, day_of(session))
        log(runner_plan, day_of(session))
    services.plan_end(plan=runner_plan, by=physio)
    kept = (planned(runner_plan), run_minutes_logged())
    assert any(kept[1]) and kept[0]
    PlannedSession.objects.all().delete()
    SessionLog.objects.update(planned_run_min=None)
    migration = importlib.import_module("plans.migrations.0009_planned_sessions_planned_run_minutes")
    migration.fill_in(apps, SimpleNamespace(connection=connection))  # as the migration's schema editor gives it
    assert (planned(runner_plan), run_minutes_logged()) == kept


def test_a_plan_that_ends_plans_nothing_from_that_day_on_but_what_was_logged(runner_plan, frozen, physio):
    days = [s for s in sessions(runner_plan.current_revision.content) if s["kind"] != "rest"]
    move_to(frozen, day_of(days[2]))
    log(runner_plan, day_of(days[2]))  # logged on the day the plan ends
    services.plan_end(plan=runner_plan, by=physio)
    assert planned(runner_plan) == [day_of(s) for s in days[:3]]


def test_issuing_a_new_plan_ends_the_old_ones_planned_sessions_too(runner_plan, frozen, physio, patient):
    days = [s for s in sessions(runner_plan.current_revision.content) if s["kind"] != "rest"]
    move_to(frozen, day_of(days[1]))
    newer = issued_plan(patient, answers=RUNNER_INTAKE, as_of=day_of(days[1]))
    assert planned(runner_plan) == [day_of(days[0])]
    assert planned(newer) == planned_days(newer.current_revision.content)


def test_a_logged_day_stays_planned_whatever_a_rebuilt_schedule_makes_of_it(runner_plan):
    content = runner_plan.current_revision.content
    rest = next(s for s in sessions(content) if s["kind"] == "rest")
    kept = PlannedSession.of_plan(runner_plan, content, logged={day_of(rest)})
    assert [session.day for session in kept] == sorted({*planned_days(content), day_of(rest)})


COUNTS = ("issued_at", "first_for_patient", "sessions_planned", "sessions_logged", "runs_logged", "red_runs")


def counts(plan) -> tuple:
    return Plan.objects.filter(pk=plan.pk).values_list(*COUNTS, "milestone_on").get()


def recounted(plan) -> tuple:
    """The counts worked out again from the plan's rows."""
    logs = SessionLog.objects.filter(plan=plan)
    runs = logs.filter(level__isnull=False)
    reached = logs.filter(milestone_logs()).order_by("session_date").first()
    return (
        plan.revisions.get(number=1).created_at,
        plan.first_for_patient,
        PlannedSession.objects.filter(plan=plan).count(),
        logs.count(),
        runs.count(),
        runs.filter(traffic_light=RED).count(),
        reached and reached.session_date,
    )


def test_the_services_keep_each_plans_counts_for_the_outcomes(runner_plan, frozen, physio):
    assert counts(runner_plan) == recounted(runner_plan)
    assert runner_plan.first_for_patient
    done = [s for s in sessions(runner_plan.current_revision.content) if s["kind"] != "rest"][:5]
    runs = [s for s in done if s["kind"] == "run"]
    for session in done:
        move_to(frozen, day_of(session))
        log(runner_plan, day_of(session), **({"pain_during_max": 7} if session is runs[-1] else {}))  # one red run
        runner_plan.refresh_from_db()
        assert counts(runner_plan) == recounted(runner_plan)
    assert counts(runner_plan)[3:6] == (5, len(runs), 1)
    services.plan_end(plan=runner_plan, by=physio)
    runner_plan.refresh_from_db()
    assert counts(runner_plan) == recounted(runner_plan)


def test_a_later_plan_is_not_the_patients_first(runner_plan, physio):
    later = issued_plan(runner_plan.patient, answers=RUNNER_INTAKE)
    assert (later.first_for_patient, Plan.objects.get(pk=runner_plan.pk).first_for_patient) == (False, True)


def test_the_migration_fills_in_the_counts_the_services_keep(runner_plan, frozen, physio):
    for session in [s for s in sessions(runner_plan.current_revision.content) if s["kind"] != "rest"][:4]:
        move_to(frozen, day_of(session))
        log(runner_plan, day_of(session))
    services.plan_end(plan=runner_plan, by=physio)
    kept = counts(runner_plan)
    assert kept[3] == 4
    Plan.objects.update(
        issued_at=None, first_for_patient=False, sessions_planned=0, sessions_logged=0, milestone_on=None
    )
    migration = importlib.import_module("plans.migrations.0010_outcome_counts")
    migration.fill_in(apps, SimpleNamespace(connection=connection))  # as the migration's schema editor gives it
    assert counts(runner_plan) == kept
