"""Who may see which plan records: the exercise library, plans, revisions, logged sessions, alerts and handouts of
the user's clinic's patients (404 for any other), and the patient's own plan (see clinic.access for the building
blocks)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from clinic.access import get_patient_for_staff
from clinic.models import StaffMember
from plans.models import Exercise, Handout, HandoutBatch, Plan, PlanAlert, PlanRevision, PlanStatus, SessionLog


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


def get_plan_for_staff(member, pk, plan_pk):
    """A plan of one of the member's clinic's patients (`pk`); 404 for any other (another clinic, another
    patient)."""
    patient = get_patient_for_staff(member, pk)
    plan = get_object_or_404(
        Plan.objects.filter(patient=patient).select_related(
            "assessment", "current_revision__created_by__user", "created_by__user", "draft_saved_by__user"
        ),
        pk=plan_pk,
    )
    plan.patient = patient
    return plan


def get_plan_page_for_staff(member, pk, plan_pk):
    """get_plan_for_staff for the plan page, in one query (two for a plan never issued, with who saved its draft):
    the plan with its patient (of the member's clinic, which it is given) and its current revision, without the
    contents of either, which the page reads only when the schedule they give is not in the page cache
    (plans.pages.plan_history), nor its author, whom the page's list of revisions gives it (plans.pages.plan_page)."""
    plan = get_object_or_404(
        # The clinic is checked on the patient the query joins anyway: a subquery costs as much again to compile.
        Plan.objects.filter(patient__clinic_id=member.clinic_id, patient_id=pk)
        .select_related("patient", "current_revision")
        .defer("content", "programme", "current_revision__content", "current_revision__changes"),
        pk=plan_pk,
    )
    plan.patient.clinic = member.clinic
    if plan.current_revision is not None:
        plan.current_revision.plan = plan  # for its handouts' links
    elif plan.draft_saved_by_id:
        # Only a plan never issued names who saved its draft: joining them for every plan cost 0.2 ms a page.
        plan.draft_saved_by = StaffMember.objects.select_related("user").get(pk=plan.draft_saved_by_id)
    return plan


def get_revision_for_staff(member, pk, plan_pk, number):
    plan = get_plan_for_staff(member, pk, plan_pk)
    revision = get_object_or_404(
        PlanRevision.objects.filter(plan=plan).select_related("created_by__user", "log"), number=number
    )
    revision.plan = plan
    return revision


def get_session_log_for_staff(member, pk, plan_pk, log_pk):
    plan = get_plan_for_staff(member, pk, plan_pk)
    log = get_object_or_404(SessionLog.objects.filter(plan=plan).select_related("logged_by", "revision"), pk=log_pk)
    log.plan = plan
    return log


def get_plan_alert_for_staff(member, pk, plan_pk, alert_pk):
    plan = get_plan_for_staff(member, pk, plan_pk)
    alert = get_object_or_404(PlanAlert.objects.filter(plan=plan), pk=alert_pk)
    alert.plan = plan
    return alert


# --- The patient's own plan: looked up within the patient, so another patient's records cannot even be named (404).


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
