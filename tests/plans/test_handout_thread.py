"""The embedded default, without a worker: the print click answers with the job queued, and a thread of the web
process renders it (settings.HANDOUT_RENDER_THREAD). In a module of its own: the thread reads what the request
committed, so the test runs outside the transaction tests/plans/test_handout_jobs.py keeps open across its tests."""

import threading

import pytest

from plans.handouts import services as handout_services
from plans.handouts.selectors import print_service_notice
from plans.handouts.services import handout_request
from plans.handouts.tasks import _render_thread
from plans.models import PrintStatus
from tests.plans.handout_factories import quick_render
from tests.plans.plan_factories import issued_plan


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("frozen", "shipped_library")
def test_without_a_worker_the_render_runs_on_a_thread_and_the_request_answers_at_once(
    patient, physio, settings, monkeypatch
):
    settings.HANDOUT_RENDER_THREAD = True
    plan = issued_plan(patient, weeks=4)
    gate = threading.Event()
    monkeypatch.setattr(handout_services, "render_handout", lambda context: gate.wait(10) and quick_render(context))
    handout = handout_request(revision=plan.current_revision, paper="a4", by=physio.user).handout
    handout.refresh_from_db()
    # Answered while the render waits: the job still queued, or already claimed by the thread, not made yet.
    assert handout.status in (PrintStatus.QUEUED, PrintStatus.RENDERING)
    # Handed to the thread, so the print queue does not say the print service cannot be reached.
    assert handout.dispatched_at is not None
    assert print_service_notice(clinic_id=patient.clinic_id) == ""
    gate.set()
    _render_thread.submit(lambda: None).result(timeout=30)  # the renders sent before it are done
    handout.refresh_from_db()
    assert handout.status == PrintStatus.READY
