"""Pages of the ground floor that the apps above fill in: each app adds its section to the patient page (and to the
assessment page, which the plans extend), intake and the portal order the physio's patient list by what waits for
them, and the portal adds a badge beside each patient on the caseload (unread messages).

The apps register from their AppConfig.ready(), so the clinic never imports them (README "Architecture"). A
section's data is read by the view, through the app's selectors, before the template renders: no query hides in a
template tag, and the page's query-count tests count them all.

The patient page's sections name the records they read (`records`), so that on PostgreSQL their data is kept in the
page cache for each state of those records (clinic.page_cache.records_state) and read again only when one changes.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from clinic.models import Patient, StaffMember
from clinic.page_cache import cached, records_state

# The pages with sections, and the keyword arguments their sections' data functions receive.
PATIENT_PAGE = "patient"  # patient, member
ASSESSMENT_PAGE = "assessment"  # assessment, member


@dataclass(frozen=True)
class Section:
    template: str
    data: Callable[..., dict | None]  # None: this section has nothing for this user
    # The patient page's: records(patient_id) gives querysets of every row `data` reads (a superset will do).
    records: Callable[[int], list[QuerySet]] | None = None
    # The patient page's: what the section adds to its data on every request, never cached (its forms):
    # fresh(data, **objects).
    fresh: Callable[..., dict] | None = None


@dataclass(frozen=True)
class ShownSection:
    template: str
    data: dict


_sections: dict[str, list[Section]] = defaultdict(list)


def add_section(
    page: str,
    *,
    template: str,
    data: Callable[..., dict | None],
    records: Callable[[int], list[QuerySet]] | None = None,
    fresh: Callable[..., dict] | None = None,
) -> None:
    """Sections appear in the order they were added, which is the order of INSTALLED_APPS."""
    section = Section(template=template, data=data, records=records, fresh=fresh)
    if section not in _sections[page]:
        _sections[page].append(section)


def sections_for(page: str, **objects) -> list[ShownSection]:
    """Each section of `page` with its data for these objects, leaving out those with nothing to show."""
    shown = []
    for section in _sections[page]:
        data = section.data(**objects)
        if data is not None:
            shown.append(ShownSection(template=section.template, data=data))
    return shown


def patient_page_sections(*, patient: Patient, member: StaffMember) -> list[ShownSection]:
    """The patient page's sections: from the page cache while the records they read are as they were when the
    page was last shown to a member of this role today (one query), otherwise read afresh."""
    sections = _sections[PATIENT_PAGE]

    def read() -> list[ShownSection]:
        return sections_for(PATIENT_PAGE, patient=patient, member=member)

    state = (
        records_state(PATIENT_PAGE, patient_page_records, patient_id=patient.pk, clinic_id=patient.clinic_id)
        if all(section.records for section in sections)
        else None
    )
    if state is None:
        shown = read()
    else:
        # Read after the state, so nothing kept under a state is older than it. Today: what is due changes with it.
        key = {
            "role": member.role,
            "clinic": patient.clinic_id,
            "patient": [patient.pk, patient.created_at],
            "records": state,
            "today": timezone.localdate(),
        }
        shown = cached("patient-sections", key, read)
    fresh = {section.template: section.fresh for section in sections if section.fresh}
    return [
        ShownSection(
            template=each.template,
            data={**each.data, **fresh[each.template](each.data, patient=patient, member=member)},
        )
        if each.template in fresh
        else each
        for each in shown
    ]


def patient_page_records(*, patient_id: int, clinic_id: int) -> list[QuerySet]:
    """The rows the patient page's sections read: the patient, the clinic's staff whose names they show (who sent
    a link, saved a draft, wrote a message), the patient's portal account, and each section's own."""
    users = get_user_model().objects
    own = [
        Patient.objects.filter(pk=patient_id),
        StaffMember.objects.filter(clinic=clinic_id),
        users.filter(staffmember__clinic=clinic_id),
        users.filter(patient=patient_id),
    ]
    return own + [records for section in _sections[PATIENT_PAGE] for records in section.records(patient_id)]


@dataclass(frozen=True)
class ListOrder:
    """An order of the patient list for clinicians: the Patient fields it sorts by (kept on the patient by the app
    that registers it, and in Patient's indexes of the list, so that a page of the list is read straight off an
    index whatever the clinic's size) and the badge that shows the reason beside each name.

    `badge(patient)` gives the badge's HTML, escaped (format_html or a rendered template), or "" for a patient
    without one. A function rather than a template the list includes: it runs for every row of every page, where
    an {% include %} cost as much as the rest of the row, even for the rows without a badge."""

    order_by: tuple[str, ...]
    badge: Callable[[Patient], str]


_list_orders: list[ListOrder] = []


def add_list_order(order: ListOrder) -> None:
    if order not in _list_orders:
        _list_orders.append(order)


def ordered_for_clinicians(patients: QuerySet) -> QuerySet:
    """The patient list as a physiotherapist sees it: what waits for them first, then by name."""
    order_by = [field for order in _list_orders for field in order.order_by]
    return patients.order_by(*order_by, "last_name", "first_name", "pk")


def list_badges(patient: Patient) -> str:
    """The HTML of the badges beside a patient on the clinicians' list, in the order of the list's orders, each
    after a space."""
    badges = [conditional_escape(badge) for order in _list_orders if (badge := order.badge(patient))]
    # Joined here, for a fraction of what format_html_join costs on every row.
    return mark_safe("".join(f" {badge}" for badge in badges))  # noqa: S308 - each escaped, or HTML already


# Lists of patients whose rows the apps above add a badge to.
CASELOAD = "caseload"


@dataclass(frozen=True)
class Badge:
    """A badge beside each patient of a list: `data(patient_ids)` reads the whole list's in one query and returns
    {patient id: the template's data} for the patients who have one."""

    template: str
    data: Callable[[list[int]], dict[int, dict]]


_badges: dict[str, list[Badge]] = defaultdict(list)


def add_badge(page: str, *, template: str, data: Callable[[list[int]], dict[int, dict]]) -> None:
    badge = Badge(template=template, data=data)
    if badge not in _badges[page]:
        _badges[page].append(badge)


def badges_for(page: str, patient_ids: list[int]) -> dict[int, list[ShownSection]]:
    """{patient id: their badges on `page`, to render like sections}, for the patients who have any."""
    shown: dict[int, list[ShownSection]] = defaultdict(list)
    for badge in _badges[page]:
        for patient_id, data in badge.data(patient_ids).items():
            shown[patient_id].append(ShownSection(template=badge.template, data=data))
    return dict(shown)
