"""Runback's own error pages in every set-up, DEBUG on (the embedded default) included: never Django's technical
page, which lists the project's URL patterns."""

import pytest
from django.urls import reverse


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_an_address_that_matches_nothing_gets_our_not_found_page(client, debug):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and "We couldn't find that page" in page and "URLconf" not in page


def test_a_record_out_of_reach_gets_our_not_found_page(physio_client, foreign_patient, debug):
    response = physio_client.get(reverse("patient_detail", args=[foreign_patient.pk]))
    page = response.content.decode()
    assert response.status_code == 404 and "We couldn't find that page" in page and "Raised by" not in page


def test_a_forbidden_page_gets_our_page(patient_client, debug):
    response = patient_client.get(reverse("patient_list"))
    assert response.status_code == 403 and "URLconf" not in response.content.decode()
