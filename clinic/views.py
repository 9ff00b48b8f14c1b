from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clinic import audit, services
from clinic.access import get_patient_for_staff, physio_required, staff_required
from clinic.forms import AuditFilterForm, CaseloadFilterForm, PatientFilterForm, PatientForm
from clinic.models import AuditAction
from clinic.selectors import SCOPE_CLINIC, SCOPE_MINE, caseload_for_staff, patient_list_for_staff
from plans.adherence import RECENT_DAYS

PATIENTS_PER_PAGE = 25
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
    return render(
        request,
        "clinic/patient_list.html",
        {"filters": filters, "page": page, "scope": scope, "query_without_page": _query_without_page(request)},
    )


@staff_required
def patient_create(request):
    member = request.staff_member
    form = PatientForm(request.POST or None, clinic=member.clinic)
    if form.is_valid():
        patient = services.patient_create(clinic=member.clinic, by=member, **form.cleaned_data)
        audit.record(request, patient=patient, action=AuditAction.CREATE)
        messages.success(request, f"{patient.full_name} has been added.")
        return redirect(patient)
    return render(request, "clinic/patient_form.html", {"form": form, "title": "Add a patient"})


@staff_required
def patient_detail(request, pk):
    patient = get_patient_for_staff(request.staff_member, pk)
    audit.record(request, patient=patient, action=AuditAction.VIEW)
    return render(request, "clinic/patient_detail.html", {"patient": patient})


@staff_required
def patient_edit(request, pk):
    member = request.staff_member
    patient = get_patient_for_staff(member, pk)
    form = PatientForm(request.POST or None, instance=patient, clinic=member.clinic)
    if form.is_valid():
        services.patient_update(patient=patient, by=member, **form.cleaned_data)
        if form.changed_data:
            # The names of the changed fields only, never their old or new values.
            audit.record(request, patient=patient, action=AuditAction.CHANGE, detail=", ".join(form.changed_data))
        messages.success(request, "The patient's details have been saved.")
        return redirect(patient)
    if request.method == "GET":
        audit.record(request, patient=patient, action=AuditAction.VIEW, detail="edit form")
    return render(request, "clinic/patient_form.html", {"form": form, "patient": patient, "title": f"Edit {patient}"})


@require_GET
@physio_required
def patient_audit(request, pk):
    """Who viewed, created, changed, downloaded or sent what of this patient's records, when and from where."""
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
    return redirect(f"{patient.get_absolute_url()}#portal")


@staff_required
@require_POST
def patient_calendar_revoke(request, pk):
    """Stop the patient's calendar address (lost phone, shared by mistake); the patient can make a new one."""
    patient = get_patient_for_staff(request.staff_member, pk)
    if services.calendar_feed_revoke(patient=patient, by=request.user):
        audit.record(request, patient=patient, action=AuditAction.CHANGE, detail="calendar feed revoked")
        messages.success(request, "The calendar address is switched off.")
    return redirect(f"{patient.get_absolute_url()}#portal")


@physio_required
@require_GET
def caseload(request):
    """The physio's patients on a plan: adherence, last log, recent traffic lights, those needing attention first."""
    member = request.staff_member
    filters = CaseloadFilterForm(request.GET or None, initial={"scope": SCOPE_MINE})
    scope = (filters.cleaned_data["scope"] if filters.is_valid() else "") or SCOPE_MINE
    rows = caseload_for_staff(member=member, scope=scope, today=timezone.localdate())
    return render(
        request,
        "clinic/caseload.html",
        {"rows": rows, "filters": filters, "scope": scope, "recent_days": RECENT_DAYS},
    )


@never_cache
def healthz(request):
    """Liveness for load balancers and compose health checks: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
