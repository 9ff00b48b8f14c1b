"""The physiotherapist's examination form and the assessment page (the engine's reasoning, which the physio reads,
checks, overrides and confirms), and the read-only record of each past assessment. Physios of the clinic only."""

from dataclasses import astuple, dataclass
from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import patient_record_view, physio_required
from clinic.audit import record
from clinic.models import AuditAction, AuditEvent
from clinic.page_cache import cached
from clinic.page_sections import ASSESSMENT_PAGE, sections_for
from intake import pages as intake_pages
from intake import selectors, services
from intake.access import get_assessment_for_staff, get_intake_to_assess, submitted_intake_required
from intake.assessment.decisions import (
    CAUSE_PRESELECT_MIN_SCORE,
    ENGINE,
    CauseDecision,
    decisions_for,
    may_override,
    override_label,
    result_digest,
)
from intake.assessment.live import LiveAssessment, live_assessment
from intake.codes import CAUSES, CONDITION_LABELS
from intake.forms import AssessmentForm, ExaminationDetailsForm, ExaminationForm
from intake.models import Assessment, Examination, Intake

AUDIT_DETAIL_MAX = AuditEvent._meta.get_field("detail").max_length
FORM_TEMPLATE = "intake/assessment/_form.html"


# --- The examination ------------------------------------------------------------------------------------------


def _changed_detail(changed: list[str]) -> str:
    """The audit detail of a save: the names of the findings changed, never their values."""
    names = ", ".join(changed) or "no findings"
    return names if len(names) <= AUDIT_DETAIL_MAX else f"{len(changed)} findings"


@never_cache
@require_http_methods(["GET", "POST"])
@submitted_intake_required(detail="examination")
def examination(request, intake: Intake):
    current = selectors.examination_for(intake)
    conflict = None
    if request.method == "POST":
        form = ExaminationForm(request.POST)
        details = ExaminationDetailsForm(request.POST, instance=current)
        if form.is_valid() and details.is_valid():
            try:
                saved = services.examination_save(
                    intake=intake,
                    findings=form.findings(),
                    details=details.details(),
                    version=form.cleaned_data["version"],
                    by=request.staff_member,
                )
            except services.ExaminationConflict as error:
                current = error.current
                conflict = intake_pages.conflict_lines(current.findings, form.findings())
                # The typed values stay; the form now carries the colleague's version, so saving again is a
                # decision taken with their changes in view.
                data = request.POST.copy()
                data["version"] = current.version
                form = ExaminationForm(data)
                form.is_valid()
            else:
                return _examination_saved(request, intake, saved)
    else:
        findings = current.findings if current else {}
        form = ExaminationForm(
            initial=ExaminationForm.initial_from(findings, version=current.version if current else 0)
        )
        details = ExaminationDetailsForm(instance=current)
    return render(
        request,
        "intake/examination.html",
        {
            "intake": intake,
            "patient": intake.patient,
            "examination": current,
            "form": form,
            "details": details,
            "groups": form.groups(),
            "conflict": conflict,
            "is_postpartum": "postpartum" in intake.answers,
        },
    )


def _examination_saved(request, intake: Intake, saved: services.ExaminationSaved):
    examination = saved.examination
    if saved.created or saved.changed:
        action = AuditAction.CREATE if saved.created else AuditAction.CHANGE
        record(
            request, patient=intake.patient, action=action, target=examination, detail=_changed_detail(saved.changed)
        )
        messages.success(request, "The examination has been saved.")
    else:
        messages.info(request, "Nothing had changed, so there was nothing to save.")
    if request.POST.get("then") == "assess":
        return redirect("intake:assessment", intake.patient_id, intake.pk)
    return redirect("intake:examination", intake.patient_id, intake.pk)


# --- The assessment page --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageState:
    """What the assessment page shows: the engine run live, and the physio's decisions so far."""

    examination: Examination | None
    draft: Assessment | None
    history: list[Assessment]  # the intake's confirmed and referred assessments, newest first
    live: LiveAssessment
    decisions: list[CauseDecision]
    overridable: list[str]  # raised flags the physio may still override

    @property
    def form_options(self) -> dict:
        return {"decisions": self.decisions, "overridable": self.overridable, "today": self.live.as_of}


def _page_state(intake: Intake, today: date) -> PageState:
    examination = selectors.examination_as_saved(intake)
    draft, history = selectors.assessment_draft_and_history(intake)
    live = live_assessment(intake, examination=examination, draft=draft, as_of=today, decided=history, from_cache=True)
    if live.result is None:
        return PageState(examination, draft, history, live, [], [])
    decisions = decisions_for(
        live.result["causes"],
        confirmed=draft.confirmed_causes if draft else [],
        rejected=draft.rejected_causes if draft else [],
    )
    raised = [*live.result["red_flags"], *live.result.get("holds", [])]
    overridable = [item["code"] for item in raised if not item["overridden"] and may_override(item["code"])]
    return PageState(examination, draft, history, live, decisions, overridable)


@never_cache
@require_http_methods(["GET", "POST"])
@submitted_intake_required(detail="assessment", lookup=get_intake_to_assess)
def assessment(request, intake: Intake):
    today = timezone.localdate()
    state = _page_state(intake, today)
    if request.method == "POST":
        form = AssessmentForm(request.POST, **state.form_options)
        if form.is_valid():
            try:
                return _act(request, intake, form)
            except services.AssessmentRefused as refusal:
                # The draft now holds what was sent: show the page as it stands, with everything typed kept and
                # the digest of the result now on screen.
                state = _page_state(intake, today)
                data = request.POST.copy()
                data["digest"] = state.live.digest
                for decision in state.decisions:  # a cause new to the page starts as any cause does
                    data.setdefault(f"verdict-{decision.code}", decision.verdict)
                form = AssessmentForm(data, **state.form_options)
                form.is_valid()
                # A refusal without a field of its own (or whose field the new result no longer has) is about the
                # result on the page.
                form.add_error(refusal.field if refusal.field in form.fields else "digest", refusal.message)
                for field in refusal.also:
                    if field in form.fields:
                        form.add_error(field, "Confirm or reject this cause.")
    else:
        form = None
    return render(request, "intake/assessment.html", _assessment_context(intake, state, form))


def _act(request, intake: Intake, form: AssessmentForm):
    """Keep the decisions sent, then do what the button pressed asks. Raises AssessmentRefused."""
    by, post, patient = request.staff_member, request.POST, intake.patient
    draft = services.assessment_save_draft(
        intake=intake, by=by, decisions=form.decisions(), plan_start=form.cleaned_data["plan_start"]
    )
    page = reverse("intake:assessment", args=[intake.patient_id, intake.pk])
    action = post.get("action", "save")
    if form.cleaned_data["override"]:
        code = form.cleaned_data["override"]
        reason = form.cleaned_data[form.reason_field(code).name]
        draft = services.assessment_override(intake=intake, by=by, code=code, reason=reason)
        record(request, patient=patient, action=AuditAction.CHANGE, target=draft, detail="red flag overridden")
        messages.success(request, f"Override recorded for “{override_label(code)}”: the result now includes it.")
        return redirect(f"{page}#flags")
    if "remove_override" in post:
        draft = services.assessment_remove_override(intake=intake, by=by, code=post["remove_override"])
        record(request, patient=patient, action=AuditAction.CHANGE, target=draft, detail="override removed")
        messages.success(request, "The override has been removed.")
        return redirect(f"{page}#flags")
    if "remove_cause" in post:
        draft = services.assessment_remove_cause(intake=intake, by=by, code=post["remove_cause"])
        record(request, patient=patient, action=AuditAction.CHANGE, target=draft, detail="added cause removed")
        return redirect(f"{page}#causes")
    if action == "add_cause":
        draft = services.assessment_add_cause(
            intake=intake, by=by, code=form.cleaned_data["add_code"], note=form.cleaned_data["add_note"]
        )
        record(request, patient=patient, action=AuditAction.CHANGE, target=draft, detail="cause added")
        messages.success(request, f"“{CAUSES[form.cleaned_data['add_code']].label}” added as a confirmed cause.")
        return redirect(f"{page}#causes")
    if action == "confirm":
        pending = form.pending_reasons(set(draft.overrides))
        if pending:
            names = ", ".join(override_label(code) for code in pending)
            raise services.AssessmentRefused(
                f"A reason is written but the override not applied ({names}): press “Override” or clear the reason.",
                field=f"reason-{pending[0]}",
            )
        confirmed = services.assessment_confirm(
            intake=intake,
            by=by,
            shown_digest=form.cleaned_data["digest"],
            decisions=form.decisions(),
            plan_start=form.cleaned_data["plan_start"],
        )
        record(request, patient=patient, action=AuditAction.CREATE, target=confirmed, detail="assessment confirmed")
        messages.success(request, "The assessment has been confirmed.")
        return redirect(confirmed)
    if action == "refer":
        referred = services.assessment_refer(
            intake=intake, by=by, note=form.cleaned_data["referral_note"], shown_digest=form.cleaned_data["digest"]
        )
        record(request, patient=patient, action=AuditAction.CREATE, target=referred, detail="referral recorded")
        messages.success(request, "The referral has been recorded.")
        return redirect(referred)
    record(request, patient=patient, action=AuditAction.CHANGE, target=draft, detail="assessment draft saved")
    messages.success(request, "Your decisions so far have been saved.")
    return redirect(page)


def _result_context(result: dict, intake: Intake, decisions: list[CauseDecision]) -> dict:
    """What the result partials show, for the live page and for a past assessment alike."""
    return {
        "result": result,
        "condition_label": CONDITION_LABELS[result["condition"]],
        "flags": intake_pages.flag_lines(result["red_flags"]),
        "holds": intake_pages.hold_lines(result.get("holds", [])),
        "gates": intake_pages.gates_view(result["gates"], result["red_flags"]),
        "needs": intake_pages.need_lines(result["needs"], intake),
        "cause_lines": intake_pages.cause_lines(result, decisions),
        "referral_needed": result["action"] in services.REFERRAL_ACTIONS,
        "preselect_percent": round(CAUSE_PRESELECT_MIN_SCORE * 100),
    }


def _assessment_context(intake: Intake, state: PageState, form: AssessmentForm | None) -> dict:
    """The page around the form, and the form's content: as the physio sent it back (`form`), else as first shown."""
    return {
        "intake": intake,
        "patient": intake.patient,
        "examination": state.examination,
        "live": state.live,
        "result": state.live.result,
        "history": state.history,
        "form_html": _form_html(intake, state, form) if state.live.result is not None else "",
    }


def _form_html(intake: Intake, state: PageState, form: AssessmentForm | None) -> str:
    """The form's content (the result, the decisions, the buttons). As first shown it follows only from the result
    on the page (and the latest decided assessment, its digest names), the draft's decisions, plan start and
    overrides, the intake and the day: rendered once for each, then read from the page cache."""
    if form is not None:
        return render_to_string(FORM_TEMPLATE, _form_context(intake, state, form))
    draft = state.draft
    key = {
        "clinic": intake.patient.clinic_id,
        "patient": intake.patient_id,
        "intake": intake.pk,
        "as_of": state.live.as_of,
        "shown": state.live.digest,
        # Digested: the decisions' notes and the overrides' reasons are the physio's words, never part of a key.
        "decided": result_digest(
            {
                "decisions": [astuple(decision) for decision in state.decisions],
                "plan_start": draft.plan_start.isoformat() if draft and draft.plan_start else None,
                "overrides": state.live.overrides,
            }
        ),
    }
    return cached(
        "assessment-form",
        key,
        lambda: render_to_string(FORM_TEMPLATE, _form_context(intake, state, _first_form(state))),
    )


def _first_form(state: PageState) -> AssessmentForm:
    initial = AssessmentForm.initial_from(
        state.decisions, digest=state.live.digest, plan_start=state.draft.plan_start if state.draft else None
    )
    return AssessmentForm(initial=initial, **state.form_options)


def _form_context(intake: Intake, state: PageState, form: AssessmentForm) -> dict:
    context = {"form": form, **_result_context(state.live.result, intake, state.decisions)}
    context["cause_rows"] = [
        (line, form[f"verdict-{line.code}"] if line.origin == ENGINE else None, form[f"note-{line.code}"])
        for line in context["cause_lines"]
    ]
    context["flag_rows"] = [(flag, form.reason_field(flag.code)) for flag in context["flags"]]
    context["hold_rows"] = [(hold, form.reason_field(hold.code)) for hold in context["holds"]]
    raised = {line.code for line in (*context["flags"], *context["holds"])}
    context["stale_overrides"] = [override_label(code) for code in state.live.overrides if code not in raised]
    return context


@never_cache
@physio_required
@require_GET
@patient_record_view(get_assessment_for_staff)
def assessment_detail(request, assessment):
    """A past assessment, read-only: the result the physio saw and what they decided, as it was stored."""
    intake = assessment.intake
    decided = decisions_for(
        assessment.engine_result["causes"],
        confirmed=assessment.confirmed_causes,
        rejected=assessment.rejected_causes,
        preselect=False,
    )
    context = _result_context(assessment.engine_result, intake, decided)
    context["cause_rows"] = list(zip(context["cause_lines"], decided, strict=True))
    return render(
        request,
        "intake/assessment_detail.html",
        {
            **context,
            "assessment": assessment,
            "intake": intake,
            "patient": intake.patient,
            "findings": intake_pages.findings_summary(assessment.findings),
            # What the apps above add, e.g. the plan builder's button (clinic.page_sections).
            "sections": sections_for(ASSESSMENT_PAGE, assessment=assessment, member=request.staff_member),
        },
    )
