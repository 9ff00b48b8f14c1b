from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.html import escape

from plans.library.exercises import LIBRARY_PATH, load_library_file
from plans.library.figures import render_figure

PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Exercise figures {version}</title></head>
<body>
<h1>Exercise figures, library {version}</h1>
{figures}
</body></html>
"""


def refuse_fetching(url, *args, **kwargs):
    raise ValueError(f"The figures page loads nothing from outside: {url}")


class Command(BaseCommand):
    help = "Draw every figure of an exercise library file into one HTML page (and a PDF) to check them by eye."

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=LIBRARY_PATH, help="Library file (default: the shipped one).")
        parser.add_argument("--out", type=Path, required=True, help="HTML page to write.")
        parser.add_argument("--pdf", type=Path, help="Also print the page to this PDF with WeasyPrint.")

    def handle(self, *args, path: Path, out: Path, pdf: Path | None, **options):
        version, specs = load_library_file(path)
        figures = "\n".join(
            f"<section><h2>{escape(spec.name)} <small>({escape(spec.slug)})</small></h2>"
            f"{render_figure(spec.figure, title=spec.name)}</section>"
            for spec in specs
            if spec.figure
        )
        html = PAGE.format(version=escape(version), figures=figures)
        out.write_text(html, encoding="utf-8")
        self.stdout.write(f"Wrote {len(specs)} exercises to {out}")
        if pdf:
            from weasyprint import CSS, HTML

            style = CSS(string="svg { width: 12cm; } section { break-inside: avoid; }")
            HTML(string=html, url_fetcher=refuse_fetching).write_pdf(pdf, stylesheets=[style])
            self.stdout.write(f"Printed them to {pdf}")
