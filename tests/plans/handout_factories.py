"""Handouts for tests: stored as if a worker had rendered them (a small stand-in PDF with its checksum), so page tests
don't pay for a render, and extra revisions to hang many handouts on. Tests of rendering itself go through the
service and the task."""

import hashlib
from html import escape

from django.core.files.base import ContentFile
from django.utils import timezone

from plans.handouts.pdf import render_pdf
from plans.models import Handout, HandoutBatch, PlanRevision, PrintStatus

FAKE_PDF = b"%PDF-1.7\n% a stand-in for a rendered handout\n%%EOF\n"


def quick_render(context):
    """A one-page PDF in place of the whole handout, for tests about the job rather than the document (a real render
    takes a second)."""
    return render_pdf(f"<p>Handout {escape(context['patient_name'])}, revision {context['revision']}</p>")


def _store(job, status: str, pdf: bytes):
    job.status = status
    if status == PrintStatus.READY:
        job.file.save("stand-in.pdf", ContentFile(pdf), save=False)
        job.sha256 = hashlib.sha256(pdf).hexdigest()
        job.page_count, job.size_bytes = 1, len(pdf)
        job.finished_at = timezone.now()
    elif status == PrintStatus.FAILED:
        job.error = job.error or "The handout could not be made: unknown cause bad_luck."
    if status != PrintStatus.QUEUED:
        job.dispatched_at = job.started_at = timezone.now()
    job.save()
    return job


def stored_handout(revision: PlanRevision, *, paper="a4", status=PrintStatus.READY, pdf=FAKE_PDF, **fields) -> Handout:
    """A handout of `revision` in `status`; a ready one has a stored file that passes its checksum."""
    return _store(Handout(revision=revision, paper=paper, **fields), status, pdf)


def stored_batch(clinic, handouts, *, paper="a4", status=PrintStatus.READY, pdf=FAKE_PDF, **fields) -> HandoutBatch:
    batch = _store(HandoutBatch(clinic=clinic, paper=paper, **fields), status, pdf)
    batch.handouts.set(handouts)
    return batch


def more_revisions(plan, count: int) -> list[PlanRevision]:
    """`count` further revisions of the plan, copies of its current one (handouts are one per revision and paper)."""
    current = plan.current_revision
    return [
        PlanRevision.objects.create(
            plan=plan,
            number=current.number + offset,
            kind=current.kind,
            content=current.content,
            inputs=current.inputs,
            note_for_patient=current.note_for_patient,
            reason="A copy for tests",
            builder_version=current.builder_version,
        )
        for offset in range(1, count + 1)
    ]
