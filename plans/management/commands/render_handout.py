"""Render a patient handout to a PDF file, through the same code as the background task.

python manage.py render_handout --sample [--paper a4|letter] --out FILE.pdf
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.handouts import PAPERS, render_handout
from plans.samples import sample_handout_context


class Command(BaseCommand):
    help = "Render a patient handout to a PDF file (for now the sample handout of a 12-week plan)."

    def add_arguments(self, parser):
        parser.add_argument("--sample", action="store_true", help="the sample handout: a made-up patient's plan")
        parser.add_argument("--paper", choices=PAPERS, default="a4", help="paper size (default a4)")
        parser.add_argument("--out", type=Path, required=True, help="the PDF file to write")

    def handle(self, *, sample, paper, out, **options):
        if not sample:
            raise CommandError("say which handout: --sample")
        context = sample_handout_context(paper=paper)
        rendered = render_handout(context)
        out.write_bytes(rendered.pdf)
        self.stdout.write(f"Wrote {out}: {rendered.page_count} pages, {len(rendered.pdf) // 1024} KB")
        for url in rendered.refused:
            self.stderr.write(f"Left out a resource the renderer refused: {url}")
