"""The plan page's history (revisions, logged sessions, alerts) and the schedule drawn from it (calendar, charts,
programme) are read and rendered once per version of the plan's history (`Plan.history_version`), state of the
exercise library and day, then read from the page cache (clinic.page_cache): the page changes as soon as any of them
does, is never another patient's or clinic's, and a page cache that fails leaves the page as it was."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import connection

from clinic.page_cache import PAGE_CACHE
from plans import data_rights as plans_data_rights
from plans import services
from plans.models import Exercise
from tests.factories import PatientFactory, PhysioFactory
from tests.pages import plan_page
from tests.plans.library_factories import ExerciseFactory
from tests.plans.plan_factories import RUNNER_INTAKE, day_of, issued_plan, move_to, sessions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library")]


def log(plan, day, **fields):
    return services.session_log_create(plan=plan, by=plan.patient.physio.user, session_date=day, **fields)


def test_the_schedule_is_kept_after_the_first_view(physio_client, patient):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    first = plan_page(physio_client, plan)
    assert len(caches[PAGE_CACHE]._cache) == 1
    assert plan_page(physio_client, plan) == first
    assert len(caches[PAGE_CACHE]._cache) == 1


def test_a_cached_plan_page_shows_a_session_as_soon_as_it_is_logged(physio_client, patient, frozen):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    run = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    before = plan_page(physio_client, plan)
    assert "Logged:" not in before and "No sessions logged yet." in before
    log(plan, day_of(run), pain_during_max=1)
    after = plan_page(physio_client, plan)
    assert "Logged: green" in after and "Pain during sessions and the next morning" in after


def test_a_cached_plan_page_shows_the_next_mornings_answers(physio_client, patient, frozen):
    """A logged session changes in place when the next morning's answers come: the page follows."""
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    run = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    logged = log(plan, day_of(run), pain_during_max=1).log
    assert "Logged: green" in plan_page(physio_client, plan)
    frozen.shift(24 * 60 * 60)
    services.session_log_next_morning(
        plan=plan, log=logged, by=patient.physio.user, next_morning_pain=7, next_morning_stiffness=7
    )
    page = plan_page(physio_client, plan)
    assert "Logged: red" in page and "Logged: green" not in page


def test_a_cached_plan_page_shows_a_newly_issued_revision(physio_client, patient, physio):
    plan = issued_plan(patient, answers=RUNNER_INTAKE, weeks=8)
    assert "Week 8" in plan_page(physio_client, plan) and "Week 9" not in plan_page(physio_client, plan)
    plan = services.plan_draft_update(plan=plan, by=physio, expected_version=plan.draft_version, weeks=10)
    services.plan_issue(plan=plan, by=physio)
    page = plan_page(physio_client, plan)
    assert "Revision 2" in page and "Week 10" in page


def test_a_cached_plan_page_shows_an_alert_as_reviewed_at_once(physio_client, patient, physio, frozen):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    run = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    services.session_log_create(plan=plan, by=patient.user, session_date=day_of(run), pain_during_max=7)
    alert = plan.alerts.get()
    assert "Mark as reviewed" in plan_page(physio_client, plan)
    services.plan_alert_review(alert=alert, by=physio)
    page = plan_page(physio_client, plan)
    assert "Mark as reviewed" not in page and f"reviewed by {physio}" in page


def test_a_cached_plan_page_loses_the_patients_comment_when_the_record_is_anonymised(physio_client, patient, frozen):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    run = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    log(plan, day_of(run), pain_during_max=1, comment="Ran by the canal with my sister")
    assert "Ran by the canal with my sister" in plan_page(physio_client, plan)
    plans_data_rights.anonymise(patient)
    assert "Ran by the canal with my sister" not in plan_page(physio_client, plan)


def test_a_cached_plan_page_moves_on_with_the_day(physio_client, patient, frozen):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    first, second = sessions(plan.current_revision.content)[:2]
    move_to(frozen, day_of(first))
    assert f"{day_of(first):%a} {day_of(first).day} {day_of(first):%b} · today" in plan_page(physio_client, plan)
    move_to(frozen, day_of(second))
    assert f"{day_of(second):%a} {day_of(second).day} {day_of(second):%b} · today" in plan_page(physio_client, plan)


def test_a_cached_plan_page_shows_the_exercise_library_as_it_is_now(physio_client, patient, frozen):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    first = plan.current_revision.content["programme"][0]["code"]
    plan_page(physio_client, plan)
    frozen.shift(60)
    exercise = Exercise.objects.get(slug=first, clinic=None)
    exercise.name = "Renamed in the library"
    exercise.save()
    assert "Renamed in the library" in plan_page(physio_client, plan)


def test_a_cached_plan_page_is_never_another_patients_or_clinics(client, clinic, other_clinic, frozen):
    """Two clinics, a patient each, both on revision 1 of plans built alike from the same day and a session logged on
    the same day; each clinic calls its own home exercise by its own name. Read in turn, each page keeps its own
    names and sessions, and shows nothing of the other's."""
    pages = {}
    for where, exercise_name, pain in ((clinic, "Alder step-up", 1), (other_clinic, "Birch step-up", 4)):
        physio = PhysioFactory(clinic=where)
        ExerciseFactory(clinic=where, slug="home_step", name=exercise_name)
        plan = issued_plan(PatientFactory(clinic=where, physio=physio), answers=RUNNER_INTAKE)
        programme = [
            *plan.current_revision.content["programme"],
            {"code": "home_step", "sets": 3, "reps": 10, "per_week": 3},
        ]
        plan = services.plan_draft_update(
            plan=plan, by=physio, expected_version=plan.draft_version, programme=programme
        )
        services.plan_issue(plan=plan, by=physio)
        pages[exercise_name] = (physio, plan, pain)
    run = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    for _physio, plan, pain in pages.values():
        log(plan, day_of(run), pain_during_max=pain)
    for _ in range(2):
        for name, (physio, plan, _pain) in pages.items():
            client.force_login(physio.user)
            page = plan_page(client, plan)
            other = next(other for other in pages if other != name)
            assert name in page and other not in page
            assert ("Logged: green" in page) is (name == "Alder step-up")
            assert ("Logged: amber" in page) is (name == "Birch step-up")


class BrokenCache(BaseCache):
    """A page cache that cannot be reached (Redis down)."""

    def __init__(self, location, params):
        super().__init__(params)

    def get(self, key, default=None, version=None):
        raise ConnectionError("the page cache is down")

    def set(self, key, value, timeout=None, version=None):
        raise ConnectionError("the page cache is down")


def test_a_page_cache_that_fails_leaves_the_plan_page_as_it_was(physio_client, patient, settings):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    expected = plan_page(physio_client, plan)
    settings.CACHES = {**settings.CACHES, PAGE_CACHE: {"BACKEND": f"{__name__}.BrokenCache"}}
    assert plan_page(physio_client, plan) == expected


# The session, the user and their clinic role; the request's savepoint; the plan with its patient and current
# revision (without their contents), the library's state, the scores, the clinic's paper size, the handouts, the
# audit entry; the savepoint released. To read the history and render the schedule, five more: the revisions, the
# logs, the alerts, the revision's content and the exercises it names. On PostgreSQL, one more: the state of the
# page's other records, which a test's own transaction never gets (tests/plans/test_plan_page_state.py).
@pytest.mark.parametrize(("warm", "queries"), [(False, 16), (True, 11)])
def test_the_plan_page_reads_the_history_only_when_it_changed(
    physio_client, patient, frozen, warm, queries, django_assert_num_queries
):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    run = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    log(plan, day_of(run), pain_during_max=1)
    if warm:
        plan_page(physio_client, plan)
    with django_assert_num_queries(queries + (connection.vendor == "postgresql")):
        plan_page(physio_client, plan)
