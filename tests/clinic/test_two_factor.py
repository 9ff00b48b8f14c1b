import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.two_factor import PENDING_SIGN_IN_SECONDS, RECOVERY_CODE_COUNT
from tests.factories import PASSWORD, RecoveryCodesFactory, TOTPDeviceFactory, current_code


@pytest.fixture
def authenticator(physio):
    return TOTPDeviceFactory(user=physio.user)


@pytest.fixture
def recovery_codes(physio):
    return RecoveryCodesFactory(user=physio.user, codes=["abcd2345", "efgh6723"])


def sign_in(client, user, next_url=""):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def is_signed_in(client):
    return SESSION_KEY in client.session


# --- Signing in in two steps ------------------------------------------------------------------------------------


def test_sign_in_with_authenticator_asks_for_a_code_before_signing_in(client, physio, authenticator):
    response = sign_in(client, physio.user)
    assert response.url == reverse("sign_in_code")
    assert not is_signed_in(client)
    page = client.get(response.url).content.decode()
    assert "6-digit code" in page and "recovery code" in page


@pytest.mark.parametrize(
    "url_name", ["patient_list", "my_page", "account_security", "password_change", "two_factor_setup", "reauth"]
)
def test_session_waiting_for_a_code_opens_no_other_page(client, physio, authenticator, url_name):
    sign_in(client, physio.user)
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_correct_code_signs_in_verified_and_goes_on_to_next(client, physio, authenticator):
    sign_in(client, physio.user, next_url=reverse("patient_create"))
    response = client.post(reverse("sign_in_code"), {"code": current_code(authenticator)})
    assert response.url == reverse("patient_create")
    assert client.session[SESSION_KEY] == str(physio.user.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == authenticator.persistent_id
    assert client.get(reverse("patient_list")).status_code == 200


def test_sign_in_ignores_a_next_address_on_another_site(client, physio, authenticator):
    sign_in(client, physio.user, next_url="https://evil.example/steal")
    response = client.post(reverse("sign_in_code"), {"code": current_code(authenticator)})
    assert response.url == reverse("home")


def test_wrong_code_explains_and_keeps_the_session_anonymous(client, physio, authenticator):
    sign_in(client, physio.user)
    response = client.post(reverse("sign_in_code"), {"code": "000000"})
    assert response.status_code == 200
    assert "That code didn&#x27;t work" in response.content.decode()
    assert not is_signed_in(client)


def test_code_is_refused_while_the_back_off_after_a_wrong_one_runs(client, physio, authenticator):
    with time_machine.travel("2026-03-02 09:00:00 +0000", tick=False) as traveller:
        sign_in(client, physio.user)
        client.post(reverse("sign_in_code"), {"code": "000000"})
        response = client.post(reverse("sign_in_code"), {"code": current_code(authenticator)})
        assert "wait a minute" in response.content.decode()
        assert not is_signed_in(client)
        traveller.shift(31)
        client.post(reverse("sign_in_code"), {"code": current_code(authenticator)})
        assert is_signed_in(client)


def test_recovery_code_works_while_the_authenticator_is_backing_off(client, physio, authenticator, recovery_codes):
    sign_in(client, physio.user)
    client.post(reverse("sign_in_code"), {"code": "000000"})
    client.post(reverse("sign_in_code"), {"code": "efgh6723"})
    assert is_signed_in(client)


def test_used_code_cannot_sign_in_twice(client, physio, authenticator):
    with time_machine.travel("2026-03-02 09:00:00 +0000", tick=False):
        code = current_code(authenticator)
        sign_in(client, physio.user)
        client.post(reverse("sign_in_code"), {"code": code})
        assert is_signed_in(client)
        client.post(reverse("logout"))
        sign_in(client, physio.user)
        response = client.post(reverse("sign_in_code"), {"code": code})
        assert response.status_code == 200
        assert not is_signed_in(client)


def test_recovery_code_signs_in_once_and_says_how_many_are_left(client, physio, authenticator, recovery_codes, caplog):
    sign_in(client, physio.user)
    response = client.post(reverse("sign_in_code"), {"code": " ABCD-2345 "}, follow=True)
    assert is_signed_in(client)
    assert "You have 1 left" in response.content.decode()
    assert f"User {physio.user.pk} signed in with a recovery code" in caplog.messages
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["efgh6723"]
    client.post(reverse("logout"))
    sign_in(client, physio.user)
    client.post(reverse("sign_in_code"), {"code": "abcd2345"})
    assert not is_signed_in(client)


def test_code_page_expires_and_asks_for_the_password_again(client, physio, authenticator):
    with time_machine.travel("2026-03-02 09:00:00 +0000", tick=False) as traveller:
        sign_in(client, physio.user)
        traveller.shift(PENDING_SIGN_IN_SECONDS + 1)
        response = client.post(reverse("sign_in_code"), {"code": current_code(authenticator)})
        assert response.url == reverse("login")
        assert not is_signed_in(client)


def test_password_sign_in_changes_the_session_key_before_the_code(client, physio, authenticator):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    sign_in(client, physio.user)
    assert client.session.session_key != before


def test_admin_login_page_leads_to_the_two_step_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.url == f"{reverse('login')}?next=/admin/"


# --- Setting up ------------------------------------------------------------------------------------------------


def test_setup_page_shows_an_inline_svg_qr_code_and_the_key_without_inline_style(physio_client, physio):
    response = physio_client.get(reverse("two_factor_setup"))
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=physio.user)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'class="qr-code"' in svg and 'role="img"' in svg and "<path" in svg
    assert "style" not in svg and "width=" not in svg.split(">")[0]
    assert not device.confirmed
    assert response.context["manual_key"].replace(" ", "") in device.config_url


def test_setup_page_keeps_the_same_key_when_reloaded(physio_client, physio):
    first = physio_client.get(reverse("two_factor_setup")).context["manual_key"]
    second = physio_client.get(reverse("two_factor_setup")).context["manual_key"]
    assert first == second
    assert TOTPDevice.objects.filter(user=physio.user).count() == 1


def test_setup_with_a_wrong_code_explains_and_leaves_two_factor_off(physio_client, physio):
    physio_client.get(reverse("two_factor_setup"))
    response = physio_client.post(reverse("two_factor_setup"), {"code": "123456"})
    assert "didn&#x27;t match" in response.content.decode()
    assert not TOTPDevice.objects.get(user=physio.user).confirmed


def test_setup_confirmed_by_a_code_shows_ten_recovery_codes_once(physio_client, physio, caplog):
    physio_client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=physio.user)
    response = physio_client.post(reverse("two_factor_setup"), {"code": current_code(device)})
    assert response.url == reverse("recovery_codes")
    device.refresh_from_db()
    assert device.confirmed
    assert physio_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    shown = physio_client.get(reverse("recovery_codes")).context["codes"]
    stored = StaticToken.objects.filter(device__user=physio.user).values_list("token", flat=True)
    assert len(shown) == RECOVERY_CODE_COUNT
    assert sorted(code.replace("-", "") for code in shown) == sorted(stored)
    assert physio_client.get(reverse("recovery_codes")).url == reverse("account_security")
    assert f"Two-factor sign-in turned on for user {physio.user.pk}" in caplog.messages
    assert physio.user.email not in caplog.text


def test_setup_when_two_factor_is_already_on_changes_nothing(physio_client, physio, authenticator):
    response = physio_client.get(reverse("two_factor_setup"))
    assert response.url == reverse("account_security")
    assert list(TOTPDevice.objects.filter(user=physio.user)) == [authenticator]


def test_patient_may_turn_on_two_factor_too(patient_client, patient):
    patient_client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=patient.user)
    patient_client.post(reverse("two_factor_setup"), {"code": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed


def test_security_page_shows_status_and_codes_left(physio_client, authenticator, recovery_codes):
    page = physio_client.get(reverse("account_security")).content.decode()
    assert "On</span>" in page
    assert "2 unused recovery codes" in page


# --- Recovery codes and turning off ------------------------------------------------------------------------------


def test_regenerating_recovery_codes_replaces_the_old_ones(physio_client, physio, authenticator, recovery_codes):
    physio_client.post(reverse("reauth"), {"password": PASSWORD, "code": current_code(authenticator)})
    response = physio_client.post(reverse("recovery_codes_regenerate"))
    assert response.url == reverse("recovery_codes")
    tokens = set(StaticToken.objects.filter(device__user=physio.user).values_list("token", flat=True))
    assert len(tokens) == RECOVERY_CODE_COUNT
    assert not tokens & {"abcd2345", "efgh6723"}


def test_regenerating_recovery_codes_asks_for_the_password_first(physio_client, authenticator, recovery_codes):
    response = physio_client.post(reverse("recovery_codes_regenerate"))
    assert response.url.startswith(reverse("reauth"))
    assert StaticToken.objects.filter(device=recovery_codes).count() == 2


def test_turning_off_two_factor_needs_the_password(physio_client, physio, authenticator, recovery_codes):
    response = physio_client.post(reverse("two_factor_disable"), {"password": "not my password"})
    assert response.context["form"].errors == {"password": ["That password isn't right."]}
    assert TOTPDevice.objects.filter(user=physio.user).exists()


def test_turning_off_two_factor_removes_authenticator_and_codes(physio_client, physio, authenticator, recovery_codes):
    response = physio_client.post(reverse("two_factor_disable"), {"password": PASSWORD})
    assert response.url == reverse("account_security")
    assert not TOTPDevice.objects.filter(user=physio.user).exists()
    assert not StaticToken.objects.filter(device__user=physio.user).exists()


def test_two_factor_cannot_be_turned_off_when_the_clinic_requires_it(client, physio, clinic, authenticator):
    clinic.require_staff_2fa = True
    clinic.save()
    sign_in(client, physio.user)
    client.post(reverse("sign_in_code"), {"code": current_code(authenticator)})
    response = client.post(reverse("two_factor_disable"), {"password": PASSWORD})
    assert response.status_code == 403
    assert "requires two-factor sign-in" in response.content.decode()
    assert TOTPDevice.objects.filter(user=physio.user).exists()


# --- A clinic that requires two-factor sign-in for its staff -----------------------------------------------------


@pytest.fixture
def strict_clinic(clinic):
    clinic.require_staff_2fa = True
    clinic.save()
    return clinic


@pytest.mark.parametrize("url_name", ["patient_list", "account_security", "password_change", "my_page"])
def test_staff_of_a_strict_clinic_are_sent_to_setup_from_every_page(strict_clinic, physio_client, url_name):
    response = physio_client.get(reverse(url_name))
    assert response.url == reverse("two_factor_setup")


@pytest.mark.parametrize("url_name", ["two_factor_setup", "healthz"])
def test_staff_of_a_strict_clinic_can_reach_setup_and_health_check(strict_clinic, desk_client, url_name):
    assert desk_client.get(reverse(url_name)).status_code == 200


def test_staff_of_a_strict_clinic_can_sign_out(strict_clinic, desk_client):
    desk_client.post(reverse("logout"))
    assert not is_signed_in(desk_client)


def test_patients_of_a_strict_clinic_are_not_forced(strict_clinic, patient_client):
    assert patient_client.get(reverse("my_page")).status_code == 200


def test_staff_of_a_strict_clinic_use_pages_once_set_up(strict_clinic, physio_client, physio):
    physio_client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=physio.user)
    physio_client.post(reverse("two_factor_setup"), {"code": current_code(device)})
    assert physio_client.get(reverse("patient_list")).status_code == 200


def test_strict_clinic_staff_session_from_before_their_setup_must_sign_in_again(
    strict_clinic, physio_client, authenticator
):
    response = physio_client.get(reverse("patient_list"))
    assert response.url.startswith(reverse("login"))
    assert not is_signed_in(physio_client)
