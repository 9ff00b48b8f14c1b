import pytest
import time_machine

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


@pytest.fixture(scope="module")
def shipped_library_for_the_module(module_db):
    """The shipped exercise library loaded once for all the tests of a module that every one of them needs it in
    (`module_db`), as at `frozen`'s instant."""
    with module_db(), time_machine.travel(NOON, tick=False):
        load_shipped_library()
