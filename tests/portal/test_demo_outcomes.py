"""The demo clinic's outcome histories (portal/demo_outcomes.py): built through the services session by session, so
the outcomes page of the demo clinic shows real figures: patients back to 30 minutes' running, questionnaires better
and worse, red runs and a referral. Seeding twice adds nothing. (The rest of the test suite seeds the demo without
them: they take a few seconds.)"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clinic.models import Patient, PatientStatus
from intake.models import FollowUp
from plans.models import Plan, PlanStatus, SessionLog
from plans.outcomes import SMALL_GROUP
from portal.demo import DEMO_PASSWORD
from portal.demo_outcomes import HISTORIES
from tests.conftest import seed_demo_for_module

pytestmark = pytest.mark.django_db
NAMES = {history.first_name for history in HISTORIES}


@pytest.fixture(scope="module")
def seeded(module_db):
    return seed_demo_for_module(module_db, DEMO_OUTCOME_HISTORIES=True)


def test_the_histories_go_through_the_services_day_by_day_once(seeded, settings):
    counts = (Patient.objects.count(), SessionLog.objects.count(), FollowUp.objects.count())
    settings.DEBUG = settings.DEMO_OUTCOME_HISTORIES = True
    call_command("seed_demo", stdout=None)
    assert (Patient.objects.count(), SessionLog.objects.count(), FollowUp.objects.count()) == counts
    patients = Patient.objects.filter(first_name__in=NAMES)
    assert patients.count() == len(HISTORIES)
    logs = SessionLog.objects.filter(plan__patient__in=patients)
    today = timezone.localdate()
    assert logs.count() > 100
    assert all(
        timezone.localdate(log.logged_at) == log.session_date + timedelta(days=1) < today + timedelta(days=1)
        for log in logs
    )
    assert logs.filter(traffic_light="red").count() == 2 and logs.filter(traffic_light="amber").exists()
    assert FollowUp.objects.filter(patient__in=patients).exclude(worsened=[]).exists()  # Amira's flare
    finished = Plan.objects.filter(patient__in=patients, status=PlanStatus.ENDED)
    assert {plan.patient.first_name for plan in finished} == {"Sofia", "Amira"}
    assert {plan.patient.status for plan in finished} == {PatientStatus.DISCHARGED}


def test_the_demo_clinics_outcomes_page_shows_real_figures(seeded, client):
    client.post(reverse("login"), {"login": "physio@demo.runback.test", "password": DEMO_PASSWORD})
    response = client.get(reverse("plans:outcomes"))
    assert response.status_code == 200
    outcomes = response.context["outcomes"]
    assert outcomes.patients >= len(HISTORIES) + 2  # and Emma's and Laura's plans
    assert outcomes.running.reached.count >= 3 and outcomes.running.median_weeks is not None
    assert 50 <= outcomes.sessions.percent <= 95
    assert outcomes.red_runs == 2 and outcomes.red_per_100_runs is not None
    assert (outcomes.referrals.count, outcomes.referrals.percent is not None) == (1, True)  # Marcus
    koos, akps = outcomes.scores[:2]
    assert koos.patients >= SMALL_GROUP and akps.improved.percent > 50 and akps.worsened.count == 1
    assert 'id="outcome-scores-title"' in response.content.decode()
