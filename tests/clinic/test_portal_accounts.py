"""Portal accounts: made by the patient after sending the intake (the date-of-birth check passed), or by the clinic's
invitation with a one-time set-password link; patients then sign in at the normal page and land on their portal."""

import re
from datetime import timedelta

import pytest
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinic import services
from clinic.models import AuditEvent
from intake import services as intake_services
from intake.models import Intake
from portal import services as portal_services
from portal.models import CalendarFeed
from tests.factories import PASSWORD, AuthenticatorAppFactory, PatientFactory, UserFactory
from tests.intake.factories import REQUIRED_INTAKE, fill_in

User = get_user_model()
NEW_PASSWORD = "knee strong again 2026"


@pytest.fixture
def new_patient(clinic, physio):
    """A patient without a portal account, with the e-mail address on the record."""
    return PatientFactory(clinic=clinic, physio=physio, first_name="Nadia", email="nadia@example.test")


def sent_intake(patient, physio, client, answers=REQUIRED_INTAKE):
    """The patient's intake sent through the link, in `client`'s session (the date of birth checked)."""
    invite = intake_services.invite_create(patient=patient, by=physio)
    born = patient.date_of_birth
    client.post(invite.get_absolute_url(), {"day": born.day, "month": born.month, "year": born.year})
    intake = fill_in(Intake.objects.get(invite=invite), answers)
    intake_services.intake_submit(intake=intake)
    return invite


def account_data(email="nadia@example.test", password=NEW_PASSWORD, again=None):
    return {"email": email, "new_password1": password, "new_password2": password if again is None else again}


# --- from the intake ----------------------------------------------------------------------------------------------


def test_after_the_intake_the_patient_is_offered_an_account_with_the_records_address(client, new_patient, physio):
    invite = sent_intake(new_patient, physio, client)
    response = client.get(reverse("intake:done", args=[invite.token]))
    form = response.context["account_form"]
    assert form["email"].value() == "nadia@example.test"
    assert reverse("intake:account", args=[invite.token]) in response.content.decode()


def test_making_the_account_links_it_signs_in_and_lands_on_the_portal(client, new_patient, physio):
    invite = sent_intake(new_patient, physio, client)
    response = client.post(reverse("intake:account", args=[invite.token]), account_data())
    assert response.status_code == 302 and response.url == reverse("my_page")
    new_patient.refresh_from_db()
    user = new_patient.user
    assert (user.email, user.first_name, user.check_password(NEW_PASSWORD)) == ("nadia@example.test", "Nadia", True)
    assert client.get(reverse("my_page")).context["patient"] == new_patient
    assert client.get(reverse("portal_settings")).context["form"].initial["email_reminders"] == "true"  # on by default
    assert AuditEvent.objects.filter(action="create", target_type="user", target_id=user.pk).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (account_data(password="short"), "new_password2", "This password is too short"),
        (account_data(password="password123"), "new_password2", "This password is too common"),
        (account_data(again="not the same at all"), "new_password2", "didn’t match"),
        (account_data(email="not an address"), "email", "Enter a valid email address"),
    ],
)
def test_a_bad_account_form_is_refused_with_the_reason(client, new_patient, physio, data, field, message):
    invite = sent_intake(new_patient, physio, client)
    response = client.post(reverse("intake:account", args=[invite.token]), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["account_form"].errors[field])
    assert response.context["account_form"]["email"].value() == data["email"]  # what was typed is kept
    new_patient.refresh_from_db()
    assert new_patient.user is None


def test_an_address_already_used_by_an_account_is_refused(client, new_patient, physio):
    UserFactory(email="taken@example.test")
    invite = sent_intake(new_patient, physio, client)
    response = client.post(reverse("intake:account", args=[invite.token]), account_data(email="Taken@example.test"))
    assert "already belongs to a Runback account" in response.context["account_form"].errors["email"][0]
    assert not User.objects.filter(patient__isnull=False, email__iexact="taken@example.test").exists()


def test_no_account_is_offered_beside_urgent_advice(client, new_patient, physio):
    invite = sent_intake(new_patient, physio, client, answers={**REQUIRED_INTAKE, "locking": "current"})
    response = client.get(reverse("intake:done", args=[invite.token]))
    assert response.context["account_form"] is None


def test_the_account_cannot_be_made_without_the_date_of_birth_check(client, new_patient, physio):
    invite = sent_intake(new_patient, physio, client)
    client.session.flush()
    client.cookies.clear()
    response = client.post(reverse("intake:account", args=[invite.token]), account_data())
    assert response.status_code == 302 and response.url == reverse("intake:start", args=[invite.token])
    new_patient.refresh_from_db()
    assert new_patient.user is None


def test_a_patient_with_an_account_is_sent_to_sign_in(client, patient, physio):
    invite = sent_intake(patient, physio, client)
    assert client.get(reverse("intake:done", args=[invite.token])).context["account_form"] is None
    response = client.post(reverse("intake:account", args=[invite.token]), account_data(email="other@example.test"))
    assert response.url == reverse("account_login")


# --- invited by the clinic ----------------------------------------------------------------------------------------


def welcome_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/welcome/\S+/)", message.body).group(1)


@pytest.mark.parametrize("role", ["physio", "front_desk"])
def test_staff_invite_a_patient_who_gets_a_set_password_link(
    as_role, role, new_patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_role(role).post(reverse("portal_invite", args=[new_patient.pk]))
    assert response.status_code == 302
    new_patient.refresh_from_db()
    user = new_patient.user
    assert user.email == "nadia@example.test" and not user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["nadia@example.test"]
    clinic = new_patient.clinic
    assert (message.from_email, message.reply_to) == (f"{clinic.name} <no-reply@runback.localhost>", [clinic.email])
    assert welcome_link(message).startswith("/welcome/")
    assert "knee" not in message.subject.lower()
    # A first invitation: how long the link works, as a date, and no password the patient does not have yet.
    until = timezone.localdate() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    assert f"The link works once, until {until.day} {until:%B %Y}." in message.body
    assert "your password" not in message.body and "please call us and we will send a new one" in message.body
    assert AuditEvent.objects.filter(action="send", target_type="user", detail="portal invite").exists()


def test_invite_without_an_email_address_is_refused(physio_client, clinic):
    patient = PatientFactory(clinic=clinic, email="")
    response = physio_client.post(reverse("portal_invite", args=[patient.pk]), follow=True)
    assert "There is no e-mail address on the record" in response.content.decode()
    patient.refresh_from_db()
    assert patient.user is None and not mail.outbox


def test_invite_with_an_address_of_someone_elses_account_is_refused(physio_client, new_patient, physio):
    new_patient.email = physio.user.email
    new_patient.save()
    response = physio_client.post(reverse("portal_invite", args=[new_patient.pk]), follow=True)
    assert "already belongs to another Runback account" in response.content.decode()
    new_patient.refresh_from_db()
    assert new_patient.user is None


@pytest.mark.parametrize(("role", "status"), [("other_clinic_physio", 404), ("patient", 403), ("other_patient", 403)])
def test_invite_denied_outside_the_clinics_staff(as_role, role, status, new_patient):
    assert as_role(role).post(reverse("portal_invite", args=[new_patient.pk])).status_code == status
    new_patient.refresh_from_db()
    assert new_patient.user is None


@pytest.fixture
def invited(physio_client, new_patient, django_capture_on_commit_callbacks, client):
    with django_capture_on_commit_callbacks(execute=True):
        physio_client.post(reverse("portal_invite", args=[new_patient.pk]))
    client.logout()
    return welcome_link(mail.outbox[-1])


def test_the_welcome_link_sets_the_password_and_opens_the_portal(client, invited, new_patient):
    form_page = client.get(invited, follow=True)
    assert form_page.context["validlink"] and "Welcome to" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("my_page")
    assert response.context["patient"] == new_patient
    new_patient.refresh_from_db()
    assert new_patient.user.check_password(NEW_PASSWORD)


def test_the_welcome_link_refuses_a_weak_password_with_the_reason(client, invited, new_patient):
    form_page = client.get(invited, follow=True)
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": "12345", "new_password2": "12345"})
    assert "This password is too short" in response.content.decode()
    new_patient.refresh_from_db()
    assert not new_patient.user.has_usable_password()


def test_the_welcome_link_works_once(client, invited):
    form_page = client.get(invited, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.logout()
    again = client.get(invited, follow=True)
    assert again.context["validlink"] is False
    assert "This link no longer works" in again.content.decode()


def test_a_wrong_token_gets_the_page_with_the_clinics_phone(client, invited, new_patient):
    wrong = re.sub(r"/[^/]+/$", "/wrong-token/", invited)
    response = client.get(wrong, follow=True)
    assert response.context["validlink"] is False
    assert new_patient.clinic.phone in response.content.decode()


def test_an_expired_welcome_link_no_longer_works(client, invited, time_machine, settings):
    time_machine.move_to(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60))
    assert client.get(invited, follow=True).context["validlink"] is False


def test_the_welcome_page_is_not_for_staff_accounts(client, physio):
    physio.user.set_unusable_password()  # a staff account made without a password: still no welcome link
    physio.user.save()
    uid = urlsafe_base64_encode(force_bytes(physio.user.pk))
    url = reverse("portal_welcome", args=[uid, services.welcome_token_generator.make_token(physio.user)])
    assert client.get(url, follow=True).context["validlink"] is False


def uid_and_token(link) -> tuple[str, str]:
    """The account and token parts of a /welcome/<uidb64>/<token>/ link."""
    return tuple(re.search(r"/welcome/([^/]+)/([^/]+)/$", link).groups())


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)


def reset_token(link) -> str:
    """The token part of a password reset link (/accounts/password/reset/key/<uidb36>-<token>/)."""
    return re.search(r"/key/[0-9a-z]+-(.+)/$", link).group(1)


def set_password_at(client, link, password=NEW_PASSWORD):
    """Open a set-password link (the welcome link, or allauth's reset link) and send the form, as the patient would;
    the answer to the form."""
    form_page = client.get(link, follow=True)
    url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    fields = ("new_password1", "new_password2") if "/welcome/" in link else ("password1", "password2")
    return client.post(url, dict.fromkeys(fields, password))


def uid_of(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def test_a_password_reset_token_does_not_open_the_welcome_page(client, patient):
    # Whoever reads the patient's mail can ask for a reset link; it must not work as a first sign-in link.
    client.post(reverse("account_reset_password"), {"email": patient.user.email})
    token = reset_token(reset_link(mail.outbox[-1]))
    response = client.get(reverse("portal_welcome", args=[uid_of(patient.user), token]), follow=True)
    assert response.context["validlink"] is False


def test_a_reset_token_on_the_welcome_page_never_signs_in_past_two_factor(client, patient):
    AuthenticatorAppFactory(user=patient.user)
    client.post(reverse("account_reset_password"), {"email": patient.user.email})
    token = reset_token(reset_link(mail.outbox[-1]))
    set_password_at(client, reverse("portal_welcome", args=[uid_of(patient.user), token]))
    assert SESSION_KEY not in client.session
    patient.user.refresh_from_db()
    assert patient.user.check_password(PASSWORD)


def test_the_welcome_token_does_not_open_the_password_reset_page(client, invited, new_patient):
    _, token = uid_and_token(invited)
    new_patient.refresh_from_db()
    uidb36 = user_pk_to_url_str(new_patient.user)
    response = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": uidb36, "key": token}))
    assert response.context["token_fail"] is True


def test_the_welcome_link_no_longer_works_once_the_account_has_two_factor(client, invited, new_patient):
    new_patient.refresh_from_db()
    AuthenticatorAppFactory(user=new_patient.user)
    assert client.get(invited, follow=True).context["validlink"] is False


def test_the_welcome_link_never_signs_in_an_account_that_gained_two_factor_meanwhile(client, invited, new_patient):
    form_page = client.get(invited, follow=True)
    new_patient.refresh_from_db()
    AuthenticatorAppFactory(user=new_patient.user)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert SESSION_KEY not in client.session


def test_inviting_again_an_account_with_a_password_mails_a_reset_link_that_does_not_sign_in(
    physio_client, patient, client, django_capture_on_commit_callbacks
):
    AuthenticatorAppFactory(user=patient.user)
    with django_capture_on_commit_callbacks(execute=True):
        physio_client.post(reverse("portal_invite", args=[patient.pk]))
    [message] = mail.outbox
    assert "/welcome/" not in message.body
    client.logout()
    response = set_password_at(client, reset_link(message))
    assert response.url == reverse("account_reset_password_from_key_done")
    assert SESSION_KEY not in client.session
    patient.user.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)


def test_patients_sign_in_at_the_normal_page_and_land_on_their_portal(client, patient):
    response = client.post(reverse("account_login"), {"login": patient.user.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("my_page")
    assert response.context["patient"] == patient


# --- the portal section of the patient page -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["physio", "front_desk"])
def test_patient_page_offers_the_invitation(as_role, role, new_patient):
    html = as_role(role).get(new_patient.get_absolute_url()).content.decode()
    assert "No portal account yet" in html
    assert reverse("portal_invite", args=[new_patient.pk]) in html and "Invite to the portal" in html


def test_patient_page_shows_an_invitation_waiting_for_a_password(invited, new_patient, client, physio):
    client.force_login(physio.user)
    html = client.get(new_patient.get_absolute_url()).content.decode()
    assert "the patient has not set a password yet" in html and "Send the invitation again" in html


def test_patient_page_shows_the_account_reminders_and_calendar_address(physio_client, patient):
    portal_services.portal_preferences_update(patient=patient, email_reminders=False)
    portal_services.calendar_feed_create(patient=patient, by=patient.user)
    html = physio_client.get(patient.get_absolute_url()).content.decode()
    assert f"Account {patient.user.email}" in html
    assert "Reminders off; e-mails about messages and plan changes on." in html
    assert "Calendar address in use since" in html
    assert reverse("patient_calendar_revoke", args=[patient.pk]) in html
    assert CalendarFeed.objects.get().token not in html  # staff never see the secret address
