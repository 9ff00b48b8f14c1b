"""Messages between a patient and their clinic: the patient writes in the portal, the physiotherapists on the patient
page and its conversation page; plain text, newest at the bottom, read state per side, unread counts on the physio's
patient list and caseload, audited, refused with a reason (empty, too long, too many), and only that a conversation
exists for the front desk."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from portal import services
from portal.models import MESSAGE_MAX_LENGTH, Message
from portal.selectors import THREAD_PAGE_SIZE
from portal.services import MESSAGES_PER_HOUR
from tests.factories import PatientFactory, PortalPatientFactory
from tests.plans.plan_factories import RUNNER_INTAKE, issued_plan, load_shipped_library
from tests.plans.test_caseload import plan_like

pytestmark = pytest.mark.django_db


def write(patient, by, body="Can I run tomorrow?", **options):
    return services.message_send(patient=patient, by=by, body=body, **options)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def thread_url(patient):
    return reverse("patient_messages", args=[patient.pk])


MY_THREAD = reverse("portal_messages")


# --- the patient's side -------------------------------------------------------------------------------------------


def test_the_patient_sends_a_message_and_sees_it_at_the_bottom(patient_client, patient, physio):
    write(physio.patients.get(), physio.user, "How did Saturday go?")
    response = patient_client.post(MY_THREAD, {"body": "  Sore after the hill.\nRest tomorrow?  "})
    assert response.status_code == 302 and response.url == f"{MY_THREAD}#latest"
    message = Message.objects.latest("pk")
    assert (message.body, message.from_patient, message.author) == (
        "Sore after the hill.\nRest tomorrow?",
        True,
        patient.user,
    )
    html = page(patient_client, MY_THREAD)
    assert html.index("How did Saturday go?") < html.index("Sore after the hill.<br>Rest tomorrow?")
    assert 'id="latest"' in html[html.index("How did Saturday go?") :]
    assert "Not read yet" in html and "Your message is sent." in html
    created = AuditEvent.objects.get(action="create", target_type="message")
    assert (created.patient_id, created.target_id, created.actor) == (patient.pk, message.pk, patient.user)


def test_opening_the_conversation_reads_the_clinics_messages_and_marks_them_new_once(patient_client, patient, physio):
    answer = write(patient, physio.user, "Yes, an easy 20 minutes.")
    assert 'Messages <span class="badge nav-badge">1' in page(patient_client, reverse("my_page"))
    assert "A new message from the clinic" in page(patient_client, reverse("my_page"))
    html = page(patient_client, MY_THREAD)
    assert "Alice Morgan" in html and 'class="badge thread-new">New' in html
    answer.refresh_from_db()
    assert answer.read_at is not None and answer.read_by is None
    assert "thread-new" not in page(patient_client, MY_THREAD)
    home = page(patient_client, reverse("my_page"))
    assert "nav-badge" not in home and "A new message" not in home
    viewed = AuditEvent.objects.filter(action="view", detail="portal messages")
    assert [(event.patient_id, event.actor) for event in viewed] == [(patient.pk, patient.user)] * 2


@pytest.mark.parametrize("body", ["", "   \n  "])
def test_an_empty_message_is_refused_with_a_reason(patient_client, body):
    response = patient_client.post(MY_THREAD, {"body": body})
    assert response.status_code == 200
    assert response.context["form"].errors == {"body": ["Write your message first: there is nothing to send yet."]}
    assert not Message.objects.exists()


def test_a_message_too_long_is_refused_and_kept_whole(patient_client):
    body = "My knee " + "x" * MESSAGE_MAX_LENGTH
    response = patient_client.post(MY_THREAD, {"body": body})
    assert response.context["form"].errors == {
        "body": [
            f"Please keep a message under 2,000 characters (this one has {len(body):,}): "
            "send the rest in a second message."
        ]
    }
    html = response.content.decode()
    assert body in html and "maxlength" not in html[html.index("<textarea") : html.index("</textarea>")]
    assert not Message.objects.exists()


def test_a_message_of_the_longest_length_is_sent(patient_client):
    patient_client.post(MY_THREAD, {"body": "x" * MESSAGE_MAX_LENGTH})
    assert len(Message.objects.get().body) == MESSAGE_MAX_LENGTH


def test_too_many_messages_in_an_hour_are_refused_with_the_clinics_number(patient_client, patient, clinic):
    earlier = timezone.now() - timedelta(minutes=59)
    for _ in range(MESSAGES_PER_HOUR):
        write(patient, patient.user, now=earlier)
    response = patient_client.post(MY_THREAD, {"body": "One more thing"})
    [error] = response.context["form"].errors["body"]
    assert error.startswith(f"You have sent {MESSAGES_PER_HOUR} messages in the last hour") and clinic.phone in error
    assert "One more thing" in response.content.decode()
    assert Message.objects.count() == MESSAGES_PER_HOUR
    # An hour on, and the physio's side was never counted against her.
    write(patient, patient.physio.user, "Answer")
    write(patient, patient.user, now=timezone.now() + timedelta(minutes=2))


def test_the_body_is_plain_text(patient_client, patient):
    patient_client.post(MY_THREAD, {"body": "<b>sore</b> <script>alert(1)</script>"})
    html = page(patient_client, MY_THREAD)
    assert "&lt;b&gt;sore&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in html and "<b>sore" not in html


def test_a_patient_sees_only_her_own_conversation(other_patient_client, patient, physio):
    write(patient, patient.user, "Emma's question")
    write(patient, physio.user, "Emma's answer")
    html = page(other_patient_client, MY_THREAD)
    assert "Emma" not in html.split("<main", 1)[1].split("</main>")[0] and "No messages yet." in html
    assert Message.objects.get(read_at__isnull=True).body == "Emma's answer"  # not read by another patient


def test_older_messages_are_a_page_away(patient_client, patient):
    start = timezone.now() - timedelta(days=30)
    for number in range(THREAD_PAGE_SIZE + 2):
        Message.objects.create(
            patient=patient,
            from_patient=True,
            author=patient.user,
            body=f"Note {number}.",
            sent_at=start + timedelta(hours=number),
        )
    newest = page(patient_client, MY_THREAD)
    assert "Note 2." in newest and "Note 1." not in newest and f"Note {THREAD_PAGE_SIZE + 1}." in newest
    assert 'href="?page=2">Earlier messages' in newest
    earlier = page(patient_client, f"{MY_THREAD}?page=2")
    assert "Note 0." in earlier and "Note 1." in earlier and "Note 2." not in earlier
    assert 'href="?page=1">Newer messages' in earlier
    # A page that is not a number is the newest; one out of range, the oldest: never an error.
    assert f"Note {THREAD_PAGE_SIZE + 1}." in page(patient_client, f"{MY_THREAD}?page=x99")
    for out_of_range in ("99", "0", "-1"):
        assert "Note 0." in page(patient_client, f"{MY_THREAD}?page={out_of_range}")


# --- the staff's side ---------------------------------------------------------------------------------------------


def test_the_physio_reads_and_answers_on_the_conversation_page(physio_client, patient, physio):
    asked = write(patient, patient.user, "Sore knee after Sunday's run: should I rest?")
    html = page(physio_client, thread_url(patient))
    assert "Emma Clarke" in html and "Sore knee after Sunday" in html and "thread-new" in html
    asked.refresh_from_db()
    assert (asked.read_at is not None, asked.read_by) == (True, physio.user)
    event = AuditEvent.objects.get(action="view", detail="messages")
    assert (event.patient_id, event.actor) == (patient.pk, physio.user)
    response = physio_client.post(thread_url(patient), {"body": "Rest tomorrow, then the plan as it is."}, follow=True)
    assert response.redirect_chain[-1][0] == f"{thread_url(patient)}#latest"
    answer = Message.objects.latest("pk")
    assert (answer.from_patient, answer.author, answer.read_at) == (False, physio.user, None)
    assert "Emma is told by e-mail that a message is waiting." in response.content.decode()
    assert "Read by Emma" not in response.content.decode() and "Not read yet" in response.content.decode()


def test_the_physio_is_told_when_the_patient_gets_no_e_mail_of_the_message(physio_client, patient):
    """Invited, but no password chosen yet: no notice goes out, and the page does not say one did."""
    patient.user.set_unusable_password()
    patient.user.save()
    response = physio_client.post(thread_url(patient), {"body": "How was the run?"}, follow=True)
    html = response.content.decode()
    assert "Emma gets no e-mails from the portal" in html and "Call them if it cannot wait." in html
    assert "is told by e-mail" not in html


def test_answering_from_the_patient_page_reads_what_the_patient_wrote(physio_client, patient, physio):
    asked = write(patient, patient.user)
    html = page(physio_client, patient.get_absolute_url())
    assert 'id="messages"' in html and "Can I run tomorrow?" in html and "1 unread message" in html
    asked.refresh_from_db()
    assert asked.read_at is None  # the patient page shows the newest; opening or answering reads them
    physio_client.post(thread_url(patient), {"body": "Yes."})
    asked.refresh_from_db()
    assert asked.read_by == physio.user


def test_an_empty_answer_is_refused_and_nothing_else_changes(physio_client, patient):
    write(patient, patient.user)
    response = physio_client.post(thread_url(patient), {"body": " "})
    assert response.context["form"].errors == {"body": ["Write your message first: there is nothing to send yet."]}
    assert Message.objects.get().read_at is None


@pytest.mark.parametrize("closed", ["no account", "anonymised"])
def test_nobody_writes_to_a_patient_without_a_portal_account(physio_client, clinic, physio, closed):
    patient = PatientFactory(clinic=clinic, physio=physio)
    if closed == "anonymised":
        patient.anonymised_at = timezone.now()
        patient.save()
    reason = (
        "This record is anonymised: nobody can be contacted about it."
        if closed == "anonymised"
        else "The patient has no portal account yet: invite them to the portal to exchange messages."
    )
    assert reason in page(physio_client, patient.get_absolute_url())
    assert reason in page(physio_client, thread_url(patient))
    response = physio_client.post(thread_url(patient), {"body": "Hello"})
    assert response.context["form"].errors == {"body": [reason]} and not Message.objects.exists()


def test_a_colleague_reads_the_conversation_too(client, colleague_physio, patient):
    write(patient, patient.user)
    client.force_login(colleague_physio.user)
    assert "Can I run tomorrow?" in page(client, thread_url(patient))
    assert Message.objects.get().read_by == colleague_physio.user


def test_the_front_desk_sees_that_a_conversation_exists_not_what_it_says(desk_client, patient, physio):
    write(patient, physio.user, "Your knee: rest two days.")
    write(patient, patient.user, "My knee is swollen.")
    html = page(desk_client, patient.get_absolute_url())
    section = html[html.index('id="messages"') :]
    assert "2 messages between the patient and the physiotherapists" in section
    assert "1 from the patient not read by a physiotherapist yet." in section
    assert "swollen" not in html and "rest two days" not in html and "<textarea" not in section
    assert thread_url(patient) not in html
    assert desk_client.get(thread_url(patient)).status_code == 403
    assert desk_client.post(thread_url(patient), {"body": "Hello"}).status_code == 403
    assert Message.objects.filter(read_at__isnull=True).count() == 2
    assert "unread message" not in page(desk_client, reverse("patient_list"))


# --- unread counts on the physio's lists --------------------------------------------------------------------------


def test_patients_whose_messages_wait_come_first_on_the_physios_list(physio_client, clinic, physio, patient):
    quiet = PortalPatientFactory(clinic=clinic, physio=physio, first_name="Anna", last_name="Abbott")
    waiting = PortalPatientFactory(clinic=clinic, physio=physio, first_name="Zoe", last_name="Young")
    write(waiting, waiting.user)
    write(waiting, waiting.user, "And another thing")
    write(patient, patient.user)
    response = physio_client.get(reverse("patient_list"))
    assert list(response.context["page"].object_list) == [waiting, patient, quiet]
    html = response.content.decode()
    assert f'href="{thread_url(waiting)}#latest">2 unread messages' in html
    assert f'href="{thread_url(patient)}#latest">1 unread message<' in html
    # Read, they wait no more (Patient.unread_messages is kept by the services).
    physio_client.get(thread_url(waiting))
    assert list(physio_client.get(reverse("patient_list")).context["page"].object_list) == [patient, quiet, waiting]


def test_the_caseload_shows_each_patients_unread_messages(physio_client, patient, physio):
    load_shipped_library()
    issued_plan(patient)
    write(patient, patient.user)
    html = page(physio_client, reverse("plans:caseload"))
    assert f'href="{thread_url(patient)}#latest">1 unread message<' in html
    physio_client.get(thread_url(patient))
    assert "unread message" not in page(physio_client, reverse("plans:caseload"))


# --- query counts -------------------------------------------------------------------------------------------------


def _conversation(patient, physio, count):
    start = timezone.now() - timedelta(days=10)
    for number in range(count):
        from_patient = number % 2 == 0
        Message.objects.create(
            patient=patient,
            from_patient=from_patient,
            author=patient.user if from_patient else physio.user,
            body=f"Message {number}",
            sent_at=start + timedelta(minutes=number),
        )


# The session, user, staff role and patient record; the request's savepoint and its release; the count and the page of
# messages; marking what was new as read; the audit entry; the unread count in the navigation.
PATIENT_THREAD_QUERIES = 11
# The same, for a physiotherapist: their role and the patient (one query), no count in the navigation, and the
# patient's count of messages waiting for the staff stored anew (Patient.unread_messages) when some were new.
STAFF_THREAD_QUERIES = 11
# The patient page with every section; the messages section is two of them (the summary, the newest messages).
PATIENT_PAGE_QUERIES = 17


@pytest.mark.parametrize("count", [1, 45])
def test_the_patients_conversation_page_costs_the_same_whatever_its_length(
    patient_client, patient, physio, count, django_assert_max_num_queries
):
    _conversation(patient, physio, count)
    with django_assert_max_num_queries(PATIENT_THREAD_QUERIES):
        response = patient_client.get(MY_THREAD)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 45])
def test_the_staff_conversation_page_costs_the_same_whatever_its_length(
    physio_client, patient, physio, count, django_assert_max_num_queries
):
    _conversation(patient, physio, count)
    with django_assert_max_num_queries(STAFF_THREAD_QUERIES):
        response = physio_client.get(thread_url(patient))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 45])
def test_the_patient_page_with_its_messages_costs_the_same_whatever_their_number(
    physio_client, patient, physio, count, django_assert_max_num_queries
):
    _conversation(patient, physio, count)
    with django_assert_max_num_queries(PATIENT_PAGE_QUERIES):
        html = page(physio_client, patient.get_absolute_url())
    assert f"Message {count - 1}" in html


@pytest.mark.parametrize("count", [1, 20])
def test_the_unread_counts_on_the_physios_list_cost_no_query_of_their_own(
    physio_client, clinic, physio, count, django_assert_num_queries
):
    for _ in range(count):
        waiting = PortalPatientFactory(clinic=clinic, physio=physio)
        write(waiting, waiting.user)
    # As without messages (tests/clinic/test_patients.py): the unread counts come in the page's own query.
    with django_assert_num_queries(7):
        response = physio_client.get(reverse("patient_list"))
    assert all(patient.unread_messages == 1 for patient in response.context["page"].object_list)


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("count", [1, 20])
def test_the_unread_counts_on_the_caseload_cost_one_query(
    physio_client, clinic, physio, patient, count, django_assert_num_queries
):
    load_shipped_library()
    template = issued_plan(patient, answers=RUNNER_INTAKE)
    write(patient, patient.user)
    for _ in range(count - 1):
        waiting = PortalPatientFactory(clinic=clinic, physio=physio)
        plan_like(template, waiting)
        write(waiting, waiting.user)
    # As tests/plans/test_caseload.py counts them, the unread counts one of them.
    with django_assert_num_queries(11):
        html = page(physio_client, reverse("plans:caseload"))
    assert html.count("1 unread message<") == count
