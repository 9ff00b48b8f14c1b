"""The print queue and handout downloads.

The front desk and physiotherapists of a clinic ask for a plan's handout on the plan page, follow it on the print
queue (updated live without reloading, or with its refresh link), download it, try a failed one again, and print
several together as one PDF. A patient downloads their own handouts. Every download goes through
`clinic.access.get_handout_for_user` (everyone else gets 404), is checked against its checksum and is audited.
"""

import io
from dataclasses import asdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.access import staff_required
from clinic.audit import record
from clinic.file_store import FileStoreUnavailable
from clinic.models import AuditAction
from plans.access import (
    get_handout_batch_for_staff,
    get_handout_for_staff,
    get_handout_for_user,
    get_plan_for_staff,
    handouts_for_staff,
)
from plans.handouts import selectors, services
from plans.handouts.forms import HandoutBatchForm, HandoutRequestForm, is_database_id
from plans.models import Handout, HandoutBatch, HandoutSettings, PrintJob, PrintStatus


def queue_url(job: PrintJob) -> str:
    """The print queue, at the row of `job` (a handout or a batch)."""
    return f"{reverse('handouts:queue')}#{job.anchor}"


def _ids(text: str, model) -> list[int]:
    """The ids of `model` in a comma-separated list; anything else (not a number, beyond the database's ids) is left
    out, as it can name no row."""
    parts = text.split(",")[: selectors.STATUS_MAX_IDS]
    numbers = [int(part) for part in parts if part.isascii() and part.isdigit()]
    return [number for number in numbers if is_database_id(number, model)]


@staff_required
@require_http_methods(["GET", "POST"])
def print_queue(request):
    """The clinic's handouts, newest first, and the batches printed together; POST prints the ticked ones together."""
    member = request.staff_member
    clinic_settings = HandoutSettings.for_clinic(member.clinic)
    form = HandoutBatchForm(
        request.POST or None, handouts=handouts_for_staff(member), initial={"paper": clinic_settings.paper_size}
    )
    if request.method == "POST" and form.is_valid():
        handouts = list(form.cleaned_data["handouts"])
        try:
            batch = services.handout_batch_create(
                clinic=member.clinic, handouts=handouts, paper=form.cleaned_data["paper"], by=request.user
            )
        except services.PrintRefused as refusal:
            form.add_error("handouts", str(refusal))
        else:
            _audit_batch(request, batch, handouts, action=AuditAction.CREATE)
            messages.success(
                request,
                f"The {len(handouts)} handouts are in the queue to print together, as one PDF: its row shows how "
                "it goes.",
            )
            return redirect(queue_url(batch))
    status = request.GET.get("status", "")
    status = status if status in PrintStatus.values else ""
    page = selectors.print_queue_page(clinic_id=member.clinic_id, page_number=request.GET.get("page"), status=status)
    return render(
        request,
        "plans/print_queue.html",
        {
            "page": page,
            "batches": selectors.recent_batches(clinic_id=member.clinic_id),
            "notice": selectors.print_service_notice(clinic_id=member.clinic_id),
            "form": form,
            "selected": form.selected_ids() if form.is_bound else set(),
            "status": status,
            "statuses": PrintStatus.choices,
            "query_without_page": f"status={status}" if status else "",
            "batch_keep_days": settings.HANDOUT_BATCH_KEEP_DAYS,
            "batch_max": settings.HANDOUT_BATCH_MAX,
        },
    )


@staff_required
@require_GET
def print_queue_status(request):
    """The live state of the handouts and batches the page shows (`?handouts=1,2&batches=3`), as JSON."""
    states = selectors.print_job_states(
        clinic_id=request.staff_member.clinic_id,
        handout_ids=_ids(request.GET.get("handouts", ""), Handout),
        batch_ids=_ids(request.GET.get("batches", ""), HandoutBatch),
    )
    response = JsonResponse(
        {
            "handouts": [asdict(state) for state in states["handouts"]],
            "batches": [asdict(state) for state in states["batches"]],
            "notice": states["notice"],
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def handout_request(request, pk, plan_pk):
    """ "Print handout" on the plan page: the current revision's handout on the chosen paper."""
    plan = get_plan_for_staff(request.staff_member, pk, plan_pk)
    form = HandoutRequestForm(request.POST)
    if plan.current_revision is None:
        messages.error(request, "This plan has not been issued yet, so there is no handout to print.")
        return redirect(plan)
    if not form.is_valid():
        messages.error(request, "Choose the paper size: A4 or US Letter.")
        return redirect(plan)
    outcome = services.handout_request(
        revision=plan.current_revision, paper=form.cleaned_data["paper"], by=request.user
    )
    _after_request(request, outcome, action=AuditAction.CREATE)
    return redirect(queue_url(outcome.handout))


@staff_required
@require_POST
def handout_retry(request, pk, handout_pk):
    """Try a failed handout again, or make again one whose stored file is missing or damaged."""
    handout = get_handout_for_staff(request.staff_member, pk, handout_pk)
    outcome = services.handout_request(revision=handout.revision, paper=handout.paper, by=request.user)
    _after_request(request, outcome, action=AuditAction.CHANGE)
    return redirect(queue_url(outcome.handout))


def _after_request(request, outcome: services.HandoutRequest, *, action: str) -> None:
    handout = outcome.handout
    if outcome.queued:
        record(
            request,
            patient=handout.revision.plan.patient,
            action=action,
            target=handout,
            detail=f"revision {handout.revision.number}, paper={handout.paper}",
        )
        messages.success(
            request,
            "The handout is in the print queue: its row below shows how it goes, and the download when it is ready.",
        )
    elif handout.is_ready:
        messages.success(request, "The handout of this revision is ready: download it below.")
    else:
        messages.info(request, "The handout was already in the print queue: its row below shows how it goes.")


@login_required
@require_GET
def handout_download(request, pk, handout_pk):
    """A handout's PDF, for the staff of the patient's clinic and the patient; checked against its checksum."""
    handout = get_handout_for_user(request.user, pk, handout_pk)
    try:
        pdf = handout.verified_pdf()
    except FileStoreUnavailable:
        return _unavailable(request, handout, store_down=True)
    if pdf is None:
        return _unavailable(request, handout)
    patient = handout.revision.plan.patient
    record(request, patient=patient, action=AuditAction.DOWNLOAD, target=handout, detail=f"paper={handout.paper}")
    return _pdf_response(pdf, f"handout-{handout.pk}-revision-{handout.revision.number}-{handout.paper}.pdf")


@staff_required
@require_GET
def batch_download(request, pk):
    """A batch's PDF: every handout it holds is audited as downloaded for its patient."""
    batch = get_handout_batch_for_staff(request.staff_member, pk)
    try:
        pdf = batch.verified_pdf()
    except FileStoreUnavailable:
        return _unavailable(request, batch, store_down=True)
    if pdf is None:
        return _unavailable(request, batch)
    handouts = batch.handouts.select_related("revision__plan__patient").defer(
        "revision__content", "revision__plan__content"
    )
    _audit_batch(request, batch, handouts, action=AuditAction.DOWNLOAD)
    return _pdf_response(pdf, f"handouts-batch-{batch.pk}-{batch.paper}.pdf")


@staff_required
@require_POST
def batch_retry(request, pk):
    batch = services.handout_batch_retry(batch=get_handout_batch_for_staff(request.staff_member, pk), by=request.user)
    if batch.is_ready:
        messages.info(request, "The batch is ready: download it below.")
    else:
        messages.success(request, "The batch is in the print queue again: its row shows how it goes.")
    return redirect(queue_url(batch))


def _audit_batch(request, batch, handouts, *, action: str) -> None:
    """A batch holds several patients' handouts: one entry in each patient's trail, naming the batch and handout."""
    for handout in handouts:
        record(
            request,
            patient=handout.revision.plan.patient,
            action=action,
            target=batch,
            detail=f"with handout #{handout.pk}",
        )


def _pdf_response(pdf: bytes, filename: str) -> FileResponse:
    response = FileResponse(io.BytesIO(pdf), as_attachment=True, filename=filename, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response


def _unavailable(request, job: PrintJob, *, store_down: bool = False):
    """Why a PDF can't be downloaded now (still being made, failed, its stored file missing or damaged: 409; the file
    store out of reach: 503, try again)."""
    context = {"job": job, "queue_url": queue_url(job), "store_down": store_down}
    return render(request, "plans/handout_unavailable.html", context, status=503 if store_down else 409)
