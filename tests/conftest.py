"""The fixed cast every view is tested against: a physiotherapist, front desk staff and two patients of one
clinic, a physiotherapist of another clinic, and anonymous visitors."""

import os
import socket
import time
from contextlib import contextmanager
from io import StringIO
from types import SimpleNamespace

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY as AUTHENTICATED_USER_KEY,
)
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from clinic.page_cache import PAGE_CACHE
from clinic.site import serving
from tests.factories import (
    PASSWORD,
    ClinicFactory,
    FrontDeskFactory,
    PatientFactory,
    PhysioFactory,
    PortalPatientFactory,
)

# CI's PostgreSQL run (.ci/run) is the thorough one: every example of the property-based tests (tests/fuzzing.py)
# and the tests marked `thorough`, which `make test` leaves out to answer in a minute and a half.
THOROUGH = os.environ.get("RUNBACK_THOROUGH") == "1"


def pytest_runtest_setup(item):
    """The triggers guarding final records on PostgreSQL are made by migrations: their tests run where the schema
    was (CI's PostgreSQL run, `--migrations`). The `thorough` tests run where RUNBACK_THOROUGH=1."""
    if item.get_closest_marker("thorough") and not THOROUGH:
        pytest.skip("thorough: run by CI's PostgreSQL run (RUNBACK_THOROUGH=1)")
    if item.get_closest_marker("postgresql_trigger"):
        if connection.vendor != "postgresql":
            pytest.skip("the trigger is PostgreSQL's")
        if item.config.getoption("nomigrations"):
            pytest.skip("the trigger is made by a migration: run with --migrations")


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with nothing in the page cache (clinic.page_cache)."""
    caches[PAGE_CACHE].clear()


@pytest.fixture(autouse=True)
def site_of_the_test_client():
    """Links written in a test's own code (outside a request) start as the test client's requests do, as they
    would for background work sent from one of them (clinic.site)."""
    with serving("http://testserver"):
        yield


# The cast, each made by the fixture of its name, or all at once by `the_cast()` for a module that makes them once for
# all its tests (`module_db`).
def _riverside():
    return ClinicFactory(name="Riverside Physio")


def _hilltop():
    return ClinicFactory(name="Hilltop Sports Clinic")


def _alice(clinic):
    return PhysioFactory(clinic=clinic, user__first_name="Alice", user__last_name="Morgan")


def _olga(other_clinic):
    return PhysioFactory(clinic=other_clinic, user__first_name="Olga", user__last_name="Other")


def _carla(clinic):
    return FrontDeskFactory(clinic=clinic, user__first_name="Carla", user__last_name="Price")


def _emma(clinic, physio):
    return PortalPatientFactory(clinic=clinic, physio=physio, first_name="Emma", last_name="Clarke")


def _hannah(clinic, physio):
    return PortalPatientFactory(clinic=clinic, physio=physio, first_name="Hannah", last_name="Okafor")


def the_cast() -> dict:
    """The clinics, staff and patients the `cast` fixture signs in as, by fixture name."""
    clinic, other_clinic = _riverside(), _hilltop()
    physio = _alice(clinic)
    return {
        "clinic": clinic,
        "other_clinic": other_clinic,
        "physio": physio,
        "other_physio": _olga(other_clinic),
        "front_desk": _carla(clinic),
        "patient": _emma(clinic, physio),
        "other_patient": _hannah(clinic, physio),
    }


@pytest.fixture
def clinic(db):
    return _riverside()


@pytest.fixture
def other_clinic(db):
    return _hilltop()


@pytest.fixture
def physio(clinic):
    return _alice(clinic)


@pytest.fixture
def colleague_physio(clinic):
    """A second physiotherapist of the same clinic."""
    return PhysioFactory(clinic=clinic, user__first_name="Ben", user__last_name="Adeyemi")


@pytest.fixture
def other_physio(other_clinic):
    return _olga(other_clinic)


@pytest.fixture
def front_desk(clinic):
    return _carla(clinic)


@pytest.fixture
def patient(clinic, physio):
    return _emma(clinic, physio)


@pytest.fixture
def other_patient(clinic, physio):
    return _hannah(clinic, physio)


def a_foreign_patient(other_clinic, other_physio):
    return PatientFactory(clinic=other_clinic, physio=other_physio, first_name="Felix", last_name="Foreign")


@pytest.fixture
def foreign_patient(other_clinic, other_physio):
    """A patient of another clinic: every view of ours must answer 404 for them."""
    return a_foreign_patient(other_clinic, other_physio)


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def physio_client(client, physio):
    return _client_for(client, physio.user)


@pytest.fixture
def desk_client(client, front_desk):
    return _client_for(client, front_desk.user)


@pytest.fixture
def other_physio_client(client, other_physio):
    return _client_for(client, other_physio.user)


@pytest.fixture
def patient_client(client, patient):
    return _client_for(client, patient.user)


@pytest.fixture
def other_patient_client(client, other_patient):
    return _client_for(client, other_patient.user)


def users_by_role(*, physio, other_physio, front_desk, patient, other_patient, **_) -> dict:
    """Users by role name, for tests that walk a URL across every role. `None` is the anonymous visitor."""
    return {
        "physio": physio.user,
        "other_clinic_physio": other_physio.user,
        "front_desk": front_desk.user,
        "patient": patient.user,
        "other_patient": other_patient.user,
        "anonymous": None,
    }


@pytest.fixture
def cast(physio, other_physio, front_desk, patient, other_patient):
    """Users by role name (`users_by_role`)."""
    return users_by_role(
        physio=physio, other_physio=other_physio, front_desk=front_desk, patient=patient, other_patient=other_patient
    )


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """For rows made once for all the tests of a module, which each test would otherwise make again: a transaction
    open from the module's first test to its last, then rolled back. Each test runs inside it in a savepoint, rolled
    back as usual, so tests still see the rows as made and never each other's. A module fixture makes its rows within
    `with module_db():` (the database open to it, links made as the test client's) and gives each test its own
    instances (`read_again`), which a test may change. Not for modules with transactional tests, which would commit
    through the transaction."""

    @contextmanager
    def making():
        with django_db_blocker.unblock(), serving("http://testserver"):
            yield

    with django_db_blocker.unblock():
        module_transaction = transaction.atomic()
        module_transaction.__enter__()
    try:
        yield making
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            module_transaction.__exit__(None, None, None)


def read_again(instances: dict) -> dict:
    """A test's own instances of rows made once for its module (`module_db`), read from the database again: a test
    that changes or deletes one, or an object cached on one, leaves the next test's as they were made."""

    def again(instance):
        if isinstance(instance, list):
            return [again(each) for each in instance]
        return type(instance)._base_manager.get(pk=instance.pk)

    return {name: again(instance) for name, instance in instances.items()}


def seed_demo_for_module(module_db, **settings) -> SimpleNamespace:
    """The demo clinic seeded once for a module's tests (`manage.py seed_demo`, which runs only with DEBUG on), with
    what the command printed and the e-mails it sent."""
    with module_db(), override_settings(DEBUG=True, **settings):
        mail.outbox = []
        output = StringIO()
        call_command("seed_demo", stdout=output)
        return SimpleNamespace(output=output.getvalue(), emails=list(mail.outbox))


@pytest.fixture(scope="module")
def demo(module_db):
    """The demo clinic, seeded once for the module (`seed_demo_for_module`)."""
    return seed_demo_for_module(module_db)


@pytest.fixture
def login_as(client):
    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def as_role(cast, colleague_physio, login_as):
    """Sign the client in as a role of the cast or as "colleague_physio"; "anonymous" signs out."""
    users = {**cast, "colleague_physio": colleague_physio.user}
    return lambda role: login_as(users[role])


def mark_reauthenticated(client, *, method: str = "password", **extra) -> None:
    """Record in the client's session that its user has just confirmed who they are, as allauth's re-authentication
    pages do."""
    _mark_reauthenticated(client, {"method": method, **extra})


def _mark_reauthenticated(client, *methods: dict) -> None:
    session = client.session
    user_id = session[SESSION_KEY]
    records = (
        session.get(AUTHENTICATION_METHODS_SESSION_KEY, []) if session.get(AUTHENTICATED_USER_KEY) == user_id else []
    )
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        *records,
        *({**method, "at": now, "reauthenticated": True} for method in methods),
    ]
    session[AUTHENTICATED_USER_KEY] = user_id
    session.save()


@pytest.fixture
def reauthenticated():
    """Mark a signed-in client as having just confirmed who they are (the password; a second factor for users with
    two-factor sign-in), as allauth's confirm pages do, so views behind `reauth_required` answer at once
    (tests/clinic/test_reauth.py tests the confirm pages themselves)."""

    def confirm(client):
        _mark_reauthenticated(client, {"method": "password"}, {"method": "mfa", "type": "totp"})
        return client

    return confirm


@pytest.fixture
def sign_in(login_as, reauthenticated):
    """Sign a user in (None: sign out) with a password just confirmed, so the pages behind `reauth_required` answer
    as they will once it is: for the tests that walk pages across roles (tests/clinic/test_reauth.py tests the
    asking)."""

    def sign_in(user):
        client = login_as(user)
        return reauthenticated(client) if user is not None else client

    return sign_in


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def real_worker(transactional_db, settings):
    """A real Celery worker behind Redis, started by .ci/run against the test database.

    Skipped without REDIS_URL (the embedded default), but CI sets RUNBACK_REQUIRE_WORKER=1 so a missing worker
    fails there instead of silently skipping.
    """
    from clinic.celery import app

    if not os.environ.get("REDIS_URL"):
        if os.environ.get("RUNBACK_REQUIRE_WORKER"):
            pytest.fail("RUNBACK_REQUIRE_WORKER is set but REDIS_URL is not.")
        pytest.skip("needs REDIS_URL and a running worker (see .ci/run)")
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    replies = app.control.ping(timeout=10)
    if not replies:
        pytest.fail("No Celery worker answered a ping through Redis.")
    yield app
    app.conf.task_always_eager = True


@pytest.fixture
def broker_down(settings):
    """The broker is a Redis at a port where nothing listens, and tasks are really sent (not run in-process)."""
    from clinic.celery import app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once the socket closes: nothing listens there
    previous = app.conf.broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    _forget_broker_connections(app)
    yield
    app.conf.broker_url, app.conf.task_always_eager = previous, True
    _forget_broker_connections(app)


def _forget_broker_connections(app):
    """Celery caches its connection and producer pools on first use; drop them so they follow `broker_url`."""
    app._pool = None
    app.amqp._producer_pool = None
