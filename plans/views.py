"""The plan pages: build a draft from a confirmed assessment, edit and issue it, follow it week by week, log a
session reported on the phone, and undo an automatic change.

Physiotherapists of the patient's clinic do everything here; the front desk sees a plan's status and revision list
only; patients use the portal (403 here); another clinic's plans answer 404. Every page and change is audited by
record type and number, never with patient data.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from clinic import page_sections
from clinic.access import patient_record_view, physio_required, staff_required
from clinic.audit import record
from clinic.models import AuditAction
from clinic.selectors import SCOPE_MINE
from intake.access import get_assessment_for_staff
from intake.codes import Category
from plans import pages, services
from plans.access import (
    get_plan_alert_for_staff,
    get_plan_for_staff,
    get_plan_page_for_staff,
    get_revision_for_staff,
    get_session_log_for_staff,
)
from plans.adherence import RECENT_DAYS
from plans.builder import PlanError, cadence_range
from plans.calendar import describe_change, next_step_words
from plans.caseload import caseload_for_staff
from plans.forms import (
    AddExerciseForm,
    CaseloadFilterForm,
    PlanDraftForm,
    ProgrammeFormSet,
    ResumeForm,
    SessionLogForm,
)
from plans.handouts.forms import HandoutRequestForm
from plans.models import PlanStatus, RevisionKind
from plans.selection import DOSE_PARTS
from plans.selectors import exercise_library_for_clinic

PROGRAMME_PREFIX = "programme"
REVIEW_ACTION = "review"  # the editor's "Review and issue": save what was typed, then show the changes to issue


def _version(request) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


@physio_required
@require_POST
def plan_build(request, pk, intake_pk, assessment_pk):
    """ "Build plan" on a confirmed assessment: its draft plan (made now, or the one already made), then the
    editor."""
    member = request.staff_member
    assessment = get_assessment_for_staff(member, pk, intake_pk, assessment_pk)
    try:
        plan, created = services.plan_create(assessment=assessment, by=member)
    except services.PlanRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(assessment)
    if created:
        record(request, patient=plan.patient, action=AuditAction.CREATE, target=plan, detail="draft")
        messages.success(request, "A draft plan has been built from the assessment. Adjust it, then issue it.")
    return redirect("plans:draft", pk, plan.pk)


@staff_required
@require_GET
@patient_record_view(get_plan_page_for_staff)
def plan_detail(request, plan):
    """The plan as the patient follows it; for the front desk, its status and revision list only."""
    return _plan_detail_page(request, plan)


def _plan_detail_page(request, plan, *, resume_form=None):
    member = request.staff_member
    state = pages.plan_page_state(plan)  # before the records it covers are read
    page = pages.plan_page(plan=plan, clinical=member.is_physio, today=timezone.localdate(), state=state)
    extras = pages.plan_page_extras(plan=plan, clinical=member.is_physio, state=state)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "page": page,
            "scores_chart": extras.scores_chart,
            "handout_form": HandoutRequestForm(initial={"paper": extras.paper}),
            "handouts": extras.handouts,
            "resume_form": resume_form or ResumeForm(),
        },
    )


@physio_required
@require_POST
def plan_resume(request, pk, plan_pk):
    """Resume running and impact after a hold (reference §8 RF19, §9.3 P5), with what the physio's review found."""
    member = request.staff_member
    plan = get_plan_for_staff(member, pk, plan_pk)
    form = ResumeForm(request.POST)
    if not form.is_valid():
        return _plan_detail_page(request, plan, resume_form=form)
    try:
        revision = services.plan_resume(plan=plan, by=member, reason=form.cleaned_data["reason"])
    except services.PlanRefused as refusal:
        messages.error(request, str(refusal))
    else:
        record(request, patient=plan.patient, action=AuditAction.CHANGE, target=revision, detail="running resumed")
        messages.success(
            request, f"Running and impact are resumed: revision {revision.number} schedules them from today."
        )
    return redirect(plan)


class DraftEditor:
    """The editor's forms for one plan: the settings, the programme rows and the exercise to add."""

    def __init__(self, plan, data=None):
        self.plan = plan
        content = plan.content
        gates = plan.assessment.gates
        self.library = exercise_library_for_clinic(clinic=plan.patient.clinic)
        self.specs = {spec.slug: spec for spec in self.library}
        cadence = (
            cadence_range(gates.get("cadence_spm")) if Category.GAIT_CADENCE in content["exercise_categories"] else None
        )
        rows = plan.programme if plan.programme is not None else content["programme"]
        initial = {
            "version": plan.draft_version,
            "note_for_patient": plan.note_for_patient,
            **{name: value for name, value in plan.inputs().items() if name != "programme"},
        }
        self.settings = PlanDraftForm(data, initial=initial, cadence_range=cadence)
        self.rows = ProgrammeFormSet(
            data,
            prefix=PROGRAMME_PREFIX,
            initial=[{"code": row["code"], **{part: row.get(part) for part in DOSE_PARTS}} for row in rows],
        )
        listed = {row["code"] for row in rows}
        if data is not None:
            listed |= {data.get(f"{PROGRAMME_PREFIX}-{i}-code") for i in range(self.rows.total_form_count())}
        self.adder = AddExerciseForm(
            data,
            library=self.library,
            categories=content["exercise_categories"],
            contraindications=gates.get("contraindications", []),
            listed=listed,
        )
        self.programme_errors: list[str] = []
        self.version = plan.draft_version  # the version the editor was opened at

    def is_valid(self) -> bool:
        return all([self.settings.is_valid(), self.rows.is_valid(), self.adder.is_valid()])

    def programme(self) -> list[dict]:
        return [{part: row.cleaned_data.get(part) for part in ("code", *DOSE_PARTS)} for row in self.rows.forms]

    def apply(self, action: str, programme: list[dict]) -> list[dict] | None:
        """The programme after the button the physio pressed (add, remove, up, down; save changes nothing)."""
        verb, _, code = action.partition(":")
        codes = [row["code"] for row in programme]
        if verb == "add":
            slug = self.adder.cleaned_data["add_exercise"]
            if not slug:
                self.adder.add_error("add_exercise", "Choose the exercise to add.")
                return None
            dose = self.specs[slug].dosage
            return [*programme, {"code": slug, **{part: getattr(dose, part) for part in DOSE_PARTS}}]
        if verb in ("remove", "up", "down") and code in codes:
            index = codes.index(code)
            rows = list(programme)
            if verb == "remove":
                del rows[index]
            else:
                other = index - 1 if verb == "up" else index + 1
                if 0 <= other < len(rows):
                    rows[index], rows[other] = rows[other], rows[index]
            return rows
        return programme

    def show_plan_error(self, error: PlanError) -> None:
        """Each builder problem beside its field; programme problems beside their exercise's row."""
        rows = {row.cleaned_data.get("code"): row for row in self.rows.forms if row.cleaned_data}
        for name, problems in error.by_field().items():
            problems = [f"{problem[0].upper()}{problem[1:]}." for problem in problems]
            if name in self.settings.fields:
                self.settings.add_error(name, problems)
                continue
            _, _, rest = name.partition(".")
            code, _, part = rest.partition(".")
            row = rows.get(code)
            if row is not None:
                row.add_error(part if part in row.fields else None, problems)
            else:
                named = f"{self.specs[code].name}: " if code in self.specs else ""
                self.programme_errors += [f"{named}{problem}" for problem in problems]

    def keep_input_at_version(self, data, version: int) -> "DraftEditor":
        """The same input, now based on `version`: saving it again replaces the other save, knowingly."""
        data = data.copy()
        data["version"] = str(version)
        editor = DraftEditor(self.plan, data)
        editor.is_valid()
        return editor

    def context(self) -> dict:
        rows = []
        for row in self.rows.forms:
            code = row["code"].value()
            rows.append({"form": row, "spec": self.specs.get(code), "code": code})
        return {
            "settings": self.settings,
            "rows": self.rows,
            "row_items": rows,
            "adder": self.adder,
            "programme_errors": self.programme_errors,
        }


@physio_required
@patient_record_view(get_plan_for_staff, detail="draft editor")
def plan_draft(request, plan):
    """The draft editor: the settings and the home programme (add, remove, reorder, dose); every save rebuilds the
    preview. Buttons work without JavaScript: each submits the whole form with its action."""
    member = request.staff_member
    if plan.status == PlanStatus.ENDED:
        messages.info(request, "This plan has ended; build a new one from the patient's latest assessment.")
        return redirect(plan)
    if request.method == "POST":
        editor = DraftEditor(plan, request.POST)
        if editor.is_valid():
            action = request.POST.get("action", "save")
            programme = editor.apply(action, editor.programme())
            if programme is not None:
                try:
                    plan = services.plan_draft_update(
                        plan=plan,
                        by=member,
                        expected_version=editor.settings.cleaned_data["version"],
                        note_for_patient=editor.settings.cleaned_data["note_for_patient"],
                        programme=programme,
                        **editor.settings.inputs(),
                    )
                except services.DraftConflict as conflict:
                    saved_at = timezone.localtime(conflict.saved_at)
                    messages.error(
                        request,
                        f"{conflict.saved_by} saved this draft at {saved_at:%H:%M} on {saved_at:%-d %b} while you were "
                        "editing, so your changes were not saved. They are still below: compare them with the "
                        "preview (the other save), then save again to replace it.",
                    )
                    editor = editor.keep_input_at_version(request.POST, conflict.version)
                except PlanError as error:
                    editor.show_plan_error(error)
                except services.PlanRefused as refusal:
                    messages.error(request, str(refusal))
                    return redirect(plan)
                else:
                    return _draft_saved(request, plan, action, changed=plan.draft_version != editor.version)
    else:
        editor = DraftEditor(plan)
    preview = pages.draft_preview(plan=plan, today=timezone.localdate())
    return render(
        request,
        "plans/plan_draft.html",
        {"plan": plan, "patient": plan.patient, "preview": preview, **editor.context()},
    )


def _draft_saved(request, plan, action: str, *, changed: bool):
    """After the draft was sent: saved (or unchanged), then back to the editor, or on to the changes to issue."""
    if changed:
        detail = f"draft version {plan.draft_version}, {action.partition(':')[0]}"
        record(request, patient=plan.patient, action=AuditAction.CHANGE, target=plan, detail=detail)
    if action == REVIEW_ACTION:
        return redirect("plans:issue_review", plan.patient_id, plan.pk)
    if changed:
        messages.success(request, "Draft saved: the preview below is rebuilt from it.")
    else:
        messages.info(request, "Nothing had changed, so there was nothing to save.")
    anchor = "#programme" if action != "save" else ""
    return redirect(reverse("plans:draft", args=[plan.patient_id, plan.pk]) + anchor)


@physio_required
@require_GET
@patient_record_view(get_plan_for_staff, detail="changes to issue")
def plan_issue_review(request, plan):
    """What issuing the saved draft changes for the patient, beside the revision they follow now, with the button
    that issues it. Reached from the editor's "Review and issue", which saves what was typed first."""
    if plan.status == PlanStatus.ENDED:
        return redirect(plan)
    preview = pages.draft_preview(plan=plan, today=timezone.localdate())
    return render(
        request,
        "plans/issue_review.html",
        {"plan": plan, "patient": plan.patient, "preview": preview, "changes": pages.changes_to_issue(plan=plan)},
    )


@physio_required
@require_POST
def plan_issue(request, pk, plan_pk):
    member = request.staff_member
    plan = get_plan_for_staff(member, pk, plan_pk)
    try:
        revision = services.plan_issue(plan=plan, by=member, expected_version=_version(request))
    except services.DraftConflict as conflict:
        messages.error(
            request,
            f"{conflict.saved_by} saved the draft after you opened it; nothing was issued. Check the preview, then "
            "issue again.",
        )
        return redirect("plans:draft", pk, plan.pk)
    except (services.PlanNotIssuable, PlanError):
        messages.error(request, "The plan cannot be issued yet: fix the problems listed under “Before issuing”.")
        return redirect(reverse("plans:draft", args=[pk, plan.pk]) + "#issue")
    except services.PlanRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(plan)
    record(
        request,
        patient=plan.patient,
        action=AuditAction.CHANGE,
        target=plan,
        detail=f"issued revision {revision.number}",
    )
    messages.success(request, f"Revision {revision.number} is issued: the patient follows it from now on.")
    return redirect(plan)


@physio_required
@require_POST
def plan_end(request, pk, plan_pk):
    member = request.staff_member
    plan = get_plan_for_staff(member, pk, plan_pk)
    try:
        services.plan_end(plan=plan, by=member)
    except services.PlanRefused as refusal:
        messages.error(request, str(refusal))
    else:
        record(request, patient=plan.patient, action=AuditAction.CHANGE, target=plan, detail="ended")
        messages.success(request, "The plan has ended. Its revisions and logged sessions stay on the record.")
    return redirect(plan)


@physio_required
@require_GET
@patient_record_view(get_revision_for_staff)
def revision_detail(request, revision):
    """One revision, read-only: the schedule as it was, who made it, when and why."""
    plan = revision.plan
    page = pages.revision_page(revision=revision, today=timezone.localdate())
    return render(
        request,
        "plans/revision_detail.html",
        {"plan": plan, "patient": plan.patient, "revision": revision, "page": page},
    )


@physio_required
@require_POST
def revision_undo(request, pk, plan_pk, number):
    member = request.staff_member
    revision = get_revision_for_staff(member, pk, plan_pk, number)
    plan = revision.plan
    try:
        undo = services.plan_revision_undo(plan=plan, revision=revision, by=member)
    except services.PlanRefused as refusal:
        messages.error(request, str(refusal))
    else:
        record(request, patient=plan.patient, action=AuditAction.CHANGE, target=undo, detail=f"undid revision {number}")
        messages.success(request, f"The automatic change is undone: revision {undo.number} restores the schedule.")
    return redirect(plan)


@physio_required
@patient_record_view(get_plan_for_staff, detail="log form")
def session_log_create(request, plan):
    """Log a session the patient reports (on the phone, say): the traffic light and any change follow."""
    if plan.status != PlanStatus.ISSUED:
        messages.error(request, "Sessions are logged against an issued plan.")
        return redirect(plan)
    postpartum = plan.postpartum
    today = timezone.localdate()
    recent = pages.recent_sessions(plan=plan, today=today)
    initial = {"session_date": next((day.day for day in reversed(recent) if day.loggable), today)}
    form = SessionLogForm(request.POST or None, postpartum=postpartum, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.session_log_create(plan=plan, by=request.user, **form.session_fields())
        except services.PlanRefused as refusal:
            form.add_error("session_date", str(refusal))
        else:
            record(
                request,
                patient=plan.patient,
                action=AuditAction.CREATE,
                target=result.log,
                detail=f"{result.light.colour}, revision {result.revision.number}"
                if result.revision
                else result.light.colour,
            )
            return redirect(result.log)
    return render(
        request,
        "plans/session_log_form.html",
        {"plan": plan, "patient": plan.patient, "form": form, "recent": recent, "postpartum": postpartum},
    )


@physio_required
@require_GET
@patient_record_view(get_session_log_for_staff)
def session_log_detail(request, log):
    """A logged session: its traffic light in plain words and what it changed in the schedule."""
    plan = log.plan
    automatic = log.revisions.filter(kind=RevisionKind.AUTOMATIC).select_related("undone_by").first()
    current = plan.current_revision.content if plan.current_revision else log.revision.content
    return render(
        request,
        "plans/session_log_detail.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "log": log,
            "headline": next_step_words(log.traffic_light, log.session_date, current),
            "automatic": automatic,
            "changes": [describe_change(change) for change in automatic.changes] if automatic else [],
            "alerts": list(log.alerts.all()),
        },
    )


@physio_required
@require_POST
def alert_review(request, pk, plan_pk, alert_pk):
    member = request.staff_member
    alert = get_plan_alert_for_staff(member, pk, plan_pk, alert_pk)
    services.plan_alert_review(alert=alert, by=member)
    record(request, patient=alert.plan.patient, action=AuditAction.CHANGE, target=alert, detail="reviewed")
    messages.success(request, "The alert is marked as reviewed.")
    return redirect(alert.plan)


@physio_required
@require_GET
def caseload(request):
    """The physio's patients on a plan: adherence, last log, recent traffic lights, those needing attention first."""
    member = request.staff_member
    filters = CaseloadFilterForm(request.GET or None, initial={"scope": SCOPE_MINE})
    scope = (filters.cleaned_data["scope"] if filters.is_valid() else "") or SCOPE_MINE
    rows = caseload_for_staff(member=member, scope=scope, today=timezone.localdate())
    badges = page_sections.badges_for(page_sections.CASELOAD, [row.patient.pk for row in rows])
    return render(
        request,
        "plans/caseload.html",
        {"rows": rows, "badges": badges, "filters": filters, "scope": scope, "recent_days": RECENT_DAYS},
    )
