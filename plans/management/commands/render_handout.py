"""Render a patient handout to a PDF file, synchronously, through the same code as the background task.

python manage.py render_handout PLAN_ID [--revision N] [--paper a4|letter] --out FILE.pdf
python manage.py render_handout --sample [--paper a4|letter] --out FILE.pdf
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.handouts.content import PAPERS, HandoutError, render_handout
from plans.handouts.samples import sample_handout_context
from plans.handouts.selectors import handout_context_for, revision_for_handout
from plans.models import HandoutSettings, Plan, PlanRevision


class Command(BaseCommand):
    help = "Render a plan's handout (or the sample handout) to a PDF file, as the background task does."

    def add_arguments(self, parser):
        parser.add_argument("plan_id", nargs="?", type=int, help="the plan whose handout to render")
        parser.add_argument("--revision", type=int, help="the revision number (default: the plan's current revision)")
        parser.add_argument("--sample", action="store_true", help="the sample handout: a made-up patient's plan")
        parser.add_argument("--paper", choices=PAPERS, help="paper size (default: the clinic's; a4 for the sample)")
        parser.add_argument("--out", type=Path, required=True, help="the PDF file to write")

    def handle(self, *, plan_id, revision, sample, paper, out, **options):
        if sample == (plan_id is not None):
            raise CommandError("say which handout: a plan id, or --sample")
        if sample:
            context = sample_handout_context(paper=paper or "a4")
        else:
            chosen = self.revision(plan_id, revision)
            paper = paper or HandoutSettings.for_clinic(chosen.plan.patient.clinic).paper_size
            try:
                context = handout_context_for(revision=chosen, paper=paper)
            except HandoutError as error:
                raise CommandError(f"plan {plan_id} cannot make a handout: {error}") from error
        rendered = render_handout(context)
        out.write_bytes(rendered.pdf)
        self.stdout.write(f"Wrote {out}: {rendered.page_count} pages, {len(rendered.pdf) // 1024} KB")
        for url in rendered.refused:
            self.stderr.write(f"Left out a resource the renderer refused: {url}")

    def revision(self, plan_id: int, number: int | None) -> PlanRevision:
        plan = Plan.objects.filter(pk=plan_id).first()
        if plan is None:
            raise CommandError(f"there is no plan {plan_id}")
        number = number or (plan.current_revision.number if plan.current_revision_id else None)
        if number is None:
            raise CommandError(f"plan {plan_id} has not been issued: it has no revision to print")
        revision = plan.revisions.filter(number=number).values_list("pk", flat=True).first()
        if revision is None:
            raise CommandError(f"plan {plan_id} has no revision {number}")
        return revision_for_handout(revision_id=revision)
