"""Writes for PDF handouts: asking for one, batches of them, the render job's claim and result, and the sweeper.

A print job (a `Handout` or a `HandoutBatch`) is saved queued and handed to the broker once the transaction commits
(`plans.handouts.tasks`); a broker that can't be reached leaves it queued with `dispatched_at` empty, and the
sweeper (or the next request) sends it again. A task claims its job with a conditional update, so two deliveries of
a job never render it twice, and stores the PDF only if it still holds the claim.
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.file_store import FileStoreUnavailable
from clinic.models import Clinic, User
from plans.handouts import tasks
from plans.handouts.content import HandoutError, render_handout, render_handouts
from plans.handouts.selectors import handout_context_for, revision_for_handout
from plans.models import Handout, HandoutBatch, PlanRevision, PrintJob, PrintStatus

if TYPE_CHECKING:
    from plans.handouts.pdf import RenderedPdf

logger = logging.getLogger(__name__)

# A job saved queued is handed to the broker right after its transaction commits; the sweeper leaves it alone
# for this long first, so the two don't send it together.
DISPATCH_GRACE = timedelta(seconds=10)
# A render still running this long after its hard time limit has lost its worker: the sweeper restarts it.
STUCK_MARGIN = timedelta(seconds=30)
BATCH_MIN = 2

GAVE_UP = (
    "Making it failed {attempts} times in a row, so it was stopped. Press Try again; if it fails again, tell your "
    "administrator."
)


class PrintRefused(Exception):
    """A print request that cannot be done, with the reason in words the front desk reads (no patient data)."""


@dataclass(frozen=True)
class HandoutRequest:
    handout: Handout
    queued: bool  # False when the stored PDF was reused, or the handout was already on its way


def handout_request(*, revision: PlanRevision, paper: str, by: User) -> HandoutRequest:
    """Ask for the handout of `revision` on `paper`: the one stored when it is ready and its file is intact (no new
    render), otherwise queued for rendering (a failed one, one whose file is missing or damaged). One handout per
    revision and paper: asking again while it is being made changes nothing, except that a job the broker never
    got (or lost) is sent again."""
    now = timezone.now()
    with transaction.atomic():
        handout, created = Handout.objects.select_for_update().get_or_create(
            revision=revision, paper=paper, defaults={"requested_by": by, "requested_at": now}
        )
        if created:
            _dispatch_on_commit(handout)
            return HandoutRequest(handout, queued=True)
        handout.requested_by, handout.requested_at = by, now
        if handout.is_pending:
            handout.save(update_fields=["requested_by", "requested_at"])
            if _needs_dispatch(handout, now):
                _dispatch_on_commit(handout)
            return HandoutRequest(handout, queued=False)
        if _stored_pdf_or_store_down(handout):
            handout.save(update_fields=["requested_by", "requested_at"])
            return HandoutRequest(handout, queued=False)
        if handout.is_ready:
            logger.warning("Handout %s: stored file missing or damaged; rendering it again", handout.pk)
        _requeue(handout, fresh_request=True)
    return HandoutRequest(handout, queued=True)


def _stored_pdf_or_store_down(job: PrintJob) -> bool:
    """Whether the job's stored PDF is there and intact, or the file store can't be reached to tell: a job whose file
    can't be read just now is left as it is, not made again (its download says the store is out of reach)."""
    try:
        return job.verified_pdf() is not None
    except FileStoreUnavailable:
        logger.warning("%s %s: the file store could not be reached; left as it is", type(job).__name__, job.pk)
        return True


def handout_batch_create(*, clinic: Clinic, handouts: list[Handout], paper: str, by: User) -> HandoutBatch:
    """One job rendering several handouts of the clinic into one PDF on `paper`. Refused (PrintRefused) for fewer
    than two handouts, more than HANDOUT_BATCH_MAX, a failed one, or one of another clinic."""
    if len(handouts) < BATCH_MIN:
        raise PrintRefused("Choose at least two handouts to print together.")
    if len(handouts) > settings.HANDOUT_BATCH_MAX:
        raise PrintRefused(f"Choose at most {settings.HANDOUT_BATCH_MAX} handouts to print together.")
    if any(handout.status == PrintStatus.FAILED for handout in handouts):
        raise PrintRefused("A handout that failed can't be printed with others: press Try again on it first.")
    if any(handout.revision.plan.patient.clinic_id != clinic.pk for handout in handouts):
        raise PrintRefused("Only your clinic's handouts can be printed together.")
    with transaction.atomic():
        batch = HandoutBatch.objects.create(clinic=clinic, paper=paper, requested_by=by)
        batch.handouts.set(handouts)
        _dispatch_on_commit(batch)
    return batch


def handout_batch_retry(*, batch: HandoutBatch, by: User) -> HandoutBatch:
    """Queue a failed batch (or one whose file is missing or damaged) for rendering again."""
    with transaction.atomic():
        locked = HandoutBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.is_pending or _stored_pdf_or_store_down(locked):
            return locked
        locked.requested_by = by
        _requeue(locked, fresh_request=True)
    return locked


# --- the render job (called by plans.handouts.tasks) ---------------------------------------------------------


def print_job_claim(model: type[PrintJob], *, pk: int, task_id: str) -> PrintJob | None:
    """Claim a job for the task `task_id`: a queued one, or its own that it was rendering when its worker died
    (the broker redelivers the same task id). None when another task has it, it is done, or it has been tried
    HANDOUT_MAX_ATTEMPTS times (then it is marked failed, so a job that kills its worker stops doing so)."""
    ours = Q(status=PrintStatus.QUEUED) | Q(status=PrintStatus.RENDERING, task_id=task_id)
    limit = settings.HANDOUT_MAX_ATTEMPTS
    now = timezone.now()
    claimed = model.objects.filter(ours, pk=pk, attempts__lt=limit).update(
        status=PrintStatus.RENDERING, task_id=task_id, started_at=now, attempts=F("attempts") + 1
    )
    if claimed:
        return model.objects.get(pk=pk)
    model.objects.filter(ours, pk=pk, attempts__gte=limit).update(
        status=PrintStatus.FAILED, error=GAVE_UP.format(attempts=limit), finished_at=now
    )
    return None


def handout_render(*, handout: Handout) -> None:
    """Render a claimed handout from its revision and store it (ready). HandoutError when the plan can't make one."""
    revision = revision_for_handout(revision_id=handout.revision_id)
    _store(handout, render_handout(handout_context_for(revision=revision, paper=handout.paper)))


def handout_batch_render(*, batch: HandoutBatch) -> None:
    """Render a claimed batch: each of its handouts' revisions on the batch's paper, ordered by patient, in one PDF
    (a revision chosen twice is printed once)."""
    handouts = batch.handouts.order_by(
        "revision__plan__patient__last_name", "revision__plan__patient__first_name", "pk"
    )
    revision_ids = list(dict.fromkeys(handouts.values_list("revision_id", flat=True)))
    contexts = [
        handout_context_for(
            revision=revision_for_handout(revision_id=revision_id), paper=batch.paper, anchor_prefix=f"h{number}-"
        )
        for number, revision_id in enumerate(revision_ids, start=1)
    ]
    _store(batch, render_handouts(contexts, title=f"Handouts printed together (batch {batch.pk})"))


def print_job_fail(job: PrintJob, reason: str) -> bool:
    """Mark a job failed with `reason`, if the task that claimed it still holds it."""
    return bool(
        type(job)
        .objects.filter(pk=job.pk, status=PrintStatus.RENDERING, task_id=job.task_id)
        .update(status=PrintStatus.FAILED, error=reason[:300], finished_at=timezone.now())
    )


def print_job_dispatched(model: type[PrintJob], *, pk: int) -> None:
    """The broker has the job's message."""
    model.objects.filter(pk=pk).update(dispatched_at=timezone.now())


def _store(job: PrintJob, rendered: "RenderedPdf") -> None:
    if rendered.refused:
        raise HandoutError(f"files it needs were refused by the renderer ({', '.join(rendered.refused)})")
    stale = job.file.name
    job.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(rendered.pdf), save=False)
    try:
        stored = (
            type(job)
            .objects.filter(pk=job.pk, status=PrintStatus.RENDERING, task_id=job.task_id)
            .update(
                status=PrintStatus.READY,
                file=job.file.name,
                sha256=hashlib.sha256(rendered.pdf).hexdigest(),
                page_count=rendered.page_count,
                size_bytes=len(rendered.pdf),
                finished_at=timezone.now(),
                error="",
            )
        )
    except BaseException:
        job.file.storage.delete(job.file.name)
        raise
    if not stored:  # the sweeper gave the job to another task meanwhile: its result is the one kept
        job.file.storage.delete(job.file.name)
    elif stale:
        job.file.storage.delete(stale)


# --- queueing and the sweeper ---------------------------------------------------------------------------------------


def _requeue(job: PrintJob, *, fresh_request: bool) -> None:
    """Back to the queue for a new render, sent to the broker on commit; the old file goes once that commits. A
    fresh request (someone pressed a button) starts its count of attempts again."""
    stale = job.file.name
    job.status = PrintStatus.QUEUED
    job.file = ""
    job.sha256, job.error, job.task_id = "", "", ""
    job.page_count = job.size_bytes = job.started_at = job.finished_at = job.dispatched_at = None
    if fresh_request:
        job.requested_at, job.attempts = timezone.now(), 0
    job.save()
    if stale:
        storage = job.file.storage
        transaction.on_commit(lambda: storage.delete(stale))
    _dispatch_on_commit(job)


def _dispatch_on_commit(job: PrintJob) -> None:
    # The tasks catch a broker that can't be reached, log it and leave `dispatched_at` empty (plans.handouts.tasks).
    if isinstance(job, Handout):
        tasks.render_handout_task.delay_on_commit(handout_id=job.pk)
    else:
        tasks.render_handout_batch_task.delay_on_commit(batch_id=job.pk)


def _needs_dispatch(job: PrintJob, now: datetime) -> bool:
    """A queued job the broker never got, or got so long ago that its message may be lost."""
    if job.status != PrintStatus.QUEUED:
        return False
    return job.dispatched_at is None or job.dispatched_at < now - settings.HANDOUT_REDISPATCH_AFTER


TIME_LIMITS = {Handout: "HANDOUT_TIME_LIMIT", HandoutBatch: "HANDOUT_BATCH_TIME_LIMIT"}


def print_jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Put right what the broker or a worker left behind (run every minute by Celery beat):

    - a queued job the broker never got (it was down) or got long ago without a worker taking it: sent again;
    - a render still running after its hard time limit (its worker died): queued again, or failed after
      HANDOUT_MAX_ATTEMPTS;
    - a batch older than HANDOUT_BATCH_KEEP_DAYS: deleted with its file (it holds several patients' pages).
    """
    now = now or timezone.now()
    summary = {"sent": 0, "restarted": 0, "failed": 0, "batches_deleted": 0}
    for model, limit_setting in TIME_LIMITS.items():
        stuck_since = now - timedelta(seconds=getattr(settings, limit_setting)) - STUCK_MARGIN
        for pk in model.objects.filter(status=PrintStatus.RENDERING, started_at__lt=stuck_since).values_list(
            "pk", flat=True
        ):
            with transaction.atomic():
                job = model.objects.select_for_update().filter(pk=pk, status=PrintStatus.RENDERING).first()
                if job is None or job.started_at >= stuck_since:
                    continue  # finished, or claimed again, meanwhile
                if job.attempts >= settings.HANDOUT_MAX_ATTEMPTS:
                    print_job_fail(job, GAVE_UP.format(attempts=job.attempts))
                    summary["failed"] += 1
                else:
                    _requeue(job, fresh_request=False)
                    summary["restarted"] += 1
        waiting = model.objects.filter(status=PrintStatus.QUEUED).filter(
            Q(dispatched_at__isnull=True, requested_at__lt=now - DISPATCH_GRACE)
            | Q(dispatched_at__lt=now - settings.HANDOUT_REDISPATCH_AFTER)
        )
        for job in waiting:
            _dispatch_on_commit(job)
            summary["sent"] += 1
    expired = HandoutBatch.objects.exclude(status__in=[PrintStatus.QUEUED, PrintStatus.RENDERING]).filter(
        requested_at__lt=now - timedelta(days=settings.HANDOUT_BATCH_KEEP_DAYS)
    )
    for batch in expired:
        batch.file.delete(save=False)
        batch.delete()
        summary["batches_deleted"] += 1
    return summary
