"""The physio's caseload: their patients on a plan, with adherence and what needs attention."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from clinic.access import physio_required
from clinic.forms import CaseloadFilterForm
from clinic.selectors import SCOPE_MINE
from plans.adherence import RECENT_DAYS
from plans.caseload import caseload_for_staff


@physio_required
@require_GET
def caseload(request):
    """The physio's patients on a plan: adherence, last log, recent traffic lights, those needing attention first."""
    member = request.staff_member
    filters = CaseloadFilterForm(request.GET or None, initial={"scope": SCOPE_MINE})
    scope = (filters.cleaned_data["scope"] if filters.is_valid() else "") or SCOPE_MINE
    rows = caseload_for_staff(member=member, scope=scope, today=timezone.localdate())
    return render(
        request,
        "plans/caseload.html",
        {"rows": rows, "filters": filters, "scope": scope, "recent_days": RECENT_DAYS},
    )
