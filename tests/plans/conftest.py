import pytest

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
