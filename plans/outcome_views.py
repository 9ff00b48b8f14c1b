"""The clinic's outcomes, for its physiotherapists: the page of figures and charts (plans/outcomes.py counts them) and
the same figures as a table to download. Counts only, of the physio's own clinic; the front desk and patients are
turned away. The download is recorded in the clinic's audit trail."""

import csv

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from clinic.access import physio_required
from clinic.audit import record_for_clinic
from clinic.models import AuditAction, StaffMember, StaffRole
from intake.codes import CONDITION_LABELS
from plans.forms import POSTPARTUM_CHOICES, OutcomesFilterForm
from plans.outcomes import (
    CSV_HEADINGS,
    MILESTONE_RUN_MIN,
    SMALL_GROUP,
    csv_rows,
    recent_clinic_outcomes,
    scores_figure,
    weeks_figure,
)


def _filters_form(request) -> OutcomesFilterForm:
    member = request.staff_member
    physios = StaffMember.objects.filter(clinic_id=member.clinic_id, role=StaffRole.PHYSIOTHERAPIST).select_related(
        "user"
    )
    return OutcomesFilterForm(request.GET or None, physios=physios, today=timezone.localdate())


def _chosen(form: OutcomesFilterForm, *, physio_words) -> dict[str, str]:
    """The filters chosen, in words (`physio_words` names a physiotherapist)."""
    filters = form.filters()
    physio = form.physios.get(filters.physio_id)
    return {
        "Physiotherapist": physio_words(physio) if physio else "All physiotherapists",
        "Condition": str(CONDITION_LABELS.get(filters.condition, "All conditions")),
        "After a birth": dict(POSTPARTUM_CHOICES)[filters.postpartum],
    }


@physio_required
@require_GET
def outcomes(request):
    """How the clinic's patients did: questionnaires, back to running, sessions, red runs and referrals."""
    form = _filters_form(request)
    context = {
        "form": form,
        "small_group": SMALL_GROUP,
        "milestone_min": MILESTONE_RUN_MIN,
        "recount_minutes": settings.OUTCOMES_RECOUNT_MINUTES,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "plans/outcomes.html", context)
    result = recent_clinic_outcomes(
        clinic_id=request.staff_member.clinic_id, filters=form.filters(), today=form.today, now=timezone.now()
    )
    context |= {
        "outcomes": result,
        "chosen": _chosen(form, physio_words=str),
        "scores_chart": scores_figure(result),
        "weeks_chart": weeks_figure(result),
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "plans/outcomes.html", context)


@physio_required
@require_GET
def outcomes_csv(request):
    """The outcomes page's figures as a CSV table: counts and averages, no names (the physio filter by staff number)."""
    form = _filters_form(request)
    if form.is_bound and not form.is_valid():
        problems = "\n".join(
            f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        )
        return HttpResponse(
            f"The table was not made: a filter could not be used.\n{problems}\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    result = recent_clinic_outcomes(
        clinic_id=request.staff_member.clinic_id, filters=filters, today=form.today, now=timezone.now()
    )
    chosen = _chosen(form, physio_words=lambda physio: f"Staff number {physio.pk}")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="outcomes-{filters.start}-to-{filters.end}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(CSV_HEADINGS)
    writer.writerows(csv_rows(result, filters=chosen))
    detail = f"{filters.start} to {filters.end}; " + "; ".join(f"{k}: {v}" for k, v in chosen.items())
    record_for_clinic(
        request,
        clinic=request.staff_member.clinic,
        action=AuditAction.DOWNLOAD,
        target_type="outcomes table",
        detail=f"{detail}; {result.patients} patients",
    )
    return response
