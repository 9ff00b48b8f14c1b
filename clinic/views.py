import sys
from typing import TypedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError, connection
from django.http import FileResponse, Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, data_rights, page_sections, selectors, services
from clinic.access import get_patient_for_staff, patient_record_view, physio_required, reauth_required, staff_required
from clinic.file_store import FileStoreUnavailable
from clinic.forms import AuditFilterForm, DataRightsForm, PatientFilterForm, PatientForm
from clinic.models import AuditAction, Clinic, PatientStatus
from clinic.pictures import content_type_for
from clinic.selectors import SCOPE_CLINIC, SCOPE_MINE, patient_list_for_staff

PATIENTS_PER_PAGE = 25
# How long the "back in a moment" page asks browsers and monitors to wait before trying again.
DATABASE_RETRY_AFTER_SECONDS = 30
FILE_STORE_RETRY_AFTER_SECONDS = 60  # the page says "try again in a minute"
AUDIT_EVENTS_PER_PAGE = 50


def _query_without_page(request) -> str:
    """The current filters, for pagination links to add their page number to."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def home(request):
    """Send each user to the page their role starts from."""
    if request.user.staff_member is not None:
        return redirect("patient_list")
    if request.user.patient_record is not None:
        return redirect("my_page")
    if request.user.is_superuser:
        return redirect("admin:index")
    raise PermissionDenied("This account has no clinic role yet.")


class PatientRow(TypedDict):
    """A patient's line of the patient list, everything the template shows worked out beforehand: a reverse(), a
    date filter, a choice's label or an include costs as much as the rest of the row, and the rows are many. A dict,
    not an object: the template engine reads a key for less than an attribute (it tries the key first)."""

    url: str
    name: str  # "Clarke, Emma"
    born: str  # "14 Mar 1990"
    email: str
    phone: str
    physio: str  # their physiotherapist's name, or "Not assigned"
    status: str
    status_label: str
    badges: str  # HTML, each badge after a space


def _physio_names(request, scope: str, patients) -> dict[int, str]:
    """{physio id: name} for the physiotherapists of a page of the list: a physio's own patients have one, them."""
    if scope == SCOPE_MINE:
        return {request.staff_member.pk: str(request.user)}
    return selectors.physio_names(patients)


def _patient_rows(patients, *, physio_names: dict[int, str], with_badges: bool) -> list[PatientRow]:
    # One reverse() for the page: each row's link is the list's address and the patient's number (urls.py).
    patients_url = reverse("patient_list")
    return [
        PatientRow(
            url=f"{patients_url}{patient.pk}/",
            name=f"{patient.last_name}, {patient.first_name}",
            born=f"{patient.date_of_birth:%-d %b %Y}",
            email=patient.email,
            phone=patient.phone,
            physio=physio_names.get(patient.physio_id, "Not assigned"),
            status=patient.status,
            status_label=PatientStatus(patient.status).label,
            badges=page_sections.list_badges(patient) if with_badges else "",
        )
        for patient in patients
    ]


@staff_required
def patient_list(request):
    member = request.staff_member
    default_scope = SCOPE_MINE if member.is_physio else SCOPE_CLINIC
    filters = PatientFilterForm(request.GET or None, initial={"scope": default_scope})
    criteria = filters.cleaned_data if filters.is_valid() else {}
    scope = criteria.get("scope") or default_scope
    patients = patient_list_for_staff(
        member=member, search=criteria.get("q", ""), status=criteria.get("status", ""), scope=scope
    )
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = _patient_rows(
        page.object_list,
        physio_names=_physio_names(request, scope, page.object_list),
        with_badges=member.is_physio,  # the front desk sees no clinical data
    )
    return render(
        request,
        "clinic/patient_list.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "scope": scope,
            "query_without_page": _query_without_page(request),
        },
    )


@staff_required
def patient_create(request):
    member = request.staff_member
    form = PatientForm(request.POST or None, clinic=member.clinic)
    if form.is_valid():
        patient = services.patient_create(clinic=member.clinic, by=member, **form.patient_fields())
        audit.record(request, patient=patient, action=AuditAction.CREATE)
        messages.success(request, f"{patient.full_name} has been added.")
        return redirect(patient)
    return render(request, "clinic/patient_form.html", {"form": form, "title": "Add a patient"})


@staff_required
@patient_record_view(get_patient_for_staff)
def patient_detail(request, patient):
    sections = page_sections.patient_page_sections(request=request, patient=patient, member=request.staff_member)
    return render(request, "clinic/patient_detail.html", {"patient": patient, "sections": sections})


@staff_required
@patient_record_view(get_patient_for_staff, detail="edit form")
def patient_edit(request, patient):
    member = request.staff_member
    if patient.is_anonymised:
        messages.info(request, "This record is anonymised: its details stay as they are.")
        return redirect(patient)
    form = PatientForm(request.POST or None, instance=patient, clinic=member.clinic)
    if form.is_valid():
        services.patient_update(patient=patient, by=member, **form.patient_fields())
        changed = [name for name in form.changed_data if name != "different_person"]
        if changed:
            # The names of the changed fields only, never their old or new values.
            audit.record(request, patient=patient, action=AuditAction.CHANGE, detail=", ".join(changed))
        messages.success(request, "The patient's details have been saved.")
        return redirect(patient)
    return render(request, "clinic/patient_form.html", {"form": form, "patient": patient, "title": f"Edit {patient}"})


@require_GET
@physio_required
def patient_audit(request, pk):
    """Who viewed, created, changed, downloaded or sent what of this patient's records, when and from where.
    Looking at the trail adds nothing to it: it lists what was done with the records, not a record itself."""
    patient = get_patient_for_staff(request.staff_member, pk)
    filters = AuditFilterForm(request.GET or None)
    action = filters.cleaned_data["action"] if filters.is_valid() else ""
    events = audit.events_for_patient(patient)
    if action:
        events = events.filter(action=action)
    page = Paginator(events, AUDIT_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "clinic/patient_audit.html",
        {"patient": patient, "filters": filters, "page": page, "query_without_page": _query_without_page(request)},
    )


@require_GET
def clinic_logo(request, pk, name):
    """A clinic's logo, for its patients' pages and e-mails: open to anyone, as a clinic's own branding is public
    (e-mail clients fetch it without a session). The address names the stored file, so an old or guessed one
    answers 404 and a new logo may be cached for long under its new address."""
    clinic = get_object_or_404(Clinic.objects.exclude(logo=""), pk=pk)
    if clinic.logo.name.rsplit("/", 1)[-1] != name:
        raise Http404
    with clinic.logo.open("rb") as stored:  # small: at most LOGO_MAX_SIDE pixels a side
        response = HttpResponse(stored.read(), content_type=content_type_for(clinic.logo.name))
    response["Cache-Control"] = "public, max-age=2592000, immutable"
    response["Content-Disposition"] = "inline"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@physio_required
@reauth_required
@patient_record_view(get_patient_for_staff, detail="data rights")
def patient_data_rights(request, patient):
    """Export, anonymise or erase everything held about a patient (physiotherapists, after confirming who they
    are). The audit trail records the reason's code, never the name typed."""
    form = DataRightsForm(request.POST or None, patient=patient)
    if form.is_valid():
        detail = f"reason: {form.cleaned_data['reason']}"
        if form.cleaned_data["action"] == data_rights.DataRightsAction.ERASE:
            # Recorded first, while the patient's number still names a record; the entry outlives the erasure.
            audit.record(request, patient=patient, action=AuditAction.ERASE, detail=detail)
            data_rights.patient_erase(patient=patient)
            messages.success(request, "The patient's records have been erased.")
            return redirect("patient_list")
        data_rights.patient_anonymise(patient=patient)
        audit.record(request, patient=patient, action=AuditAction.ANONYMISE, detail=detail)
        messages.success(request, "The record has been anonymised: the clinical data stays, without identity.")
        return redirect(patient)
    return render(
        request,
        "clinic/data_rights.html",
        {"patient": patient, "form": form, "counts": data_rights.record_counts(patient)},
    )


@never_cache
@require_GET
@physio_required
@reauth_required
def patient_export(request, pk):
    """A ZIP archive of everything held about the patient: patient.json, their stored files and a README."""
    patient = get_patient_for_staff(request.staff_member, pk)
    try:
        archive = data_rights.patient_export_archive(patient=patient, by=request.staff_member)
    except FileStoreUnavailable:
        # Nothing was exported (so nothing is audited) and nothing changed: the same link works once the store is back.
        response = render(request, "clinic/data_rights/export_unavailable.html", {"patient": patient}, status=503)
        response["Retry-After"] = str(FILE_STORE_RETRY_AFTER_SECONDS)
        return response
    audit.record(request, patient=patient, action=AuditAction.EXPORT, detail=f"archive with {archive.file_count} files")
    return FileResponse(archive.file, as_attachment=True, filename=archive.filename, content_type="application/zip")


@staff_required
@require_POST
def portal_invite(request, pk):
    """Invite the patient to the portal: an e-mail with a link to set their password (physio or front desk)."""
    patient = get_patient_for_staff(request.staff_member, pk)
    try:
        user = services.portal_invite(patient=patient, by=request.staff_member)
    except services.PortalAccountRefused as refusal:
        messages.error(request, str(refusal))
    else:
        audit.record(request, patient=patient, action=AuditAction.SEND, target=user, detail="portal invite")
        messages.success(request, f"A link to set a portal password has been e-mailed to {user.email}.")
    return redirect(patient)


@never_cache
def healthz(request):
    """Liveness for load balancers and compose health checks: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def server_error(request):
    """The page for an error no view handled (handler500). A database that can't be reached gets its own page, 503
    "Service Unavailable" with Retry-After: the fault is passing, the request was rolled back, and sending it again
    later will work, which is what the page tells the user (and a 503 tells monitors and proxies it is an outage, not
    a bug). Anything else gets the plain 500 page. Neither page touches the database or says what went wrong."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))
