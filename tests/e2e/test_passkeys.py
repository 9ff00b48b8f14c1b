"""A physiotherapist of a clinic that requires two-factor sign-in signs in for the first time with her password, is
asked to set up a second factor before anything else, registers a passkey in Chromium (its virtual authenticator,
through the DevTools protocol: a platform authenticator that verifies her, as a laptop's fingerprint reader does),
saves her recovery codes, signs out, and signs in again with the passkey alone."""

import pytest
from allauth.mfa.models import Authenticator
from axes.models import AccessLog
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

VIRTUAL_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


def with_virtual_authenticator(page):
    """Give the page's browser a passkey authenticator of its own (none is attached to a headless browser)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_AUTHENTICATOR})
    return cdp, authenticator["authenticatorId"]


def test_staff_member_registers_a_passkey_and_signs_in_with_it(journey, physio, clinic, settings):
    settings.AXES_ENABLED = True  # as in production: sign-ins are recorded
    clinic.require_staff_2fa = True
    clinic.save()
    page = journey.new_page("desktop")
    cdp, authenticator_id = with_virtual_authenticator(page)

    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
    journey.check(page, "sign-in page")
    page.get_by_label("E-mail address").fill(physio.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    # The clinic requires a second factor: nothing else opens until she has one.
    expect(page.get_by_role("heading", name="Account security")).to_be_visible()
    expect(page.get_by_text("Your clinic asks all its staff")).to_be_visible()
    journey.check(page, "asked to set up a second factor")
    page.goto("/patients/")
    expect(page.get_by_role("heading", name="Account security")).to_be_visible()

    page.get_by_role("link", name="Add a passkey").click()
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Add a passkey")).to_be_visible()
    expect(page.get_by_label("Also use it to sign in without a password")).to_be_checked()
    journey.check(page, "add a passkey")
    page.get_by_label("Name").fill("Clinic laptop")
    page.get_by_role("button", name="Add the passkey").click()

    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    journey.check(page, "recovery codes")
    page.get_by_role("link", name="I've saved them, continue").click()
    expect(page.get_by_text("You have 1 passkey.")).to_be_visible()
    journey.check(page, "security page with the passkey")
    [passkey] = Authenticator.objects.filter(user=physio.user, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "Clinic laptop" and passkey.wrap().is_passwordless
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"]

    page.get_by_role("link", name="Patients").click()
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Runback")).to_be_visible()

    # The passkey alone: no address, no password, no code.
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
    journey.check(page, "signed in with the passkey")
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert AccessLog.objects.filter(username=physio.user.email).count() == 2


def test_a_browser_without_the_passkey_says_so_and_signs_nobody_in(journey, physio):
    page = journey.new_page("phone")
    with_virtual_authenticator(page)  # an authenticator, but no passkey for Runback on it
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Use a passkey").tap()
    expect(page.get_by_role("alert")).to_contain_text("No passkey was used")
    journey.check(page, "no passkey here")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_the_authenticator_set_up_fits_a_phone(journey, physio):
    """On a phone, where the code cannot be scanned off its own screen, the setup key is typed: all of it shows, as
    does a long e-mail address."""
    physio.user.email = "alexandra.fitzgerald-montgomery@riverside-physiotherapy.example.org"
    physio.user.save()
    page = journey.new_page("phone")
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(physio.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
    page.goto("/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    journey.check(page, "authenticator set-up on a phone")  # the check fails if the page scrolls sideways
