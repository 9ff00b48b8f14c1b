"""Fixtures of the browser journeys: the system Chromium, the app served by pytest-django's live server over the
test database, a `journey` per test (contexts, screenshots, accessibility and console checks) and signing in."""

import os

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.browser import AXE_SCRIPT, CHROMIUM, CHROMIUM_ARGS, Journey, unavailable
from tests.factories import PASSWORD


@pytest.fixture(scope="session")
def _async_unsafe_for_playwright():
    """Playwright's sync API keeps an asyncio loop running in the test thread, and Django refuses ORM calls from a
    thread with a running loop. The journeys call the ORM only from the test itself, never concurrently with the
    browser, so they may: this is set for the browser journeys only, never for the rest of the suite."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(_async_unsafe_for_playwright):
    if not os.path.exists(CHROMIUM):
        unavailable(f"no Chromium at {CHROMIUM} (set RUNBACK_CHROMIUM, or `apt-get install chromium`)")
    if not AXE_SCRIPT.exists():
        unavailable(f"axe-core is not installed at {AXE_SCRIPT} (run `make e2e`, which runs `npm ci` first)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, settings):
    """The app on a real HTTP server; links in e-mails and on pages point at it."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def journey(request, browser, site):
    """This test's journey, named after the test (its screenshots go to test-artifacts/screenshots/<name>/)."""
    name = request.node.name.removeprefix("test_")
    journey = Journey(name, browser, site)
    yield journey
    journey.close()
    journey.assert_no_console_errors("at the end of the journey")


@pytest.fixture
def sign_in():
    """Sign in through the login page as a member of the cast (any user with the factories' password)."""

    def sign_in(page: Page, user) -> Page:
        page.goto("/accounts/login/")
        page.get_by_label("E-mail address").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(
            page.get_by_role("button", name="Sign out", include_hidden=True)
        ).to_be_attached()  # in the menu on a phone
        return page

    return sign_in
