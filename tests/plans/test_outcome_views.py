"""The outcomes page and its table to download: the figures of the small clinic of test_outcomes.py on the page and
in the CSV, charts that say what they show with their numbers beside them, filters that refuse what they cannot use,
the download in the clinic's audit trail, and the same number of queries for one patient or many."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from clinic.models import AuditAction, AuditEvent
from plans.outcomes import SMALL_GROUP
from tests.plans.outcome_factories import follow_up, logged, patient_on_a_plan, planned
from tests.plans.test_outcomes import PERIOD, TODAY, build_clinic

pytestmark = pytest.mark.django_db
PERIOD_QUERY = {"start": PERIOD.start.isoformat(), "end": PERIOD.end.isoformat()}


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(TODAY.isoformat() + " 12:00", tick=False)


@pytest.fixture
def small_clinic(clinic, physio, colleague_physio, frozen):
    build_clinic(clinic, physio, colleague_physio)
    return clinic


def table(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_page_shows_the_figures_with_their_counts(small_clinic, physio_client):
    response = physio_client.get(reverse("plans:outcomes"), PERIOD_QUERY)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Patients counted: 5</strong>" in page
    assert "3 of 5 <span" in page and "(60 %)" in page  # ran 30 minutes
    assert "A median of 6.0 weeks after the first plan (n = 3, few patients)" in page
    assert "16 of 22" in page and "(73 %)" in page  # sessions logged
    assert "1 red of 10 runs logged, n = 5 patients" in page and ">10.0<" in page
    assert "1 of 7" in page and "(14 %)" in page  # referrals
    # The questionnaires: three patients are too few for percentages, so the counts stand alone.
    assert "2 of 3 (too few for a percentage)" in page
    assert "<td>41.2</td><td>53.8</td><td>+12.6</td><td>16.4</td>" in page


def test_each_chart_says_what_it_shows_and_has_its_table_in_view(clinic, physio, physio_client, frozen):
    _grow(clinic, physio, SMALL_GROUP)
    page = physio_client.get(reverse("plans:outcomes"), PERIOD_QUERY).content.decode()
    for chart_id in ("outcome-scores", "outcome-weeks"):
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in page
        assert f'<title id="{chart_id}-title">' in page and f'<desc id="{chart_id}-desc">' in page
    assert "KOOS-PF: 5 of 5 (100 %) patients better, 0 of 5 (0 %) worse" in page
    assert "5 of 5 (100 %) patients ran 30 minutes without stopping, a median of 5.7 weeks" in page
    assert '<th scope="col">Full weeks since the first plan</th>' in page
    assert '<caption class="caption-top small text-body-secondary">Better or worse' in page
    assert "visually-hidden" not in page.split("</form>", 1)[-1]  # the tables are for everyone's eyes


def test_no_chart_of_scores_when_every_group_is_too_small_for_percentages(small_clinic, physio_client):
    page = physio_client.get(reverse("plans:outcomes"), PERIOD_QUERY).content.decode()
    assert "No chart: each score has too few patients for percentages. The counts are in the table." in page
    assert 'id="outcome-scores-title"' not in page and 'id="outcome-weeks-title"' in page


def test_the_page_opens_on_the_last_twelve_months(small_clinic, physio_client):
    response = physio_client.get(reverse("plans:outcomes"))
    outcomes = response.context["outcomes"]
    assert (outcomes.filters.start, outcomes.filters.end) == (TODAY - timedelta(days=364), TODAY)
    assert outcomes.patients == 6  # Fay's first plan, on 1 May, is in these twelve months
    chosen = physio_client.get(reverse("plans:outcomes"), {"postpartum": "yes"})  # the period left out: the default
    assert chosen.context["outcomes"].filters.start == TODAY - timedelta(days=364)
    assert f'value="{TODAY - timedelta(days=364):%Y-%m-%d}"' in chosen.content.decode()


def test_the_physio_finds_the_page_in_the_navigation(login_as, physio, front_desk):
    assert reverse("plans:outcomes") in login_as(physio.user).get(reverse("patient_list")).content.decode()
    assert reverse("plans:outcomes") not in login_as(front_desk.user).get(reverse("patient_list")).content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "yesterday"}, "start", "Enter the first day of the period as a date."),
        ({"end": "1999-12-31"}, "end", "Choose a day from 1 Jan 2000 to today"),
        ({"end": "9999-12-31"}, "end", "Choose a day from 1 Jan 2000 to today"),
        ({"start": "2026-10-01", "end": "2026-09-01"}, "end", "The period ends on or after the day it starts."),
        ({"physio": "999999999999999999999"}, "physio", "Choose one of the clinic’s physiotherapists"),
        ({"condition": "<b>x</b>"}, "condition", "Choose one of the conditions listed"),
        ({"postpartum": "maybe"}, "postpartum", "Choose everyone, or those who did or did not give birth."),
    ],
)
def test_a_filter_it_cannot_use_is_refused_beside_its_field(physio_client, query, field, message):
    response = physio_client.get(reverse("plans:outcomes"), query)
    assert response.status_code == 200 and "outcomes" not in response.context
    page = response.content.decode()
    assert message in page and f'id="id_{field}-error"' in page and 'aria-invalid="true"' in page
    assert "could not be counted" in page
    download = physio_client.get(reverse("plans:outcomes_csv"), query)
    assert download.status_code == 400 and message in download.content.decode()
    assert not AuditEvent.objects.exists()


def test_another_physios_patients_only_with_their_filter(small_clinic, physio_client, colleague_physio):
    page = physio_client.get(reverse("plans:outcomes"), {**PERIOD_QUERY, "physio": colleague_physio.pk})
    assert page.context["outcomes"].patients == 2
    assert "physiotherapist: Ben Adeyemi" in page.content.decode()


def test_another_clinics_physio_sees_none_of_these_patients(small_clinic, other_physio_client):
    response = other_physio_client.get(reverse("plans:outcomes"), PERIOD_QUERY)
    assert response.context["outcomes"].patients == 0
    assert "None of the patients counted has run 30 minutes" in response.content.decode()


def test_the_table_to_download_holds_the_figures_and_no_names(small_clinic, physio, physio_client):
    response = physio_client.get(reverse("plans:outcomes_csv"), PERIOD_QUERY)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="outcomes-2026-06-01-to-2026-12-01.csv"'
    rows = table(response)
    assert rows[0] == ["Section", "Figure", "Patients (n)", "Count", "Out of", "Percent", "Value"]
    by_figure = {row[1]: row[2:] for row in rows[1:]}
    assert by_figure["First plan issued in the period"] == ["5", "", "", "", ""]
    assert by_figure["KOOS-PF: knee activities score: better by at least 16.4"] == ["3", "2", "3", "", ""]
    assert by_figure["KOOS-PF: knee activities score: average at intake"] == ["3", "", "", "", "41.2"]
    assert by_figure["Ran 30 minutes without stopping"] == ["5", "3", "5", "60", ""]
    assert by_figure["Median weeks from the first plan"] == ["3", "", "", "", "6"]
    assert by_figure["Logged out of those planned"] == ["5", "16", "22", "73", ""]
    assert by_figure["Red runs per 100 runs"] == ["5", "1", "10", "", "10"]
    assert by_figure["Assessments that referred the patient on"] == ["7", "1", "7", "14", ""]
    words = set(re.findall(r"\w+", response.content.decode()))
    assert not words & {"Ann", "Bea", "Cat", "Dee", "Eve", "Fay", "Hal", "Alice", "Morgan", "Ben", "Adeyemi"}


def test_the_download_is_in_the_clinics_audit_trail_with_no_patients_data(small_clinic, physio, physio_client):
    physio_client.get(reverse("plans:outcomes"), PERIOD_QUERY)
    assert not AuditEvent.objects.exists()  # the page shows counts: no record was opened
    query = {**PERIOD_QUERY, "physio": physio.pk, "postpartum": "yes"}
    assert physio_client.get(reverse("plans:outcomes_csv"), query).status_code == 200
    event = AuditEvent.objects.get()
    assert (event.clinic_id, event.patient_id, event.actor, event.action) == (
        small_clinic.pk,
        None,
        physio.user,
        AuditAction.DOWNLOAD,
    )
    assert event.target_type == "outcomes table"
    assert event.detail == (
        "2026-06-01 to 2026-12-01; Physiotherapist: Staff number "
        f"{physio.pk}; Condition: All conditions; After a birth: Gave birth in the two years before; 1 patients"
    )


def _grow(clinic, physio, count):
    for n in range(count):
        plan = patient_on_a_plan(clinic, physio, issued=PERIOD.start + timedelta(days=n), scores={"koos_pf": 40.0})
        follow_up(plan.patient, PERIOD.start + timedelta(days=n + 30), {"koos_pf": 60.0})
        day = PERIOD.start + timedelta(days=n + 40)
        planned(plan, day)
        logged(plan, day, level=7, planned_run_min=30)


@pytest.mark.parametrize("patients", [1, 20])
def test_the_page_and_the_table_take_the_same_queries_for_one_patient_or_twenty(
    patients, clinic, physio, physio_client, frozen, django_assert_max_num_queries
):
    _grow(clinic, physio, patients)
    physio_client.get(reverse("plans:outcomes"), PERIOD_QUERY)  # the session, warm
    # Signed in (session, user, clinic role), the request's savepoint and its release, the physios for the filter,
    # then the figures: the patients counted, questionnaires, back to running, planned sessions, logged sessions,
    # referrals.
    with django_assert_max_num_queries(12):
        response = physio_client.get(reverse("plans:outcomes"), PERIOD_QUERY)
    assert response.context["outcomes"].patients == patients
    with django_assert_max_num_queries(13):  # and the audit event
        physio_client.get(reverse("plans:outcomes_csv"), PERIOD_QUERY)


def test_figures_counted_a_moment_ago_are_shown_again_until_the_next_count(small_clinic, physio, physio_client,
                                                                          time_machine, settings):  # fmt: skip
    settings.OUTCOMES_RECOUNT_MINUTES = 10
    first = physio_client.get(reverse("plans:outcomes"), PERIOD_QUERY)
    assert "counted at 12:00 and counted again every 10 minutes" in first.content.decode()
    patient_on_a_plan(small_clinic, physio, issued=PERIOD.start)  # one more patient counted, from now on
    time_machine.shift(timedelta(minutes=5))
    again = physio_client.get(reverse("plans:outcomes"), PERIOD_QUERY)
    assert again.context["outcomes"].patients == first.context["outcomes"].patients == 5
    assert "counted at 12:00" in again.content.decode()
    time_machine.shift(timedelta(minutes=5))
    recounted = physio_client.get(reverse("plans:outcomes"), PERIOD_QUERY)
    assert recounted.context["outcomes"].patients == 6 and "counted at 12:10" in recounted.content.decode()


def test_figures_kept_for_one_clinic_or_filter_are_never_shown_for_another(small_clinic, physio, other_physio,
                                                                           login_as):  # fmt: skip
    assert login_as(physio.user).get(reverse("plans:outcomes"), PERIOD_QUERY).context["outcomes"].patients == 5
    theirs = login_as(other_physio.user).get(reverse("plans:outcomes"), PERIOD_QUERY)
    assert theirs.context["outcomes"].patients == 0
    postpartum = login_as(physio.user).get(reverse("plans:outcomes"), {**PERIOD_QUERY, "postpartum": "no"})
    assert postpartum.context["outcomes"].patients < 5
