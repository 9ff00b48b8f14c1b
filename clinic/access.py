"""Who may see what: every view and download goes through these helpers.

Anonymous users are sent to the login page, signed-in users without the right role get 403, and an object
outside the user's clinic (or another patient's record) is answered with 404 so its existence never leaks.
"""

import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clinic.models import CalendarFeed, Patient, StaffRole
from intake.models import Assessment, FollowUp, Intake, IntakeInvite, InviteState
from plans.models import Exercise, Handout, HandoutBatch, Plan, PlanAlert, PlanRevision, PlanStatus, SessionLog


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
    return get_object_or_404(patients_for_staff(member).select_related("physio__user", "clinic"), pk=pk)


def get_intake_for_staff(member, patient_pk, intake_pk):
    """An intake of one of the member's clinic's patients; 404 for any other (another clinic, another patient)."""
    patient = get_patient_for_staff(member, patient_pk)
    intake = get_object_or_404(
        Intake.objects.filter(patient=patient).select_related("entered_by__user", "reviewed_by__user"), pk=intake_pk
    )
    intake.patient = patient
    return intake


def submitted_intake_required(view):
    """Only physiotherapists, on a submitted intake of their clinic's patient (404 for any other); the view is called
    with the intake. A questionnaire not yet sent has nothing to examine or assess: the physio is sent back to its
    answers so far."""

    @wraps(view)
    @physio_required
    def wrapped(request, pk, intake_pk):
        intake = get_intake_for_staff(request.staff_member, pk, intake_pk)
        if not intake.is_submitted:
            messages.info(request, "The patient has not sent this questionnaire yet: examine and assess it once sent.")
            return redirect(intake)
        return view(request, intake)

    return wrapped


def get_assessment_for_staff(member, patient_pk, intake_pk, assessment_pk):
    """A confirmed or referred assessment of one of the member's clinic's intakes; 404 for any other (another
    clinic, another patient or intake, or a draft, which lives on the assessment page itself)."""
    intake = get_intake_for_staff(member, patient_pk, intake_pk)
    assessment = get_object_or_404(
        Assessment.objects.filter(intake=intake).decided().select_related("confirmed_by__user", "created_by__user"),
        pk=assessment_pk,
    )
    assessment.intake = intake
    return assessment


INTAKE_SESSION_KEY = "intake_invite_id"


def intake_link_required(*, unlocked=True, states=None):
    """Only with a valid intake link in one of `states` (default: still open). Sets `request.invite`.

    The patient has no account: the signed link plus their date of birth is their key. With `unlocked`, this
    session must have passed the date-of-birth check for this very invite, or it is sent to the check. A tampered,
    expired, revoked, locked or already-submitted link gets a page saying what to do next, with no patient data.
    """
    allowed = states or (InviteState.SENT, InviteState.OPENED)

    def decorator(view):
        @wraps(view)
        def wrapped(request, token, *args, **kwargs):
            invite = IntakeInvite.from_token(token)
            state = invite.state() if invite is not None else None
            if state not in allowed:
                return intake_link_closed(request, invite, state)
            if unlocked and request.session.get(INTAKE_SESSION_KEY) != invite.pk:
                return redirect("intake:start", token)
            request.invite = invite
            return view(request, token, *args, **kwargs)

        return wrapped

    return decorator


def intake_link_closed(request, invite, state):
    """The friendly page of a link that cannot be used: what happened and what to do, and nothing about the patient
    beyond the clinic's name and phone number."""
    status = {None: 404, InviteState.LOCKED: 403, InviteState.SUBMITTED: 200}.get(state, 410)
    clinic = invite.patient.clinic if invite is not None else None
    return render(request, "intake/link_closed.html", {"state": state, "clinic": clinic}, status=status)


# When the user last confirmed who they are on the re-authentication page (seconds since the epoch).
REAUTH_SESSION_KEY = "runback_reauth_at"


def reauth_is_recent(request) -> bool:
    confirmed_at = request.session.get(REAUTH_SESSION_KEY)
    if confirmed_at is None:
        return False
    return 0 <= time.time() - confirmed_at <= settings.REAUTH_WINDOW.total_seconds()


def mark_reauthenticated(request) -> None:
    request.session[REAUTH_SESSION_KEY] = time.time()


def reauth_required(view):
    """Sudo mode for sensitive actions (patient export, erasure): the user must have given their password (and
    a code, with two-factor sign-in) within settings.REAUTH_WINDOW, or is asked to on the confirm page first.

    Put it below the role decorator, so a user without the role gets 403 before being asked for a password.
    A stale POST is not replayed: the user comes back to the view with GET and submits again.
    """

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not reauth_is_recent(request):
            return redirect_to_login(request.get_full_path(), login_url=reverse("reauth"))
        return view(request, *args, **kwargs)

    return wrapped


def exercises_for_staff(member):
    """The exercise library a staff member sees: the shipped exercises and their own clinic's, never another's."""
    return Exercise.objects.visible_to(member.clinic_id)


def get_exercise_for_staff(member, slug):
    return get_object_or_404(exercises_for_staff(member).select_related("created_by__user"), slug=slug)


def get_own_exercise_for_staff(member, slug):
    """One of the member's clinic's own exercises (the ones it may change); shipped ones answer 404."""
    return get_object_or_404(Exercise.objects.filter(clinic_id=member.clinic_id), slug=slug)


def get_exercise_image_for_user(user, slug):
    """An exercise with an uploaded picture, for signed-in staff or patients of the exercise's clinic."""
    member, patient = user.staff_member, user.patient_record
    if member is None and patient is None:
        raise PermissionDenied
    clinic_id = member.clinic_id if member else patient.clinic_id
    return get_object_or_404(Exercise.objects.filter(clinic_id=clinic_id).exclude(image=""), slug=slug)


def get_plan_for_staff(member, patient_pk, plan_pk):
    """A plan of one of the member's clinic's patients; 404 for any other (another clinic, another patient)."""
    patient = get_patient_for_staff(member, patient_pk)
    plan = get_object_or_404(
        Plan.objects.filter(patient=patient).select_related(
            "assessment", "current_revision__created_by__user", "created_by__user", "draft_saved_by__user"
        ),
        pk=plan_pk,
    )
    plan.patient = patient
    return plan


def get_revision_for_staff(member, patient_pk, plan_pk, number):
    plan = get_plan_for_staff(member, patient_pk, plan_pk)
    revision = get_object_or_404(
        PlanRevision.objects.filter(plan=plan).select_related("created_by__user", "log"), number=number
    )
    revision.plan = plan
    return revision


def get_session_log_for_staff(member, patient_pk, plan_pk, log_pk):
    plan = get_plan_for_staff(member, patient_pk, plan_pk)
    log = get_object_or_404(SessionLog.objects.filter(plan=plan).select_related("logged_by", "revision"), pk=log_pk)
    log.plan = plan
    return log


def get_plan_alert_for_staff(member, patient_pk, plan_pk, alert_pk):
    plan = get_plan_for_staff(member, patient_pk, plan_pk)
    alert = get_object_or_404(PlanAlert.objects.filter(plan=plan), pk=alert_pk)
    alert.plan = plan
    return alert


def get_follow_up_for_staff(member, patient_pk, pk):
    """A follow-up questionnaire of one of the member's clinic's patients; 404 for any other."""
    patient = get_patient_for_staff(member, patient_pk)
    follow_up = get_object_or_404(
        FollowUp.objects.filter(patient=patient).select_related("schedule", "reviewed_by__user"), pk=pk
    )
    follow_up.patient = patient
    return follow_up


# --- The patient's own portal: everything is looked up within `request.patient`, so another patient's records
# cannot even be named (404).


def issued_plan_for_patient(patient) -> Plan | None:
    """The plan the patient follows now, with its current revision; None when no plan is issued."""
    plan = (
        Plan.objects.filter(patient=patient, status=PlanStatus.ISSUED)
        .select_related("current_revision", "assessment")
        .first()
    )
    if plan is not None:
        plan.patient = patient
    return plan


def get_issued_plan_for_patient(patient) -> Plan:
    plan = issued_plan_for_patient(patient)
    if plan is None:
        raise Http404("No plan is issued.")
    return plan


def get_session_log_for_patient(patient, day) -> SessionLog:
    """The patient's logged session of `day` in the plan they follow; 404 for anything else."""
    plan = get_issued_plan_for_patient(patient)
    log = get_object_or_404(SessionLog.objects.filter(plan=plan), session_date=day)
    log.plan = plan
    return log


def get_follow_up_for_patient(patient, pk) -> FollowUp:
    return get_object_or_404(FollowUp.objects.filter(patient=patient), pk=pk)


def get_calendar_feed(token: str) -> CalendarFeed:
    """The working calendar feed of a secret address; a revoked or unknown one answers 404. No sign-in: calendar
    apps cannot, so the address is the only key."""
    return get_object_or_404(CalendarFeed.objects.active().select_related("patient__clinic"), token=token)


def handouts_for_staff(member):
    """The PDF handouts of the member's clinic's patients, never another clinic's."""
    return Handout.objects.for_clinic(member.clinic_id)


def get_handout_for_staff(member, patient_pk, pk):
    """A handout of one of the member's clinic's patients; 404 for any other (another clinic, another patient)."""
    patient = get_patient_for_staff(member, patient_pk)
    return _handout_of(patient, pk)


def get_handout_for_user(user, patient_pk, pk):
    """A handout the signed-in user may download: staff of the patient's clinic, or the patient their own. 404 for
    everyone else (another clinic, another patient, an account with neither role)."""
    member, patient = user.staff_member, user.patient_record
    if member is not None:
        return get_handout_for_staff(member, patient_pk, pk)
    if patient is None or patient.pk != patient_pk:
        raise Http404
    return _handout_of(patient, pk)


def _handout_of(patient, pk):
    # The plan documents behind the handout are not needed to serve or audit it.
    handout = get_object_or_404(
        Handout.objects.filter(revision__plan__patient=patient)
        .select_related("revision__plan")
        .defer("revision__content", "revision__plan__content"),
        pk=pk,
    )
    handout.revision.plan.patient = patient
    return handout


def get_handout_batch_for_staff(member, pk):
    """A batch of handouts printed together by the member's clinic; 404 for another clinic's."""
    return get_object_or_404(HandoutBatch.objects.filter(clinic_id=member.clinic_id), pk=pk)
