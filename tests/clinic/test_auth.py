import re

from django.core import mail
from django.urls import reverse


def test_login_with_email_and_password_reaches_role_home(client, physio, password):
    response = client.post(reverse("login"), {"username": physio.user.email.upper(), "password": password})
    assert response.status_code == 302
    assert client.get(response.url).url == reverse("patient_list")


def test_login_with_wrong_password_keeps_email_and_explains(client, physio):
    response = client.post(reverse("login"), {"username": physio.user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert physio.user.email in response.content.decode()


def test_signed_in_user_visiting_login_is_sent_home(physio_client):
    response = physio_client.get(reverse("login"))
    assert response.status_code == 302


def test_logout_needs_post_and_ends_the_session(physio_client):
    assert physio_client.get(reverse("logout")).status_code == 405
    response = physio_client.post(reverse("logout"))
    assert response.status_code == 302
    assert physio_client.get(reverse("patient_list")).status_code == 302


def test_password_reset_sends_a_working_link(client, patient):
    client.post(reverse("password_reset"), {"email": patient.user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a new long passphrase 42", "new_password2": "a new long passphrase 42"},
    )
    assert response.status_code == 302
    assert client.login(email=patient.user.email, password="a new long passphrase 42")


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_with_tampered_token_shows_expired_page(client, patient):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "bad-token"]), follow=True)
    assert response.context["validlink"] is False
