"""The database failing for real, on whichever database the suite runs on: unreachable for a while, or cut off in
the middle of a request. Every request is one transaction (ATOMIC_REQUESTS), so a request the fault interrupts
leaves nothing half-written; the user gets the "back in a moment" page (503), never a traceback; and once the
database is back, the next request works.

How the faults are made real: on PostgreSQL the request's server process is terminated from a second connection
(`pg_terminate_backend`) and new connections go to a port where nothing listens; on SQLite (the suite's shared
in-memory database) a second connection locks the table the request writes to next, and new connections go to a
file that cannot be opened. Both raise the driver's own errors inside Django.
"""

import sqlite3

import pytest
from django.db import connection, connections
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse

from clinic.models import AuditEvent, Patient, PatientStatus
from intake.models import Intake, IntakeStatus, OutcomeResponse
from tests.clinic.test_patients import VALID_PATIENT
from tests.intake.factories import REQUIRED_INTAKE, fill_in

UNREACHABLE = {"postgresql": {"HOST": "127.0.0.1", "PORT": "1"}, "sqlite": {"NAME": "/nonexistent/runback.sqlite3"}}


class Database:
    """Switches the default database off and on again, for real."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.vendor = connection.vendor
        self.kept = None  # SQLite: the open connection, set aside (closing it would delete the in-memory database)
        self.locker = None  # SQLite: the second connection holding a table lock

    def go_away(self):
        """From now on nothing can reach the database: the open connection is gone and new ones fail."""
        if self.vendor == "sqlite":
            self.kept, connection.connection = connection.connection, None
        else:
            connection.close()
        for key, value in UNREACHABLE[self.vendor].items():
            self.monkeypatch.setitem(connection.settings_dict, key, value)

    def cut_off(self, *, before_writing_to):
        """The request's connection fails from its next statement on (PostgreSQL), or from its next write to
        `before_writing_to`'s table (SQLite), in the middle of its transaction."""
        if self.vendor == "sqlite":
            self.locker = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None)
            self.locker.execute("BEGIN")
            self.locker.execute(f"SELECT * FROM {before_writing_to._meta.db_table}").fetchall()  # noqa: S608
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            other.close()

    def come_back(self):
        self.monkeypatch.undo()
        if self.locker is not None:
            self.locker.execute("ROLLBACK")
            self.locker.close()
            self.locker = None
        if self.kept is not None:
            connection.connection, self.kept = self.kept, None


@pytest.fixture
def database(transactional_db, monkeypatch):
    database = Database(monkeypatch)
    yield database
    database.come_back()


@pytest.fixture
def browser():
    """A client that gets the error page a browser would, instead of the exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def after_first_save():
    """Run `action` right after the next save of `model` (its row written, the request's transaction still open):
    `after_first_save(Patient, action)`."""
    receivers = []

    def arrange(model, action):
        def receiver(**kwargs):
            post_save.disconnect(receiver, sender=model)
            action()

        post_save.connect(receiver, sender=model, weak=False)
        receivers.append((receiver, model))

    yield arrange
    for receiver, model in receivers:
        post_save.disconnect(receiver, sender=model)


def _assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Runback can't reach its records just now" in page
    assert "Nothing you were sending has been saved half-way" in page
    assert "Traceback" not in page and "Error" not in page


def test_page_asked_for_during_an_outage_says_to_try_again_shortly(database, browser, physio):
    browser.force_login(physio.user)
    database.go_away()
    _assert_unavailable_page(browser.get(reverse("patient_list")))


def test_health_check_reports_the_outage(database, browser):
    database.go_away()
    response = browser.get(reverse("healthz"))
    assert response.status_code == 503


def test_next_request_after_the_outage_works(database, browser, physio):
    browser.force_login(physio.user)
    database.go_away()
    assert browser.get(reverse("patient_list")).status_code == 503
    database.come_back()
    assert browser.get(reverse("patient_list")).status_code == 200


def test_patient_create_cut_off_after_its_first_write_saves_nothing(database, browser, front_desk, after_first_save):
    """The patient row is written, then the audit entry cannot be: the request's transaction takes the patient back
    with it, so there is never a patient without the record of who added them."""
    browser.force_login(front_desk.user)
    after_first_save(Patient, lambda: database.cut_off(before_writing_to=AuditEvent))
    _assert_unavailable_page(browser.post(reverse("patient_create"), VALID_PATIENT))
    database.come_back()
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.exists()
    assert browser.post(reverse("patient_create"), VALID_PATIENT).status_code == 302
    assert Patient.objects.count() == AuditEvent.objects.count() == 1


def test_intake_submit_cut_off_half_way_keeps_the_draft_as_it_was(database, browser, physio, patient, after_first_save):
    """Sending marks the intake submitted, then scores its outcome measures and moves the patient on: cut off
    between the two, none of it stays and the patient can send again."""
    draft = fill_in(Intake.objects.create(patient=patient))
    browser.force_login(physio.user)
    review = reverse("intake:staff_step", args=[patient.pk, "review"])
    after_first_save(Intake, lambda: database.cut_off(before_writing_to=OutcomeResponse))
    _assert_unavailable_page(browser.post(review, {"move": "send"}))
    database.come_back()
    draft.refresh_from_db()
    assert (draft.status, draft.submitted_at, draft.red_flags) == (IntakeStatus.DRAFT, None, [])
    assert draft.answers == REQUIRED_INTAKE
    assert not OutcomeResponse.objects.exists()
    assert Patient.objects.get(pk=patient.pk).status == PatientStatus.NEW
    assert browser.post(review, {"move": "send"}).status_code == 302
    assert Intake.objects.get(pk=draft.pk).status == IntakeStatus.SUBMITTED


def test_an_error_that_is_not_the_database_gets_the_plain_error_page(browser, front_desk, after_first_save):
    """A bug, not an outage: the 500 page, and still nothing half-written."""

    def bug():
        raise RuntimeError("a bug after the first write")

    after_first_save(Patient, bug)
    browser.force_login(front_desk.user)
    response = browser.post(reverse("patient_create"), VALID_PATIENT)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert not Patient.objects.exists()
