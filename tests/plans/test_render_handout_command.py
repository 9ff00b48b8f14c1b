"""`manage.py render_handout`: a plan's handout, or the sample handout, through the same code as the background
task."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from plans.handouts import services as handout_services
from plans.handouts.samples import SAMPLE_PATIENT, sample_handout_context
from plans.models import Handout, HandoutSettings, Plan
from tests.plans.handout_factories import more_revisions
from tests.plans.pdftext import pdf_info, pdf_pages
from tests.plans.plan_factories import draft_plan, issued_plan


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


@pytest.mark.parametrize("arguments", [[], ["7", "--sample"]])
def test_render_handout_needs_to_be_told_which_handout(tmp_path, arguments):
    with pytest.raises(CommandError, match="say which handout: a plan id, or --sample"):
        call_command("render_handout", *arguments, "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen", "shipped_library")
def test_render_handout_of_a_plan_prints_its_current_revision_on_the_clinics_paper(tmp_path, patient, clinic, capsys):
    HandoutSettings.objects.create(clinic=clinic, paper_size="letter")
    plan = issued_plan(patient, weeks=4)
    newer = more_revisions(plan, 1)[0]
    Plan.objects.filter(pk=plan.pk).update(current_revision=newer)
    out = tmp_path / "plan.pdf"
    call_command("render_handout", str(plan.pk), "--out", str(out))
    pdf = out.read_bytes()
    pages = pdf_pages(pdf)
    assert capsys.readouterr().out == f"Wrote {out}: {len(pages)} pages, {len(pdf) // 1024} KB\n"
    assert pdf_info(pdf)["Page size"].startswith("612 x 792 pts (letter)")
    assert "Emma Clarke" in pages[0] and "revision 2" in pages[0]
    # and it is the very PDF the background task stores for that revision and paper
    handout = Handout.objects.create(revision=newer, paper="letter")
    handout_services.print_job_claim(Handout, pk=handout.pk, task_id="t")
    handout_services.handout_render(handout=Handout.objects.get(pk=handout.pk))
    assert pdf_pages(Handout.objects.get(pk=handout.pk).verified_pdf()) == pages


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen", "shipped_library")
def test_render_handout_of_a_chosen_revision_and_paper(tmp_path, patient):
    plan = issued_plan(patient, weeks=4)
    more_revisions(plan, 1)
    out = tmp_path / "plan.pdf"
    call_command("render_handout", str(plan.pk), "--revision", "1", "--paper", "a4", "--out", str(out))
    pdf = out.read_bytes()
    assert pdf_info(pdf)["Page size"].startswith("595.276 x 841.89 pts (A4)")
    assert "revision 1" in pdf_pages(pdf)[0]


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen", "shipped_library")
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["999"], "there is no plan 999"),
        (["{plan}", "--revision", "5"], "plan {plan} has no revision 5"),
        (["{draft}"], "plan {draft} has not been issued: it has no revision to print"),
    ],
)
def test_render_handout_says_what_it_cannot_print(tmp_path, patient, other_patient, arguments, message):
    plans = {"plan": issued_plan(patient, weeks=4).pk, "draft": draft_plan(other_patient).pk}
    with pytest.raises(CommandError, match=message.format(**plans)):
        call_command("render_handout", *(a.format(**plans) for a in arguments), "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
