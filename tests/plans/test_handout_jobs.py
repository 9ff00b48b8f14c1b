"""Handouts as print jobs: rendered from the models, reused when nothing changed, claimed once, retried only when
the failure passes, failed with a reason otherwise, sent to the broker on commit (or kept queued when it is down),
swept up when left behind, and printed together in batches.

Tasks run eagerly here (in this process); tests/plans/test_handout_thread.py runs them on the render thread of the
embedded default, tests/plans/test_handout_worker.py on a real worker."""

from datetime import timedelta

import pytest
from boto3.exceptions import Boto3Error, S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.celery import app
from clinic.file_store import FileStoreUnavailable
from plans.handouts import services as handout_services
from plans.handouts import tasks
from plans.handouts.content import TEMPLATE, render_handout
from plans.handouts.pdf import RenderedPdf
from plans.handouts.selectors import handout_context_for, revision_for_handout
from plans.handouts.services import PrintRefused, handout_batch_create, handout_request, print_job_claim
from plans.models import Handout, HandoutBatch, PlanRevision, PrintStatus
from tests.plans import handout_factories
from tests.plans.handout_data import HOSTILE, squeeze
from tests.plans.handout_factories import FAKE_PDF, stored_batch, stored_handout
from tests.plans.library_factories import ExerciseFactory, picture_upload
from tests.plans.pdftext import pdf_images, pdf_info, pdf_pages
from tests.plans.plan_factories import TODAY, issued_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]


@pytest.fixture
def plan(patient):
    """A 4-week plan: a short handout renders quickly (the first test renders the builder's default 14 weeks)."""
    return issued_plan(patient, weeks=4)


@pytest.fixture
def request_handout(physio, django_capture_on_commit_callbacks):
    """Ask for a handout as a view does, and run what the commit sends (the task, eagerly)."""

    def ask(revision, paper="a4", by=None):
        with django_capture_on_commit_callbacks(execute=True):
            return handout_request(revision=revision, paper=paper, by=by or physio.user)

    return ask


@pytest.fixture
def quick_render(monkeypatch):
    """A one-page PDF in place of the whole handout (`handout_factories.quick_render`)."""
    monkeypatch.setattr(handout_services, "render_handout", handout_factories.quick_render)
    return handout_factories.quick_render


def render_as(task_id: str, handout: Handout):
    """The render task delivered with this task id (a redelivered message keeps its id)."""
    return tasks.render_handout_task.apply(kwargs={"handout_id": handout.pk}, task_id=task_id)


def revision_with(plan, **changes) -> PlanRevision:
    """A further revision of the plan with some of its fields changed."""
    current = plan.current_revision
    fields = {
        "kind": current.kind,
        "content": current.content,
        "inputs": current.inputs,
        "note_for_patient": current.note_for_patient,
        "reason": "Changed for a test",
        "builder_version": current.builder_version,
        **changes,
    }
    return PlanRevision.objects.create(plan=plan, number=current.number + 1, **fields)


def with_exercise(content: dict, code: str) -> dict:
    """The plan's content with `code` added to its first strength session."""
    weeks = [dict(week, sessions=[dict(session) for session in week["sessions"]]) for week in content["weeks"]]
    first = next(s for week in weeks for s in week["sessions"] if s["kind"] == "strength")
    first["exercises"] = [*first["exercises"], {"code": code, "sets": 2, "reps": 8}]
    return {**content, "weeks": weeks}


# --- a real render from the models ----------------------------------------------------------------------------------


def test_handout_is_rendered_from_the_models_with_patient_exercises_and_dates(patient, request_handout):
    revision = issued_plan(patient).current_revision
    outcome = request_handout(revision)
    handout = Handout.objects.get()
    assert outcome.queued and outcome.handout == handout
    assert (handout.status, handout.error, handout.attempts) == (PrintStatus.READY, "", 1)
    assert handout.task_id and handout.dispatched_at and handout.started_at and handout.finished_at
    pdf = handout.verified_pdf()
    pages = pdf_pages(pdf)
    assert handout.page_count == len(pages) >= 6 and handout.size_bytes == len(pdf)
    cover = pages[0]
    for text in ("Emma Clarke", "Riverside Physio", "Alice Morgan", "revision 1"):
        assert text in cover
    start, end = revision.start, revision.end
    assert start == TODAY
    assert f"{start:%A} {start.day} {start:%B %Y}" in cover and f"{end:%A} {end.day} {end:%B %Y}" in cover
    text = squeeze(" ".join(pages))
    for entry in revision.content["programme"]:
        assert squeeze(entry["name"]) in text
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


def test_handout_is_printed_on_the_paper_asked_for(plan, request_handout):
    request_handout(plan.current_revision, paper="letter")
    handout = Handout.objects.get()
    assert handout.paper == "letter"
    assert pdf_info(handout.verified_pdf())["Page size"].startswith("612 x 792 pts (letter)")


def test_clinic_logo_and_own_exercise_picture_are_embedded(plan, request_handout, clinic):
    clinic.logo = picture_upload("logo.png", size=(90, 30))
    clinic.save()
    own = ExerciseFactory(clinic=clinic, name="Our step-up", image=picture_upload(size=(60, 40)))
    revision = revision_with(plan, content=with_exercise(plan.current_revision.content, own.slug))
    rendered = render_handout(handout_context_for(revision=revision_for_handout(revision_id=revision.pk), paper="a4"))
    assert rendered.refused == ()
    # the logo and the picture, and our own drawings of the library's exercises
    assert {url.split(";")[0] for url in rendered.fetched} == {"data:image/png", "data:image/svg+xml"}
    pages = pdf_pages(rendered.pdf)
    images = {(page, width, height) for page, width, height in pdf_images(rendered.pdf)}
    [card_page] = [
        number for number, page in enumerate(pages, start=1) if "Our step-up" in page and "Lift your hips" in page
    ]
    assert {(1, 90, 30), (card_page, 60, 40)} <= images


# --- reuse ----------------------------------------------------------------------------------------------------------


def test_asking_again_for_an_unchanged_revision_reuses_the_stored_file(
    quick_render, plan, request_handout, front_desk, django_capture_on_commit_callbacks
):
    first = request_handout(plan.current_revision).handout
    first.refresh_from_db()
    with django_capture_on_commit_callbacks() as sent:
        again = handout_request(revision=plan.current_revision, paper="a4", by=front_desk.user)
    assert sent == [] and not again.queued
    handout = Handout.objects.get()
    assert (handout.file.name, handout.sha256, handout.attempts) == (first.file.name, first.sha256, 1)
    assert handout.requested_by == front_desk.user  # the queue shows who asked last


def test_a_new_revision_gets_a_handout_of_its_own(quick_render, plan, request_handout):
    request_handout(plan.current_revision)
    newer = revision_with(plan, note_for_patient="Keep going!")
    request_handout(newer)
    assert sorted(Handout.objects.values_list("revision__number", flat=True)) == [1, 2]


def test_a_handout_whose_file_went_missing_is_rendered_again(quick_render, plan, request_handout):
    handout = request_handout(plan.current_revision).handout
    handout.refresh_from_db()
    handout.file.storage.delete(handout.file.name)
    assert request_handout(plan.current_revision).queued
    handout.refresh_from_db()
    assert handout.status == PrintStatus.READY and handout.verified_pdf() is not None


def test_a_handout_whose_file_fails_its_checksum_is_rendered_again(quick_render, plan, request_handout):
    damaged = stored_handout(plan.current_revision, pdf=FAKE_PDF)
    Handout.objects.filter(pk=damaged.pk).update(sha256="0" * 64)
    assert request_handout(plan.current_revision).queued
    handout = Handout.objects.get()
    assert handout.file.name != damaged.file.name and not handout.file.storage.exists(damaged.file.name)
    assert handout.status == PrintStatus.READY and handout.verified_pdf() != FAKE_PDF


def test_a_failed_handout_asked_for_again_is_made_again_from_scratch(quick_render, plan, request_handout):
    stored_handout(plan.current_revision, status=PrintStatus.FAILED, attempts=5)
    assert request_handout(plan.current_revision).queued
    handout = Handout.objects.get()
    assert (handout.status, handout.error, handout.attempts) == (PrintStatus.READY, "", 1)


def test_asking_again_while_it_is_being_made_sends_nothing_more(plan, physio, django_capture_on_commit_callbacks):
    stored_handout(plan.current_revision, status=PrintStatus.RENDERING, task_id="first")
    with django_capture_on_commit_callbacks() as sent:
        outcome = handout_request(revision=plan.current_revision, paper="a4", by=physio.user)
    assert sent == [] and not outcome.queued
    assert Handout.objects.get().task_id == "first"


# --- claiming the job -----------------------------------------------------------------------------------------------


def test_a_second_claim_of_a_handout_is_a_no_op(plan):
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED)
    assert print_job_claim(Handout, pk=handout.pk, task_id="first") is not None
    assert print_job_claim(Handout, pk=handout.pk, task_id="second") is None
    handout.refresh_from_db()
    assert (handout.status, handout.task_id, handout.attempts) == (PrintStatus.RENDERING, "first", 1)


def test_a_redelivered_message_of_the_same_task_reclaims_its_handout(plan):
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED)
    print_job_claim(Handout, pk=handout.pk, task_id="first")
    assert print_job_claim(Handout, pk=handout.pk, task_id="first") is not None
    handout.refresh_from_db()
    assert (handout.status, handout.task_id, handout.attempts) == (PrintStatus.RENDERING, "first", 2)


def test_a_ready_handout_is_not_claimed_again(plan):
    handout = stored_handout(plan.current_revision)
    assert print_job_claim(Handout, pk=handout.pk, task_id="late") is None
    assert Handout.objects.get().status == PrintStatus.READY


def test_duplicate_task_leaves_the_handout_to_the_task_rendering_it(plan):
    handout = stored_handout(plan.current_revision, status=PrintStatus.RENDERING, task_id="first", attempts=1)
    assert render_as("second", handout).get() == "not claimed"
    handout.refresh_from_db()
    assert (handout.status, handout.task_id, handout.file.name) == (PrintStatus.RENDERING, "first", "")


def test_redelivered_task_renders_the_handout_its_dead_worker_left(quick_render, plan):
    handout = stored_handout(plan.current_revision, status=PrintStatus.RENDERING, task_id="first", attempts=1)
    assert render_as("first", handout).get() == "done"
    handout.refresh_from_db()
    assert (handout.status, handout.attempts) == (PrintStatus.READY, 2)


def test_a_handout_that_keeps_killing_its_worker_is_failed_instead_of_rendered(plan, settings):
    handout = stored_handout(
        plan.current_revision, status=PrintStatus.RENDERING, task_id="first", attempts=settings.HANDOUT_MAX_ATTEMPTS
    )
    assert render_as("first", handout).get() == "not claimed"
    handout.refresh_from_db()
    assert handout.status == PrintStatus.FAILED
    assert handout.error.startswith(f"Making it failed {settings.HANDOUT_MAX_ATTEMPTS} times in a row")


# --- failures -------------------------------------------------------------------------------------------------------


def test_render_task_retries_passing_failures_with_backoff_within_its_time_limits(settings):
    task = tasks.render_handout_task
    assert (task.name, task.acks_late, task.reject_on_worker_lost, task.ignore_result) == (
        "plans.render_handout",
        True,
        True,
        True,
    )
    assert set(task.autoretry_for) == {
        OperationalError,
        tasks.InterfaceError,
        OSError,
        FileStoreUnavailable,
        BotoCoreError,  # an S3 service out of reach or too slow
        ClientError,  # an S3 service answering with an error
        Boto3Error,  # an upload that failed
    }
    assert (task.retry_backoff, task.retry_jitter, task.max_retries) == (True, True, settings.HANDOUT_MAX_ATTEMPTS - 1)
    assert (task.soft_time_limit, task.time_limit) == (settings.HANDOUT_SOFT_TIME_LIMIT, settings.HANDOUT_TIME_LIMIT)
    assert 0 < task.soft_time_limit < task.time_limit


def test_a_passing_failure_is_retried_and_the_handout_then_renders(quick_render, plan, monkeypatch):
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED)
    calls = []

    def database_gone_once(context):
        calls.append(context["patient_name"])
        if len(calls) == 1:
            raise OperationalError("the database went away")
        return quick_render(context)

    monkeypatch.setattr(handout_services, "render_handout", database_gone_once)
    tasks.render_handout_task.apply(kwargs={"handout_id": handout.pk}, task_id="t1", throw=False)
    handout.refresh_from_db()
    assert len(calls) == 2
    assert (handout.status, handout.task_id, handout.attempts) == (PrintStatus.READY, "t1", 2)


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9/runback"),
        ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "PutObject"),
        S3UploadFailedError("Failed to upload: the connection was reset"),
    ],
    ids=["unreachable", "service-error", "upload-failed"],
)
def test_the_s3_file_store_failing_is_a_passing_failure_retried_then_rendered(quick_render, plan, monkeypatch, error):
    """The render stores its PDF in the file store; on S3 the store's errors are botocore's and boto3's own."""
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED)
    storage = Handout._meta.get_field("file").storage
    real_save, saves = storage.save, []

    def store_down_once(name, content, **kwargs):
        saves.append(name)
        if len(saves) == 1:
            raise error
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(storage, "save", store_down_once)
    tasks.render_handout_task.apply(kwargs={"handout_id": handout.pk}, task_id="t1", throw=False)
    handout.refresh_from_db()
    assert len(saves) == 2
    assert (handout.status, handout.attempts) == (PrintStatus.READY, 2)
    assert handout.verified_pdf() is not None


def test_a_ready_handout_asked_for_while_the_file_store_is_down_is_left_as_it_is(plan, physio, monkeypatch):
    handout = stored_handout(plan.current_revision)
    storage = Handout._meta.get_field("file").storage

    def store_down(name, mode="rb"):
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9/runback")

    monkeypatch.setattr(storage, "open", store_down)
    asked = handout_request(revision=plan.current_revision, paper="a4", by=physio.user)
    handout.refresh_from_db()
    assert (asked.queued, handout.status, handout.attempts) == (False, PrintStatus.READY, 0)  # not made again


@pytest.fixture
def nested_eager_retries():
    """Eager retries run nested, each its own apply(), which raises the retry unless told not to propagate."""
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def test_a_failure_that_does_not_pass_marks_the_handout_failed_once_retries_run_out(
    plan, monkeypatch, settings, nested_eager_retries
):
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED)
    calls = []

    def storage_down(context):
        calls.append(1)
        raise OSError("storage unreachable")

    monkeypatch.setattr(handout_services, "render_handout", storage_down)
    tasks.render_handout_task.apply(kwargs={"handout_id": handout.pk}, task_id="t1")
    handout.refresh_from_db()
    assert len(calls) == settings.HANDOUT_MAX_ATTEMPTS
    assert (handout.status, handout.error) == (PrintStatus.FAILED, tasks.KEPT_FAILING)


def test_a_plan_the_handout_cannot_print_fails_at_once_with_the_reason(plan):
    revision = revision_with(plan, content=with_exercise(plan.current_revision.content, "moonwalk"))
    handout = stored_handout(revision, status=PrintStatus.QUEUED)
    render_as("t1", handout)
    handout.refresh_from_db()
    assert (handout.status, handout.attempts) == (PrintStatus.FAILED, 1)
    assert handout.error == (
        "The handout could not be made: exercise moonwalk is in the plan but not in the exercise library. "
        "Ask the physiotherapist to check the plan."
    )
    assert handout.file.name == ""


def test_a_broken_template_fails_the_handout_without_retrying(plan, monkeypatch):
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED)
    monkeypatch.setattr("plans.handouts.content.TEMPLATE", "plans/handout/no_such_template.html")
    render_as("t1", handout)
    handout.refresh_from_db()
    assert (handout.status, handout.error, handout.attempts) == (PrintStatus.FAILED, tasks.TEMPLATE_BROKEN, 1)


def test_an_asset_the_renderer_refused_fails_the_handout(plan, monkeypatch):
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED)
    refused = RenderedPdf(pdf=FAKE_PDF, page_count=1, fetched=(), refused=("https://runback.invalid/static/x.png",))
    monkeypatch.setattr(handout_services, "render_handout", lambda context: refused)
    render_as("t1", handout)
    handout.refresh_from_db()
    assert handout.status == PrintStatus.FAILED
    assert "files it needs were refused by the renderer (https://runback.invalid/static/x.png)" in handout.error
    assert handout.file.name == ""


def test_a_missing_picture_fails_the_handout_without_retrying(plan, clinic):
    own = ExerciseFactory(clinic=clinic, image=picture_upload())
    own.image.storage.delete(own.image.name)
    revision = revision_with(plan, content=with_exercise(plan.current_revision.content, own.slug))
    handout = stored_handout(revision, status=PrintStatus.QUEUED)
    render_as("t1", handout)
    handout.refresh_from_db()
    assert (handout.status, handout.error, handout.attempts) == (PrintStatus.FAILED, tasks.MISSING_FILE, 1)


def test_soft_time_limit_marks_the_handout_failed_as_taking_too_long(plan, monkeypatch):
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED)

    def too_slow(context):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(handout_services, "render_handout", too_slow)
    render_as("t1", handout)
    handout.refresh_from_db()
    assert (handout.status, handout.error, handout.attempts) == (PrintStatus.FAILED, tasks.TOOK_TOO_LONG, 1)


def test_a_render_finishing_after_its_job_was_given_to_another_task_is_thrown_away(quick_render, plan, monkeypatch):
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED)

    def overtaken(context):
        Handout.objects.filter(pk=handout.pk).update(task_id="sweeper-restart")
        return quick_render(context)

    monkeypatch.setattr(handout_services, "render_handout", overtaken)
    render_as("t1", handout)
    handout.refresh_from_db()
    assert (handout.status, handout.task_id, handout.file.name) == (PrintStatus.RENDERING, "sweeper-restart", "")


# --- hostile text, from the models ------------------------------------------------------------------------------------


def test_hostile_note_and_exercise_text_print_as_text_and_nothing_else_is_fetched(patient, clinic, request_handout):
    markup = " ".join(HOSTILE)
    patient.first_name = 'Emma <img src="file:///etc/hostname">'
    patient.save()
    plan = issued_plan(patient, weeks=4)
    own = ExerciseFactory(clinic=clinic, name=f"Bridge {HOSTILE[0]}", instructions=[f"Step {markup}"])
    revision = revision_with(
        plan, note_for_patient=f"Note {markup}", content=with_exercise(plan.current_revision.content, own.slug)
    )
    rendered = render_handout(handout_context_for(revision=revision_for_handout(revision_id=revision.pk), paper="a4"))
    assert (set(rendered.fetched), rendered.refused) == ({"data:image/svg+xml;base64,…"}, ())  # our drawings only
    request_handout(revision)
    text = squeeze(" ".join(pdf_pages(Handout.objects.get().verified_pdf())))
    for typed in (f"Note {markup}", f"Bridge {HOSTILE[0]}", f"Step {markup}", patient.first_name):
        assert squeeze(typed) in text


# --- dispatch -------------------------------------------------------------------------------------------------------


def test_handout_is_sent_to_the_broker_only_once_the_request_commits(
    plan, physio, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.render_handout_task, "delay", lambda **kwargs: sent.append(kwargs))
    with django_capture_on_commit_callbacks() as on_commit:
        handout = handout_request(revision=plan.current_revision, paper="a4", by=physio.user).handout
        assert sent == []
    assert len(on_commit) == 1
    on_commit[0]()
    assert sent == [{"handout_id": handout.pk}]


def test_handout_request_is_accepted_and_kept_queued_when_the_broker_is_down(
    broker_down, plan, physio, django_capture_on_commit_callbacks, caplog
):
    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = handout_request(revision=plan.current_revision, paper="a4", by=physio.user)
    handout = Handout.objects.get()
    assert outcome.queued and (handout.status, handout.dispatched_at) == (PrintStatus.QUEUED, None)
    assert timezone.now() - started < timedelta(seconds=1)  # the clock is stopped: nothing waited on it
    [warning] = [r for r in caplog.records if r.name == "plans.handouts.tasks"]
    assert warning.getMessage() == f"Print job Handout {handout.pk} stays queued for the sweeper"
    assert "Emma" not in caplog.text and "Clarke" not in caplog.text


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the sweeper as beat does, outside a transaction: what it sends goes at once (here, runs eagerly)."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return handout_services.print_jobs_sweep()

    return run


def test_the_sweeper_sends_what_the_broker_never_got_once_it_is_back(quick_render, plan, physio, frozen, sweep):
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED, requested_by=physio.user)
    frozen.shift(timedelta(seconds=5))
    assert sweep()["sent"] == 0  # just asked for: its own dispatch may be on its way
    frozen.shift(handout_services.DISPATCH_GRACE)
    assert sweep()["sent"] == 1
    handout.refresh_from_db()
    assert handout.status == PrintStatus.READY and handout.dispatched_at is not None


def test_asking_again_sends_a_handout_the_broker_never_got(quick_render, plan, request_handout):
    stored_handout(plan.current_revision, status=PrintStatus.QUEUED)
    request_handout(plan.current_revision)
    assert Handout.objects.get().status == PrintStatus.READY


# --- the sweeper ----------------------------------------------------------------------------------------------------


def test_the_sweeper_sends_again_a_handout_nobody_took_long_after_it_was_sent(
    quick_render, plan, settings, frozen, sweep
):
    handout = stored_handout(plan.current_revision, status=PrintStatus.QUEUED, dispatched_at=timezone.now())
    frozen.shift(settings.HANDOUT_REDISPATCH_AFTER - timedelta(seconds=1))
    assert sweep()["sent"] == 0
    frozen.shift(timedelta(seconds=2))
    assert sweep()["sent"] == 1
    assert Handout.objects.get(pk=handout.pk).status == PrintStatus.READY


def test_the_sweeper_restarts_a_render_stuck_past_the_hard_time_limit(quick_render, plan, settings, frozen, sweep):
    handout = stored_handout(plan.current_revision, status=PrintStatus.RENDERING, task_id="dead", attempts=1)
    frozen.shift(timedelta(seconds=settings.HANDOUT_TIME_LIMIT) + handout_services.STUCK_MARGIN)
    assert sweep()["restarted"] == 0
    frozen.shift(timedelta(seconds=1))
    assert sweep()["restarted"] == 1
    handout.refresh_from_db()
    assert (handout.status, handout.attempts) == (PrintStatus.READY, 2)
    assert handout.task_id != "dead"


def test_the_sweeper_fails_a_stuck_render_that_used_up_its_attempts(plan, settings, frozen, sweep):
    attempts = settings.HANDOUT_MAX_ATTEMPTS
    handout = stored_handout(plan.current_revision, status=PrintStatus.RENDERING, task_id="dead", attempts=attempts)
    frozen.shift(timedelta(seconds=settings.HANDOUT_TIME_LIMIT + 60))
    assert sweep()["failed"] == 1
    handout.refresh_from_db()
    assert handout.status == PrintStatus.FAILED and handout.error.startswith(f"Making it failed {attempts} times")


def test_the_sweeper_deletes_batches_kept_long_enough(plan, clinic, settings, frozen, sweep):
    handout = stored_handout(plan.current_revision)
    old = stored_batch(clinic, [handout])
    frozen.shift(timedelta(days=settings.HANDOUT_BATCH_KEEP_DAYS) - timedelta(minutes=1))
    recent = stored_batch(clinic, [handout])
    frozen.shift(timedelta(minutes=2))
    assert sweep()["batches_deleted"] == 1
    assert list(HandoutBatch.objects.all()) == [recent]
    assert not old.file.storage.exists(old.file.name) and Handout.objects.filter(pk=handout.pk).exists()


def test_sweep_task_runs_the_sweeper_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["plans.sweep_print_jobs"]
    assert entry["task"] == tasks.sweep_print_jobs_task.name == "plans.sweep_print_jobs"
    assert entry["schedule"] <= 60
    assert tasks.sweep_print_jobs_task.apply().get() == {"sent": 0, "restarted": 0, "failed": 0, "batches_deleted": 0}


# --- batches --------------------------------------------------------------------------------------------------------


def test_a_batch_prints_its_handouts_in_one_pdf_each_numbered_on_its_own(
    patient, other_patient, clinic, front_desk, django_capture_on_commit_callbacks
):
    emma, hannah = issued_plan(patient, weeks=4), issued_plan(other_patient, weeks=4)
    handouts = [stored_handout(hannah.current_revision), stored_handout(emma.current_revision, status="queued")]
    with django_capture_on_commit_callbacks(execute=True):
        batch = handout_batch_create(clinic=clinic, handouts=handouts, paper="letter", by=front_desk.user)
    batch.refresh_from_db()
    assert batch.status == PrintStatus.READY and batch.paper == "letter"
    pages = pdf_pages(batch.verified_pdf())
    assert batch.page_count == len(pages)
    covers = [number for number, page in enumerate(pages) if "In this booklet" in page]
    assert len(covers) == 2 and covers[0] == 0
    assert "Emma Clarke" in pages[0] and "Hannah Okafor" in pages[covers[1]]  # by surname: Clarke, then Okafor
    for booklet in (pages[: covers[1]], pages[covers[1] :]):
        for number, page in enumerate(booklet, start=1):
            assert f"Page {number} of {len(booklet)}" in page
    assert pdf_info(batch.verified_pdf())["Page size"].startswith("612 x 792 pts (letter)")


def test_each_booklet_of_a_batch_links_its_contents_to_its_own_pages(plan):
    revision = revision_for_handout(revision_id=plan.current_revision_id)
    html = render_to_string(TEMPLATE, handout_context_for(revision=revision, paper="a4", anchor_prefix="h2-"))
    assert 'href="#h2-why"' in html and 'id="h2-why"' in html and 'href="#why"' not in html


def test_a_batch_needs_at_least_two_handouts(plan, clinic, front_desk):
    with pytest.raises(PrintRefused, match="Choose at least two handouts to print together"):
        handout_batch_create(
            clinic=clinic, handouts=[stored_handout(plan.current_revision)], paper="a4", by=front_desk.user
        )
    assert not HandoutBatch.objects.exists()


def test_a_batch_holds_no_more_handouts_than_the_limit(plan, clinic, front_desk, settings):
    settings.HANDOUT_BATCH_MAX = 2
    handouts = [stored_handout(plan.current_revision, paper=paper) for paper in ("a4", "letter")]
    handouts.append(stored_handout(revision_with(plan)))
    with pytest.raises(PrintRefused, match="Choose at most 2 handouts to print together"):
        handout_batch_create(clinic=clinic, handouts=handouts, paper="a4", by=front_desk.user)
    assert not HandoutBatch.objects.exists()


def test_a_batch_refuses_a_failed_handout(plan, clinic, front_desk):
    failed = stored_handout(plan.current_revision, paper="letter", status=PrintStatus.FAILED)
    handouts = [stored_handout(plan.current_revision), failed]
    with pytest.raises(PrintRefused, match="A handout that failed can't be printed with others"):
        handout_batch_create(clinic=clinic, handouts=handouts, paper="a4", by=front_desk.user)


def test_a_batch_refuses_another_clinics_handout(plan, clinic, foreign_patient, front_desk):
    foreign = issued_plan(foreign_patient, weeks=4)
    handouts = [stored_handout(plan.current_revision), stored_handout(foreign.current_revision)]
    with pytest.raises(PrintRefused, match="Only your clinic's handouts"):
        handout_batch_create(clinic=clinic, handouts=handouts, paper="a4", by=front_desk.user)


def test_batches_containing_a_patients_handouts_are_found_for_their_data_rights(plan, clinic, other_patient):
    mine = stored_handout(plan.current_revision)
    theirs = stored_handout(issued_plan(other_patient, weeks=4).current_revision)
    both, only_theirs = stored_batch(clinic, [mine, theirs]), stored_batch(clinic, [theirs])
    assert list(HandoutBatch.objects.containing_patient(plan.patient_id)) == [both]
    assert set(HandoutBatch.objects.containing_patient(other_patient.pk)) == {both, only_theirs}
