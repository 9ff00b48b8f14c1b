"""The building block of every page of a patient's record (clinic.access.patient_record_view): it looks the record
up for the reader and audits the look once, only when the page itself is shown."""

import pytest
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.test import RequestFactory

from clinic.access import get_patient_for_staff, patient_record_view
from clinic.models import AuditEvent


def _request(method, member):
    request = getattr(RequestFactory(), method)("/")
    request.user = member.user
    request.staff_member = member
    return request


@patient_record_view(get_patient_for_staff, detail="test page")
def page(request, patient, **others):
    if request.GET.get("away"):
        return redirect("/")
    return HttpResponse(f"{patient.pk} {sorted(others.items())}")


def test_a_page_shown_is_one_view_of_the_record_in_the_audit_trail(physio, patient):
    page(_request("get", physio), pk=patient.pk)
    event = AuditEvent.objects.get()
    assert (event.patient_id, event.action, event.target_type, event.detail) == (
        patient.pk,
        "view",
        "patient",
        "test page",
    )
    assert event.actor == physio.user


def test_the_urls_other_arguments_go_to_the_view(physio, patient):
    response = page(_request("get", physio), pk=patient.pk, step="knee")
    assert response.content.decode() == f"{patient.pk} [('step', 'knee')]"


def test_a_form_sent_back_adds_no_view(physio, patient):
    page(_request("post", physio), pk=patient.pk)
    assert not AuditEvent.objects.exists()


def test_a_redirect_adds_no_view(physio, patient):
    request = RequestFactory().get("/", {"away": "1"})
    request.user, request.staff_member = physio.user, physio
    page(request, pk=patient.pk)
    assert not AuditEvent.objects.exists()


def test_a_record_out_of_reach_is_not_found_and_not_audited(other_physio, patient):
    with pytest.raises(Http404):
        page(_request("get", other_physio), pk=patient.pk)
    assert not AuditEvent.objects.exists()
