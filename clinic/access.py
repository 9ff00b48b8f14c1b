"""Who may see what: the building blocks every app's views go through.

Anonymous users are sent to the login page, signed-in users without the right role get 403, and an object
outside the user's clinic (or another patient's record) is answered with 404 so its existence never leaks. Each app
looks up its own objects in its own `access.py`, starting from `get_patient_for_staff` or the signed-in patient,
and every page of a patient's record goes through `patient_record_view`, which looks the record up and audits the
look.
"""

import inspect
from functools import wraps

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from clinic import audit
from clinic.models import AuditAction, Patient, StaffRole


def role_required(*roles):
    """Only signed-in clinic staff with one of `roles` (any staff role when none are given).

    Sets `request.staff_member` for the view.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            member = request.user.staff_member
            if member is None or (roles and member.role not in roles):
                raise PermissionDenied
            request.staff_member = member
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required()
physio_required = role_required(StaffRole.PHYSIOTHERAPIST)


def patient_required(view):
    """Only a signed-in patient using their own portal account. Sets `request.patient`."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        patient = request.user.patient_record
        if patient is None:
            raise PermissionDenied
        request.patient = patient
        return view(request, *args, **kwargs)

    return wrapped


def patients_for_staff(member):
    """Every patient a staff member may reach: those of their own clinic, never another's."""
    return Patient.objects.filter(clinic_id=member.clinic_id)


def get_patient_for_staff(member, pk):
    patient = get_object_or_404(patients_for_staff(member).select_related("physio__user"), pk=pk)
    patient.clinic = member.clinic  # the member's own, which the lookup is within
    return patient


def own_record(patient):
    """The lookup of a patient's own pages in the portal: the record is the signed-in patient."""
    return patient


def patient_record_view(lookup, *, detail: str = ""):
    """The building block of every page of a patient's record.

    `lookup(reader, **url_kwargs)` fetches the record the URL names for the reader (the staff member, or the
    signed-in patient), answering 404 for anything out of their reach, e.g. `get_plan_for_staff(member, pk,
    plan_pk)`; the view is called with the record and the URL's other arguments (a questionnaire step, say). When
    the view answers a GET with the page itself (200), one event joins the audit trail: who looked at which record
    of which patient. Forms sent back with errors and redirects add none.

    Put it below the role decorator, which sets `request.staff_member` or `request.patient`.
    """
    names = list(inspect.signature(lookup).parameters)[1:]

    def decorator(view):
        @wraps(view)
        def wrapped(request, **url_kwargs):
            reader = getattr(request, "staff_member", None) or request.patient
            record = lookup(reader, **{name: url_kwargs.pop(name) for name in names})
            response = view(request, record, **url_kwargs)
            if request.method == "GET" and response.status_code == 200:
                patient = audit.patient_of(record)
                audit.record(request, patient=patient, action=AuditAction.VIEW, target=record, detail=detail)
            return response

        return wrapped

    return decorator


def reauth_required(view):
    """Sudo mode for sensitive actions (patient export, erasure): the user must have confirmed who they are within
    ACCOUNT_REAUTHENTICATION_TIMEOUT (allauth's re-authentication: the password, or with two-factor sign-in on the
    code or a passkey), or is asked to first and then sent back here.

    Put it below the role decorator, so a user without the role gets 403 before being asked anything.
    A stale POST is not replayed: the user comes back to the view with GET and submits again.
    """

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not did_recently_reauthenticate(request):
            methods = get_account_adapter(request).get_reauthentication_methods(request.user)
            if not methods:
                raise PermissionDenied("There is no way to confirm who you are for this account.")
            return redirect_to_login(request.get_full_path(), login_url=methods[0]["url"])
        return view(request, *args, **kwargs)

    return wrapped
