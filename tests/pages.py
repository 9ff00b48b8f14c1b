"""Reading pages as the tests of the page cache compare them (clinic.page_cache)."""

import re

from django.test import Client
from django.urls import reverse


def shown(client, url: str) -> str:
    """The page at `url` (which must answer 200), without its CSRF tokens, new on every page."""
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def signed_in(member) -> Client:
    """A client of its own, signed in as the staff member."""
    client = Client()
    client.force_login(member.user)
    return client


def patient_page(client, patient) -> str:
    return shown(client, reverse("patient_detail", args=[patient.pk]))


def plan_page(client, plan) -> str:
    return shown(client, reverse("plans:detail", args=[plan.patient_id, plan.pk]))
