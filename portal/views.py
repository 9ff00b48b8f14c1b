"""The patient's portal: today's session with its interval timer, logging in a few taps and the next-morning check,
the whole plan, messages with the clinic, settings (the e-mails and the calendar address), and the calendar feed
itself; and the staff's side of the messages, on a page of the patient's record.

Every page but the feed and the staff's pages is for a signed-in patient (`patient_required`: staff get 403), and
looks things up within `request.patient` only, so another patient's records cannot even be named.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit
from clinic.access import (
    get_patient_for_staff,
    own_record,
    patient_record_view,
    patient_required,
    physio_required,
    staff_required,
)
from clinic.models import AuditAction
from clinic.site import site_url
from intake.pages import scores_figure_for
from intake.selectors import due_follow_up
from plans import services as plan_services
from plans.access import get_issued_plan_for_patient, get_session_log_for_patient, issued_plan_for_patient
from plans.calendar import describe_change, event_summary, next_step_words, session_on
from plans.handouts.content import EMERGENCY_NUMBER
from plans.handouts.selectors import handouts_for_patient
from plans.models import PF_SYMPTOM_LABELS, RevisionKind
from plans.selectors import exercise_names
from portal import notices
from portal import services as portal_services
from portal.access import get_calendar_feed
from portal.forms import MessageForm, NextMorningForm, PortalPreferencesForm, PortalSessionLogForm
from portal.ical import calendar
from portal.models import CalendarFeed, PortalPreferences
from portal.pages import portal_plan
from portal.selectors import plan_calendar_events, thread_page

PRODUCT_ID = "-//Runback//Patient plan//EN"


@patient_required
@require_GET
@patient_record_view(own_record, detail="portal home")
def home(request, patient):
    """Today's session, the next-morning question, a questionnaire that is due, the week ahead, where the patient
    stands in the plan, their charts and the clinic's number."""
    today = timezone.localdate()
    plan = issued_plan_for_patient(patient)
    page = portal_plan(plan=plan, today=today) if plan else None
    return render(
        request,
        "portal/home.html",
        {
            "patient": patient,
            "page": page,
            "log_form": _log_form(plan, today, today) if page and page.today and not page.today.log else None,
            "morning_form": NextMorningForm(postpartum=plan.postpartum) if page and page.morning_log else None,
            "due": due_follow_up(patient, today=today),
            "scores_chart": scores_figure_for(patient, chart_id="my-scores", for_patient=True),
            "handouts": handouts_for_patient(patient=patient),
        },
    )


def _log_form(plan, day, today, data=None) -> PortalSessionLogForm:
    return PortalSessionLogForm(data, postpartum=plan.postpartum, morning_after=day < today)


@patient_required
@require_GET
@patient_record_view(own_record, detail="portal plan")
def plan_page(request, patient):
    """The whole plan week by week, the home exercises and the physio's note."""
    plan = issued_plan_for_patient(patient)
    page = portal_plan(plan=plan, today=timezone.localdate()) if plan else None
    return render(request, "portal/plan.html", {"patient": patient, "page": page})


@patient_required
@require_http_methods(["GET", "POST"])
@patient_record_view(get_issued_plan_for_patient, detail="portal log form")
def session_log(request, plan, day):
    """Log the session of `day` in a few taps; the traffic light and any change follow on the next page. A day
    that cannot be logged (no session, in the future, outside the plan, logged already) says why."""
    patient = request.patient
    today = timezone.localdate()
    if plan.logs.filter(session_date=day).exists():
        return redirect("portal_session", day)
    session = session_on(plan.current_revision.content, day)
    form = _log_form(plan, day, today, request.POST or None)
    try:
        plan_services.session_log_check(plan=plan, day=day, today=today)
    except plan_services.PlanRefused as refusal:
        form, refused = None, str(refusal)
    else:
        refused = ""
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            result = plan_services.session_log_create(
                plan=plan, by=request.user, session_date=day, **form.session_fields()
            )
        except plan_services.PlanRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            audit.record(
                request, patient=patient, action=AuditAction.CREATE, target=result.log, detail=result.light.colour
            )
            return redirect("portal_session", day)
    names = exercise_names(plan) if session else {}
    return render(
        request,
        "portal/log.html",
        {
            "patient": patient,
            "day": day,
            "summary": event_summary(session, names) if session and session["kind"] != "rest" else "",
            "form": form,
            "refused": refused,
        },
    )


@patient_required
@require_GET
@patient_record_view(get_session_log_for_patient, detail="portal")
def session_detail(request, log):
    """A logged session: its traffic light in plain words, what it changed in the schedule, and the next-morning
    question while it is unanswered."""
    return _session_page(request, log, NextMorningForm(postpartum=log.plan.postpartum) if _asks_morning(log) else None)


def _asks_morning(log) -> bool:
    return log.next_morning_pain is None and log.session_date < timezone.localdate()


def _session_page(request, log, morning_form):
    plan = log.plan
    automatic = log.revisions.filter(kind=RevisionKind.AUTOMATIC).select_related("undone_by").first()
    return render(
        request,
        "portal/session.html",
        {
            "patient": request.patient,
            "log": log,
            "headline": next_step_words(log.traffic_light, log.session_date, plan.current_revision.content),
            "changes": [describe_change(change) for change in automatic.changes]
            if automatic and not hasattr(automatic, "undone_by")
            else [],
            "morning_form": morning_form,
            "pf_symptoms": [PF_SYMPTOM_LABELS.get(code, code) for code in log.pf_symptoms],
        },
    )


@patient_required
@require_POST
def session_morning(request, day):
    """The next-morning answers for a logged session: the light is checked again and the schedule follows."""
    log = get_session_log_for_patient(request.patient, day)
    form = NextMorningForm(request.POST, postpartum=log.plan.postpartum)
    if not form.is_valid():
        return _session_page(request, log, form)
    try:
        result = plan_services.session_log_next_morning(plan=log.plan, log=log, by=request.user, **form.cleaned_data)
    except plan_services.PlanRefused as refusal:
        messages.error(request, str(refusal))
    else:
        audit.record(
            request, patient=request.patient, action=AuditAction.CHANGE, target=result.log, detail="next morning"
        )
        if result.light.colour != log.traffic_light:
            messages.warning(request, f"Your answers this morning make this session {result.light.colour}.")
        else:
            messages.success(request, "Thank you: your morning answers are saved.")
    return redirect("portal_session", day)


@patient_required
@require_http_methods(["GET", "POST"])
@patient_record_view(own_record, detail="portal messages")
def conversation(request, patient):
    """The patient's conversation with their clinic, newest at the bottom, and a message to send. Opening it reads
    what the staff wrote."""
    form = _message_form(request, patient, by=request.user, label="Your message")
    if form is None:
        messages.success(request, "Your message is sent. Your physiotherapist will answer here.")
        return redirect(f"{reverse('portal_messages')}#latest")
    return _conversation_page(request, patient, form, "portal/messages.html")


@physio_required
@require_http_methods(["GET", "POST"])
@patient_record_view(get_patient_for_staff, detail="messages")
def patient_conversation(request, patient):
    """The staff's side of the patient's conversation (physiotherapists: the messages are clinical). Opening it
    reads what the patient wrote; answering does too."""
    form = _message_form(request, patient, by=request.user, label=f"Your message to {patient.first_name}")
    if form is None:
        messages.success(request, f"Your message is sent. {_told_how(patient)}")
        return redirect(f"{reverse('patient_messages', args=[patient.pk])}#latest")
    return _conversation_page(request, patient, form, "portal/patient_messages.html")


def _told_how(patient) -> str:
    """How the patient learns of a message from the clinic: by e-mail only with a portal password and notices on."""
    if notices.gets_notices(patient.pk):
        return f"{patient.first_name} is told by e-mail that a message is waiting."
    return (
        f"{patient.first_name} gets no e-mails from the portal (no password chosen yet, or the e-mails turned off): "
        "they will see it when they next sign in. Call them if it cannot wait."
    )


def _message_form(request, patient, *, by, label) -> MessageForm | None:
    """The message form of a conversation page, or None once the message it sent is saved."""
    if request.method != "POST":
        return MessageForm(label=label)
    form = MessageForm(request.POST, label=label)
    if form.is_valid():
        try:
            message = portal_services.message_send(patient=patient, by=by, body=form.cleaned_data["body"])
        except portal_services.MessageRefused as refusal:
            form.add_error("body", str(refusal))
        else:
            audit.record(request, patient=patient, action=AuditAction.CREATE, target=message, detail="message")
            return None
    return form


def _conversation_page(request, patient, form, template):
    """A page of the conversation; shown (a GET), what the other side wrote is read, the page marking it new."""
    page = thread_page(patient, request.GET.get("page"))
    if request.method == "GET":
        portal_services.messages_mark_read(patient=patient, by=request.user)
    return render(
        request,
        template,
        {
            "patient": patient,
            "form": form,
            "page": page,
            "closed": portal_services.messages_closed_because(patient),
            "emergency_number": EMERGENCY_NUMBER,
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
def portal_settings(request):
    """The e-mails the patient gets (reminders, notices), and the calendar address to subscribe to (or stop)."""
    patient = request.patient
    preferences = PortalPreferences.objects.for_patient(patient)
    choices = ("email_reminders", "email_notices")
    initial = {name: "true" if getattr(preferences, name) else "false" for name in choices}
    form = PortalPreferencesForm(request.POST or None, initial=initial)
    if form.is_valid():
        portal_services.portal_preferences_update(patient=patient, **form.cleaned_data)
        on_off = {True: "on", False: "off"}
        messages.success(
            request,
            f"Saved: reminders {on_off[form.cleaned_data['email_reminders']]}, e-mails about messages and your plan "
            f"{on_off[form.cleaned_data['email_notices']]}.",
        )
        return redirect("portal_settings")
    return render(
        request,
        "portal/settings.html",
        {"patient": patient, "form": form, "feed": CalendarFeed.objects.active().filter(patient=patient).first()},
    )


@patient_required
@require_POST
def calendar_feed_new(request):
    feed = portal_services.calendar_feed_create(patient=request.patient, by=request.user)
    audit.record(request, patient=request.patient, action=AuditAction.CREATE, target=feed, detail="by the patient")
    messages.success(request, "Your calendar address is ready: copy it into your calendar app. Any earlier one stops.")
    return redirect("portal_settings")


@patient_required
@require_POST
def calendar_feed_revoke(request):
    if portal_services.calendar_feed_revoke(patient=request.patient, by=request.user):
        audit.record(request, patient=request.patient, action=AuditAction.CHANGE, target=None, detail="calendar off")
        messages.success(request, "Your calendar address is switched off: calendar apps get nothing from it any more.")
    return redirect("portal_settings")


@never_cache
@require_GET
def calendar_feed(request, token):
    """The plan's sessions as an iCalendar feed at a secret address, for calendar apps (which cannot sign in).
    It holds what a calendar needs and nothing more: the day and the kind of session, never a diagnosis or pain."""
    feed = get_calendar_feed(token)
    patient = feed.patient
    plan = issued_plan_for_patient(patient)
    about = f"{patient.clinic.name} · your return-to-run plan. Details and logging: {site_url()}{reverse('my_page')}"
    events = plan_calendar_events(plan, description=about) if plan else []
    audit.record(request, patient=patient, action=AuditAction.DOWNLOAD, target=feed, detail="calendar feed")
    body = calendar(
        product=PRODUCT_ID, name=f"Runback plan · {patient.clinic.name}", events=events, stamp=timezone.now()
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="runback-plan.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@staff_required
@require_POST
def patient_calendar_revoke(request, pk):
    """Stop the patient's calendar address (lost phone, shared by mistake); the patient can make a new one."""
    patient = get_patient_for_staff(request.staff_member, pk)
    if portal_services.calendar_feed_revoke(patient=patient, by=request.user):
        audit.record(request, patient=patient, action=AuditAction.CHANGE, detail="calendar feed revoked")
        messages.success(request, "The calendar address is switched off.")
    return redirect(patient)
