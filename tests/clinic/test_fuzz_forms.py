"""Fuzzing the clinic's forms through their pages: the patient form, the data rights form, signing in (with a
password, the sign-in code or a passkey's answer, a passkey alone), confirming who it is (password, code, passkey),
setting up an authenticator app, adding and renaming a passkey, changing, choosing, resetting and first setting a
password, and the filters above the lists. No server error, and every refusal is keyed by the field it is about.
(tests/fuzzing.py says what is sent.)"""

import json

import pytest
from allauth.account.forms import default_token_generator as reset_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import given
from hypothesis import strategies as st

from clinic import services
from clinic.accounts import encrypt
from clinic.forms import AuditFilterForm, PatientFilterForm
from plans.forms import CaseloadFilterForm
from tests.conftest import mark_reauthenticated
from tests.factories import (
    PASSWORD,
    AuthenticatorAppFactory,
    PasskeyFactory,
    PatientFactory,
    current_code,
    recovery_codes_for,
)
from tests.fuzzing import (
    FEW_EXAMPLES,
    FORMS,
    fuzz_page,
    is_on_site,
    json_values,
    junk,
    pages,
    post_data,
    rolled_back,
    rolled_back_with_cookies,
)
from tests.passkeys import SoftPasskey, stored_credential

# What a browser (or someone pretending to be one) might send as a passkey's answer: any JSON, JSON shaped like an
# answer with anything inside, and text that isn't JSON.
passkey_answers = (
    json_values().map(json.dumps)
    | st.fixed_dictionaries(
        {"id": json_values(), "rawId": json_values(), "type": json_values(), "response": json_values()}
    ).map(json.dumps)
    | junk
)


def _adding_a_patient(fixture):
    return fixture("desk_client"), reverse("patient_create"), {}


def _editing_a_patient(fixture):
    return fixture("desk_client"), reverse("patient_edit", args=[fixture("patient").pk]), {"keep_shown": True}


def _data_rights(fixture):
    """Any values, and sometimes the patient's name typed right: then the record really goes (and comes back)."""
    patient = fixture("patient")
    client = fixture("reauthenticated")(fixture("physio_client"))
    typed = [patient.full_name, patient.full_name.upper(), f" {patient.first_name}  {patient.last_name}"]
    return (
        client,
        reverse("patient_data_rights", args=[patient.pk]),
        {"extra": {"confirm_name": st.sampled_from(typed)}},
    )


def _confirmed(client):
    mark_reauthenticated(client)
    return client


def _with_authenticator(fixture):
    AuthenticatorAppFactory(user=fixture("physio").user)
    return fixture("physio_client")


def _two_factor_setup(fixture):
    """Setting up an authenticator app: any code, and now and then the right one."""
    client = _confirmed(fixture("physio_client"))
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    right = current_code(Authenticator(data={"secret": encrypt(secret)}))
    return client, reverse("mfa_activate_totp"), {"extra": {"code": st.just(right)}}


def _sign_in_code(fixture):
    """The code page after a right password: any code, now and then the right one or a recovery code, and any
    passkey answer instead."""
    client, physio = fixture("client"), fixture("physio")
    authenticator = AuthenticatorAppFactory(user=physio.user)
    codes = recovery_codes_for(physio.user)
    client.post(reverse("account_login"), {"login": physio.user.email, "password": PASSWORD})
    extra = {"code": st.sampled_from([current_code(authenticator), codes[0]]), "credential": passkey_answers}
    return client, reverse("mfa_authenticate"), {"extra": extra}


def _confirming_the_password(fixture):
    """With the right password now and then, and any address to go back to (fuzz_form checks it stays on site)."""
    extra = {"password": st.just(PASSWORD), "next": st.text(max_size=40)}
    return fixture("physio_client"), reverse("account_reauthenticate"), {"extra": extra}


def _confirming_with_a_code(fixture):
    client = _with_authenticator(fixture)
    authenticator = Authenticator.objects.get(user=fixture("physio").user)
    extra = {"code": st.just(current_code(authenticator)), "next": st.text(max_size=40)}
    return client, reverse("mfa_reauthenticate"), {"extra": extra}


def _with_passkey(fixture):
    """The physio, signed in, with a passkey made by a software device (returned too)."""
    fixture("settings").MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the test client's origin is http://testserver
    physio = fixture("physio")
    device = SoftPasskey()
    passkey = PasskeyFactory(
        user=physio.user, data={"name": "Laptop", "credential": stored_credential(physio.user, device)}
    )
    return fixture("physio_client"), device, passkey


def _confirming_with_a_passkey(fixture):
    client, device, _ = _with_passkey(fixture)
    options = client.get(reverse("mfa_reauthenticate_webauthn")).context["js_data"]["request_options"]
    extra = {"credential": passkey_answers | st.just(device.assert_(options)), "next": st.text(max_size=40)}
    return client, reverse("mfa_reauthenticate_webauthn"), {"extra": extra}


def _adding_a_passkey(fixture):
    """Any name, the box ticked or not, any answer, and now and then the device's real one."""
    fixture("settings").MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    client = _confirmed(fixture("physio_client"))
    options = client.get(reverse("mfa_add_webauthn")).context["js_data"]["creation_options"]
    extra = {"credential": passkey_answers | st.just(SoftPasskey().register(options))}
    return client, reverse("mfa_add_webauthn"), {"extra": extra}


def _renaming_a_passkey(fixture):
    client, _, passkey = _with_passkey(fixture)
    _confirmed(client)
    return client, reverse("mfa_edit_webauthn", args=[passkey.pk]), {"examples": FEW_EXAMPLES}


def _signing_in(fixture):
    """Now and then the right address (in any case) and password, and any address to go on to."""
    email = fixture("physio").user.email
    extra = {
        "login": st.sampled_from([email, email.upper(), f" {email} "]),
        "password": st.just(PASSWORD),
        "next": st.text(max_size=40),
    }
    return fixture("client"), reverse("account_login"), {"extra": extra, "examples": FEW_EXAMPLES}


def _changing_the_password(fixture):
    extra = {"oldpassword": st.just(PASSWORD)}
    return fixture("physio_client"), reverse("account_change_password"), {"extra": extra, "examples": FEW_EXAMPLES}


def _choosing_a_first_password(fixture):
    user = fixture("physio").user
    user.set_unusable_password()
    user.save()
    client = fixture("client")
    client.force_login(user)
    return client, reverse("account_set_password"), {"examples": FEW_EXAMPLES}


def _asking_for_a_password_reset(fixture):
    extra = {"email": st.just(fixture("patient").user.email)}
    return fixture("client"), reverse("account_reset_password"), {"extra": extra, "examples": FEW_EXAMPLES}


def _setting_a_password_from_a_reset_link(fixture):
    """The page the e-mailed link opens (the link puts its token in the session, then shows the form)."""
    client, user = fixture("client"), fixture("patient").user
    key = reset_token_generator.make_token(user)
    link = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})
    return client, client.get(link).url, {"examples": FEW_EXAMPLES}


def _setting_the_first_password_from_the_welcome_link(fixture):
    patient = PatientFactory(clinic=fixture("clinic"), email="invited@example.test")
    user = services.portal_invite(patient=patient, by=fixture("physio"))
    client = fixture("client")
    link = reverse("portal_welcome", args=[uid_of(user), services.welcome_token_generator.make_token(user)])
    return client, client.get(link).url, {"examples": FEW_EXAMPLES}


def uid_of(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


PAGES = [
    _adding_a_patient,
    _editing_a_patient,
    _data_rights,
    _two_factor_setup,
    _sign_in_code,
    _confirming_the_password,
    _confirming_with_a_code,
    _confirming_with_a_passkey,
    _adding_a_passkey,
    _renaming_a_passkey,
    _signing_in,
    _changing_the_password,
    _choosing_a_first_password,
    _asking_for_a_password_reset,
    _setting_a_password_from_a_reset_link,
    _setting_the_first_password_from_the_welcome_link,
]


form_page = pages(PAGES)


def test_form(form_page):
    fuzz_page(form_page)


@pytest.mark.parametrize(
    ("url_name", "filters"),
    [
        ("patient_list", PatientFilterForm()),
        ("patient_audit", AuditFilterForm()),
        ("plans:caseload", CaseloadFilterForm()),
    ],
)
@FORMS
@given(data=st.data())
def test_list_filters_ignore_what_they_do_not_understand(url_name, filters, data, physio_client, patient):
    args = [patient.pk] if url_name == "patient_audit" else []
    query = data.draw(post_data(filters, extra={"page": st.text(max_size=10)}))
    response = rolled_back(lambda: physio_client.get(reverse(url_name, args=args), query))
    assert response.status_code == 200


@FORMS
@given(answer=passkey_answers)
def test_signing_in_with_a_passkey_takes_any_answer(answer, client, physio, settings):
    """The passkey sign-in takes a posted answer and nothing else: any answer goes back to the sign-in page (with a
    message) or signs in, never a server error."""
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    client.get(reverse("mfa_login_webauthn"), HTTP_ACCEPT="application/json")  # the challenge, as the page's script
    response = rolled_back_with_cookies(
        client, lambda: client.post(reverse("mfa_login_webauthn"), {"credential": answer})
    )
    assert response.status_code == 302 and is_on_site(response.url)
