"""Two-factor sign-in on allauth: an authenticator app (TOTP) with recovery codes, set up and removed by the user,
required for the staff of a clinic that says so; the secrets stored encrypted."""

import json
import re
from urllib.parse import unquote

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.urls import reverse

from clinic import accounts
from tests.conftest import mark_reauthenticated
from tests.factories import PASSWORD, AuthenticatorAppFactory, current_code, recovery_codes_for

NOW = "2026-03-02 09:00:00 +0000"
WRONG_CODE = (
    "That code didn't work, or was used a moment ago. Type the next 6-digit code your app shows, or an unused "
    "recovery code."
)


@pytest.fixture
def authenticator(physio):
    return AuthenticatorAppFactory(user=physio.user)


@pytest.fixture
def recovery_codes(physio, authenticator):
    return recovery_codes_for(physio.user)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def sign_in(client, user, next_url=""):
    data = {"login": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_login"), data)


def is_signed_in(client):
    return SESSION_KEY in client.session


# --- Signing in in two steps ------------------------------------------------------------------------------------


def test_sign_in_with_an_authenticator_asks_for_a_code_before_signing_in(client, physio, authenticator):
    response = sign_in(client, physio.user)
    assert response.url == reverse("mfa_authenticate")
    assert not is_signed_in(client)
    page = client.get(response.url).content.decode()
    assert "6-digit code" in page and "recovery code" in page
    assert "Use a passkey instead" not in page  # she has none


@pytest.mark.parametrize(
    "url_name",
    [
        "patient_list",
        "my_page",
        "mfa_index",
        "account_change_password",
        "mfa_activate_totp",
        "account_reauthenticate",
        "mfa_add_webauthn",
    ],
)
def test_a_session_waiting_for_a_code_opens_no_other_page(client, physio, authenticator, url_name):
    sign_in(client, physio.user)
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_right_code_signs_in_and_goes_on_to_next(client, physio, authenticator):
    sign_in(client, physio.user, next_url=reverse("patient_create"))
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(authenticator)})
    assert response.url == reverse("patient_create")
    assert client.session[SESSION_KEY] == str(physio.user.pk)
    assert accounts.session_used_second_factor(client.get(reverse("patient_list")).wsgi_request)


def test_sign_in_ignores_a_next_address_on_another_site(client, physio, authenticator):
    sign_in(client, physio.user, next_url="https://evil.example/steal")
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(authenticator)})
    assert response.url == reverse("home")


def test_a_code_typed_with_spaces_signs_in(client, physio, authenticator):
    sign_in(client, physio.user)
    code = current_code(authenticator)
    client.post(reverse("mfa_authenticate"), {"code": f" {code[:3]} {code[3:]} "})
    assert is_signed_in(client)


def test_a_wrong_code_explains_and_keeps_the_session_anonymous(client, physio, authenticator):
    sign_in(client, physio.user)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"code": [WRONG_CODE]}
    assert not is_signed_in(client)


def test_codes_are_refused_once_too_many_wrong_ones_were_tried_and_again_later(client, physio, authenticator, frozen):
    sign_in(client, physio.user)
    for _ in range(10):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(authenticator)})
    assert "Too many unsuccessful attempts" in response.context["form"].errors["code"][0]
    assert not is_signed_in(client)
    frozen.shift(15 * 60)
    sign_in(client, physio.user)
    client.post(reverse("mfa_authenticate"), {"code": current_code(authenticator)})
    assert is_signed_in(client)


def test_a_used_code_cannot_sign_in_twice(client, physio, authenticator, frozen):
    code = current_code(authenticator)
    sign_in(client, physio.user)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert is_signed_in(client)
    client.post(reverse("account_logout"))
    sign_in(client, physio.user)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.context["form"].errors == {"code": [WRONG_CODE]}  # says why, so she waits for the next one
    assert not is_signed_in(client)


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(client, physio, recovery_codes, caplog):
    first = recovery_codes[0]
    sign_in(client, physio.user)
    response = client.post(reverse("mfa_authenticate"), {"code": f"{first[:4]}-{first[4:]}"}, follow=True)
    assert is_signed_in(client)
    assert "You have 9 left" in response.content.decode()
    assert f"User {physio.user.pk} used a recovery code" in caplog.messages
    client.post(reverse("account_logout"))
    sign_in(client, physio.user)
    client.post(reverse("mfa_authenticate"), {"code": first})
    assert not is_signed_in(client)


def test_the_code_page_expires_and_asks_for_the_password_again(client, physio, authenticator, frozen, settings):
    sign_in(client, physio.user)
    frozen.shift(settings.ACCOUNT_LOGIN_TIMEOUT + 1)
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(authenticator)})
    assert response.url.startswith(reverse("account_login"))
    assert not is_signed_in(client)


def test_the_password_step_changes_the_session_key_before_the_code(client, physio, authenticator):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    sign_in(client, physio.user)
    assert client.session.session_key != before


def test_start_again_from_the_code_page_forgets_the_password_step(client, physio, authenticator):
    sign_in(client, physio.user)
    client.post(reverse("account_logout"), {"next": reverse("account_login")})
    assert client.get(reverse("mfa_authenticate")).url.startswith(reverse("account_login"))


def test_the_admin_login_page_leads_to_the_two_step_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.url == f"{reverse('account_login')}?next=/admin/"


def test_sign_ins_are_logged_by_user_id_with_how(client, physio, authenticator, caplog):
    sign_in(client, physio.user)
    client.post(reverse("mfa_authenticate"), {"code": current_code(authenticator)})
    assert f"User {physio.user.pk} signed in (password, totp)" in caplog.messages
    assert physio.user.email not in caplog.text


# --- Setting up -------------------------------------------------------------------------------------------------


@pytest.fixture
def confirmed(physio_client):
    """The physio, signed in, has just confirmed her password (setting up asks for it first)."""
    mark_reauthenticated(physio_client)
    return physio_client


def test_setting_up_asks_to_confirm_the_password_first(physio_client):
    response = physio_client.get(reverse("mfa_activate_totp"))
    assert unquote(response.url) == f"{reverse('account_reauthenticate')}?next={reverse('mfa_activate_totp')}"


def test_the_setup_page_shows_an_inline_svg_qr_code_and_the_key_without_inline_style(confirmed, physio):
    response = confirmed.get(reverse("mfa_activate_totp"))
    page = response.content.decode()
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'class="qr-code"' in svg and 'role="img"' in svg and "<path" in svg
    assert "style" not in svg and "width=" not in svg.split(">")[0]
    assert response.context["form"].secret in page
    assert not Authenticator.objects.filter(user=physio.user).exists()


def test_the_setup_page_keeps_the_same_key_when_loaded_again(confirmed):
    first = confirmed.get(reverse("mfa_activate_totp")).context["form"].secret
    assert confirmed.get(reverse("mfa_activate_totp")).context["form"].secret == first


def test_setting_up_with_a_wrong_code_explains_and_leaves_two_factor_off(confirmed, physio):
    confirmed.get(reverse("mfa_activate_totp"))
    response = confirmed.post(reverse("mfa_activate_totp"), {"code": "123456"})
    assert "didn't match" in response.context["form"].errors["code"][0]
    assert not accounts.has_two_factor(physio.user)


def setup_with_the_right_code(client):
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    code = current_code(Authenticator(data={"secret": accounts.encrypt(secret)}))
    return client.post(reverse("mfa_activate_totp"), {"code": code})


def test_setting_up_with_the_right_code_shows_ten_recovery_codes_once(
    confirmed, physio, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = setup_with_the_right_code(confirmed)
    assert response.url == reverse("mfa_view_recovery_codes")
    assert accounts.has_two_factor(physio.user)
    shown = confirmed.get(reverse("mfa_view_recovery_codes")).context["unused_codes"]
    assert len(shown) == 10 and len(set(shown)) == 10
    again = confirmed.get(reverse("mfa_view_recovery_codes"))
    assert again.context["can_view_codes"] is False and shown[0] not in again.content.decode()
    assert f"Two-factor sign-in: totp added for user {physio.user.pk}" in caplog.messages
    assert physio.user.email not in caplog.text


def test_setting_up_counts_as_using_the_second_factor_in_this_session(confirmed):
    setup_with_the_right_code(confirmed)
    assert accounts.session_used_second_factor(confirmed.get(reverse("mfa_index")).wsgi_request)


def test_setting_up_when_two_factor_is_already_on_changes_nothing(confirmed, physio, authenticator):
    response = confirmed.get(reverse("mfa_activate_totp"))
    assert response.url == reverse("mfa_deactivate_totp")
    assert list(Authenticator.objects.filter(user=physio.user)) == [authenticator]


def test_a_patient_may_turn_on_two_factor_too(patient_client, patient):
    mark_reauthenticated(patient_client)
    setup_with_the_right_code(patient_client)
    assert accounts.has_two_factor(patient.user)


def test_the_security_page_shows_the_status_and_the_codes_left(physio_client, recovery_codes):
    page = physio_client.get(reverse("mfa_index")).content.decode()
    assert "On</span>" in page
    assert "10 unused recovery codes" in page


# --- What the database holds ------------------------------------------------------------------------------------


def _stored(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE user_id = %s", [user.pk])
        return " ".join(str(row[0]) for row in cursor.fetchall())


def test_the_authenticator_secret_is_stored_encrypted(physio):
    authenticator = AuthenticatorAppFactory(user=physio.user, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    stored = _stored(physio.user)
    assert "JBSWY3DPEHPK3PXP" not in stored and "jbswy3dpehpk3pxp" not in stored.lower()
    assert accounts.decrypt(authenticator.data["secret"]) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_recovery_codes_cannot_be_read_nor_derived_from_the_database(physio, recovery_codes):
    data = json.loads(_stored_json(physio.user, "recovery_codes"))
    stored = json.dumps(data)
    assert not any(code in stored for code in recovery_codes)
    # allauth derives the codes from a seed with HMAC: the seed is stored encrypted, never as itself.
    assert set(data) >= {"seed", "used_mask"}
    assert accounts.decrypt(data["seed"]) != data["seed"] and accounts.decrypt(data["seed"]) not in stored


def _stored_json(user, kind) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE user_id = %s AND type = %s", [user.pk, kind])
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value)


def test_a_rotated_secret_key_still_decrypts_with_the_old_one_among_the_fallbacks(physio, authenticator, settings):
    code = current_code(authenticator)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a brand new secret key that is long enough to be a real one 12345"
    assert current_code(Authenticator.objects.get(pk=authenticator.pk)) == code


def test_a_changed_key_without_a_fallback_says_what_went_wrong(physio, authenticator, settings):
    settings.SECRET_KEY = "a brand new secret key that is long enough to be a real one 12345"
    with pytest.raises(accounts.SecretUnreadable, match="SECRET_KEY_FALLBACKS"):
        accounts.decrypt(authenticator.data["secret"])


def test_a_dedicated_encryption_key_is_used_when_set(settings):
    settings.MFA_ENCRYPTION_KEY = "a key for two-factor secrets only"
    token = accounts.encrypt("JBSWY3DP")
    settings.SECRET_KEY = "another secret key altogether, long enough to be a real one 67890"
    assert accounts.decrypt(token) == "JBSWY3DP"


def test_a_dedicated_key_set_later_still_reads_what_the_secret_key_encrypted(physio, authenticator, settings):
    code = current_code(authenticator)
    settings.MFA_ENCRYPTION_KEY = "a key for two-factor secrets only"
    assert current_code(Authenticator.objects.get(pk=authenticator.pk)) == code
    assert accounts.decrypt(accounts.encrypt("JBSWY3DP")) == "JBSWY3DP"


# --- New recovery codes and turning off --------------------------------------------------------------------------


def test_new_recovery_codes_ask_to_confirm_with_a_code_first(physio_client, recovery_codes):
    response = physio_client.post(reverse("mfa_generate_recovery_codes"))
    assert response.url.startswith(reverse("mfa_reauthenticate"))
    assert recovery_codes_left(physio_client) == 10


def recovery_codes_left(client):
    return accounts.recovery_codes_left(client.get(reverse("mfa_index")).wsgi_request.user)


def test_new_recovery_codes_replace_the_old_ones(physio_client, physio, authenticator, recovery_codes):
    physio_client.post(
        f"{reverse('mfa_reauthenticate')}?next={reverse('mfa_generate_recovery_codes')}",
        {"code": current_code(authenticator)},
    )
    response = physio_client.post(reverse("mfa_generate_recovery_codes"))
    assert response.url == reverse("mfa_view_recovery_codes")
    new = physio_client.get(response.url).context["unused_codes"]
    assert len(new) == 10 and not set(new) & set(recovery_codes)


def test_turning_off_asks_to_confirm_with_a_code_not_the_password(physio_client, physio, recovery_codes):
    response = physio_client.get(reverse("mfa_deactivate_totp"))
    assert response.url.startswith(reverse("mfa_reauthenticate"))
    # The password page sends users with two-factor sign-in on to the code.
    password_page = physio_client.get(reverse("account_reauthenticate"))
    assert password_page.url.startswith(reverse("mfa_reauthenticate"))
    assert accounts.has_two_factor(physio.user)


def test_turning_off_removes_the_authenticator_and_the_codes(physio_client, physio, authenticator, recovery_codes):
    physio_client.post(reverse("mfa_reauthenticate"), {"code": current_code(authenticator)})
    response = physio_client.post(reverse("mfa_deactivate_totp"))
    assert response.url == reverse("mfa_index")
    assert not Authenticator.objects.filter(user=physio.user).exists()


def test_two_factor_cannot_be_turned_off_when_the_clinic_requires_it(client, physio, clinic, authenticator, frozen):
    clinic.require_staff_2fa = True
    clinic.save()
    sign_in(client, physio.user)
    client.post(reverse("mfa_authenticate"), {"code": current_code(authenticator)})
    frozen.shift(30)
    client.post(reverse("mfa_reauthenticate"), {"code": current_code(authenticator)})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 403
    assert "requires two-factor sign-in" in response.content.decode()
    assert accounts.has_two_factor(physio.user)
    assert "Remove the authenticator app" not in client.get(reverse("mfa_index")).content.decode()


# --- A clinic that requires two-factor sign-in for its staff -----------------------------------------------------


@pytest.fixture
def strict_clinic(clinic):
    clinic.require_staff_2fa = True
    clinic.save()
    return clinic


@pytest.mark.parametrize(
    "url_name", ["patient_list", "account_change_password", "my_page", "mfa_generate_recovery_codes"]
)
def test_staff_of_a_strict_clinic_are_sent_to_set_it_up_from_every_page(strict_clinic, physio_client, url_name):
    response = physio_client.get(reverse(url_name))
    assert response.url == reverse("mfa_index")


@pytest.mark.parametrize("url_name", ["mfa_index", "account_reauthenticate", "healthz"])
def test_staff_of_a_strict_clinic_can_reach_the_set_up_and_the_health_check(strict_clinic, desk_client, url_name):
    assert desk_client.get(reverse(url_name)).status_code == 200


def test_the_security_page_says_the_clinic_requires_it(strict_clinic, desk_client):
    assert "Your clinic asks all its staff" in desk_client.get(reverse("mfa_index")).content.decode()


def test_staff_of_a_strict_clinic_can_sign_out(strict_clinic, desk_client):
    desk_client.post(reverse("account_logout"))
    assert not is_signed_in(desk_client)


def test_patients_of_a_strict_clinic_are_not_forced(strict_clinic, patient_client):
    assert patient_client.get(reverse("my_page")).status_code == 200


def test_staff_of_a_strict_clinic_use_pages_once_set_up(strict_clinic, physio_client):
    mark_reauthenticated(physio_client, method="password")
    setup_with_the_right_code(physio_client)
    assert physio_client.get(reverse("patient_list")).status_code == 200


def test_a_strict_clinics_staff_session_from_before_their_set_up_must_sign_in_again(
    strict_clinic, physio_client, authenticator
):
    response = physio_client.get(reverse("patient_list"))
    assert response.url.startswith(reverse("account_login"))
    assert not is_signed_in(physio_client)


def test_a_strict_clinics_staff_signed_in_with_a_code_use_every_page(strict_clinic, client, physio, authenticator):
    sign_in(client, physio.user)
    client.post(reverse("mfa_authenticate"), {"code": current_code(authenticator)})
    assert client.get(reverse("patient_list")).status_code == 200
