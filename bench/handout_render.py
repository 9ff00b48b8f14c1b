"""Benchmark: render the PDF handout of a 12-week plan with six exercise cards; print the median time per handout,
the peak memory, and its ratio to two plain documents of the same page count rendered in the same run.

    .venv/bin/python bench/handout_render.py [--runs 3] [--renders 5]

Each measurement runs in a fresh process (so peak memory is that process's own maximum resident set size, from
`resource.getrusage`): it sets Django up, warms the renderer up as a Celery worker process does when it starts
(plans.handouts.warmup: the sample handout rendered once, the heap frozen), renders once (the first render of a
worker process, reported apart: it should take no longer than the median), then times `--renders` more. Every kind
of document is measured after the same warm-up, so the ratios compare like with like. A handout is timed from the
plain data to the PDF bytes (`handout_context` and `render_handout`, as the Celery task runs them). The two baselines:

(a) words: the handout's words as plain paragraphs, cut into as many pages: what WeasyPrint costs for the text
    alone;
(b) markup: the handout's own HTML (every section, table and card) without its stylesheet, drawings (SVG) or
    images: the difference to the handout is what the styling, fonts and pictures cost.

Targets on the reference machine (2 vCPU): under 1 s per handout, under 250 MB peak, at most 4 times baseline (a)
(the handout's words as plain paragraphs), and the first render of a worker process no slower than the median (within
10 %: one render against a median of many). The exit status is 0 when these are met and baseline (a) has the
handout's page count; the ratio to (b) is printed for information. A benchmark that prints figures, not a test.

    .venv/bin/python bench/handout_render.py --instructions

counts instead the machine instructions of one render of each document (valgrind's callgrind, which counts every
instruction the process runs, Python's and the C libraries': the same figure on every run of the same code), and
prints the same ratios in instructions. On a shared machine the times move with other people's work (the ratio to
(a) has moved from 4.8 to 9.0 in an hour with nothing changed), the counts do not: use them to tell whether a change
made the handout cheaper. They are not the target, which is in time; a render that misses the processor's caches
more takes longer for as many instructions. Each count is two runs of a fresh process under callgrind (warm-up and
one render, then the same and one more) and their difference: a few minutes, two at a time.
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS, TARGET_MB, TARGET_RATIO, FIRST_RENDER_SLACK = 1.0, 250, 4.0, 1.10


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


def bare_markup(html: str) -> str:
    """The handout's own markup without its drawings (SVG) and images; it has no stylesheet of its own (the renderer
    applies handout.css), so this renders with the browser defaults only."""
    return re.sub(r"<img\b[^>]*>", "", re.sub(r"<svg\b.*?</svg>", "", html, flags=re.DOTALL))


BASELINES = {
    "words": "(a) the handout's words as plain paragraphs",
    "markup": "(b) the handout's markup without stylesheet, drawings or images",
}


def measure(kind: str, renders: int) -> dict:
    """In this (fresh) process: warm up, render `kind` once, then `renders` times; report times and peak memory."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.template.loader import render_to_string

    from plans.handouts.content import TEMPLATE, handout_context, render_handout
    from plans.handouts.pdf import render_pdf
    from plans.handouts.warmup import warm_up
    from tests.plans import handout_data

    arguments = handout_data.context_arguments()
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if kind == "handout":

        def render():
            return render_handout(handout_context(**arguments))

    else:
        handout = render_handout(handout_context(**arguments))
        full = render_to_string(TEMPLATE, handout_context(**arguments))
        html = plain_document(full, handout.page_count) if kind == "words" else bare_markup(full)

        def render():
            return render_pdf(html)

    warm_up_seconds = warm_up()
    times, cpu_times = [], []
    for _ in range(renders + 1):
        start, cpu_start = time.perf_counter(), time.process_time()
        rendered = render()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    return {
        "warm_up": warm_up_seconds,
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


def instructions_of_a_render(kind: str) -> int:
    """The instructions one render of `kind` runs, after the warm-up: the count of a process that renders twice less
    that of one that renders once (the same set-up, warm-up and first render in both)."""

    def count(renders: int) -> int:
        with tempfile.TemporaryDirectory() as folder:
            command = [
                *("valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out"),
                *(sys.executable, __file__, "--measure", kind, "--renders", str(renders)),
            ]
            # One hash seed for every process: sets and dicts of strings then iterate alike, and so count alike.
            environment = {**os.environ, "PYTHONHASHSEED": "0"}
            completed = subprocess.run(  # noqa: S603
                command, capture_output=True, check=True, text=True, cwd=ROOT, env=environment
            )
        return int(re.search(r"Collected : (\d+)", completed.stderr).group(1))

    with ThreadPoolExecutor(max_workers=2) as pool:
        once, twice = pool.map(count, (0, 1))
    return twice - once


def print_instructions() -> int:
    if not shutil.which("valgrind"):
        print("--instructions needs valgrind (Debian: apt-get install valgrind)")
        return 1
    counts = {kind: instructions_of_a_render(kind) for kind in ("handout", *BASELINES)}
    print(f"Instructions of one render, counted by callgrind: handout {counts['handout'] / 1e6:,.0f} million")
    for kind, label in BASELINES.items():
        print(f"Baseline {label}: {counts[kind] / 1e6:,.0f} million")
        print(f"  ratio handout / baseline {kind}, in instructions: {counts['handout'] / counts[kind]:.2f}")
    return 0


def summary(results: list[dict]) -> dict:
    return {
        "median": statistics.median(t for r in results for t in r["times"]),
        "cpu": statistics.median(t for r in results for t in r["cpu_times"]),
        "cold": statistics.median(r["cold"] for r in results),
        "warm_up": statistics.median(r["warm_up"] for r in results),
        "pages": {r["pages"] for r in results},
        "cards": results[0]["cards"],
        "peak_mb": max(r["peak_mb"] for r in results),
        "before_mb": max(r["before_mb"] for r in results),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per kind of document")
    parser.add_argument("--renders", type=int, default=5, help="timed renders per process, after the first one")
    parser.add_argument("--instructions", action="store_true", help="count instructions (valgrind) instead of time")
    parser.add_argument("--measure", choices=("handout", *BASELINES), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(options.measure, options.renders)))
        return 0
    if options.instructions:
        return print_instructions()

    load_before = os.getloadavg()[0]
    results: dict[str, list] = {"handout": [], **{kind: [] for kind in BASELINES}}
    for _ in range(options.runs):  # alternate, so every kind of document meets the same load on a shared machine
        for kind, measured in results.items():
            measured.append(measure_in_fresh_process(kind, options.renders))
    handout = summary(results["handout"])
    n = options.runs * options.renders
    print(f"Load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} CPUs)")
    print(f"Handout: 12-week plan, {handout['cards']} exercise cards, {sorted(handout['pages'])} pages")
    print(f"  median {handout['median'] * 1000:.0f} ms over {n} renders, {handout['cpu'] * 1000:.0f} ms of CPU", end="")
    print(f" (the first render of a worker process: {handout['cold'] * 1000:.0f} ms, after a warm-up of", end="")
    print(f" {handout['warm_up']:.1f} s as it starts)")
    print(f"  peak memory {handout['peak_mb']:.0f} MB ({handout['before_mb']:.0f} MB before the first render)")
    checks = {
        f"under {TARGET_SECONDS:g} s per handout": (handout["median"] < TARGET_SECONDS, True),
        f"under {TARGET_MB} MB peak": (handout["peak_mb"] < TARGET_MB, True),
        "the first render of a worker process no slower than the median": (
            handout["cold"] <= handout["median"] * FIRST_RENDER_SLACK,
            True,
        ),
    }
    for kind, label in BASELINES.items():
        baseline = summary(results[kind])
        ratio, cpu_ratio = handout["median"] / baseline["median"], handout["cpu"] / baseline["cpu"]
        print(f"Baseline {label}: {sorted(baseline['pages'])} pages, median {baseline['median'] * 1000:.0f} ms", end="")
        print(f", {baseline['cpu'] * 1000:.0f} ms of CPU")
        print(f"  ratio handout / baseline {kind}: {ratio:.2f} (CPU time: {cpu_ratio:.2f})")
        checks[f"ratio to {label[:3]} at most {TARGET_RATIO:g}"] = (ratio <= TARGET_RATIO, kind == "words")
        # (b) is laid out by the browser defaults alone, so its page count is whatever they make of it
        checks[f"{label[:3]} has the handout's page count"] = (baseline["pages"] == handout["pages"], kind == "words")
    for name, (met, counted) in checks.items():
        print(
            f"  {'met' if met else 'MISSED'}: {name}{'' if counted else ' (for information, not in the exit status)'}"
        )
    return 0 if all(met for met, counted in checks.values() if counted) else 1


if __name__ == "__main__":
    sys.exit(main())
