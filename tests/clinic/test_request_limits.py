"""Oversized and tampered requests are refused before they can change anything."""

import io
import os
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse
from PIL import Image

from clinic.models import Patient
from plans.models import Exercise
from tests.clinic.test_patients import VALID_PATIENT
from tests.plans.test_library_views import VALID_EXERCISE

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


# --- Uploads: Django leaves files out of DATA_UPLOAD_MAX_MEMORY_SIZE, so the size guard stops them ---------------


@pytest.fixture
def small_limits(settings):
    """The real rules at a small scale: pictures up to 50 kB, requests up to 100 kB, and files over 10 kB streamed
    to a temporary file on disk as Django does with larger ones."""
    settings.EXERCISE_IMAGE_MAX_BYTES = 50_000
    settings.REQUEST_MAX_BYTES = 100_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10_000
    return settings


@pytest.fixture
def files_written_to_disk(monkeypatch):
    """The uploads Django starts writing to a temporary file."""
    written = []
    start = TemporaryFileUploadHandler.new_file

    def new_file(handler, *args, **kwargs):
        written.append(args[1] if len(args) > 1 else kwargs.get("file_name"))
        return start(handler, *args, **kwargs)

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", new_file)
    return written


def _file_of(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("huge.png", b"\x89PNG" + b"0" * (size - 4), content_type="image/png")


def _noisy_picture(side: int) -> SimpleUploadedFile:
    """A real PNG that compresses badly: about 3 bytes a pixel."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, format="PNG")
    return SimpleUploadedFile("huge.png", buffer.getvalue(), content_type="image/png")


def test_upload_larger_than_any_request_may_be_is_refused_unread(small_limits, physio_client, files_written_to_disk):
    data = {**VALID_EXERCISE, "image": _file_of(small_limits.REQUEST_MAX_BYTES)}
    response = physio_client.post(reverse("exercise_create"), data)
    assert response.status_code == 413
    assert "Runback accepts at most 97.7\xa0KB at a time" in response.content.decode()
    assert files_written_to_disk == []
    assert not Exercise.objects.exists()


def test_picture_over_its_own_limit_is_refused_beside_its_field(small_limits, physio_client, files_written_to_disk):
    picture = _noisy_picture(160)
    assert small_limits.EXERCISE_IMAGE_MAX_BYTES < picture.size < small_limits.REQUEST_MAX_BYTES
    response = physio_client.post(reverse("exercise_create"), {**VALID_EXERCISE, "image": picture})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "image": ["The picture is larger than 48.8\xa0KB. Please choose a smaller one."]
    }
    assert files_written_to_disk == ["huge.png"]
    assert not Exercise.objects.exists()


def test_request_with_a_length_that_is_not_a_number_is_refused(desk_client):
    response = desk_client.post(
        reverse("patient_create"), urlencode(VALID_PATIENT), content_type=FORM, CONTENT_LENGTH="lots"
    )
    assert response.status_code == 400
    assert not Patient.objects.exists()
