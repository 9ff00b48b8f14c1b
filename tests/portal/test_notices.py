"""E-mail notices: a patient is told that a message from the clinic waits, or that her physiotherapist issued or
changed her plan, never what the message says or anything of the plan; once per unread message, once per revision a
physio made, only to patients who want them, and the settings turn them off."""

from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from plans import services as plans_services
from plans.models import RevisionKind
from portal import notices
from portal import services as portal_services
from portal.models import NoticeKind, NoticeSent
from portal.tasks import send_notice_task
from tests.factories import PatientFactory, UserFactory
from tests.plans.plan_factories import RUNNER_INTAKE, day_of, draft_plan, issued_plan, move_to, sessions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shipped_library")]

PRIVATE = "Your knee MRI shows a small tear"


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run `action` as a request would, and the e-mail tasks it dispatches once it commits; the e-mails it sent."""

    def run(action):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            action()
        return mail.outbox[before:]

    return run


def answer(patient, physio, body=PRIVATE):
    return portal_services.message_send(patient=patient, by=physio.user, body=body)


def test_a_message_from_the_clinic_sends_a_notice_without_its_words(sent, patient, physio, clinic):
    [email] = sent(lambda: answer(patient, physio))
    assert email.subject == f"A new message from {clinic.name}"
    assert email.to == [patient.user.email] and email.reply_to == [clinic.email]
    [(html, _)] = email.alternatives
    for text in (email.body, html):
        assert PRIVATE not in text and "MRI" not in text
        assert "http://testserver/me/messages/" in text and "http://testserver/me/settings/" in text
    assert "Your physiotherapist has sent you a message." in email.body
    notice = NoticeSent.objects.get()
    assert (notice.patient, notice.kind, notice.sent_at is not None) == (patient, NoticeKind.MESSAGE, True)


def test_messages_after_one_still_unread_send_no_more_notices(sent, patient, physio, patient_client):
    assert len(sent(lambda: answer(patient, physio, "First"))) == 1
    assert sent(lambda: answer(patient, physio, "Second")) == []  # she has been told and reads them together
    patient_client.get(reverse("portal_messages"))
    assert len(sent(lambda: answer(patient, physio, "Third"))) == 1


def test_the_patients_own_messages_send_no_notice(sent, patient):
    assert sent(lambda: portal_services.message_send(patient=patient, by=patient.user, body="Hello")) == []
    assert not NoticeSent.objects.exists()


def test_the_physio_answering_in_the_portal_page_sends_the_notice(physio_client, patient, sent):
    [email] = sent(lambda: physio_client.post(reverse("patient_messages", args=[patient.pk]), {"body": PRIVATE}))
    assert PRIVATE not in email.body


def test_notices_turned_off_in_the_settings_send_nothing(sent, patient, physio, patient_client):
    response = patient_client.post(reverse("portal_settings"), {"email_reminders": "true", "email_notices": "false"})
    assert response.status_code == 302
    assert "e-mails about messages and your plan off" in patient_client.get(response.url).content.decode()
    assert sent(lambda: answer(patient, physio)) == [] and not NoticeSent.objects.exists()
    assert sent(lambda: issued_plan(patient, by=physio, answers=RUNNER_INTAKE)) == []
    patient_client.post(reverse("portal_settings"), {"email_reminders": "false", "email_notices": "true"})
    assert len(sent(lambda: answer(patient, physio, "Again"))) == 0  # the first is still unread: she was not told
    patient_client.get(reverse("portal_messages"))
    assert len(sent(lambda: answer(patient, physio, "And now"))) == 1


def test_a_notice_is_not_sent_after_the_patient_turned_them_off(patient, physio):
    answer(patient, physio)  # claimed; its e-mail not sent (no commit in this test)
    portal_services.portal_preferences_update(patient=patient, email_notices=False)
    assert notices.notice_send(notice_id=NoticeSent.objects.get().pk) is False
    assert not mail.outbox


@pytest.mark.parametrize("account", ["invited only", "none"])
def test_a_patient_without_a_password_or_account_gets_no_notice(sent, clinic, physio, account):
    user = None
    if account == "invited only":
        user = UserFactory()
        user.set_unusable_password()
        user.save()
    patient = PatientFactory(clinic=clinic, physio=physio, user=user)
    assert sent(lambda: issued_plan(patient, by=physio, answers=RUNNER_INTAKE)) == []
    assert not NoticeSent.objects.exists()


def test_a_failed_send_gives_the_notice_back_for_a_retry(patient, physio, settings):
    settings.SITE_URL = "https://physio.example.org"  # the task is run here outside any request
    answer(patient, physio)
    notice = NoticeSent.objects.get()
    failing = mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=SMTPException)
    with failing, pytest.raises(SMTPException):
        notices.notice_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert send_notice_task(notice_id=notice.pk) is True
    assert send_notice_task(notice_id=notice.pk) is False  # sent once only
    assert len(mail.outbox) == 1


# --- the plan -----------------------------------------------------------------------------------------------------


def test_a_plan_issued_sends_a_notice_then_each_change_the_physio_makes(sent, patient, physio, clinic, frozen):
    plan = draft_plan(patient, by=physio, answers=RUNNER_INTAKE)
    [issued] = sent(lambda: plans_services.plan_issue(plan=plan, by=physio))
    assert issued.subject == f"Your plan from {clinic.name} is ready"
    assert "Your physiotherapist has shared your plan with you." in issued.body
    assert "http://testserver/me/plan/" in issued.body
    plan.refresh_from_db()
    plan = plans_services.plan_draft_update(plan=plan, by=physio, expected_version=plan.draft_version, weeks=10)
    [changed] = sent(lambda: plans_services.plan_issue(plan=plan, by=physio))
    assert changed.subject == f"Your plan from {clinic.name} has changed"
    assert "Your physiotherapist has changed your plan." in changed.body
    for email in (issued, changed):
        assert "level" not in email.body.lower() and "run" not in email.subject.lower()
    assert list(NoticeSent.objects.order_by("pk").values_list("kind", flat=True)) == ["plan_issued", "plan_changed"]


def test_an_automatic_change_sends_no_notice_and_undoing_it_does(sent, patient, physio, frozen):
    plan = issued_plan(patient, by=physio, answers=RUNNER_INTAKE)
    run = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    logged = sent(
        lambda: plans_services.session_log_create(
            plan=plan, by=patient.user, session_date=day_of(run), pain_during_max=7
        )
    )
    plan.refresh_from_db()
    automatic = plan.current_revision
    assert automatic.kind == RevisionKind.AUTOMATIC and logged == []  # she saw the change as she logged it
    [undone] = sent(lambda: plans_services.plan_revision_undo(plan=plan, revision=automatic, by=physio))
    assert "has changed" in undone.subject
