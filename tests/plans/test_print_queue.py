"""The print queue, its live status endpoint, "Print handout" on the plan page and handout downloads, per role:
what each sees and may do, the notice about the print service, fixed query counts, and who may download what."""

import hashlib

import pytest
from botocore.exceptions import ConnectTimeoutError
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from plans.handouts.selectors import SLOW_NOTICE, UNREACHABLE_NOTICE
from plans.models import Handout, HandoutBatch, HandoutSettings, Plan, PrintStatus
from tests.factories import UserFactory
from tests.plans.handout_factories import FAKE_PDF, more_revisions, stored_batch, stored_handout
from tests.plans.plan_factories import draft_plan, issued_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]

QUEUE = reverse("handouts:queue")
STATUS = reverse("handouts:queue_status")


@pytest.fixture
def plan(patient):
    return issued_plan(patient, weeks=4)


def audited(action, target, patient):
    return AuditEvent.objects.filter(
        action=action, target_type=target._meta.model_name, target_id=target.pk, patient_id=patient.pk
    ).count()


def status_of(client, *handouts, batches=()):
    ids = ",".join(str(handout.pk) for handout in handouts)
    return client.get(STATUS, {"handouts": ids, "batches": ",".join(str(batch.pk) for batch in batches)})


# --- the queue page -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_fixture", ["desk_client", "physio_client"])
def test_queue_lists_the_clinics_handouts_newest_first_with_status_and_reason(request, plan, other_patient, frozen,
                                                                              client_fixture):  # fmt: skip
    ready = stored_handout(plan.current_revision)
    frozen.shift(60)
    failed = stored_handout(issued_plan(other_patient, weeks=4).current_revision, status=PrintStatus.FAILED)
    page = request.getfixturevalue(client_fixture).get(QUEUE).content.decode()
    assert page.index(f'id="handout-{failed.pk}"') < page.index(f'id="handout-{ready.pk}"')
    assert 'data-status="failed"' in page and failed.error in page
    assert 'data-status="ready"' in page and f"1 page, {len(FAKE_PDF)}" in page  # the stand-in PDF
    assert ready.download_url() in page and failed.retry_url() in page
    assert "Okafor, Hannah" in page and "Clarke, Emma" in page


def test_queue_never_lists_another_clinics_handouts(other_physio_client, plan, foreign_patient):
    foreign = stored_handout(issued_plan(foreign_patient, weeks=4).current_revision)
    mine = stored_handout(plan.current_revision)
    page = other_physio_client.get(QUEUE).content.decode()
    assert f'id="handout-{foreign.pk}"' in page and f'id="handout-{mine.pk}"' not in page
    assert "Clarke" not in page


def test_queue_is_refused_to_patients_and_asks_anonymous_visitors_to_sign_in(patient_client, client):
    assert patient_client.get(QUEUE).status_code == 403
    client.logout()
    response = client.get(QUEUE)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_queue_filters_by_status(desk_client, plan):
    ready = stored_handout(plan.current_revision)
    failed = stored_handout(plan.current_revision, paper="letter", status=PrintStatus.FAILED)
    page = desk_client.get(QUEUE, {"status": "failed"}).content.decode()
    assert f'id="handout-{failed.pk}"' in page and f'id="handout-{ready.pk}"' not in page


def test_queue_works_without_javascript_through_its_refresh_link(desk_client, plan):
    stored_handout(plan.current_revision, status=PrintStatus.QUEUED)
    page = desk_client.get(QUEUE, {"page": "1"}).content.decode()
    assert '<a class="btn btn-outline-primary" href="/print-queue/?page=1">Refresh</a>' in page
    assert 'aria-live="polite" id="print-live"' in page and "js/printqueue.js" in page


@pytest.mark.parametrize("count", [1, 20])
def test_queue_uses_a_fixed_number_of_queries(count, desk_client, plan, other_patient, clinic, front_desk, physio,
                                              django_assert_num_queries):  # fmt: skip
    other = issued_plan(other_patient, weeks=4)
    revisions = [plan.current_revision, other.current_revision, *more_revisions(plan, 9), *more_revisions(other, 9)]
    pairs = [(revision, paper) for revision in revisions for paper in ("a4", "letter")][:count]
    # Every row names who asked for it.
    handouts = [stored_handout(revision, paper=paper, requested_by=front_desk.user) for revision, paper in pairs]
    for _ in range(count):
        stored_batch(clinic, handouts[:2], requested_by=physio.user)
    # session, user, staff member, the request's savepoint and its release, handout settings, the page's count and
    # rows, the latest batches, the notice (2)
    with django_assert_num_queries(11):
        response = desk_client.get(QUEUE)
    assert response.content.decode().count('data-job="handout"') == min(count, 25)


# --- the notice about the print service -----------------------------------------------------------------------------


def test_queue_says_when_the_print_service_could_not_be_reached(desk_client, plan):
    stored_handout(plan.current_revision, status=PrintStatus.QUEUED)  # never handed to the broker
    page = desk_client.get(QUEUE).content.decode()
    assert UNREACHABLE_NOTICE in page
    assert status_of(desk_client).json()["notice"] == UNREACHABLE_NOTICE


def test_print_handout_with_the_broker_down_is_accepted_and_the_queue_says_so(
    broker_down, desk_client, plan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the request's commit: the task is sent for real
        response = desk_client.post(reverse("handouts:request", args=[plan.patient_id, plan.pk]), {"paper": "a4"})
    handout = Handout.objects.get()
    assert response.status_code == 302 and (handout.status, handout.dispatched_at) == (PrintStatus.QUEUED, None)
    page = desk_client.get(response.url).content.decode()
    assert UNREACHABLE_NOTICE in page and f'id="handout-{handout.pk}" data-job="handout" data-id="{handout.pk}"' in page


def test_queue_says_when_handouts_have_waited_long_for_the_print_service(desk_client, plan, frozen, settings):
    stored_handout(plan.current_revision, status=PrintStatus.QUEUED, dispatched_at=timezone.now())
    assert status_of(desk_client).json()["notice"] == ""
    frozen.shift(settings.HANDOUT_REDISPATCH_AFTER.total_seconds() + 1)
    assert status_of(desk_client).json()["notice"] == SLOW_NOTICE
    assert SLOW_NOTICE in desk_client.get(QUEUE).content.decode()


def test_queue_says_nothing_about_the_print_service_when_all_is_well(desk_client, plan):
    stored_handout(plan.current_revision)
    page = desk_client.get(QUEUE).content.decode()
    assert '<div class="alert alert-warning" role="status" id="print-notice" hidden></div>' in page


# --- live status ----------------------------------------------------------------------------------------------------


def test_status_answers_the_current_state_of_the_rows_asked_for(desk_client, plan, clinic):
    waiting = stored_handout(plan.current_revision, status=PrintStatus.QUEUED)
    batch = stored_batch(clinic, [waiting], status=PrintStatus.RENDERING)
    first = status_of(desk_client, waiting, batches=[batch]).json()
    assert first["handouts"] == [
        {
            "id": waiting.pk,
            "status": "queued",
            "label": "Waiting",
            "outcome": "",
            "download_url": waiting.download_url(),
        }
    ]
    assert first["batches"][0]["status"] == "rendering"
    Handout.objects.filter(pk=waiting.pk).update(status=PrintStatus.FAILED, error="It went wrong.")
    [now] = status_of(desk_client, waiting).json()["handouts"]
    assert (now["status"], now["label"], now["outcome"]) == ("failed", "Failed", "It went wrong.")


def test_status_leaves_out_another_clinics_rows(other_physio_client, plan, clinic):
    handout = stored_handout(plan.current_revision)
    batch = stored_batch(clinic, [handout])
    answer = status_of(other_physio_client, handout, batches=[batch]).json()
    assert (answer["handouts"], answer["batches"]) == ([], [])


def test_status_is_refused_to_patients(patient_client, plan):
    assert status_of(patient_client, stored_handout(plan.current_revision)).status_code == 403


def test_status_ignores_ids_that_are_not_numbers(desk_client, plan):
    handout = stored_handout(plan.current_revision)
    response = desk_client.get(STATUS, {"handouts": f"x,²,-1,{handout.pk}", "batches": "1.5"})
    assert response.status_code == 200
    assert [state["id"] for state in response.json()["handouts"]] == [handout.pk]


@pytest.mark.parametrize("key", ["handouts", "batches"])
def test_status_ignores_ids_beyond_what_the_database_holds(desk_client, plan, key):
    # SQLite's integers end at 2**63 - 1: a bigger number in the query overflowed into a server error.
    handout = stored_handout(plan.current_revision)
    response = desk_client.get(STATUS, {"handouts": handout.pk, key: f"{handout.pk},9223372036854775808,{10**30}"})
    assert response.status_code == 200
    assert [state["id"] for state in response.json()["handouts"]] == [handout.pk]


def test_status_is_never_cached(desk_client):
    assert desk_client.get(STATUS).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("count", [1, 20])
def test_status_uses_a_fixed_number_of_queries(count, desk_client, plan, clinic, django_assert_num_queries):
    revisions = [plan.current_revision, *more_revisions(plan, 9)]
    handouts = [stored_handout(revision, paper=paper) for revision in revisions for paper in ("a4", "letter")]
    batches = [stored_batch(clinic, handouts[:2]) for _ in range(count)]
    # session, user, staff member, the request's savepoint and its release, the handouts, the batches, the notice (2)
    with django_assert_num_queries(9):
        answer = status_of(desk_client, *handouts[:count], batches=batches).json()
    assert len(answer["handouts"]) == len(answer["batches"]) == count


# --- "Print handout" on the plan page -------------------------------------------------------------------------------


@pytest.mark.parametrize("client_fixture", ["desk_client", "physio_client"])
def test_plan_page_offers_print_handout_on_the_clinics_paper_size(request, plan, clinic, client_fixture):
    HandoutSettings.objects.create(clinic=clinic, paper_size="letter")
    page = request.getfixturevalue(client_fixture).get(plan.get_absolute_url()).content.decode()
    assert reverse("handouts:request", args=[plan.patient_id, plan.pk]) in page and "Print handout" in page
    assert 'value="letter" id="paper-letter" checked' in page and 'value="a4" id="paper-a4">' in page


def test_plan_page_defaults_to_a4_and_shows_the_handouts_of_the_revision(physio_client, plan):
    ready = stored_handout(plan.current_revision)
    page = physio_client.get(plan.get_absolute_url()).content.decode()
    assert 'value="a4" id="paper-a4" checked' in page
    assert ready.download_url() in page and f"1 page, {len(FAKE_PDF)}" in page


def test_draft_plan_has_no_handout_to_print(physio_client, patient):
    plan = draft_plan(patient)
    page = physio_client.get(plan.get_absolute_url()).content.decode()
    assert "Print handout" not in page


def request_url(plan):
    return reverse("handouts:request", args=[plan.patient_id, plan.pk])


def test_print_handout_queues_it_audits_it_and_opens_the_queue_at_its_row(
    desk_client, plan, front_desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as sent:
        response = desk_client.post(request_url(plan), {"paper": "letter"})
    handout = Handout.objects.get()
    assert response.status_code == 302 and response.url == f"{QUEUE}#handout-{handout.pk}"
    assert (handout.revision, handout.paper, handout.requested_by) == (plan.current_revision, "letter", front_desk.user)
    assert len(sent) == 1 and audited("create", handout, plan.patient) == 1
    event = AuditEvent.objects.get(target_type="handout")
    assert event.detail == "revision 1, paper=letter"


def test_the_message_after_print_handout_stays_true_once_the_handout_is_ready(desk_client, plan):
    response = desk_client.post(request_url(plan), {"paper": "a4"})
    handout = Handout.objects.get()
    # Made before the queue opens (a fast worker, or the thread of the embedded set-up).
    Handout.objects.filter(pk=handout.pk).update(
        status=PrintStatus.READY, file="handouts/made.pdf", sha256="0" * 64, page_count=7, size_bytes=90_000
    )
    page = desk_client.get(response.url).content.decode()
    assert "The handout is in the print queue: its row below shows how it goes" in page
    assert "The handout is being made" not in page and "in a moment" not in page
    assert f'data-id="{handout.pk}" data-status="ready"' in page


def test_print_handout_of_a_ready_revision_reuses_it_without_a_new_audit_entry(desk_client, plan):
    handout = stored_handout(plan.current_revision)
    response = desk_client.post(request_url(plan), {"paper": "a4"}, follow=True)
    assert "The handout of this revision is ready" in response.content.decode()
    assert Handout.objects.get().file.name == handout.file.name and audited("create", handout, plan.patient) == 0


def test_print_handout_with_a_bad_paper_size_asks_again_and_queues_nothing(desk_client, plan):
    response = desk_client.post(request_url(plan), {"paper": "a3"}, follow=True)
    assert "Choose the paper size: A4 or US Letter." in response.content.decode()
    assert not Handout.objects.exists()


def test_print_handout_of_a_draft_plan_is_refused(physio_client, patient):
    plan = draft_plan(patient)
    response = physio_client.post(request_url(plan), {"paper": "a4"}, follow=True)
    assert "has not been issued yet" in response.content.decode() and not Handout.objects.exists()


@pytest.mark.parametrize(("client_fixture", "status"), [("patient_client", 403), ("other_physio_client", 404)])
def test_print_handout_is_refused_to_patients_and_other_clinics(request, plan, client_fixture, status):
    response = request.getfixturevalue(client_fixture).post(request_url(plan), {"paper": "a4"})
    assert response.status_code == status and not Handout.objects.exists()


def test_try_again_queues_a_failed_handout_and_audits_the_change(desk_client, plan,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    failed = stored_handout(plan.current_revision, status=PrintStatus.FAILED)
    with django_capture_on_commit_callbacks() as sent:
        response = desk_client.post(failed.retry_url())
    failed.refresh_from_db()
    assert response.url == f"{QUEUE}#handout-{failed.pk}" and len(sent) == 1
    assert (failed.status, failed.error) == (PrintStatus.QUEUED, "")
    assert audited("change", failed, plan.patient) == 1


def test_try_again_on_another_clinics_handout_is_not_found(other_physio_client, plan):
    failed = stored_handout(plan.current_revision, status=PrintStatus.FAILED)
    assert other_physio_client.post(failed.retry_url()).status_code == 404
    assert Handout.objects.get().status == PrintStatus.FAILED


# --- downloads ------------------------------------------------------------------------------------------------------


def download(client, handout):
    return client.get(handout.download_url())


@pytest.mark.parametrize("client_fixture", ["desk_client", "physio_client", "patient_client"])
def test_handout_downloads_as_a_pdf_attachment_and_is_audited(request, plan, client_fixture):
    handout = stored_handout(plan.current_revision, paper="letter")
    response = download(request.getfixturevalue(client_fixture), handout)
    assert response.status_code == 200 and b"".join(response.streaming_content) == FAKE_PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="handout-{handout.pk}-revision-1-letter.pdf"'
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    assert audited("download", handout, plan.patient) == 1


@pytest.mark.parametrize("client_fixture", ["other_patient_client", "other_physio_client"])
def test_another_patients_or_clinics_handout_is_not_found(request, plan, client_fixture):
    handout = stored_handout(plan.current_revision)
    assert download(request.getfixturevalue(client_fixture), handout).status_code == 404
    assert not AuditEvent.objects.filter(action="download").exists()


def test_a_signed_in_account_with_no_role_gets_not_found(client, plan):
    client.force_login(UserFactory())
    assert download(client, stored_handout(plan.current_revision)).status_code == 404


def test_download_asks_anonymous_visitors_to_sign_in(client, plan):
    response = download(client, stored_handout(plan.current_revision))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_damaged_file_is_not_served(desk_client, plan):
    handout = stored_handout(plan.current_revision)
    Handout.objects.filter(pk=handout.pk).update(sha256=hashlib.sha256(b"something else").hexdigest())
    response = download(desk_client, handout)
    page = response.content.decode()
    assert response.status_code == 409 and response.headers["Content-Type"].startswith("text/html")
    assert "Its stored PDF is missing or damaged" in page and handout.retry_url() in page
    assert not AuditEvent.objects.filter(action="download").exists()


def test_the_file_store_out_of_reach_says_so_and_to_try_again(desk_client, plan, monkeypatch):
    handout = stored_handout(plan.current_revision)

    def store_down(name, mode="rb"):
        raise ConnectTimeoutError(endpoint_url="http://127.0.0.1:9/runback")

    monkeypatch.setattr(Handout._meta.get_field("file").storage, "open", store_down)
    response = download(desk_client, handout)
    page = response.content.decode()
    assert response.status_code == 503 and "could not be reached just now. Nothing is lost" in page
    assert "Make it again" not in page  # the file is there: nothing to make
    assert not AuditEvent.objects.filter(action="download").exists()


def test_a_handout_still_being_made_says_so_instead_of_downloading(patient_client, plan):
    response = download(patient_client, stored_handout(plan.current_revision, status=PrintStatus.RENDERING))
    page = response.content.decode()
    assert response.status_code == 409 and "It is still being made" in page
    assert "Make it again" not in page  # a patient can't; staff can


# --- batches on the queue -------------------------------------------------------------------------------------------


def test_ticked_handouts_are_printed_together_and_audited_for_each_patient(
    desk_client, plan, other_patient, clinic, django_capture_on_commit_callbacks
):
    other = issued_plan(other_patient, weeks=4)
    handouts = [stored_handout(plan.current_revision), stored_handout(other.current_revision, status="queued")]
    with django_capture_on_commit_callbacks() as sent:
        response = desk_client.post(QUEUE, {"handouts": [h.pk for h in handouts], "paper": "letter"})
    batch = HandoutBatch.objects.get()
    assert response.url == f"{QUEUE}#batch-{batch.pk}" and len(sent) == 1
    assert (batch.clinic, batch.paper, set(batch.handouts.all())) == (clinic, "letter", set(handouts))
    assert audited("create", batch, plan.patient) == audited("create", batch, other_patient) == 1


def test_printing_together_with_too_few_ticked_shows_why_and_keeps_the_ticks(desk_client, plan):
    handout = stored_handout(plan.current_revision)
    response = desk_client.post(QUEUE, {"handouts": [handout.pk], "paper": "a4"})
    page = response.content.decode()
    assert response.status_code == 200 and "Choose at least two handouts to print together." in page
    assert f'value="{handout.pk}" form="batch-form" id="select-{handout.pk}" checked' in page
    assert not HandoutBatch.objects.exists()


def test_printing_together_another_clinics_handout_is_refused(desk_client, plan, foreign_patient):
    foreign = stored_handout(issued_plan(foreign_patient, weeks=4).current_revision)
    mine = stored_handout(plan.current_revision)
    response = desk_client.post(QUEUE, {"handouts": [mine.pk, foreign.pk], "paper": "a4"})
    assert "A ticked handout is no longer on your clinic&#x27;s queue." in response.content.decode()
    assert not HandoutBatch.objects.exists()


def test_printing_together_a_handout_id_beyond_what_the_database_holds_is_refused(desk_client, plan):
    mine = stored_handout(plan.current_revision)
    response = desk_client.post(QUEUE, {"handouts": [mine.pk, "9223372036854775808"], "paper": "a4"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "handouts": ["A ticked handout is no longer on your clinic's queue. Tick them again."]
    }
    assert f'value="{mine.pk}" form="batch-form" id="select-{mine.pk}" checked' in response.content.decode()
    assert not HandoutBatch.objects.exists()


def test_batch_download_is_audited_for_every_patient_in_it(desk_client, plan, other_patient, clinic):
    other = issued_plan(other_patient, weeks=4)
    batch = stored_batch(clinic, [stored_handout(plan.current_revision), stored_handout(other.current_revision)])
    response = desk_client.get(reverse("handouts:batch_download", args=[batch.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == FAKE_PDF
    assert response.headers["Content-Disposition"] == f'attachment; filename="handouts-batch-{batch.pk}-a4.pdf"'
    assert audited("download", batch, plan.patient) == audited("download", batch, other_patient) == 1


def test_another_clinics_batch_is_not_found(other_physio_client, plan, clinic):
    batch = stored_batch(clinic, [stored_handout(plan.current_revision)])
    assert other_physio_client.get(reverse("handouts:batch_download", args=[batch.pk])).status_code == 404
    assert other_physio_client.post(reverse("handouts:batch_retry", args=[batch.pk])).status_code == 404


def test_try_again_on_a_failed_batch_queues_it(desk_client, plan, clinic, django_capture_on_commit_callbacks):
    batch = stored_batch(clinic, [stored_handout(plan.current_revision)], status=PrintStatus.FAILED)
    with django_capture_on_commit_callbacks() as sent:
        desk_client.post(reverse("handouts:batch_retry", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == PrintStatus.QUEUED and len(sent) == 1


# --- the patient's portal -------------------------------------------------------------------------------------------


def test_portal_home_offers_the_patient_the_printed_plan_of_their_current_revision(patient_client, plan):
    older = stored_handout(plan.current_revision, paper="letter")
    current = more_revisions(plan, 1)[0]
    Plan.objects.filter(pk=plan.pk).update(current_revision=current)
    ready = stored_handout(current)
    page = patient_client.get(reverse("my_page")).content.decode()
    assert "Your plan on paper" in page and ready.download_url() in page
    assert older.download_url() not in page  # an older revision no longer matches the schedule
    assert b"".join(patient_client.get(ready.download_url()).streaming_content) == FAKE_PDF


def test_portal_home_says_nothing_of_handouts_before_one_is_ready(patient_client, plan, other_patient):
    stored_handout(plan.current_revision, status=PrintStatus.RENDERING)
    stored_handout(issued_plan(other_patient, weeks=4).current_revision)
    assert "Your plan on paper" not in patient_client.get(reverse("my_page")).content.decode()
