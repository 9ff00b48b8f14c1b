"""`manage.py render_handout`: the sample handout through the same code as the background task."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from plans.samples import SAMPLE_PATIENT, sample_handout_context
from tests.plans.pdftext import pdf_info, pdf_pages


def test_render_handout_sample_writes_the_pdf_of_a_built_12_week_plan(tmp_path, capsys):
    out = tmp_path / "sample.pdf"
    call_command("render_handout", "--sample", "--paper", "letter", "--out", str(out))
    pdf = out.read_bytes()
    pages = pdf_pages(pdf)
    assert capsys.readouterr().out == f"Wrote {out}: {len(pages)} pages, {len(pdf) // 1024} KB\n"
    assert pdf_info(pdf)["Page size"].startswith("612 x 792 pts (letter)")
    assert SAMPLE_PATIENT in pages[0]
    context = sample_handout_context(paper="letter")
    assert context["week_count"] == 12
    text = " ".join(pages)
    for card in context["exercise_cards"]:
        assert card["name"] in text


def test_sample_handout_is_dated_from_the_day_it_is_printed():
    context = sample_handout_context(today=date(2027, 3, 1))
    assert (context["issued_on"], context["plan_start"], context["plan_end"]) == (
        date(2027, 3, 1),
        date(2027, 3, 2),
        date(2027, 5, 24),
    )


def test_render_handout_needs_to_be_told_which_handout(tmp_path):
    with pytest.raises(CommandError, match="say which handout: --sample"):
        call_command("render_handout", "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
