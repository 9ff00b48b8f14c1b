"""Handouts through Redis on a real Celery worker (the one .ci/run starts against the test database): rendered by
the worker, rendered again after the worker process rendering it is killed, and accepted while Redis is down, then
rendered once it is back.

Marked `worker`: skipped without REDIS_URL, a failure under RUNBACK_REQUIRE_WORKER=1 (as in .ci/run). The tests store
files where the worker does, in the file store clinic.settings makes of the environment: in CI an S3 bucket on a
moto_server on loopback, the worker keeping a media folder of its own that must stay empty
(RUNBACK_WORKER_MEDIA_ROOT); without RUNBACK_S3_BUCKET, the folder MEDIA_ROOT, shared by the worker and the tests.
"""

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import Storage, storages
from django.urls import reverse
from django.utils import timezone

from plans.handouts import services as handout_services
from plans.handouts.selectors import UNREACHABLE_NOTICE
from plans.handouts.services import handout_request
from plans.library.exercises import default_library
from plans.models import Handout, PlanRevision, PrintStatus
from tests.plans.pdftext import pdf_pages
from tests.plans.plan_factories import issued_plan, load_shipped_library

pytestmark = pytest.mark.worker

RENDER_TIMEOUT = 90  # seconds: a handout takes one or two on an idle machine; CI machines are shared


@pytest.fixture
def shared_store(real_worker, settings) -> Storage:
    """The file store the worker writes to (S3, or the folder MEDIA_ROOT), as this process's, for the test; returned
    as a storage of its own, to read what the worker stored without going through the models."""
    settings.STORAGES = {**settings.STORAGES, "default": settings.FILE_STORAGE}
    load_shipped_library()
    return storages.create_storage(settings.FILE_STORAGE)


def wait_for(what: str, check, timeout: float = RENDER_TIMEOUT, every: float = 0.25):
    """Call `check` until it returns something true (and return that), failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(every)
    pytest.fail(f"Gave up after {timeout:.0f} s waiting for {what}.")


def finished(handout: Handout) -> Handout:
    def done():
        handout.refresh_from_db()
        return handout if not handout.is_pending else None

    return wait_for(f"handout {handout.pk} to be made", done)


def assert_stored_and_intact(handout: Handout, store: Storage) -> bytes:
    assert handout.status == PrintStatus.READY, handout.error
    with store.open(handout.file.name, "rb") as stored:  # the file the worker wrote, read straight from the store
        pdf = stored.read()
    assert hashlib.sha256(pdf).hexdigest() == handout.sha256 and len(pdf) == handout.size_bytes
    return pdf


def test_handout_is_rendered_by_the_real_worker_through_redis(shared_store, patient, physio):
    plan = issued_plan(patient)
    handout = handout_request(revision=plan.current_revision, paper="a4", by=physio.user).handout
    handout = finished(handout)
    pdf = assert_stored_and_intact(handout, shared_store)
    assert handout.dispatched_at is not None and handout.attempts == 1
    pages = pdf_pages(pdf)
    assert handout.page_count == len(pages) and "Emma Clarke" in pages[0]


def test_a_handout_asked_for_on_the_web_is_made_by_a_worker_elsewhere_and_downloads_from_the_shared_store(
    shared_store, patient, front_desk, client, settings
):
    """Request → a worker in another process, with an empty media folder of its own → download from this process: the
    file store is shared, as between the web and worker machines of a clinic (README "More than one machine")."""
    worker_media = os.environ.get("RUNBACK_WORKER_MEDIA_ROOT")
    if worker_media:  # .ci/run: the worker's own folder, and the store an S3 bucket
        assert settings.RUNBACK_S3_BUCKET and Path(worker_media).resolve() != Path(settings.MEDIA_ROOT).resolve()
    plan = issued_plan(patient)
    client.force_login(front_desk.user)
    response = client.post(reverse("handouts:request", args=[patient.pk, plan.pk]), {"paper": "a4"})
    assert response.status_code == 302
    handout = finished(Handout.objects.get())
    assert_stored_and_intact(handout, shared_store)
    response = client.get(handout.download_url())
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    assert hashlib.sha256(pdf).hexdigest() == handout.sha256
    assert "Emma Clarke" in pdf_pages(pdf)[0]
    if worker_media:
        assert not any(Path(worker_media).rglob("*"))  # the worker wrote nothing on its own disk


def large_revision(plan) -> PlanRevision:
    """The plan with every strength, core and stretching exercise of the library in each exercise session: a long
    handout (around 40 pages) that takes the worker several seconds, long enough to be caught half-way."""
    current = plan.current_revision
    codes = [spec.slug for spec in default_library() if spec.kind in ("strength", "core", "stretch", "balance")]
    content = current.content
    for week in content["weeks"]:
        for session in week["sessions"]:
            if session["kind"] == "strength":
                session["exercises"] = [{"code": code} for code in codes]
    return PlanRevision.objects.create(
        plan=plan,
        number=current.number + 1,
        kind=current.kind,
        content=content,
        inputs=current.inputs,
        reason="Every exercise of the library, for a long handout",
        builder_version=current.builder_version,
    )


def rendering_process(app, task_id: str) -> int | None:
    """The pid of the worker process running `task_id` right now, if one is."""
    for tasks in (app.control.inspect(timeout=1).active() or {}).values():
        for task in tasks:
            if task["id"] == task_id:
                return task["worker_pid"]
    return None


def test_a_worker_killed_mid_render_leaves_the_handout_rendered_again_not_stuck(
    shared_store, real_worker, patient, physio
):
    plan = issued_plan(patient, weeks=26)
    handout = handout_request(revision=large_revision(plan), paper="a4", by=physio.user).handout

    def claimed():
        handout.refresh_from_db()
        return handout.task_id if handout.status == PrintStatus.RENDERING else None

    task_id = wait_for("the worker to claim the handout", claimed)
    pid = wait_for("the worker to report the render", lambda: rendering_process(real_worker, task_id), every=0.1)
    handout.refresh_from_db()
    assert handout.status == PrintStatus.RENDERING  # caught half-way
    os.kill(pid, signal.SIGKILL)
    handout = finished(handout)
    assert_stored_and_intact(handout, shared_store)
    assert handout.task_id == task_id and handout.attempts == 2  # the message came back and its task reclaimed it


def redis_address() -> tuple[str, str]:
    url = urlsplit(os.environ["REDIS_URL"])
    return url.hostname or "127.0.0.1", str(url.port or 6379)


def redis_answers() -> bool:
    host, port = redis_address()
    ping = subprocess.run(["redis-cli", "-h", host, "-p", port, "ping"], capture_output=True, text=True, check=False)
    return ping.stdout.strip() == "PONG"


def start_redis() -> None:
    """Redis started again exactly as .ci/run starts it (nothing kept on disk)."""
    host, port = redis_address()
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", host, "--port", port, "--save", "", "--appendonly", "no"],
        check=True,
        capture_output=True,
    )
    wait_for("Redis to start", redis_answers, timeout=30)


def test_redis_down_the_request_is_accepted_and_printed_once_redis_is_back(
    shared_store, real_worker, patient, front_desk, client
):
    plan = issued_plan(patient)
    client.force_login(front_desk.user)
    host, port = redis_address()
    subprocess.run(["redis-cli", "-h", host, "-p", port, "shutdown", "nosave"], capture_output=True, check=False)
    try:
        wait_for("Redis to stop", lambda: not redis_answers(), timeout=15)
        started = time.monotonic()
        response = client.post(reverse("handouts:request", args=[patient.pk, plan.pk]), {"paper": "a4"})
        assert response.status_code == 302 and time.monotonic() - started < 10  # no page hangs on the broker
        handout = Handout.objects.get()
        assert (handout.status, handout.dispatched_at) == (PrintStatus.QUEUED, None)
        page = client.get(response.url).content.decode()
        assert UNREACHABLE_NOTICE in page and f'id="handout-{handout.pk}" data-job="handout"' in page
    finally:
        if not redis_answers():
            start_redis()
    wait_for("the worker to reconnect to Redis", lambda: real_worker.control.ping(timeout=1), timeout=60, every=1)

    def sent_and_made():
        # What Celery beat does every minute (the next request for the handout would send it too).
        handout_services.print_jobs_sweep(now=timezone.now() + handout_services.DISPATCH_GRACE)
        handout.refresh_from_db()
        return not handout.is_pending

    wait_for("the sweeper to send the handout and the worker to make it", sent_and_made, every=2)
    assert_stored_and_intact(handout, shared_store)
    assert UNREACHABLE_NOTICE not in client.get(reverse("handouts:queue")).content.decode()
