"""Sending intake links from the patient page, and what the e-mail and the patient page show."""

import pytest
from django.urls import reverse

from clinic.models import AuditEvent, PatientStatus
from intake import services
from intake.models import IntakeInvite
from tests.intake.factories import fill_in


def _send(client, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("intake:invite_create", args=[patient.pk]))


@pytest.mark.parametrize("client_fixture", ["physio_client", "desk_client"])
def test_physio_and_front_desk_send_an_invite(client_fixture, request, patient, django_capture_on_commit_callbacks):
    client = request.getfixturevalue(client_fixture)
    response = _send(client, patient, django_capture_on_commit_callbacks)
    assert response.url == reverse("patient_detail", args=[patient.pk])  # the message at the top
    invite = IntakeInvite.objects.get(patient=patient)
    assert invite.created_by.user == response.wsgi_request.user
    patient.refresh_from_db()
    assert patient.status == PatientStatus.INTAKE_SENT
    assert AuditEvent.objects.filter(action="send", target_type="intakeinvite", target_id=invite.pk).exists()


def test_invite_email_has_the_link_and_no_health_data(
    physio_client, patient, mailoutbox, django_capture_on_commit_callbacks
):
    draft_answers = {"intake.side": "left", "intake.postpartum.urine_leak": "often"}
    services.intake_save_step(
        intake=services.intake_draft_for_staff(patient=patient, by=patient.physio), step="about", answers=draft_answers
    )
    _send(physio_client, patient, django_capture_on_commit_callbacks)
    invite = IntakeInvite.objects.get(patient=patient)
    (message,) = mailoutbox
    assert message.to == [patient.email]
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert invite.link in body
        assert "Riverside Physio" in body and "020 7946 0001" in body
        for private in ("Clarke", "1991", "left", "urine", "leak", "knee pain", "physio"):
            assert private not in body.replace("Riverside Physio", "")
    assert "Clarke" not in message.subject


def test_invite_without_an_email_address_is_shown_to_copy_and_not_mailed(
    desk_client, patient, mailoutbox, django_capture_on_commit_callbacks
):
    patient.email = ""
    patient.save()
    response = _send(desk_client, patient, django_capture_on_commit_callbacks)
    assert mailoutbox == []
    page = desk_client.get(response.url).content.decode()
    invite = IntakeInvite.objects.get()
    assert "no e-mail address on file" in page
    assert f'value="{invite.link}"' in page and 'data-copy-target="#intake-link"' in page


def test_a_new_invite_revokes_earlier_unsubmitted_ones_but_not_submitted_ones(patient, physio):
    submitted = services.invite_create(patient=patient, by=physio)
    services.intake_submit(intake=fill_in(services.intake_draft_for_invite(invite=submitted)))
    open_one = services.invite_create(patient=patient, by=physio)
    newest = services.invite_create(patient=patient, by=physio)
    submitted.refresh_from_db()
    open_one.refresh_from_db()
    assert submitted.revoked_at is None and submitted.state() == "submitted"
    assert open_one.revoked_at is not None and open_one.state() == "revoked"
    assert newest.state() == "sent"


def test_a_later_invite_does_not_take_a_patient_off_their_plan(patient, physio):
    patient.status = PatientStatus.ON_PLAN
    patient.save()
    services.invite_create(patient=patient, by=physio)
    patient.refresh_from_db()
    assert patient.status == PatientStatus.ON_PLAN


def test_invite_for_a_patient_of_another_clinic_is_not_found(physio_client, foreign_patient):
    response = physio_client.post(reverse("intake:invite_create", args=[foreign_patient.pk]))
    assert response.status_code == 404
    assert not IntakeInvite.objects.exists()


@pytest.mark.parametrize("role", ["patient", "anonymous"])
def test_invite_is_refused_to_patients_and_anonymous_visitors(role, cast, login_as, patient):
    response = login_as(cast[role]).post(reverse("intake:invite_create", args=[patient.pk]))
    assert response.status_code == (403 if role == "patient" else 302)
    assert not IntakeInvite.objects.exists()


def test_invite_cannot_be_sent_with_a_get(physio_client, patient):
    assert physio_client.get(reverse("intake:invite_create", args=[patient.pk])).status_code == 405


def test_patient_page_shows_the_invite_status_to_front_desk_but_no_answers(desk_client, patient, physio):
    invite = services.invite_create(patient=patient, by=physio)
    intake = fill_in(services.intake_draft_for_invite(invite=invite))
    services.intake_submit(intake=intake)
    page = desk_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert "Submitted" in page and "Send a new intake link" in page
    assert intake.get_absolute_url() not in page
    assert "behalf" not in page


def test_a_new_link_after_answers_are_in_takes_a_second_deliberate_tap(desk_client, patient, physio):
    """Answers in (the patient may be on a plan): one tap would e-mail the whole questionnaire again."""
    invite = services.invite_create(patient=patient, by=physio)
    services.intake_submit(intake=fill_in(services.intake_draft_for_invite(invite=invite)))
    page = desk_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert '<summary class="btn btn-outline-secondary">Send a new intake link…</summary>' in page
    assert "Emma has already sent answers. A new link e-mails the whole questionnaire again" in page


def test_patient_page_links_the_physio_to_each_submitted_intake(physio_client, patient, physio):
    invite = services.invite_create(patient=patient, by=physio)
    intake = services.intake_submit(intake=fill_in(services.intake_draft_for_invite(invite=invite)))
    page = physio_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert intake.get_absolute_url() in page
    assert "Not reviewed" in page
    assert "Fill in on the patient's behalf" in page


@pytest.mark.parametrize(
    ("change", "label"),
    [
        ({}, "Sent"),
        ({"opened": True}, "Opened"),
        ({"locked": True}, "Locked"),
        ({"expired": True}, "Expired"),
    ],
)
def test_patient_page_names_the_invite_state(change, label, desk_client, patient, physio):
    from datetime import timedelta

    from django.utils import timezone

    invite = services.invite_create(patient=patient, by=physio)
    now = timezone.now()
    invite.opened_at = now if change.get("opened") else None
    invite.locked_at = now if change.get("locked") else None
    invite.expires_at = now - timedelta(minutes=1) if change.get("expired") else invite.expires_at
    invite.save()
    page = desk_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert f'invite-{label.lower()}">{label}</span>' in page
    assert ('id="intake-link"' in page) is (label in ("Sent", "Opened"))
