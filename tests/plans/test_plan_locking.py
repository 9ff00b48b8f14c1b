"""Two writers on one plan: a session logged while another change to the plan is being saved (the nightly catch-up,
the physio's resume) waits for it, then applies to the revision it made. On PostgreSQL, where rows are locked; in a
module of its own, as the other writer needs a connection and a transaction of its own."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from plans import services
from plans.models import Plan, PlanRevision
from tests.plans.plan_factories import RUNNER_INTAKE, day_of, issued_plan, move_to, sessions

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_library")]


def save_a_revision_slowly(plan_id: int, locked: threading.Event) -> None:
    """Another writer: lock the plan, make its next revision current, and commit a moment later."""
    try:
        with transaction.atomic():
            plan = Plan.objects.select_for_update().get(pk=plan_id)
            current = PlanRevision.objects.get(pk=plan.current_revision_id)
            revision = PlanRevision.objects.create(
                plan=plan,
                number=current.number + 1,
                kind=current.kind,
                content=current.content,
                inputs=current.inputs,
                reason="Another writer",
                builder_version=current.builder_version,
            )
            Plan.objects.filter(pk=plan_id).update(current_revision=revision)
            locked.set()
            time.sleep(0.5)
    finally:
        connections.close_all()


def test_a_session_logged_while_the_plan_changes_waits_and_logs_against_the_new_revision(patient, frozen):
    if connection.vendor != "postgresql":
        pytest.skip("rows are locked on PostgreSQL only")
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    first = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(first))
    locked = threading.Event()
    other = threading.Thread(target=save_a_revision_slowly, args=(plan.pk, locked))
    other.start()
    assert locked.wait(10)

    result = services.session_log_create(plan=plan, by=patient.user, session_date=day_of(first), pain_during_max=1)

    other.join(10)
    assert result.log.revision.number == 2  # the revision the other writer made while this one waited
