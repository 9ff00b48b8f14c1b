"""Drive running Runbacks with wrk, page by page, and report throughput, latency and errors against the baseline.

    python bench/load/drive.py --server 2000 http://127.0.0.1:8765 seeded-2000.json \
                               --server 20000 http://127.0.0.1:8766 seeded-20000.json

Run by bench/load/run.sh, which serves each seeded clinic under gunicorn first. Standard library only: it talks to
the servers as a browser would (signing in with a POST, unlocking intake links with the date of birth) and hands
wrk the session cookies. Add a page to PAGES to measure it too.

The machine may be busy with other work, whose load comes and goes by the minute. So each page is measured in
rounds, each round going through every page of every server in turn, a few seconds each: a page's p95 is the median
of its rounds', its ratio to the signed-in /healthz the median of its rounds' ratios (each to the /healthz of the
same round and server), and a page at one clinic size is set against the same page at another measured seconds
before, round by round.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from http.cookies import SimpleCookie
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parents[1] / "bench" / "results"
# Targets: every page's 95th-percentile latency at most this multiple of the signed-in /healthz's of the same run
# (what any signed-in request costs before its page's own work), and no errors;
P95_RATIO_TARGET = 3.0
# and at the largest clinic measured at most this multiple of the same page's p95 at the smallest.
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


@dataclass
class Server:
    """A seeded clinic served on `url`, named by its number of patients."""

    patients: int
    url: str
    session: Session


@dataclass
class Measured:
    """A page's rounds on one server."""

    rounds: list[dict] = field(default_factory=list)

    @property
    def p95_ms(self) -> float:
        return statistics.median(r["p95_ms"] for r in self.rounds)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r["p50_ms"] for r in self.rounds)

    @property
    def requests_per_second(self) -> float:
        return sum(r["requests"] for r in self.rounds) / sum(r["seconds"] for r in self.rounds)

    @property
    def errors(self) -> int:
        return sum(r["unexpected_status"] + r["socket_errors"] for r in self.rounds)

    def ratio_to(self, base: "Measured") -> float:
        """The median of the rounds' p95 ratios to `base`, measured in the same rounds."""
        return statistics.median(
            mine["p95_ms"] / theirs["p95_ms"] for mine, theirs in zip(self.rounds, base.rounds, strict=True)
        )


def measure(servers: list[Server], pages: list[Page], *, rounds: int, seconds: int, warmup: int, load: dict):
    """{patients: {page name: Measured}}, measured in rounds (see the module's docstring)."""
    targets = {}
    for server in servers:
        for page in pages:
            targets[server.patients, page.name] = page.targets(server.session)
            check_targets(server.session, page, targets[server.patients, page.name])
    results = {server.patients: {page.name: Measured() for page in pages} for server in servers}
    for number in range(1, rounds + 1):
        print(f"… round {number} of {rounds}", file=sys.stderr)
        for page in pages:
            for server in servers:
                these = targets[server.patients, page.name]
                run_wrk(server.url, these, seconds=warmup, **load)
                results[server.patients][page.name].rounds.append(run_wrk(server.url, these, seconds=seconds, **load))
    return results


def report(patients: int, results: dict[str, Measured]) -> tuple[str, bool]:
    """The table of one clinic. The target divides by the signed-in /healthz; the baseline without a session (a
    single `SELECT 1`, no session, user or template) is shown for information."""
    anonymous, signed_in = results[BASELINE], results[SIGNED_IN_BASELINE]
    width = max(len(name) for name in results)
    lines = [
        f"{patients:,} patients",
        f"{'page':<{width}} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'/no session':>11} {'/signed-in':>10} "
        f"{'errors':>6}  target",
        "-" * (width + 64),
    ]
    all_met = True
    for name, r in results.items():
        ratio = r.ratio_to(signed_in)
        met = r.errors == 0 and ratio <= P95_RATIO_TARGET
        all_met &= met
        lines.append(
            f"{name:<{width}} {r.requests_per_second:>7.1f} {r.p50_ms:>7.1f} {r.p95_ms:>7.1f} "
            f"{r.ratio_to(anonymous):>10.2f}x {ratio:>9.2f}x {r.errors:>6}  {'met' if met else 'MISSED'}"
        )
    return "\n".join(lines), all_met


def compare(smaller: int, larger: int, results: dict) -> tuple[str, bool]:
    """Each page's p95 at the larger clinic against the smaller one's, round by round."""
    names = list(results[smaller])
    width = max(len(name) for name in names)
    lines = [
        f"{'page':<{width}} {f'{smaller:,} p95':>12} {f'{larger:,} p95':>12} {'ratio':>7}  target",
        "-" * (width + 42),
    ]
    all_met = True
    for name in names:
        small, large = results[smaller][name], results[larger][name]
        ratio = large.ratio_to(small)
        met = ratio <= SCALE_RATIO_TARGET
        all_met &= met
        lines.append(
            f"{name:<{width}} {small.p95_ms:>10.1f}ms {large.p95_ms:>10.1f}ms {ratio:>6.2f}x  "
            f"{'met' if met else 'MISSED'}"
        )
    lines.append(
        f"Target: each page's p95 at {larger:,} patients at most {SCALE_RATIO_TARGET:g}x its p95 at {smaller:,} "
        "(the median of the rounds' ratios; the p95 columns are the medians of the rounds' p95s)."
    )
    return "\n".join(lines), all_met


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server",
        nargs=3,
        action="append",
        required=True,
        metavar=("PATIENTS", "URL", "SEEDED"),
        help="a clinic's size, the origin serving it and the JSON bench/load/seed.py printed for it",
    )
    parser.add_argument("--seconds", type=int, default=20, help="measured seconds per page and server, in all")
    parser.add_argument("--rounds", type=int, default=4, help="rounds the seconds are split into")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured seconds before each page's round")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", help="measure only pages whose name contains this (and the baselines)")
    args = parser.parse_args()

    servers = []
    for patients, url, seeded in args.server:
        if not re.fullmatch(r"https?://[^/]+", url):
            sys.exit(f"{url}: give the server's origin, e.g. http://127.0.0.1:8765")
        servers.append(Server(int(patients), url, Session(url, json.loads(Path(seeded).read_text()))))
    pages = [p for p in PAGES if p.name in (BASELINE, SIGNED_IN_BASELINE) or not args.only or args.only in p.name]
    load = {"connections": args.connections, "threads": args.threads}
    seconds = max(1, args.seconds // args.rounds)
    load_before = os.getloadavg()
    results = measure(servers, pages, rounds=args.rounds, seconds=seconds, warmup=args.warmup, load=load)
    load_after = os.getloadavg()

    all_met = True
    RESULTS.mkdir(parents=True, exist_ok=True)
    for server in servers:
        table, met = report(server.patients, results[server.patients])
        all_met &= met
        print(table)
        run = {
            "at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "patients": server.patients,
            "rounds": args.rounds,
            "seconds_per_round": seconds,
            **load,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "pages": {
                name: {
                    "requests_per_second": round(r.requests_per_second, 1),
                    "p50_ms": round(r.p50_ms, 1),
                    "p95_ms": round(r.p95_ms, 1),
                    "p95_ratio": round(r.ratio_to(results[server.patients][SIGNED_IN_BASELINE]), 2),
                    "p95_ratio_no_session": round(r.ratio_to(results[server.patients][BASELINE]), 2),
                    "errors": r.errors,
                    "rounds": r.rounds,
                }
                for name, r in results[server.patients].items()
            },
        }
        (RESULTS / f"load-{server.patients}.json").write_text(json.dumps(run, indent=2))
    print(
        f"Target: p95 at most {P95_RATIO_TARGET:g}x the signed-in /healthz's of the same run and no errors (non-200 "
        "or socket errors). The /no session column divides by /healthz without a session, for information. p95 and "
        f"ratios are medians over {args.rounds} rounds of {seconds}s per page."
    )
    if len(servers) > 1:
        sizes = sorted(server.patients for server in servers)
        table, met = compare(sizes[0], sizes[-1], results)
        all_met &= met
        print(table)
    print(
        f"Machine load average (1, 5, 15 min): {', '.join(f'{n:.1f}' for n in load_before)} before the run, "
        f"{', '.join(f'{n:.1f}' for n in load_after)} after it, on {os.cpu_count()} cores"
    )
    print(f"Results: {RESULTS}/load-<patients>.json")
    sys.exit(0 if all_met else 1)


if __name__ == "__main__":
    main()
