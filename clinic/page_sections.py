"""Pages of the ground floor that the apps above fill in: each app adds its section to the patient page (and to the
assessment page, which the plans extend), intake and the portal order the physio's patient list by what waits for
them, and the portal adds a badge beside each patient on the caseload (unread messages).

The apps register from their AppConfig.ready(), so the clinic never imports them (README "Architecture"). A
section's data is read by the view, through the app's selectors, before the template renders: no query hides in a
template tag, and the page's query-count tests count them all.

The patient page's sections name the records they show (`records`), so that on PostgreSQL they are kept rendered in
the page cache for each state of those records (clinic.page_cache.records_state), and read and rendered again only
when one changes.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from clinic.models import Clinic, Patient, StaffMember
from clinic.page_cache import cached, records_state
from clinic.site import site_url

# The pages with sections, and the keyword arguments their sections' data functions receive.
PATIENT_PAGE = "patient"  # patient, member
ASSESSMENT_PAGE = "assessment"  # assessment, member


@dataclass(frozen=True)
class Section:
    template: str
    data: Callable[..., dict | None]  # None: this section has nothing for this user
    # The patient page's: records(patient_id) gives querysets of every row the section shows (a superset will do),
    # and changes_at(data) when the section, shown from this data, changes with the clock alone (a link expiring).
    records: Callable[[int], list[QuerySet]] | None = None
    changes_at: Callable[[dict], datetime | None] | None = None


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
    changes_at: Callable[[dict], datetime | None] | None = None,
) -> None:
    """Sections appear in the order they were added, which is the order of INSTALLED_APPS."""
    section = Section(template=template, data=data, records=records, changes_at=changes_at)
    if section not in _sections[page]:
        _sections[page].append(section)


def sections_for(page: str, **objects) -> list[ShownSection]:
    """Each section of `page` with its data for these objects, leaving out those with nothing to show."""
    return [ShownSection(template=section.template, data=data) for section, data in _with_data(page, **objects)]


def _with_data(page: str, **objects) -> Iterator[tuple[Section, dict]]:
    for section in _sections[page]:
        data = section.data(**objects)
        if data is not None:
            yield section, data


def patient_page_sections(*, request: HttpRequest, patient: Patient, member: StaffMember) -> SafeString:
    """The patient page's sections, rendered: from the page cache while the rows they show are as they were when
    the page was last shown to this member today (one query), otherwise read and rendered afresh.

    Kept as HTML with a stand-in for the CSRF token of their forms, which each request puts its own token in place of.
    Besides the rows (their state), a section may show only what the key names: the reader (a physiotherapist sees
    clinical data and their own messages as theirs), the day (what is due) and the site's address (the intake link);
    or what changes with the clock at a moment it names (`changes_at`: a link expiring), after which it is rendered
    again."""
    sections = _sections[PATIENT_PAGE]

    def render() -> KeptSections:
        context = {"patient": patient, "user": request.user, "csrf_token": _csrf_stand_in()}
        html, changes = [], []
        for section, data in _with_data(PATIENT_PAGE, patient=patient, member=member):
            html.append(render_to_string(section.template, {**context, **data}))
            changes.append(section.changes_at(data) if section.changes_at else None)
        return KeptSections("".join(html), min((at for at in changes if at is not None), default=None))

    state = (
        records_state(PATIENT_PAGE, patient_page_records, patient_id=patient.pk, clinic_id=patient.clinic_id)
        if all(section.records for section in sections)
        else None
    )
    if state is None:
        kept = render()
    else:
        # Rendered after the state is read, so nothing kept under a state is older than it.
        key = {
            "reader": [member.pk, member.role, request.user.pk],
            "clinic": patient.clinic_id,
            "patient": [patient.pk, patient.created_at],
            "records": state,
            "today": timezone.localdate(),
            "site": site_url(),
            # A new secret key signs the links and the stand-in anew (hashed into the key with the rest).
            "secret": _csrf_stand_in(),
        }
        kept = cached("patient-sections", key, render, expired=KeptSections.out_of_date)
    return mark_safe(kept.html.replace(_csrf_stand_in(), get_token(request)))  # noqa: S308 - rendered with autoescape


@dataclass(frozen=True)
class KeptSections:
    html: str
    changes_at: datetime | None  # the first moment a section changes with the clock alone

    def out_of_date(self) -> bool:
        return self.changes_at is not None and timezone.now() >= self.changes_at


@cache
def _csrf_stand_in() -> str:
    """What the kept sections hold in place of the CSRF token: derived from the secret key, so that no text anyone
    types can be taken for it, and the same in every process that shares the page cache."""
    return hashlib.sha256(f"runback-csrf-stand-in:{settings.SECRET_KEY}".encode()).hexdigest()


def patient_page_records(*, patient_id: int, clinic_id: int) -> list[QuerySet]:
    """The rows the patient page's sections show: the patient, their clinic (its name), the clinic's staff whose
    names they show (who sent a link, saved a draft, wrote a message), the patient's portal account, and each
    section's own."""
    own = [
        Patient.objects.filter(pk=patient_id),
        Clinic.objects.filter(pk=clinic_id),
        *staff_records(clinic_id),
        get_user_model().objects.filter(patient=patient_id),
    ]
    return own + [records for section in _sections[PATIENT_PAGE] for records in section.records(patient_id)]


def staff_records(clinic_id: int) -> list[QuerySet]:
    """The clinic's staff and their accounts, among the records of a kept page that names them (who sent a link,
    issued a revision, wrote a message): a renamed colleague is then named anew."""
    return [
        StaffMember.objects.filter(clinic=clinic_id),
        get_user_model().objects.filter(staffmember__clinic=clinic_id),
    ]


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
