"""Pages of the ground floor that the apps above fill in: each app adds its section to the patient page (and to the
assessment page, which the plans extend), intake and the portal order the physio's patient list by what waits for
them, and the portal adds a badge beside each patient on the caseload (unread messages).

The apps register from their AppConfig.ready(), so the clinic never imports them (README "Architecture"). A
section's data is read by the view, through the app's selectors, before the template renders: no query hides in a
template tag, and the page's query-count tests count them all.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from clinic.models import Patient

# The pages with sections, and the keyword arguments their sections' data functions receive.
PATIENT_PAGE = "patient"  # patient, member
ASSESSMENT_PAGE = "assessment"  # assessment, member


@dataclass(frozen=True)
class Section:
    template: str
    data: Callable[..., dict | None]  # None: this section has nothing for this user


@dataclass(frozen=True)
class ShownSection:
    template: str
    data: dict


_sections: dict[str, list[Section]] = defaultdict(list)


def add_section(page: str, *, template: str, data: Callable[..., dict | None]) -> None:
    """Sections appear in the order they were added, which is the order of INSTALLED_APPS."""
    section = Section(template=template, data=data)
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
