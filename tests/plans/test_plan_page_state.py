"""On PostgreSQL the plan page keeps what it shows beside the plan's history (the scores chart, the usual paper size,
the handouts) and the history itself for each state of the rows they are read from (clinic.page_cache.records_state:
the exercise library, the patient's scores, the clinic's handout settings, the plan's handouts): the page follows
any change to those rows, whoever writes it (the worker printing a handout, the admin, a queryset's update()), and
the front desk never gets what a physiotherapist was shown."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.access import get_plan_page_for_staff
from plans.models import Exercise, Handout, HandoutSettings, PrintStatus
from plans.pages import plan_page_extras, plan_page_records
from tests.factories import FrontDeskFactory
from tests.pages import plan_page, signed_in
from tests.plans.handout_factories import stored_handout
from tests.plans.outcome_factories import follow_up, outcome
from tests.plans.plan_factories import RUNNER_INTAKE, issued_plan

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="records_state reads PostgreSQL's row versions"),
    # Each request its own transaction, as in production: within a test's transaction nothing is kept.
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_library"),
]


@pytest.fixture
def plan(patient):
    return issued_plan(patient, answers=RUNNER_INTAKE)


def test_a_kept_plan_page_reads_only_the_plan_and_the_state_of_its_records(physio_client, plan):
    first = plan_page(physio_client, plan)
    with CaptureQueriesContext(connection) as kept:
        again = plan_page(physio_client, plan)
    assert again == first
    # The session, the user and their clinic role; the request's transaction begun; the plan with its patient and
    # current revision; the state of the page's records; the audit entry; the transaction committed.
    assert len(kept) == 8


def test_a_kept_plan_page_follows_the_worker_printing_its_handout(physio_client, plan):
    handout = stored_handout(plan.current_revision, status=PrintStatus.RENDERING)
    assert "Follow it on the print queue" in plan_page(physio_client, plan)
    Handout.objects.filter(pk=handout.pk).update(status=PrintStatus.FAILED, error="The printer ran out of ink.")
    shown = plan_page(physio_client, plan)
    assert "The printer ran out of ink." in shown and "Follow it on the print queue" not in shown


def test_a_kept_plan_page_follows_the_clinics_usual_paper_size(physio_client, plan, clinic):
    usual = re.compile(r'for="paper-(\w+)">[^<]*<span class="text-body-secondary">\(the clinic’s usual\)')
    assert usual.search(plan_page(physio_client, plan)).group(1) == "a4"
    HandoutSettings.objects.create(clinic=clinic, paper_size="letter")
    assert usual.search(plan_page(physio_client, plan)).group(1) == "letter"


def test_a_kept_plan_page_follows_the_exercise_library_whatever_writes_it(physio_client, plan):
    first = plan.current_revision.content["programme"][0]["code"]
    plan_page(physio_client, plan)
    Exercise.objects.filter(slug=first, clinic=None).update(name="Renamed in the library")  # updated_at unchanged
    assert "Renamed in the library" in plan_page(physio_client, plan)


def test_a_kept_plan_page_shows_a_new_score(physio_client, plan, patient):
    intake = plan.assessment.intake
    outcome(patient, "akps", 61, intake=intake, completed_at=intake.submitted_at)
    assert "AKPS from 61" not in plan_page(physio_client, plan)  # one score: nothing to compare
    follow_up(patient, timezone.localdate(), {"akps": 79})
    assert "AKPS from 61 to 79" in plan_page(physio_client, plan)


def test_the_front_desk_never_gets_the_scores_kept_for_a_physiotherapist(physio_client, plan, patient, clinic):
    intake = plan.assessment.intake
    outcome(patient, "akps", 61, intake=intake, completed_at=intake.submitted_at)
    assert "plan-scores" in plan_page(physio_client, plan)
    assert "plan-scores" not in plan_page(signed_in(FrontDeskFactory(clinic=clinic)), plan)


def test_every_row_beside_the_history_is_in_the_pages_records(plan, patient, physio):
    """What plan_page_extras reads without naming it in plan_page_records would be served stale from the cache."""
    intake = plan.assessment.intake
    outcome(patient, "akps", 61, intake=intake, completed_at=intake.submitted_at)
    stored_handout(plan.current_revision)
    plan = get_plan_page_for_staff(physio, patient.pk, plan.pk)  # as the page reads it
    with CaptureQueriesContext(connection) as captured:
        plan_page_extras(plan=plan, clinical=True, state=None)
    read = {table for query in captured for table in re.findall(r'(?:FROM|JOIN) "(\w+)"', query["sql"])}
    records = plan_page_records(patient_id=patient.pk, clinic_id=patient.clinic_id, plan_id=plan.pk)
    assert read and read <= {each.model._meta.db_table for each in records}


def test_a_kept_plan_page_follows_a_physiotherapists_name(physio_client, plan, physio):
    """Who issued a revision is named as they are called now (the revision's reason keeps the name of the day)."""
    assert "<td>Alice Morgan</td>" in plan_page(physio_client, plan)
    get_user_model().objects.filter(pk=physio.user_id).update(last_name="Okonkwo-Reid")
    assert "<td>Alice Okonkwo-Reid</td>" in plan_page(physio_client, plan)
