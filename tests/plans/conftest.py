import socket

import pytest

from clinic.celery import app
from tests.plans.plan_factories import NOON, load_shipped_library


@pytest.fixture
def frozen(time_machine, settings):
    """The clock stopped at noon on TODAY; tests move it on with `plan_factories.move_to`. Sessions last as long as
    the test needs (a physio's sign-in would otherwise expire as the days pass)."""
    settings.SESSION_COOKIE_AGE = 365 * 24 * 60 * 60
    time_machine.move_to(NOON, tick=False)
    return time_machine


@pytest.fixture
def shipped_library(db):
    load_shipped_library()


@pytest.fixture
def broker_down(settings):
    """The broker is a Redis at a port where nothing listens, and tasks are really sent (not run in-process)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once the socket closes: nothing listens there
    previous = app.conf.broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    app.amqp._producer_pool = None  # producers connect to the broker of the moment
    yield
    app.conf.broker_url, app.conf.task_always_eager = previous, True
    app.amqp._producer_pool = None
