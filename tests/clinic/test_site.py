"""The address links start with (clinic.site): SITE_URL when set, else the address of the request being answered,
carried on to the e-mails sent for it in the background."""

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from clinic.checks import site_url_set_in_production
from clinic.site import serving, site_url
from intake.models import IntakeInvite

HOST = "physio.example.org"


@pytest.fixture
def served_on_the_clinics_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    settings.SITE_URL = ""


def test_links_written_for_a_page_use_the_address_the_browser_used(physio_client, patient, served_on_the_clinics_host):
    physio_client.post(reverse("intake:invite_create", args=[patient.pk]), HTTP_HOST=HOST, secure=True)
    page = physio_client.get(patient.get_absolute_url(), HTTP_HOST=HOST, secure=True).content.decode()
    invite = IntakeInvite.objects.get()
    assert f'value="https://{HOST}{invite.get_absolute_url()}"' in page


def test_an_email_sent_in_the_background_carries_the_address_of_its_request(
    physio_client, patient, served_on_the_clinics_host, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        physio_client.post(reverse("intake:invite_create", args=[patient.pk]), HTTP_HOST=HOST, secure=True)
    [message] = mail.outbox
    assert f"https://{HOST}/intake/" in message.body


def test_site_url_wins_when_it_is_set(settings):
    settings.SITE_URL = "https://runback.example.net"
    with serving(f"https://{HOST}"):
        assert site_url() == "https://runback.example.net"


def test_a_link_with_no_request_and_no_site_url_says_what_to_set(settings):
    settings.SITE_URL = ""
    with serving(None), pytest.raises(ImproperlyConfigured, match="Set SITE_URL"):
        site_url()


def test_production_without_site_url_is_warned_of(settings):
    settings.DEBUG, settings.SITE_URL = False, ""
    [warning] = site_url_set_in_production(None)
    assert warning.id == "runback.W001"
    settings.SITE_URL = "https://runback.example.net"
    assert site_url_set_in_production(None) == []
