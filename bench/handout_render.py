"""Benchmark: render the PDF handout of a 12-week plan with six exercise cards; print the median time per handout,
the peak memory, and the ratio to rendering a plain document with the same page count in the same run.

    /work/main/.venv/bin/python bench/handout_render.py [--runs 3] [--renders 5]

Each measurement runs in a fresh process (so peak memory is that process's own maximum resident set size, from
`resource.getrusage`): it sets Django up, renders once (the cold render, reported apart: it is what the first task
of a freshly forked Celery worker pays), then times `--renders` more. A handout is timed from the plain data to the
PDF bytes (`handout_context` and `render_handout`, as the Celery task will run them). The plain document has the
handout's text cut into as many pages, with no stylesheet, fonts, images or SVG.

Targets on the reference machine (2 vCPU): under 1 s per handout, under 250 MB peak, ratio under 2. A benchmark that
prints figures, not a test.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS, TARGET_MB, TARGET_RATIO = 1.0, 250, 2.0


class _Text(HTMLParser):
    """The words a reader sees in an HTML document (no SVG, no head)."""

    SKIP = {"svg", "head"}

    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIP

    def handle_endtag(self, tag):
        self.skipping -= tag in self.SKIP

    def handle_data(self, data):
        if not self.skipping:
            self.words += data.split()


def plain_document(html: str, pages: int) -> str:
    """The handout's words in `pages` equal parts, one part a page, with no styling beyond the page breaks."""
    parser = _Text()
    parser.feed(html)
    words = parser.words
    size = -(-len(words) // pages)
    parts = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    body = "".join(
        f'<p style="break-before: page">{part}</p>' if i else f"<p>{part}</p>" for i, part in enumerate(parts)
    )
    head = '<meta charset="utf-8"><title>Plain</title>'
    return f'<!DOCTYPE html><html lang="en"><head>{head}</head><body>{body}</body></html>'


def measure(kind: str, renders: int) -> dict:
    """In this (fresh) process: render `kind` once cold, then `renders` times; report times and peak memory."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.template.loader import render_to_string

    from plans.handouts import TEMPLATE, handout_context, render_handout
    from plans.pdf import render_pdf
    from tests.plans import handout_data

    arguments = handout_data.context_arguments()
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if kind == "handout":

        def render():
            return render_handout(handout_context(**arguments))

    else:
        handout = render_handout(handout_context(**arguments))
        html = plain_document(render_to_string(TEMPLATE, handout_context(**arguments)), handout.page_count)

        def render():
            return render_pdf(html)

    times, cpu_times = [], []
    for _ in range(renders + 1):
        start, cpu_start = time.perf_counter(), time.process_time()
        rendered = render()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    return {
        "cold": times[0],
        "times": times[1:],
        "cpu_times": cpu_times[1:],
        "pages": rendered.page_count,
        "cards": len(handout_context(**arguments)["exercise_cards"]),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "before_mb": before_kb / 1024,
    }


def measure_in_fresh_process(kind: str, renders: int) -> dict:
    command = [sys.executable, __file__, "--measure", kind, "--renders", str(renders)]  # this very script
    completed = subprocess.run(command, capture_output=True, check=True, text=True, cwd=ROOT)  # noqa: S603
    return json.loads(completed.stdout)


def summary(results: list[dict]) -> dict:
    return {
        "median": statistics.median(t for r in results for t in r["times"]),
        "cpu": statistics.median(t for r in results for t in r["cpu_times"]),
        "cold": statistics.median(r["cold"] for r in results),
        "pages": {r["pages"] for r in results},
        "cards": results[0]["cards"],
        "peak_mb": max(r["peak_mb"] for r in results),
        "before_mb": max(r["before_mb"] for r in results),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per kind of document")
    parser.add_argument("--renders", type=int, default=5, help="timed renders per process, after a cold one")
    parser.add_argument("--measure", choices=("handout", "plain"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(options.measure, options.renders)))
        return 0

    load_before = os.getloadavg()[0]
    results: dict[str, list] = {"handout": [], "plain": []}
    for _ in range(options.runs):  # alternate, so both kinds of document meet the same load on a shared machine
        for kind, measured in results.items():
            measured.append(measure_in_fresh_process(kind, options.renders))
    handout, plain = summary(results["handout"]), summary(results["plain"])
    ratio, cpu_ratio = handout["median"] / plain["median"], handout["cpu"] / plain["cpu"]
    n = options.runs * options.renders
    print(f"Load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} CPUs)")
    print(f"Handout: 12-week plan, {handout['cards']} exercise cards, {sorted(handout['pages'])} pages")
    print(f"  median {handout['median'] * 1000:.0f} ms over {n} renders, {handout['cpu'] * 1000:.0f} ms of CPU", end="")
    print(f" (the cold first render of a process: {handout['cold'] * 1000:.0f} ms)")
    print(f"  peak memory {handout['peak_mb']:.0f} MB ({handout['before_mb']:.0f} MB before the first render)")
    print(f"Plain document: {sorted(plain['pages'])} pages, median {plain['median'] * 1000:.0f} ms", end="")
    print(f", {plain['cpu'] * 1000:.0f} ms of CPU")
    print(f"Ratio handout / plain: {ratio:.2f} (CPU time: {cpu_ratio:.2f})")
    checks = {
        f"under {TARGET_SECONDS:g} s per handout": handout["median"] < TARGET_SECONDS,
        f"under {TARGET_MB} MB peak": handout["peak_mb"] < TARGET_MB,
        f"ratio under {TARGET_RATIO:g}": ratio < TARGET_RATIO,
        "same page count": handout["pages"] == plain["pages"],
    }
    for name, met in checks.items():
        print(f"  {'met' if met else 'MISSED'}: {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
