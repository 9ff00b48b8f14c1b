"""Oversized and tampered requests are refused before they can change anything."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from clinic.models import Patient
from tests.clinic.test_patients import VALID_PATIENT

FORM = "application/x-www-form-urlencoded"


def tampered(value: str) -> str:
    """`value` with its last character changed, as an attacker guessing or forging it would send it."""
    return value[:-1] + ("a" if value[-1] != "a" else "b")


def test_oversized_post_is_refused_and_saves_nothing(desk_client):
    body = urlencode({**VALID_PATIENT, "phone": "0" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = desk_client.post(reverse("patient_create"), body, content_type=FORM)
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not Patient.objects.exists()


def test_post_with_too_many_fields_is_refused_and_saves_nothing(desk_client):
    extra = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}
    response = desk_client.post(reverse("patient_create"), urlencode({**VALID_PATIENT, **extra}), content_type=FORM)
    assert response.status_code == 400
    assert not Patient.objects.exists()


def test_post_just_within_the_limits_is_accepted(desk_client):
    response = desk_client.post(reverse("patient_create"), urlencode(VALID_PATIENT), content_type=FORM)
    assert response.status_code == 302
    assert Patient.objects.count() == 1


def test_tampered_session_cookie_gets_an_anonymous_visitor_sent_to_sign_in(physio_client):
    session_key = physio_client.cookies[settings.SESSION_COOKIE_NAME].value
    physio_client.cookies[settings.SESSION_COOKIE_NAME] = tampered(session_key)
    response = physio_client.get(reverse("patient_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.fixture
def csrf_client(front_desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(front_desk.user)
    client.get(reverse("patient_create"))  # sets the CSRF cookie, as a browser's first visit would
    return client


def test_form_with_a_tampered_csrf_token_is_refused_with_a_friendly_page(csrf_client):
    token = csrf_client.cookies[settings.CSRF_COOKIE_NAME].value
    response = csrf_client.post(reverse("patient_create"), {**VALID_PATIENT, "csrfmiddlewaretoken": tampered(token)})
    assert response.status_code == 403
    assert "That form couldn't be sent" in response.content.decode()
    assert not Patient.objects.exists()


def test_form_with_its_own_csrf_token_is_accepted(csrf_client):
    token = csrf_client.cookies[settings.CSRF_COOKIE_NAME].value
    response = csrf_client.post(reverse("patient_create"), {**VALID_PATIENT, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
