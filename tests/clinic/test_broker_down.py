"""Redis down: pages keep working, and e-mails are sent from the web process instead of the worker."""

from django.core import mail
from django.urls import reverse

from intake.models import IntakeInvite
from tests.factories import PatientFactory


def test_intake_invite_is_saved_and_emailed_while_the_broker_is_down(
    broker_down, desk_client, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = desk_client.post(reverse("intake:invite_create", args=[patient.pk]))
    assert response.status_code == 302
    assert IntakeInvite.objects.filter(patient=patient).count() == 1
    assert [message.to for message in mail.outbox] == [[patient.email]]


def test_portal_invitation_is_emailed_while_the_broker_is_down(
    broker_down, desk_client, clinic, django_capture_on_commit_callbacks
):
    patient = PatientFactory(clinic=clinic)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk_client.post(reverse("portal_invite", args=[patient.pk]))
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[patient.email]]
