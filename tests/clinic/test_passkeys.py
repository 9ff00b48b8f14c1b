"""Passkeys (WebAuthn, allauth's): added from the security page, used as the second step after the password, alone
to sign in (with the device's PIN or biometrics), and to confirm who it is; a clinic that requires two-factor
sign-in keeps the last one. Driven by a passkey authenticator in software (tests/passkeys.py); the browser journey
with Chromium's virtual authenticator is tests/e2e/test_passkeys.py."""

import json

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from clinic import accounts
from tests.conftest import mark_reauthenticated
from tests.factories import PASSWORD
from tests.passkeys import SoftPasskey


@pytest.fixture(autouse=True)
def test_server_origin(settings):
    """The test client's pages come from http://testserver, which browsers would not offer passkeys to (only https and
    localhost): allow it here, as the fido2 checks are otherwise the real ones."""
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True


def add_passkey(client, *, passwordless=True, name="Work laptop", verified=True) -> SoftPasskey:
    """Add a passkey from the security pages (the client's user has just confirmed who they are)."""
    device = SoftPasskey()
    page = client.get(reverse("mfa_add_webauthn"))
    credential = device.register(page.context["js_data"]["creation_options"], verified=verified)
    data = {"name": name, "credential": credential}
    if passwordless:
        data["passwordless"] = "on"
    client.post(reverse("mfa_add_webauthn"), data)
    return device


@pytest.fixture
def passkey(physio_client):
    mark_reauthenticated(physio_client)
    device = add_passkey(physio_client)
    physio_client.logout()
    return device


def is_signed_in(client):
    return SESSION_KEY in client.session


def sign_in_with_passkey(client, device, *, verified=True):
    options = client.get(reverse("mfa_login_webauthn"), HTTP_ACCEPT="application/json").json()["request_options"]
    return client.post(reverse("mfa_login_webauthn"), {"credential": device.assert_(options, verified=verified)})


# --- Adding one -------------------------------------------------------------------------------------------------


def test_adding_a_passkey_asks_to_confirm_the_password_first(physio_client):
    assert physio_client.get(reverse("mfa_add_webauthn")).url.startswith(reverse("account_reauthenticate"))


def test_a_passkey_added_turns_two_factor_on_and_shows_recovery_codes(physio_client, physio):
    mark_reauthenticated(physio_client)
    device = SoftPasskey()
    page = physio_client.get(reverse("mfa_add_webauthn"))
    assert page.context["form"].fields["passwordless"].initial is True
    credential = device.register(page.context["js_data"]["creation_options"])
    response = physio_client.post(
        reverse("mfa_add_webauthn"), {"name": "Work laptop", "passwordless": "on", "credential": credential}
    )
    assert response.url == reverse("mfa_view_recovery_codes")
    stored = Authenticator.objects.get(user=physio.user, type=Authenticator.Type.WEBAUTHN)
    assert stored.wrap().name == "Work laptop" and stored.wrap().is_passwordless
    assert accounts.has_two_factor(physio.user)
    listed = physio_client.get(reverse("mfa_list_webauthn")).content.decode()
    assert "Work laptop" in listed and "Signs in without a password" in listed


def test_a_passkey_for_signing_in_alone_must_verify_the_person(physio_client, physio):
    mark_reauthenticated(physio_client)
    add_passkey(physio_client, verified=False)
    assert not Authenticator.objects.filter(user=physio.user).exists()


def test_a_made_up_passkey_is_refused_beside_its_field(physio_client, physio):
    mark_reauthenticated(physio_client)
    physio_client.get(reverse("mfa_add_webauthn"))
    response = physio_client.post(reverse("mfa_add_webauthn"), {"name": "x", "credential": json.dumps({"id": 1})})
    assert list(response.context["form"].errors) == ["credential"]
    assert not Authenticator.objects.filter(user=physio.user).exists()


# --- Signing in with it -----------------------------------------------------------------------------------------


def test_a_passkey_alone_signs_in_and_counts_as_two_factor(client, physio, passkey, caplog):
    response = sign_in_with_passkey(client, passkey)
    assert response.url == reverse("home")
    assert client.session[SESSION_KEY] == str(physio.user.pk)
    assert accounts.session_used_second_factor(client.get(reverse("patient_list")).wsgi_request)
    assert f"User {physio.user.pk} signed in (passkey)" in caplog.messages


def test_a_passkey_alone_without_the_persons_pin_or_fingerprint_does_not_sign_in(client, passkey):
    response = sign_in_with_passkey(client, passkey, verified=False)
    assert response.url == reverse("account_login")
    assert not is_signed_in(client)


def test_an_unknown_passkey_goes_back_to_the_sign_in_page_saying_so(client, physio, passkey):
    stranger = SoftPasskey(user_handle=passkey.user_handle)
    response = sign_in_with_passkey(client, stranger)
    assert response.url == reverse("account_login")
    assert "That passkey didn&#x27;t work" in client.get(response.url).content.decode()
    assert not is_signed_in(client)


def test_a_passkey_of_a_switched_off_account_does_not_sign_in(client, physio, passkey):
    physio.user.is_active = False
    physio.user.save()
    response = sign_in_with_passkey(client, passkey)
    assert response.url == reverse("account_inactive")
    assert not is_signed_in(client)


def test_the_sign_in_page_offers_passkeys(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert "Use a passkey" in page and 'id="mfa_login"' in page


def test_after_the_password_a_passkey_can_be_the_second_step(client, physio, passkey):
    client.post(reverse("account_login"), {"login": physio.user.email, "password": PASSWORD})
    page = client.get(reverse("mfa_authenticate"))
    assert "Use a passkey instead" in page.content.decode()
    credential = passkey.assert_(page.context["js_data"]["request_options"], verified=False)
    response = client.post(reverse("mfa_authenticate"), {"credential": credential})
    assert response.url == reverse("home")
    assert is_signed_in(client)


def test_a_passkey_confirms_who_it_is(physio_client, passkey, physio):
    physio_client.force_login(physio.user)
    response = physio_client.get(reverse("mfa_reauthenticate_webauthn"))
    credential = passkey.assert_(response.context["js_data"]["request_options"], verified=False)
    physio_client.post(reverse("mfa_reauthenticate_webauthn"), {"credential": credential})
    assert physio_client.get(reverse("mfa_add_webauthn")).status_code == 200  # no confirmation asked now


# --- Removing one -----------------------------------------------------------------------------------------------


def test_a_passkey_can_be_removed(physio_client, physio, passkey):
    physio_client.force_login(physio.user)
    mark_reauthenticated(physio_client, method="mfa", type="webauthn")
    stored = Authenticator.objects.get(user=physio.user, type=Authenticator.Type.WEBAUTHN)
    response = physio_client.post(reverse("mfa_remove_webauthn", args=[stored.pk]))
    assert response.url == reverse("mfa_list_webauthn")
    assert not accounts.has_two_factor(physio.user)


def test_the_last_passkey_is_kept_when_the_clinic_requires_two_factor(client, physio, clinic, passkey):
    clinic.require_staff_2fa = True
    clinic.save()
    sign_in_with_passkey(client, passkey)
    mark_reauthenticated(client, method="mfa", type="webauthn")
    stored = Authenticator.objects.get(user=physio.user, type=Authenticator.Type.WEBAUTHN)
    response = client.post(reverse("mfa_remove_webauthn", args=[stored.pk]))
    assert response.status_code == 403
    assert accounts.has_two_factor(physio.user)


def test_another_users_passkey_cannot_even_be_named(client, physio, front_desk, passkey):
    stored = Authenticator.objects.get(user=physio.user, type=Authenticator.Type.WEBAUTHN)
    client.force_login(front_desk.user)
    mark_reauthenticated(client)
    assert client.post(reverse("mfa_remove_webauthn", args=[stored.pk])).status_code == 404
    assert client.get(reverse("mfa_edit_webauthn", args=[stored.pk])).status_code == 404
    assert Authenticator.objects.filter(pk=stored.pk).exists()


def test_a_passkey_can_be_renamed(physio_client, physio, passkey):
    physio_client.force_login(physio.user)
    mark_reauthenticated(physio_client, method="mfa", type="webauthn")
    stored = Authenticator.objects.get(user=physio.user, type=Authenticator.Type.WEBAUTHN)
    physio_client.post(reverse("mfa_edit_webauthn", args=[stored.pk]), {"name": "Phone"})
    stored.refresh_from_db()
    assert stored.wrap().name == "Phone"


# --- A clinic that requires two-factor sign-in ------------------------------------------------------------------


def test_staff_of_a_strict_clinic_may_set_up_a_passkey_instead_of_an_app(clinic, physio_client):
    clinic.require_staff_2fa = True
    clinic.save()
    assert physio_client.get(reverse("patient_list")).url == reverse("mfa_index")
    mark_reauthenticated(physio_client, method="password")
    add_passkey(physio_client)
    assert physio_client.get(reverse("patient_list")).status_code == 200
