"""Drive a running Runback with wrk, page by page, and report throughput, latency and errors against the baseline.

    python bench/load/drive.py --url http://127.0.0.1:8765 --seeded seeded.json --results load-2000.json
    python bench/load/drive.py --compare load-2000.json load-20000.json

Run by bench/load/run.sh, which serves the seeded clinic under gunicorn first. Standard library only: it talks to
the server as a browser would (signing in with a POST, unlocking intake links with the date of birth) and hands
wrk the session cookies. Add a page to PAGES to measure it too. --compare sets each page's p95 in a run at a larger
clinic against the same page's in a run at a smaller one.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from http.cookies import SimpleCookie
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parents[1] / "bench" / "results" / "load.json"
# Targets: every page's 95th-percentile latency at most this multiple of the signed-in /healthz's of the same run
# (what any signed-in request costs before its page's own work), and no errors;
P95_RATIO_TARGET = 3.0
# and at a larger clinic at most this multiple of the same page's p95 at a smaller one (--compare).
SCALE_RATIO_TARGET = 1.3
ROTATE_OVER = 100  # at most this many different patients / links per page, so rows are not all cache-hot


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Answer:
    status: int
    body: str
    cookies: dict[str, str]
    location: str


class Session:
    """What wrk needs from the server: session cookies, obtained the way a browser obtains them."""

    def __init__(self, url: str, seeded: dict):
        self.url = url
        self.seeded = seeded
        self.opener = urllib.request.build_opener(NoRedirects)

    def fetch(self, path: str, *, cookies: dict | None = None, form: dict | None = None) -> Answer:
        # Cookies are read from the headers by hand: with DEBUG off they are Secure, and a cookie jar would not
        # send them back over the benchmark's plain-HTTP loopback.
        request = urllib.request.Request(  # noqa: S310 - main() accepts only an http(s) origin
            self.url + path,
            data=urllib.parse.urlencode(form).encode() if form is not None else None,
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())} if cookies else {},
        )
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:  # 3xx (no redirects followed) and 4xx/5xx
            response = error
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return Answer(
            status=response.status,
            body=response.read().decode(errors="replace"),
            cookies={name: morsel.value for name, morsel in jar.items()},
            location=response.headers.get("Location", ""),
        )

    def post_form(self, path: str, form: dict) -> Answer:
        """GET the form for its CSRF cookie, then POST it, as a browser does."""
        csrf = self.fetch(path).cookies["csrftoken"]
        return self.fetch(path, cookies={"csrftoken": csrf}, form={"csrfmiddlewaretoken": csrf, **form})

    @cached_property
    def physio(self) -> str:
        """The Cookie header of the seeded physiotherapist, signed in with the login form."""
        answer = self.post_form(
            "/accounts/login/", {"login": self.seeded["physio"], "password": self.seeded["password"]}
        )
        if answer.status != 302 or "sessionid" not in answer.cookies:
            sys.exit(f"Signing in as {self.seeded['physio']} failed: HTTP {answer.status}")
        return f"sessionid={answer.cookies['sessionid']}"

    @cached_property
    def intake_links(self) -> list[tuple[str, str]]:
        """(link path, Cookie header) of questionnaires in progress, each unlocked with the date of birth."""
        unlocked = []
        for link in self.seeded["intake_links"][:ROTATE_OVER]:
            born = date.fromisoformat(link["date_of_birth"])
            answer = self.post_form(link["path"], {"day": born.day, "month": born.month, "year": born.year})
            if answer.status != 302 or "sessionid" not in answer.cookies:
                sys.exit(f"Unlocking an intake link failed: HTTP {answer.status}")
            unlocked.append((link["path"], f"sessionid={answer.cookies['sessionid']}"))
        return unlocked


@dataclass(frozen=True)
class Page:
    name: str
    targets: Callable[[Session], list[tuple[str, str]]]  # (path, Cookie header) pairs, requested in turn


BASELINE = "baseline: /healthz"
SIGNED_IN_BASELINE = "/healthz, signed in"
PAGES = [
    Page(BASELINE, lambda s: [("/healthz", "")]),
    # The same trivial view with the physio's session: what every signed-in request costs before its own work
    # (session, user and clinic role lookups), so each page's own cost can be told apart.
    Page(SIGNED_IN_BASELINE, lambda s: [("/healthz", s.physio)]),
    Page("physio home: my patients", lambda s: [("/patients/", s.physio)]),
    Page("patient list: whole clinic", lambda s: [("/patients/?scope=clinic", s.physio)]),
    Page(
        "patient page",
        lambda s: [(f"/patients/{pk}/", s.physio) for pk in s.seeded["physio_patients"][:ROTATE_OVER]],
    ),
    Page("intake step: your knee", lambda s: [(f"{path}knee/", cookie) for path, cookie in s.intake_links]),
    Page(
        "plan page (calendar, charts, programme)",
        lambda s: [(f"/patients/{patient}/plans/{plan}/", s.physio) for patient, plan in s.seeded["physio_plans"]],
    ),
    Page(
        "assessment (engine run live)",
        lambda s: [
            (f"/patients/{patient}/intakes/{intake}/assessment/", s.physio)
            for patient, intake in s.seeded["physio_intakes"][:ROTATE_OVER]
        ],
    ),
    Page(
        "outcomes: the last 12 months, all time",
        lambda s: [("/outcomes/", s.physio), ("/outcomes/?start=2000-01-01", s.physio)],
    ),
]


def check_targets(session: Session, page: Page, targets: list[tuple[str, str]]) -> None:
    """Each target answers 200 before the load starts: a redirect to sign in would otherwise look fast."""
    for path, cookie in targets:
        cookies = dict(part.split("=", 1) for part in cookie.split("; ")) if cookie else None
        answer = session.fetch(path, cookies=cookies)
        if answer.status != 200:
            sys.exit(f"{page.name}: {path} answered HTTP {answer.status} {answer.location}, not 200")


def run_wrk(url: str, targets: list[tuple[str, str]], *, seconds: int, connections: int, threads: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.writelines(f"{path}\t{cookie}\n" for path, cookie in targets)
        listing.flush()
        command = [
            "wrk",
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=10s",
            f"--script={HERE / 'wrk.lua'}",
            url,
            "--",
            listing.name,
        ]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    last = output.strip().splitlines()[-1]
    return json.loads(last)


def report(results: dict[str, dict]) -> tuple[str, bool]:
    """The table of a run. The target divides by the signed-in /healthz; the baseline without a session (a single
    `SELECT 1`, no session, user or template) is shown for information."""
    anonymous = results[BASELINE]["p95_ms"]
    signed_in = results[SIGNED_IN_BASELINE]["p95_ms"]
    width = max(len(name) for name in results)
    lines = [
        f"{'page':<{width}} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'/no session':>11} {'/signed-in':>10} "
        f"{'errors':>6}  target",
        "-" * (width + 64),
    ]
    all_met = True
    for name, r in results.items():
        rps = r["requests"] / r["seconds"]
        ratio = r["p95_ms"] / signed_in
        errors = r["unexpected_status"] + r["socket_errors"]
        met = errors == 0 and ratio <= P95_RATIO_TARGET
        all_met &= met
        r.update(
            requests_per_second=round(rps, 1),
            p95_ratio=round(ratio, 2),
            p95_ratio_no_session=round(r["p95_ms"] / anonymous, 2),
            errors=errors,
            meets_target=met,
        )
        lines.append(
            f"{name:<{width}} {rps:>7.1f} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} {r['p95_ms'] / anonymous:>10.2f}x "
            f"{ratio:>9.2f}x {errors:>6}  {'met' if met else 'MISSED'}"
        )
    lines.append(
        f"Target: p95 at most {P95_RATIO_TARGET:g}x the signed-in /healthz's of the same run and no errors (non-200 "
        "or socket errors). The /no session column divides by /healthz without a session, for information."
    )
    return "\n".join(lines), all_met


def compare(smaller: Path, larger: Path) -> bool:
    """Each page's p95 at the larger clinic against the smaller one's (runs on the same machine)."""
    small, large = json.loads(smaller.read_text()), json.loads(larger.read_text())
    names = [name for name in small["pages"] if name in large["pages"]]
    width = max(len(name) for name in names)
    at_small, at_large = f"{small['patients']:,} p95", f"{large['patients']:,} p95"
    print(f"{'page':<{width}} {at_small:>12} {at_large:>12} {'ratio':>7}  target")
    print("-" * (width + 42))
    all_met = True
    for name in names:
        before, after = small["pages"][name]["p95_ms"], large["pages"][name]["p95_ms"]
        met = after <= SCALE_RATIO_TARGET * before
        all_met &= met
        print(
            f"{name:<{width}} {before:>10.1f}ms {after:>10.1f}ms {after / before:>6.2f}x  {'met' if met else 'MISSED'}"
        )
    print(
        f"Target: each page's p95 at {large['patients']:,} patients at most {SCALE_RATIO_TARGET:g}x its p95 at "
        f"{small['patients']:,}. Load average at the end of each run: {_load(small)} and {_load(large)}."
    )
    return all_met


def _load(run: dict) -> str:
    return ", ".join(f"{n:.1f}" for n in run["load_average"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url")
    parser.add_argument("--seeded", type=Path, help="the JSON bench/load/seed.py printed")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the run's figures (JSON)")
    parser.add_argument("--seconds", type=int, default=20, help="measured duration per page")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds per page before it")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", help="measure only pages whose name contains this (and the baselines)")
    parser.add_argument(
        "--compare", nargs=2, type=Path, metavar=("SMALLER", "LARGER"), help="two runs' results: p95 against p95"
    )
    args = parser.parse_args()
    if args.compare:
        sys.exit(0 if compare(*args.compare) else 1)
    if not args.url or not re.fullmatch(r"https?://[^/]+", args.url):
        sys.exit("--url is the server's origin, e.g. http://127.0.0.1:8765")
    if not args.seeded:
        sys.exit("--seeded names the JSON bench/load/seed.py printed")

    seeded = json.loads(args.seeded.read_text())
    load_before = os.getloadavg()
    session = Session(args.url, seeded)
    pages = [p for p in PAGES if p.name in (BASELINE, SIGNED_IN_BASELINE) or not args.only or args.only in p.name]
    load = {"connections": args.connections, "threads": args.threads}
    results = {}
    for page in pages:
        targets = page.targets(session)
        check_targets(session, page, targets)
        print(f"… {page.name}: {len(targets)} URL(s), {args.seconds}s", file=sys.stderr)
        run_wrk(args.url, targets, seconds=args.warmup, **load)
        results[page.name] = run_wrk(args.url, targets, seconds=args.seconds, **load)
        results[page.name]["urls"] = len(targets)
    table, all_met = report(results)
    print(f"{seeded['patients']:,} patients")
    print(table)
    load_after = os.getloadavg()
    print(
        f"Machine load average (1, 5, 15 min): {', '.join(f'{n:.1f}' for n in load_before)} before the run, "
        f"{', '.join(f'{n:.1f}' for n in load_after)} after it, on {os.cpu_count()} cores"
    )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    run = {
        "at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "patients": seeded["patients"],
        "seconds": args.seconds,
        **load,
        "load_average_before": load_before,
        "load_average": load_after,
    }
    args.results.write_text(json.dumps({**run, "pages": results}, indent=2))
    print(f"Results: {args.results}")
    sys.exit(0 if all_met else 1)


if __name__ == "__main__":
    main()
