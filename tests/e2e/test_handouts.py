"""The front desk prints a patient's handout from her plan page, watches another one finish on the print queue
without reloading, downloads the PDF, and prints two handouts together as one PDF."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans.handouts import services as handout_services
from plans.models import Handout, HandoutBatch
from tests.plans.pdftext import pdf_info, pdf_pages
from tests.plans.plan_factories import issued_plan, load_shipped_library

pytestmark = pytest.mark.e2e


def downloaded_pdf(page, link) -> bytes:
    with page.expect_download() as download:
        link.click()
    return Path(download.value.path()).read_bytes()


def test_front_desk_prints_handouts_from_the_plan_page_and_the_queue(
    journey, sign_in, front_desk, physio, patient, other_patient
):
    load_shipped_library()
    emma, hannah = issued_plan(patient, weeks=4), issued_plan(other_patient, weeks=4)
    # Hannah's physio asked for hers a moment ago; the print service has it but has not started yet.
    waiting = Handout.objects.create(
        revision=hannah.current_revision, paper="a4", requested_by=physio.user, dispatched_at=timezone.now()
    )

    page = journey.new_page("desktop")
    sign_in(page, front_desk.user)
    page.goto(emma.get_absolute_url())
    journey.check(page, "plan page")
    page.get_by_label("US Letter").check()
    page.get_by_role("button", name="Print handout").click()

    expect(page.get_by_role("heading", name="Print queue", level=1)).to_be_visible()
    handout = Handout.objects.get(revision=emma.current_revision)
    emma_row, hannah_row = page.locator(f"#handout-{handout.pk}"), page.locator(f"#handout-{waiting.pk}")
    expect(emma_row).to_contain_text("Ready")  # tasks run in the web process here: it was made during the request
    expect(hannah_row).to_contain_text("Waiting")
    journey.check(page, "queue")

    # The worker makes Hannah's handout while the page is open: her row follows, without a reload.
    page.evaluate("() => { window.sameDocument = true; }")
    claimed = handout_services.print_job_claim(Handout, pk=waiting.pk, task_id="worker")
    handout_services.handout_render(handout=claimed)
    expect(hannah_row).to_contain_text("Ready", timeout=15_000)
    expect(hannah_row.get_by_role("link", name=re.compile("^Download PDF"))).to_be_visible()
    expect(page.locator("#print-live")).to_have_text("Hannah Okafor’s handout (A4) is ready to download.")
    assert page.evaluate("() => window.sameDocument") is True
    journey.check(page, "made while watching")

    pdf = downloaded_pdf(page, emma_row.get_by_role("link", name=re.compile("^Download PDF")))
    assert "Emma Clarke" in pdf_pages(pdf)[0]
    assert pdf_info(pdf)["Page size"].startswith("612 x 792 pts (letter)")

    page.get_by_label("Print Emma Clarke’s handout with others").check()
    page.get_by_label("Print Hannah Okafor’s handout with others").check()
    page.get_by_label("Paper size").select_option(label="A4")
    page.get_by_role("button", name="Print ticked handouts together").click()
    batch = HandoutBatch.objects.get()
    expect(page.locator(f"#batch-{batch.pk}")).to_contain_text("Ready")
    expect(page.get_by_role("status").first).to_contain_text("The 2 handouts are in the queue to print together")
    journey.check(page, "printed together")
    together = pdf_pages(downloaded_pdf(page, page.locator(f"#batch-{batch.pk}").get_by_role("link")))
    covers = [text for text in together if "In this booklet" in text]
    assert len(covers) == 2 and "Emma Clarke" in covers[0] and "Hannah Okafor" in covers[1]

    page.set_viewport_size({"width": 375, "height": 812})
    journey.check(page, "queue on a phone")
