"""Signing in with an e-mail address and a password, signing out, and resetting a forgotten password (allauth's pages
in Runback's words). Two-factor sign-in: test_two_factor.py; passkeys: test_passkeys.py; lock-out and rate limits:
test_lockout.py."""

import re

from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, AuthenticatorAppFactory


def test_sign_in_with_email_and_password_reaches_the_roles_home(client, physio, password):
    response = client.post(reverse("account_login"), {"login": physio.user.email.upper(), "password": password})
    assert response.status_code == 302
    assert client.get(response.url).url == reverse("patient_list")


def test_a_wrong_password_keeps_the_address_and_explains_beside_the_password(client, physio):
    response = client.post(reverse("account_login"), {"login": physio.user.email, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "password": ["Your e-mail address and password didn't match. Please try again."]
    }
    assert physio.user.email in response.content.decode()
    assert SESSION_KEY not in client.session


def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(client, db):
    response = client.post(reverse("account_login"), {"login": "nobody@example.test", "password": "anything"})
    assert response.context["form"].errors == {
        "password": ["Your e-mail address and password didn't match. Please try again."]
    }


def test_a_signed_in_user_visiting_the_sign_in_page_is_sent_home(physio_client):
    response = physio_client.get(reverse("account_login"))
    assert response.status_code == 302


def test_signing_out_asks_on_a_get_and_ends_the_session_on_a_post(physio_client):
    page = physio_client.get(reverse("account_logout"))
    assert page.status_code == 200 and SESSION_KEY in physio_client.session
    response = physio_client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert physio_client.get(reverse("patient_list")).status_code == 302


def test_nobody_can_sign_themselves_up_nor_manage_addresses(client, physio_client):
    for path in ("/accounts/signup/", "/accounts/email/", "/accounts/login/code/", "/accounts/2fa/trust/"):
        assert client.get(path).status_code == 404, path
        assert physio_client.get(path).status_code == 404, path


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)


def test_a_password_reset_sends_a_working_link_that_does_not_sign_in(client, patient):
    client.post(reverse("account_reset_password"), {"email": patient.user.email})
    [message] = mail.outbox
    assert message.subject == "Choose a new password for your Riverside Physio portal"
    assert message.to == [patient.user.email] and message.from_email.startswith("Riverside Physio <")
    assert "please call us on" in message.body and "your password stays as it is" not in message.body
    form_page = client.get(reset_link(message), follow=True)
    assert form_page.context["form"] is not None and not form_page.context.get("token_fail")
    new = "a new long passphrase 42"
    response = client.post(form_page.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert response.url == reverse("account_reset_password_from_key_done")
    assert SESSION_KEY not in client.session
    assert client.login(email=patient.user.email, password=new)


def test_a_staff_password_reset_comes_from_runback(client, physio):
    client.post(reverse("account_reset_password"), {"email": physio.user.email})
    [message] = mail.outbox
    assert message.subject == "Choose a new Runback password" and "Runback" in message.body


def test_a_reset_link_works_once(client, patient):
    client.post(reverse("account_reset_password"), {"email": patient.user.email})
    link = reset_link(mail.outbox[0])
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "a new long passphrase 42", "password2": "a new long passphrase 42"},
    )
    assert client.get(link, follow=True).context["token_fail"] is True


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert response.url == reverse("account_reset_password_done")
    assert mail.outbox == []


def test_a_tampered_reset_link_says_it_no_longer_works(client, patient):
    response = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "bad-token"}))
    assert response.context["token_fail"] is True
    assert "This link no longer works" in response.content.decode()


def test_a_reset_password_with_two_factor_still_asks_for_the_code(client, patient):
    AuthenticatorAppFactory(user=patient.user)
    client.post(reverse("account_reset_password"), {"email": patient.user.email})
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    new = "a new long passphrase 42"
    client.post(form_page.redirect_chain[-1][0], {"password1": new, "password2": new})
    response = client.post(reverse("account_login"), {"login": patient.user.email, "password": new})
    assert response.url == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session


def test_changing_the_password_needs_the_current_one(physio_client, physio):
    new = "a brand new passphrase 7"
    response = physio_client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.url == reverse("mfa_index")
    physio.user.refresh_from_db()
    assert physio.user.check_password(new)


def test_a_weak_new_password_is_refused_with_the_reason(physio_client, physio):
    response = physio_client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": "12345", "password2": "12345"}
    )
    assert "This password is too short" in " ".join(response.context["form"].errors["password1"])


def test_an_account_without_a_password_can_choose_one(physio_client, physio):
    physio.user.set_unusable_password()
    physio.user.save()
    physio_client.force_login(physio.user)
    assert physio_client.get(reverse("account_change_password")).url == reverse("account_set_password")
    new = "a brand new passphrase 7"
    physio_client.post(reverse("account_set_password"), {"password1": new, "password2": new})
    physio.user.refresh_from_db()
    assert physio.user.check_password(new)
