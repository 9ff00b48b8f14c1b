"""A clinic's handout settings (the Django admin): the default paper size. The logo on the covers is the clinic's own
(tests/clinic/test_clinic_logo.py)."""

import pytest
from django.urls import reverse

from plans.models import HandoutSettings

pytestmark = pytest.mark.django_db


def test_settings_default_to_a4(clinic):
    settings = HandoutSettings.for_clinic(clinic)
    assert (settings.pk, settings.paper_size) == (None, "a4")


def test_admin_saves_the_paper_size(admin_client, clinic):
    response = admin_client.post(
        reverse("admin:plans_handoutsettings_add"), {"clinic": clinic.pk, "paper_size": "letter"}
    )
    assert response.status_code == 302
    assert HandoutSettings.objects.get(clinic=clinic).paper_size == "letter"
