"""A clinic's handout settings (the Django admin): the default paper size, and a logo checked by its content and
re-encoded small before it is stored, like exercise pictures."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from plans.models import HandoutSettings
from tests.plans.library_factories import picture_upload

pytestmark = pytest.mark.django_db

ADD = reverse("admin:plans_handoutsettings_add")


def test_settings_default_to_a4_without_a_logo(clinic):
    settings = HandoutSettings.for_clinic(clinic)
    assert (settings.pk, settings.paper_size, bool(settings.logo)) == (None, "a4", False)


def test_admin_saves_the_paper_size_and_a_logo_reencoded_small(admin_client, clinic):
    response = admin_client.post(
        ADD, {"clinic": clinic.pk, "paper_size": "letter", "logo": picture_upload("logo.png", size=(2400, 800))}
    )
    assert response.status_code == 302
    saved = HandoutSettings.objects.get(clinic=clinic)
    assert saved.paper_size == "letter" and saved.logo.name.startswith(f"clinic-logos/clinic-{clinic.pk}/")
    with saved.logo.open("rb") as logo, Image.open(logo) as image:
        assert image.size == (600, 200)


def test_replacing_the_logo_deletes_the_old_file(admin_client, clinic, django_capture_on_commit_callbacks):
    admin_client.post(ADD, {"clinic": clinic.pk, "paper_size": "a4", "logo": picture_upload("first.png")})
    saved = HandoutSettings.objects.get(clinic=clinic)
    first = saved.logo.name
    change = reverse("admin:plans_handoutsettings_change", args=[saved.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(change, {"clinic": clinic.pk, "paper_size": "a4", "logo": picture_upload("second.png")})
    saved.refresh_from_db()
    assert saved.logo.name != first and not saved.logo.storage.exists(first)


def test_a_logo_that_is_not_a_picture_is_refused(admin_client, clinic):
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = admin_client.post(ADD, {"clinic": clinic.pk, "paper_size": "a4", "logo": fake})
    assert response.status_code == 200
    assert "Upload a valid image." in response.content.decode()
    assert not HandoutSettings.objects.exists()
