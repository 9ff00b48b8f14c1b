"""A physio opens the demo clinic's outcomes: the key figures with their counts, the two charts each with its table in
view, then one physiotherapist's patients only (the period and filters kept in the address), and downloads the table
as CSV (counts only, no name); on a phone the filters and cards stack, and the charts and tables scroll inside the
page, the charts opening at their axis."""

import csv
import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from portal.demo import DEMO_PASSWORD
from portal.demo_outcomes import HISTORIES

pytestmark = pytest.mark.e2e

PHYSIO = "physio@demo.runback.test"  # Alice Morgan (portal/demo.py)


@pytest.fixture
def demo_clinic(settings):
    """The demo clinic with its outcome histories (a few seconds: built through the services day by day)."""
    settings.DEMO_OUTCOME_HISTORIES = True
    call_command("seed_demo", "--force", stdout=None)


def sign_in_to_the_demo(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(PHYSIO)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()


def patients_counted(page: Page) -> int:
    text = page.locator("strong", has_text="Patients counted:").inner_text()
    return int(text.removeprefix("Patients counted:"))


def test_physio_reads_the_clinics_outcomes_filters_them_and_downloads_the_table(journey, demo_clinic):
    page = journey.new_page("desktop")
    sign_in_to_the_demo(page)
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", level=1)).to_be_visible()
    everyone = patients_counted(page)
    assert everyone >= len(HISTORIES)
    expect(page.get_by_role("term").filter(has_text="Ran 30 minutes without stopping")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="A median of")).to_be_visible()
    for heading in ("Questionnaires, from the intake to the latest follow-up", "Back to running"):
        section = page.get_by_role("region", name=heading)
        expect(section.locator("figure svg[role='img']")).to_be_visible()  # the chart, named by its title
        table = section.get_by_role("table")
        expect(table).to_be_visible()  # its numbers beside it, in view
        assert table.locator("tbody tr").count() >= 1
    scores = page.get_by_role("region", name="Questionnaires, from the intake to the latest follow-up")
    expect(scores.get_by_role("row", name="KOOS-PF", exact=False)).to_be_visible()
    journey.check(page, "the clinic's outcomes, desktop")

    page.get_by_label("Physiotherapist", exact=True).select_option(label="Alice Morgan")
    page.get_by_label("From", exact=True).fill("2000-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"start=2000-01-01.*physio=\d+"))
    expect(page.get_by_text("physiotherapist: Alice Morgan")).to_be_visible()
    alices = patients_counted(page)
    assert 0 < alices < everyone
    journey.check(page, "one physiotherapist's patients since 2000")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the table (CSV)").click()
    table = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0] == ["Section", "Figure", "Patients (n)", "Count", "Out of", "Percent", "Value"]
    assert ["Patients", "First plan issued in the period", str(alices), "", "", "", ""] in rows
    assert ["Period", "From", "", "", "", "", "2000-01-01"] in rows
    assert not any(history.first_name in table for history in HISTORIES)  # counts, never a name
    assert "Alice" not in table  # the physiotherapist by staff number

    phone = journey.new_page("phone")
    sign_in_to_the_demo(phone)
    phone.goto("/outcomes/")
    expect(phone.get_by_role("heading", name="Outcomes", level=1)).to_be_visible()
    width = phone.viewport_size["width"]
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= width  # the page itself does not scroll
    cards = phone.locator(".outcomes-key .card").all()
    assert all(card.bounding_box()["width"] > width * 0.8 for card in cards)  # stacked, one a row
    charts = phone.locator("figure.outcomes-chart")
    assert charts.evaluate_all("figures => figures.map(f => f.scrollLeft)") == [0, 0]  # open at the axis, not the end
    journey.check(phone, "the clinic's outcomes, phone")
