"""Follow-up questionnaires: the physio schedules the outcome measures again and reads each answered questionnaire
(the change since the previous one against the minimal important change, and any new red flag); the patient fills
them in from the portal when one is due."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.access import get_patient_for_staff, own_record, patient_record_view, patient_required, physio_required
from clinic.audit import record
from clinic.models import AuditAction
from intake import pages as intake_pages
from intake import selectors, services
from intake.access import get_follow_up_for_patient, get_follow_up_for_staff
from intake.forms import FollowUpForm, FollowUpScheduleForm

# --- The physio's side ----------------------------------------------------------------------------------------


@physio_required
@require_http_methods(["GET", "POST"])
@patient_record_view(get_patient_for_staff, detail="follow-up schedule")
def follow_up_schedule(request, patient):
    """Schedule the outcome measures again (or change the schedule): which ones, how often, from when."""
    member = request.staff_member
    today = timezone.localdate()
    overview = intake_pages.follow_up_overview(patient, today=today)
    form = FollowUpScheduleForm(
        request.POST or None, initial=FollowUpScheduleForm.initial_for(overview.schedule, today), today=today
    )
    if form.is_valid():
        try:
            schedule = services.follow_up_schedule_set(patient=patient, by=member, **form.cleaned_data)
        except services.FollowUpRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            record(request, patient=patient, action=AuditAction.CREATE, target=schedule, detail="follow-up schedule")
            messages.success(
                request,
                f"Follow-up questionnaires are scheduled every {schedule.every_weeks} "
                f"week{'s' if schedule.every_weeks > 1 else ''} from {schedule.start:%-d %b %Y}.",
            )
            return redirect(patient)
    return render(request, "intake/follow_up_schedule.html", {"patient": patient, "form": form, "overview": overview})


@physio_required
@require_POST
def follow_up_stop(request, pk):
    member = request.staff_member
    patient = get_patient_for_staff(member, pk)
    if services.follow_up_schedule_stop(patient=patient, by=member):
        record(request, patient=patient, action=AuditAction.CHANGE, detail="follow-up schedule stopped")
        messages.success(request, "Follow-up questionnaires are stopped: none will fall due any more.")
    return redirect(patient)


@physio_required
@require_GET
@patient_record_view(get_follow_up_for_staff)
def follow_up_detail(request, follow_up):
    """One answered follow-up: its scores, the change since the previous questionnaire and whether it reaches the
    minimal important change, new red flags with what to do, and the safety answers."""
    return render(
        request,
        "intake/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "patient": follow_up.patient,
            "flags": intake_pages.flag_lines(follow_up.red_flags),
            "outcomes": intake_pages.follow_up_reports(follow_up),
            "safety": intake_pages.safety_summary(follow_up.safety_answers),
        },
    )


@physio_required
@require_POST
def follow_up_mark_reviewed(request, pk, follow_up_pk):
    follow_up = get_follow_up_for_staff(request.staff_member, pk, follow_up_pk)
    if services.follow_up_mark_reviewed(follow_up=follow_up, by=request.staff_member):
        record(request, patient=follow_up.patient, action=AuditAction.CHANGE, target=follow_up, detail="reviewed")
        messages.success(request, "Marked as reviewed.")
    return redirect(follow_up)


# --- The patient's side ---------------------------------------------------------------------------------------


@patient_required
@require_http_methods(["GET", "POST"])
@patient_record_view(own_record, detail="questionnaire")
def questionnaire(request, patient):
    """The follow-up questionnaire that is due, with the intake's questions and checks; every answer typed is kept
    when one needs correcting."""
    today = timezone.localdate()
    due = selectors.due_follow_up(patient, today=today)
    if due is None:
        return render(request, "intake/portal_questionnaire.html", {"patient": patient, "due": None})
    # Bound on every POST, an empty one too: it is then refused question by question, never left uncleaned.
    form = FollowUpForm(request.POST if request.method == "POST" else None, schedule=due.schedule, today=today)
    if request.method == "POST":
        form.is_valid()
        form.require_answers(lambda path: None)
        if not form.errors:
            try:
                follow_up = services.follow_up_submit(
                    schedule=due.schedule, due_on=due.due_on, answers=form.case_answers()
                )
            except services.FollowUpRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                record(request, patient=patient, action=AuditAction.CREATE, target=follow_up, detail="by the patient")
                return redirect("intake:questionnaire_done", follow_up.pk)
    return render(request, "intake/portal_questionnaire.html", {"patient": patient, "due": due, "form": form})


@patient_required
@require_GET
@patient_record_view(get_follow_up_for_patient, detail="by the patient")
def questionnaire_done(request, follow_up):
    """Thanks, the patient's own scores and how they changed, and, for a new red flag, what to do now."""
    return render(
        request,
        "intake/portal_questionnaire_done.html",
        {
            "patient": request.patient,
            "follow_up": follow_up,
            "advice": intake_pages.advice_for(follow_up.red_flags, follow_up.flag_level),
            "outcomes": intake_pages.follow_up_reports(follow_up),
            "worsened": bool(follow_up.worsened),
            "clinic": request.patient.clinic,
        },
    )
