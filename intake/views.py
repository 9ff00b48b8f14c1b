"""Views of the intake: the patient's questionnaire behind a secure link, the same questionnaire filled in by a
physiotherapist on the patient's behalf, invites from the patient page, and the physio's review of an intake."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import services as clinic_services
from clinic.access import get_patient_for_staff, patient_record_view, physio_required, staff_required
from clinic.accounts import sign_in_with_new_password
from clinic.audit import record
from clinic.forms import PortalAccountForm
from clinic.models import AuditAction, StaffMember
from intake import pages as intake_pages
from intake import selectors, services
from intake.access import INTAKE_SESSION_KEY, get_intake_for_staff, intake_link_closed, intake_link_required
from intake.forms import DateOfBirthForm, StepForm
from intake.models import Intake, InviteState
from intake.questionnaire import neighbours, step_by_slug, summary, unanswered_by_step, visible_questions, visible_steps
from intake.questions import REVIEW, STEPS

OPEN_OR_SUBMITTED = (InviteState.SENT, InviteState.OPENED, InviteState.SUBMITTED)
MOVES = ("next", "back", "review")
AUTOSAVE = "autosave"  # sent by intake.js while the patient types


@dataclass(frozen=True)
class Route:
    """Where the questionnaire's pages live: behind the patient's link, or on the staff side."""

    step_url: Callable[[str], str]
    done_url: Callable[[Intake], str]
    by: StaffMember | None = None  # the staff member filling it in on the patient's behalf


def _link_route(token: str) -> Route:
    return Route(
        step_url=lambda slug: reverse("intake:step", args=[token, slug]),
        done_url=lambda intake: reverse("intake:done", args=[token]),
    )


def _staff_route(patient_pk: int, member: StaffMember) -> Route:
    return Route(
        step_url=lambda slug: reverse("intake:staff_step", args=[patient_pk, slug]),
        done_url=lambda intake: intake.get_absolute_url(),
        by=member,
    )


def _resume_url(intake: Intake, route: Route) -> str:
    steps = visible_steps(postpartum_within_24m=intake.postpartum_within_24m)
    step = step_by_slug(intake.current_step, steps) or steps[0]
    return route.step_url(step.slug)


# --- The patient's link ---------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@intake_link_required(unlocked=False, states=OPEN_OR_SUBMITTED)
def link_start(request, token):
    """The date-of-birth check, before anything else of the intake is shown."""
    invite = request.invite
    unlocked = request.session.get(INTAKE_SESSION_KEY) == invite.pk
    if invite.state() == InviteState.SUBMITTED:
        return (
            redirect("intake:done", token) if unlocked else intake_link_closed(request, invite, InviteState.SUBMITTED)
        )
    if unlocked:
        return redirect(_resume_url(services.intake_draft_for_invite(invite=invite), _link_route(token)))
    form = DateOfBirthForm(request.POST or None)
    if form.is_valid():
        if services.invite_check_birth_date(invite=invite, date_of_birth=form.cleaned_data["date_of_birth"]):
            request.session.cycle_key()
            request.session[INTAKE_SESSION_KEY] = invite.pk
            record(request, patient=invite.patient, action=AuditAction.VIEW, target=invite, detail="link unlocked")
            return redirect(_resume_url(services.intake_draft_for_invite(invite=invite), _link_route(token)))
        if invite.locked_at:
            record(request, patient=invite.patient, action=AuditAction.CHANGE, target=invite, detail="link locked")
            return intake_link_closed(request, invite, InviteState.LOCKED)
        record(
            request,
            patient=invite.patient,
            action=AuditAction.VIEW,
            target=invite,
            detail=f"wrong date of birth, attempt {invite.failed_dob_attempts}",
        )
        form.add_error(None, "That date of birth does not match our records. Please check it and try again.")
    attempts_left = max(0, settings.INTAKE_DOB_MAX_ATTEMPTS - invite.failed_dob_attempts)
    return render(
        request,
        "intake/link_dob.html",
        {"form": form, "invite": invite, "clinic": invite.patient.clinic, "attempts_left": attempts_left},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@intake_link_required(states=OPEN_OR_SUBMITTED)
def link_step(request, token, step):
    if request.invite.state() == InviteState.SUBMITTED:
        return redirect("intake:done", token)  # a submitted intake cannot be changed through the link
    intake = services.intake_draft_for_invite(invite=request.invite)
    intake.patient = request.invite.patient  # fetched with its clinic by the link check: not again on every step
    return _questionnaire(request, intake=intake, slug=step, route=_link_route(token))


@never_cache
@require_GET
@intake_link_required(states=OPEN_OR_SUBMITTED)
def link_done(request, token):
    intake = request.invite.submitted_intake
    if intake is None:
        return redirect("intake:start", token)
    patient = request.invite.patient
    # A portal account is offered once, and never beside advice to get medical help now.
    offered = patient.user_id is None and not intake.is_urgent
    account_form = PortalAccountForm(initial={"email": patient.email}, patient=patient) if offered else None
    return _done_page(request, token, intake, account_form)


def _done_page(request, token: str, intake: Intake, account_form):
    return render(
        request,
        "intake/done.html",
        {
            "token": token,
            "intake": intake,
            "clinic": request.invite.patient.clinic,
            "advice": intake_pages.advice_for(intake.red_flags, intake.flag_level),
            "account_form": account_form,
        },
    )


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_POST
@intake_link_required(states=(InviteState.SUBMITTED,))
def link_account(request, token):
    """After sending the intake, the patient may make their portal account: the e-mail address they sign in with
    (the record's, to start with) and a password. They are then signed in and taken to their portal."""
    invite = request.invite
    patient = invite.patient
    if patient.user_id is not None:
        messages.info(request, "You already have a portal account: sign in with it.")
        return redirect("account_login")
    form = PortalAccountForm(request.POST, patient=patient)
    if form.is_valid():
        try:
            user = clinic_services.portal_account_create(
                patient=patient, email=form.cleaned_data["email"], password=form.cleaned_data["new_password1"]
            )
        except clinic_services.PortalAccountRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            record(request, patient=patient, action=AuditAction.CREATE, target=user, detail="portal account")
            messages.success(request, "Your portal account is ready. This is where you will find your plan.")
            return sign_in_with_new_password(request, user, redirect_url=reverse("my_page"))
    return _done_page(request, token, invite.submitted_intake, form)


# --- The questionnaire, shared by both routes -----------------------------------------------------------------


def _questionnaire(request, *, intake: Intake, slug: str, route: Route):
    patient = intake.patient
    steps = visible_steps(postpartum_within_24m=intake.postpartum_within_24m)
    step = step_by_slug(slug, steps)
    if step is None:  # e.g. the baby step after answering No to the question that opens it
        return redirect(_resume_url(intake, route))
    if step.slug == REVIEW:
        return _review(request, intake=intake, steps=steps, route=route)
    questions = visible_questions(step, sex_at_birth=patient.sex_at_birth)
    form_options = {"sections": step.sections, "questions": questions, "today": timezone.localdate()}
    if request.method == "POST" and request.POST.get("move") == AUTOSAVE:
        return _autosave(request, intake=intake, step=step, route=route, form=StepForm(request.POST, **form_options))
    if request.method == "POST":
        form = StepForm(request.POST, **form_options)
        form.is_valid()
        move = request.POST.get("move") if request.POST.get("move") in MOVES else "next"
        if move != "back":
            form.require_answers(intake.answer)
        try:
            intake = services.intake_save_step(
                intake=intake, step=step.slug, answers=form.answers(), move=None if form.errors else move, by=route.by
            )
        except services.IntakeClosed:
            return redirect(route.done_url(intake))
        detail = f"step {step.slug}{' on the patient’s behalf' if route.by else ''}"
        record(request, patient=patient, action=AuditAction.CHANGE, target=intake, detail=detail)
        if not form.errors:
            return redirect(route.step_url(intake.current_step))
    else:
        form = StepForm(initial=StepForm.initial_from(questions, intake.answer), **form_options)
    return render(
        request,
        "intake/step.html",
        {
            **_page_context(intake, steps, step, route),
            "form": form,
            "from_review": request.GET.get("from") == REVIEW or request.POST.get("move") == REVIEW,
        },
        status=200,
    )


def _autosave(request, *, intake: Intake, step, route: Route, form: StepForm) -> JsonResponse:
    """Keep the valid answers typed so far on this step, as the patient types (intake.js): closing the browser
    loses nothing. Nothing is required yet and the patient stays on the step; answers still being typed wrongly
    are left for the buttons, which say what is wrong."""
    form.is_valid()
    try:
        services.intake_save_step(intake=intake, step=step.slug, answers=form.answers(), by=route.by)
    except services.IntakeClosed:
        return JsonResponse({"saved": False, "closed": True}, status=409)
    detail = f"step {step.slug} saved while typing{' on the patient’s behalf' if route.by else ''}"
    record(request, patient=intake.patient, action=AuditAction.CHANGE, target=intake, detail=detail)
    return JsonResponse({"saved": True, "at": f"{timezone.localtime():%H:%M}", "unsaved": len(form.errors)})


def _review(request, *, intake: Intake, steps, route: Route):
    patient = intake.patient
    if request.method == "POST":
        if request.POST.get("move") == "back":
            intake = services.intake_save_step(intake=intake, step=REVIEW, answers={}, move="back", by=route.by)
            return redirect(route.step_url(intake.current_step))
        try:
            intake = services.intake_submit(intake=intake, by=route.by)
        except services.IntakeIncomplete:
            pass  # the page below lists what is missing
        else:
            record(request, patient=patient, action=AuditAction.CREATE, target=intake, detail="intake submitted")
            if route.by is not None:
                messages.success(request, "The intake has been sent on the patient's behalf.")
            return redirect(route.done_url(intake))
    missing = unanswered_by_step(steps, intake.answer, sex_at_birth=patient.sex_at_birth)
    return render(
        request,
        "intake/review_step.html",
        {
            **_page_context(intake, steps, step_by_slug(REVIEW, steps), route),
            "summary": [
                (part, route.step_url(part.step.slug))
                for part in summary(steps, intake.answer, sex_at_birth=patient.sex_at_birth)
            ],
            "missing": [
                (step, route.step_url(step.slug), missing[step.slug]) for step in steps if step.slug in missing
            ],
            "tried_to_send": request.method == "POST",
        },
    )


def _page_context(intake: Intake, steps, step, route: Route) -> dict:
    previous, following = neighbours(step, steps)
    return {
        "intake": intake,
        "clinic": intake.patient.clinic,
        "first_name": intake.patient.first_name,
        "steps": [(s, route.step_url(s.slug)) for s in steps],
        "step": step,
        "step_number": steps.index(step) + 1,
        "step_count": len(steps),
        "previous_step": previous,
        "next_step": following,
        "on_behalf": route.by,
    }


# --- Staff: invites, filling in on the patient's behalf, and the review page ---------------------------------


def _anonymised_refusal(request, patient):
    """A redirect with an explanation when the record is anonymised: nothing new is collected for it."""
    if not patient.is_anonymised:
        return None
    messages.warning(request, "This record is anonymised: no intake links are sent and no answers are collected.")
    return redirect(patient)


@staff_required
@require_POST
def invite_create(request, pk):
    patient = get_patient_for_staff(request.staff_member, pk)
    if refusal := _anonymised_refusal(request, patient):
        return refusal
    invite = services.invite_create(patient=patient, by=request.staff_member)
    record(request, patient=patient, action=AuditAction.SEND, target=invite, detail="intake invite")
    if invite.sent_to:
        messages.success(request, f"The intake link has been e-mailed to {invite.sent_to}. You can also copy it below.")
    else:
        messages.warning(request, "There is no e-mail address on file: copy the link below and send it to the patient.")
    return redirect(patient)


@physio_required
@require_POST
def staff_fill_start(request, pk):
    patient = get_patient_for_staff(request.staff_member, pk)
    if refusal := _anonymised_refusal(request, patient):
        return refusal
    intake = services.intake_draft_for_staff(patient=patient, by=request.staff_member)
    return redirect(_resume_url(intake, _staff_route(patient.pk, request.staff_member)))


@never_cache
@physio_required
@require_http_methods(["GET", "POST"])
@patient_record_view(get_patient_for_staff, detail="intake on the patient’s behalf")
def staff_fill_step(request, patient, step):
    if refusal := _anonymised_refusal(request, patient):
        return refusal
    intake = selectors.draft_for_patient(patient)
    if intake is None:
        messages.info(request, "There is no intake in progress for this patient.")
        return redirect(patient)
    intake.patient = patient
    return _questionnaire(request, intake=intake, slug=step, route=_staff_route(patient.pk, request.staff_member))


@never_cache
@physio_required
@patient_record_view(get_intake_for_staff)
def intake_review(request, intake):
    return render(
        request,
        "intake/intake_review.html",
        {
            "intake": intake,
            "patient": intake.patient,
            "age": intake.patient.age_on(timezone.localdate(intake.submitted_at or timezone.now())),
            "flags": intake_pages.flag_lines(intake.red_flags),
            "summary": intake_pages.answer_summary(intake),
            "outcomes": intake_pages.outcome_reports(intake),
            "steps": STEPS,
        },
    )


@physio_required
@require_POST
def intake_mark_reviewed(request, pk, intake_pk):
    intake = get_intake_for_staff(request.staff_member, pk, intake_pk)
    if services.intake_mark_reviewed(intake=intake, by=request.staff_member):
        record(request, patient=intake.patient, action=AuditAction.CHANGE, target=intake, detail="marked reviewed")
        messages.success(request, "Marked as reviewed.")
    return redirect(intake)
