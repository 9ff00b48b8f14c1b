"""Fuzzing the clinic's forms through their pages: the patient form, the data rights form, the two-factor forms
(set-up, the sign-in code, confirming the password, turning it off) and the filters above the lists. No server
error, and every refusal is keyed by the field it is about. (tests/fuzzing.py says what is sent.)"""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clinic.forms import AuditFilterForm, PatientFilterForm
from tests.factories import PASSWORD, TOTPDeviceFactory
from tests.fuzzing import FORMS, fuzz_form, pages, post_data, rolled_back


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


PAGES = [
    _adding_a_patient,
    _editing_a_patient,
    _data_rights,
    _two_factor_setup,
    _sign_in_code,
    _confirming_the_password,
    _turning_two_factor_off,
]


form_page = pages(PAGES)


@FORMS
@given(data=st.data())
def test_form(data, form_page):
    fuzz_form(data, form_page)


@pytest.mark.parametrize(
    ("url_name", "filters"), [("patient_list", PatientFilterForm()), ("patient_audit", AuditFilterForm())]
)
@FORMS
@given(data=st.data())
def test_list_filters_ignore_what_they_do_not_understand(url_name, filters, data, physio_client, patient):
    args = [patient.pk] if url_name == "patient_audit" else []
    query = data.draw(post_data(filters, extra={"page": st.text(max_size=10)}))
    response = rolled_back(lambda: physio_client.get(reverse(url_name, args=args), query))
    assert response.status_code == 200
