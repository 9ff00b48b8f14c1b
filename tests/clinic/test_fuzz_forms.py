"""Fuzzing the clinic's forms through their pages: the patient form, the data rights form, signing in, the two-factor
forms (set-up, the sign-in code, confirming the password, turning it off), changing, resetting and first setting a
password, and the filters above the lists. No server error, and every refusal is keyed by the field it is about.
(tests/fuzzing.py says what is sent.)"""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import given
from hypothesis import strategies as st

from clinic import services
from clinic.forms import AuditFilterForm, PatientFilterForm
from plans.forms import CaseloadFilterForm
from tests.factories import PASSWORD, PatientFactory, TOTPDeviceFactory
from tests.fuzzing import FEW_EXAMPLES, FORMS, fuzz_page, pages, post_data, rolled_back


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


def _two_factor_setup(fixture):
    return fixture("physio_client"), reverse("two_factor_setup"), {}


def _with_authenticator(fixture):
    TOTPDeviceFactory(user=fixture("physio").user)
    return fixture("physio_client")


def _sign_in_code(fixture):
    """The code page, after a right password."""
    client, physio = fixture("client"), fixture("physio")
    TOTPDeviceFactory(user=physio.user)
    client.post(reverse("login"), {"username": physio.user.email, "password": PASSWORD})
    return client, reverse("sign_in_code"), {}


def _confirming_the_password(fixture):
    """With the right password now and then, and any address to go back to (fuzz_form checks it stays on site)."""
    extra = {"password": st.just(PASSWORD), "next": st.text(max_size=40)}
    return _with_authenticator(fixture), reverse("reauth"), {"extra": extra}


def _turning_two_factor_off(fixture):
    return _with_authenticator(fixture), reverse("two_factor_disable"), {"extra": {"password": st.just(PASSWORD)}}


def _signing_in(fixture):
    """Now and then the right address (in any case) and password, and any address to go on to."""
    email = fixture("physio").user.email
    extra = {
        "username": st.sampled_from([email, email.upper(), f" {email} "]),
        "password": st.just(PASSWORD),
        "next": st.text(max_size=40),
    }
    return fixture("client"), reverse("login"), {"extra": extra, "examples": FEW_EXAMPLES}


def _changing_the_password(fixture):
    extra = {"old_password": st.just(PASSWORD)}
    return fixture("physio_client"), reverse("password_change"), {"extra": extra, "examples": FEW_EXAMPLES}


def _asking_for_a_password_reset(fixture):
    extra = {"email": st.just(fixture("patient").user.email)}
    return fixture("client"), reverse("password_reset"), {"extra": extra, "examples": FEW_EXAMPLES}


def _setting_a_password_from_a_reset_link(fixture):
    """The page the e-mailed link opens (the link puts its token in the session, then shows the form)."""
    client, user = fixture("client"), fixture("patient").user
    link = reverse("password_reset_confirm", args=[uid_of(user), default_token_generator.make_token(user)])
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
    _turning_two_factor_off,
    _signing_in,
    _changing_the_password,
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
