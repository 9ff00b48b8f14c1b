"""Lock-out after repeated failures (django-axes, on here only) on every form that checks a secret: passwords, sign-in
codes, confirming who it is, the old password of a password change; allauth's rate limits on top (one password tried
across many accounts, one account tried from many addresses); and the record of sign-ins."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, AuthenticatorAppFactory, UserFactory, current_code

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
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


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
    device = AuthenticatorAppFactory(user=physio.user)
    sign_in(client, physio.user.email)
    answers = [client.post(reverse("mfa_authenticate"), {"code": "000000"}) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 429]
    assert clinic.phone in answers[-1].content.decode()
    # The sign-in that was waiting for its code is over: the right code now leads back to the password, which waits.
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(device)})
    assert response.url.startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session
    assert sign_in(client, physio.user.email).status_code == 429


def test_wrong_passwords_on_the_confirm_page_count_toward_the_lock_out(client, physio, frozen):
    client.force_login(physio.user)
    statuses = [client.post(reverse("account_reauthenticate"), {"password": "wrong"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def test_a_session_locked_out_on_the_confirm_page_is_signed_out(client, physio, frozen):
    client.force_login(physio.user)
    for _ in range(5):
        client.post(reverse("account_reauthenticate"), {"password": "wrong"})
    assert SESSION_KEY not in client.session


def test_wrong_codes_on_the_confirm_page_count_toward_the_lock_out_and_sign_out(client, physio, frozen):
    AuthenticatorAppFactory(user=physio.user)
    client.force_login(physio.user)
    statuses = [client.post(reverse("mfa_reauthenticate"), {"code": "000000"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert SESSION_KEY not in client.session
    assert sign_in(client, physio.user.email).status_code == 429
    assert SESSION_KEY not in client.session


def change_password(client, old_password):
    new = "a brand new passphrase 7"
    data = {"oldpassword": old_password, "password1": new, "password2": new}
    return client.post(reverse("account_change_password"), data)


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
    assert response.context["form"].errors == {"oldpassword": ["That isn't your current password."]}
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
        "login": ["An e-mail address has at most 254 characters: check the one you typed."]
    }
    assert f'value="{typed}"' in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_the_lock_out_never_stores_an_over_long_address(db):
    request = RequestFactory().post(reverse("account_login"))
    user_login_failed.send(sender=__name__, credentials={"username": "a" * 1000}, request=request)
    assert len(AccessAttempt.objects.get().username) <= 254


def test_the_lock_out_never_stores_what_was_typed_as_a_secret(client, physio, frozen):
    client.force_login(physio.user)
    change_password(client, "my old secret")
    client.logout()
    sign_in(client, physio.user.email, "another secret")
    stored = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "secret" not in stored and "passphrase" not in stored and physio.user.email not in stored


# --- Rate limits on top (allauth's) -------------------------------------------------------------------------------


def test_one_password_tried_across_many_accounts_from_one_address_is_slowed(client, db, frozen):
    accounts = [UserFactory() for _ in range(11)]
    answers = [sign_in(client, user.email, "Summer2026!") for user in accounts]
    assert [answer.status_code for answer in answers] == [200] * 11
    assert "Too many unsuccessful attempts" in answers[-1].context["form"].errors["password"][0]
    assert "Too many unsuccessful attempts" not in answers[-2].context["form"].errors["password"][0]
    # The right password of another account from that address waits too, and works again after a minute.
    assert sign_in(client, accounts[0].email, PASSWORD).status_code == 200
    frozen.shift(61)
    assert sign_in(client, accounts[0].email, PASSWORD).status_code == 302


def test_one_account_tried_from_many_addresses_is_slowed(client, physio, frozen):
    for n in range(10):
        sign_in(client, physio.user.email, "wrong password", REMOTE_ADDR=f"198.51.100.{n}")
    response = sign_in(client, physio.user.email, "wrong password", REMOTE_ADDR="198.51.100.99")
    assert "Too many unsuccessful attempts" in response.context["form"].errors["password"][0]


# --- The record of sign-ins ---------------------------------------------------------------------------------------


def test_each_sign_in_is_recorded_with_the_address_and_browser(client, physio, frozen):
    sign_in(client, physio.user.email, HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="198.51.100.7")
    [entry] = AccessLog.objects.all()
    assert (entry.username, entry.ip_address, entry.user_agent) == (physio.user.email, "198.51.100.7", "Firefox/140")


def test_a_sign_in_with_a_code_is_recorded_once_it_is_complete(client, physio, frozen):
    device = AuthenticatorAppFactory(user=physio.user)
    sign_in(client, physio.user.email)
    assert not AccessLog.objects.exists()
    client.post(reverse("mfa_authenticate"), {"code": current_code(device)})
    assert AccessLog.objects.get().username == physio.user.email
