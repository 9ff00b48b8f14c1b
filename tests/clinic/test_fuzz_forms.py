"""Fuzzing the clinic's forms through their pages: the patient form, the data rights form, the two-factor forms
(set-up, the sign-in code, confirming the password, turning it off) and the filters above the lists. No server
error, and every refusal is keyed by the field it is about. (tests/fuzzing.py says what is sent.)"""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clinic.forms import AuditFilterForm, PatientFilterForm
from tests.factories import PASSWORD, TOTPDeviceFactory
from tests.fuzzing import FORMS, fuzz_form, load_page, post_data, rolled_back


@pytest.fixture
def add_patient_page(desk_client):
    return load_page(desk_client, reverse("patient_create"))


@FORMS
@given(data=st.data())
def test_patient_form_adding(data, desk_client, add_patient_page):
    fuzz_form(data, desk_client, add_patient_page)


@pytest.fixture
def edit_patient_page(desk_client, patient):
    return load_page(desk_client, reverse("patient_edit", args=[patient.pk]))


@FORMS
@given(data=st.data())
def test_patient_form_editing(data, desk_client, edit_patient_page):
    fuzz_form(data, desk_client, edit_patient_page, keep_shown=True)


@pytest.fixture
def data_rights_page(physio_client, reauthenticated, patient):
    return load_page(reauthenticated(physio_client), reverse("patient_data_rights", args=[patient.pk]))


@FORMS
@given(data=st.data())
def test_data_rights_form(data, physio_client, data_rights_page, patient):
    """Any values, and sometimes the patient's name typed right: then the record really goes (and comes back)."""
    name = st.sampled_from(
        [patient.full_name, patient.full_name.upper(), f" {patient.first_name}  {patient.last_name}"]
    )
    fuzz_form(data, physio_client, data_rights_page, extra={"confirm_name": name})


@pytest.fixture
def setup_page(physio_client):
    return load_page(physio_client, reverse("two_factor_setup"))


@FORMS
@given(data=st.data())
def test_two_factor_setup_code(data, physio_client, setup_page):
    fuzz_form(data, physio_client, setup_page)


@pytest.fixture
def authenticator(physio):
    return TOTPDeviceFactory(user=physio.user)


@pytest.fixture
def code_page(client, physio, authenticator):
    """The sign-in code page, after a right password."""
    client.post(reverse("login"), {"username": physio.user.email, "password": PASSWORD})
    return load_page(client, reverse("sign_in_code"))


@FORMS
@given(data=st.data())
def test_sign_in_code(data, client, code_page):
    fuzz_form(data, client, code_page)


@pytest.fixture
def reauth_page(physio_client, authenticator):
    return load_page(physio_client, reverse("reauth"))


@FORMS
@given(data=st.data())
def test_confirming_the_password(data, physio_client, reauth_page):
    """With the right password now and then, and any address to go back to: never one on another site."""
    response = fuzz_form(
        data, physio_client, reauth_page, extra={"password": st.just(PASSWORD), "next": st.text(max_size=40)}
    )
    if response.status_code == 302:
        assert response.url.startswith("/") and not response.url.startswith("//")


@pytest.fixture
def two_factor_off_page(physio_client, authenticator):
    return load_page(physio_client, reverse("two_factor_disable"))


@FORMS
@given(data=st.data())
def test_turning_two_factor_off(data, physio_client, two_factor_off_page):
    fuzz_form(data, physio_client, two_factor_off_page, extra={"password": st.just(PASSWORD)})


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
