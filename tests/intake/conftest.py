import pytest
from django.urls import reverse

from intake import services


@pytest.fixture
def invite(patient, physio):
    return services.invite_create(patient=patient, by=physio)


@pytest.fixture
def unlock(client):
    """Pass the date-of-birth check of an invite's link with `client` (or another client: a new device)."""

    def unlock(invite, device=None):
        device = device or client
        born = invite.patient.date_of_birth
        response = device.post(invite.get_absolute_url(), {"day": born.day, "month": born.month, "year": born.year})
        assert response.status_code == 302, response.content.decode()
        return device

    return unlock


@pytest.fixture
def step_url(invite):
    return lambda slug: reverse("intake:step", args=[invite.token, slug])
