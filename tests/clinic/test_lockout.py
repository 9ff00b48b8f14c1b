"""Lock-out after repeated failures (django-axes, on here only): passwords, sign-in codes, re-authentication."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, TOTPDeviceFactory, current_code

NOW = "2026-03-02 09:00:00 +0000"


@pytest.fixture(autouse=True)
def lockout_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def fail(client, email, times, **extra):
    return [sign_in(client, email, "wrong password", **extra).status_code for _ in range(times)]


def test_wrong_passwords_up_to_the_limit_lock_out_with_a_friendly_page(client, physio, frozen):
    assert fail(client, physio.user.email, 4) == [200, 200, 200, 200]
    response = sign_in(client, physio.user.email, "wrong password")
    assert response.status_code == 429
    page = response.content.decode()
    retry_at = timezone.localtime() + timedelta(minutes=30)
    assert f'try again after <strong><time datetime="{retry_at.isoformat()}">{retry_at:%H:%M}</time>' in page
    assert "Call your clinic" in page


def test_locked_out_account_is_refused_even_with_the_right_password(client, physio, frozen):
    fail(client, physio.user.email, 5)
    response = sign_in(client, physio.user.email)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_addresses_count_together_whatever_their_case(client, physio, frozen):
    fail(client, physio.user.email.upper(), 3)
    fail(client, physio.user.email, 2)
    assert sign_in(client, physio.user.email).status_code == 429


def test_lock_out_is_for_that_address_from_that_client_only(client, physio, front_desk, frozen):
    fail(client, physio.user.email, 5, REMOTE_ADDR="198.51.100.1")
    assert sign_in(client, front_desk.user.email, REMOTE_ADDR="198.51.100.1").status_code == 302
    client.logout()
    assert sign_in(client, physio.user.email, REMOTE_ADDR="198.51.100.2").status_code == 302


def test_lock_out_ends_after_the_cool_off(client, physio, frozen):
    fail(client, physio.user.email, 5)
    frozen.shift(timedelta(minutes=31))
    assert sign_in(client, physio.user.email).status_code == 302


def test_successful_sign_in_forgets_earlier_failures(client, physio, frozen):
    fail(client, physio.user.email, 4)
    sign_in(client, physio.user.email)
    client.logout()
    assert fail(client, physio.user.email, 4) == [200, 200, 200, 200]


def test_forwarded_addresses_are_ignored_without_a_trusted_proxy(client, physio, frozen):
    for n in range(5):
        sign_in(client, physio.user.email, "wrong password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(client, physio.user.email, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_address_counts(client, physio, settings, frozen):
    settings.BEHIND_TLS_PROXY = True
    fail(client, physio.user.email, 5, HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert sign_in(client, physio.user.email, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
    assert sign_in(client, physio.user.email, HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 302


def test_wrong_sign_in_codes_count_toward_the_lock_out(client, physio, clinic, frozen):
    device = TOTPDeviceFactory(user=physio.user)
    sign_in(client, physio.user.email)
    statuses = []
    for _ in range(5):
        frozen.shift(60)  # past django-otp's own back-off, so each code is really checked
        statuses.append(client.post(reverse("sign_in_code"), {"code": "000000"}).status_code)
    assert statuses == [200, 200, 200, 200, 429]
    response = client.post(reverse("sign_in_code"), {"code": current_code(device)})
    assert response.status_code == 429
    assert clinic.phone in response.content.decode()
    assert SESSION_KEY not in client.session
    assert sign_in(client, physio.user.email).status_code == 429


def test_wrong_passwords_on_the_confirm_page_count_toward_the_lock_out(client, physio, frozen):
    client.force_login(physio.user)
    statuses = [client.post(reverse("reauth"), {"password": "wrong"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def test_a_session_locked_out_on_the_confirm_page_is_signed_out(client, physio, frozen):
    client.force_login(physio.user)
    for _ in range(5):
        client.post(reverse("reauth"), {"password": "wrong"})
    assert SESSION_KEY not in client.session


def change_password(client, old_password):
    new = "a brand new passphrase 7"
    data = {"old_password": old_password, "new_password1": new, "new_password2": new}
    return client.post(reverse("password_change"), data)


def test_wrong_old_passwords_on_the_password_change_page_count_toward_the_lock_out(client, physio, frozen):
    client.force_login(physio.user)
    statuses = [change_password(client, "wrong").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def test_a_session_locked_out_on_the_password_change_page_is_signed_out(client, physio, frozen):
    # A stolen session must not go on guessing, nor keep its access once the guessing has been stopped.
    client.force_login(physio.user)
    fail_change = [change_password(client, "wrong") for _ in range(5)]
    assert fail_change[-1].status_code == 429
    assert SESSION_KEY not in client.session
    assert sign_in(client, physio.user.email).status_code == 429


def test_the_password_change_page_counts_together_with_the_sign_in(client, physio, frozen):
    fail(client, physio.user.email, 4)
    client.force_login(physio.user)
    assert change_password(client, "wrong").status_code == 429


def test_a_wrong_old_password_says_so_beside_the_field(client, physio, frozen):
    client.force_login(physio.user)
    response = change_password(client, "wrong")
    assert list(response.context["form"].errors) == ["old_password"]
    physio.user.refresh_from_db()
    assert physio.user.check_password(PASSWORD)


@pytest.mark.parametrize("length", [256, 100_000])
def test_an_over_long_address_is_refused_beside_the_field_before_anything_is_counted(client, physio, length):
    # Axes keeps the address in a column of 255 characters (PostgreSQL refused it with a 500), and SQLite can't
    # even look up 100,000 characters (a 503).
    typed = "a" * (length - len("@example.test")) + "@example.test"
    response = sign_in(client, typed, "any password")
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "username": ["An e-mail address has at most 254 characters: check the one you typed."]
    }
    assert f'value="{typed}"' in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_the_lock_out_never_stores_an_over_long_address(db):
    request = RequestFactory().post(reverse("login"))
    user_login_failed.send(sender=__name__, credentials={"username": "a" * 1000}, request=request)
    assert len(AccessAttempt.objects.get().username) <= 254
