"""Who may see which intake records: intakes, assessments and follow-up questionnaires of the user's clinic's
patients (404 for any other), and the patient's own intake link (see clinic.access for the building blocks)."""

from functools import wraps

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from clinic.access import get_patient_for_staff, patient_record_view, physio_required
from intake.models import Assessment, FollowUp, Intake, IntakeInvite, InviteState


def get_intake_for_staff(member, pk, intake_pk):
    """An intake of one of the member's clinic's patients (`pk`); 404 for any other (another clinic, another
    patient). One query, the patient with it (their clinic is the member's own), with their physio and who entered
    and reviewed the intake."""
    return _intake_for_staff(member, pk, intake_pk, "patient__physio__user", "entered_by__user", "reviewed_by__user")


def get_intake_to_assess(member, pk, intake_pk):
    """An intake as `get_intake_for_staff` finds it, with what the assessment page reads besides: its examination,
    if any, with who saved it last (`intake.selectors.examination_as_saved`). One query."""
    return _intake_for_staff(member, pk, intake_pk, "patient", "examination__updated_by__user")


def _intake_for_staff(member, pk, intake_pk, *related: str):
    intake = get_object_or_404(
        # The clinic is checked on the patient the query joins anyway: a subquery costs as much again to compile.
        Intake.objects.filter(patient__clinic_id=member.clinic_id, patient_id=pk).select_related(*related),
        pk=intake_pk,
    )
    intake.patient.clinic = member.clinic
    return intake


def submitted_intake_required(*, detail: str, lookup=get_intake_for_staff):
    """Only physiotherapists, on a submitted intake of their clinic's patient (404 for any other, found by `lookup`);
    the view is called with the intake, and its page audited with `detail`. A questionnaire not yet sent has nothing
    to examine or assess: the physio is sent back to its answers so far."""

    def decorator(view):
        @wraps(view)
        @physio_required
        @patient_record_view(lookup, detail=detail)
        def wrapped(request, intake):
            if not intake.is_submitted:
                messages.info(
                    request, "The patient has not sent this questionnaire yet: examine and assess it once sent."
                )
                return redirect(intake)
            return view(request, intake)

        return wrapped

    return decorator


def get_assessment_for_staff(member, pk, intake_pk, assessment_pk):
    """A confirmed or referred assessment of one of the member's clinic's intakes; 404 for any other (another
    clinic, another patient or intake, or a draft, which lives on the assessment page itself)."""
    intake = get_intake_for_staff(member, pk, intake_pk)
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


def get_follow_up_for_staff(member, pk, follow_up_pk):
    """A follow-up questionnaire of one of the member's clinic's patients (`pk`); 404 for any other."""
    patient = get_patient_for_staff(member, pk)
    follow_up = get_object_or_404(
        FollowUp.objects.filter(patient=patient).select_related("schedule", "reviewed_by__user"), pk=follow_up_pk
    )
    follow_up.patient = patient
    return follow_up


def get_follow_up_for_patient(patient, pk) -> FollowUp:
    follow_up = get_object_or_404(FollowUp.objects.filter(patient=patient), pk=pk)
    follow_up.patient = patient
    return follow_up
