"""Where each page of the load benchmark spends its time, measured in-process one request at a time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/runback_bench \\
        python bench/load/profile_pages.py --seeded bench/results/seeded-2000.json [--only "plan page"] [--profile]

Run it against the database bench/load/run.sh seeded (run.sh keeps the clinic and writes the seeded JSON to
bench/results/). The pages are drive.py's PAGES, requested with Django's test client as the same physiotherapist
(signed in with her password, as wrk's cookie was obtained) and the same unlocked intake links, with DEBUG off and
persistent connections as under gunicorn. For each page it prints the fastest and the median request over the
rotation, its queries and their time, the time in templates (the outermost render) and what is left (middleware,
sessions, views, forms, building what the page shows). With --profile, cProfile's heaviest functions of each page.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
# As under gunicorn in run.sh: production settings, a throwaway key, static files collected (below).
os.environ.update(
    DEBUG="False",
    SECRET_KEY=os.environ.get("SECRET_KEY") or "profile-pages-" + "x" * 40,
    ALLOWED_HOSTS="testserver",
    SECURE_SSL_REDIRECT="False",
    DB_CONN_MAX_AGE="60",
    LOG_LEVEL="WARNING",
)
os.environ.setdefault("STATIC_ROOT", str(Path(tempfile.gettempdir()) / "runback-profile-static"))

import django  # noqa: E402

django.setup()

from django.core import signing  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import base as template_base  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from drive import PAGES, ROTATE_OVER, SIGNED_IN_BASELINE, Page  # noqa: E402

from intake.models import IntakeInvite  # noqa: E402

MIN_REQUESTS = 100  # per page and round


class Timers:
    """Per request: the time in queries (wall-clock and this process's CPU), and the CPU in templates (the outermost
    Template.render, less the queries run while it renders, e.g. a lazy queryset the template loops over)."""

    def __init__(self):
        self.reset()
        self.depth = 0
        original = template_base.Template.render
        timers = self

        def render(template, context):
            timers.depth += 1
            started = time.process_time()
            try:
                return original(template, context)
            finally:
                timers.depth -= 1
                if timers.depth == 0:
                    timers.template_cpu += time.process_time() - started

        template_base.Template.render = render

    def reset(self):
        self.template_cpu = self.sql = self.sql_cpu = self.sql_cpu_in_template = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        """A database execute_wrapper."""
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            return execute(sql, params, many, context)
        finally:
            cpu = time.process_time() - started_cpu
            self.sql += time.perf_counter() - started
            self.sql_cpu += cpu
            self.queries += 1
            if self.depth:
                self.sql_cpu_in_template += cpu


class InProcessSession:
    """drive.Session's interface, in-process: Django's test client signs in and unlocks the intake links."""

    def __init__(self, seeded: dict):
        self.seeded = seeded
        self.physio_client = Client()
        answer = self.physio_client.post(
            "/accounts/login/", {"login": seeded["physio"], "password": seeded["password"]}
        )
        if answer.status_code != 302:
            sys.exit(f"Signing in as {seeded['physio']} failed: HTTP {answer.status_code}")
        self.anonymous = Client()
        self.clients = {"": self.anonymous, "physio": self.physio_client}
        self.physio = "physio"
        # The seeded links were signed with the benchmark server's throwaway key: the same invites, signed anew.
        seeded_links = seeded["intake_links"][:ROTATE_OVER]
        invite_ids = [
            json.loads(signing.b64_decode(link["path"].split("/")[2].split(":")[0].encode()))[0]
            for link in seeded_links
        ]
        invites = IntakeInvite.objects.in_bulk(invite_ids)
        self.intake_links = []
        for n, (invite_id, link) in enumerate(zip(invite_ids, seeded_links, strict=True)):
            client = Client()
            path = invites[invite_id].get_absolute_url()
            born = link["date_of_birth"].split("-")
            answer = client.post(path, {"day": int(born[2]), "month": int(born[1]), "year": int(born[0])})
            if answer.status_code != 302:
                sys.exit(f"Unlocking an intake link failed: HTTP {answer.status_code}")
            self.clients[f"link{n}"] = client
            self.intake_links.append((path, f"link{n}"))


def database_cpu_seconds() -> float | None:
    """CPU time so far of the PostgreSQL backend serving this process's connection (None elsewhere)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a database on another machine
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measure(session: InProcessSession, page: Page, *, rounds: int, timers: Timers) -> dict:
    """The page's figures per request. CPU figures are those of the least disturbed round (the lowest mean): on a
    busy machine other processes add to every figure, never take away."""
    targets = page.targets(session)
    for path, who in targets[:5]:  # warm-up: template and URL caches, connections
        session.clients[who].get(path)
    targets = targets * -(-MIN_REQUESTS // len(targets))  # enough requests for the database's CPU clock (10 ms)
    walls, queries, sql = [], [], []
    by_round = []
    with connection.execute_wrapper(timers):
        for _ in range(rounds):
            cpu = {"cpu": 0.0, "templates": 0.0, "queries": 0.0}
            database_before = database_cpu_seconds()
            for path, who in targets:
                timers.reset()
                started, started_cpu = time.perf_counter(), time.process_time()
                answer = session.clients[who].get(path)
                walls.append((time.perf_counter() - started) * 1000)
                cpu["cpu"] += time.process_time() - started_cpu
                if answer.status_code != 200:
                    sys.exit(f"{page.name}: {path} answered HTTP {answer.status_code}")
                queries.append(timers.queries)
                sql.append(timers.sql * 1000)
                cpu["templates"] += timers.template_cpu - timers.sql_cpu_in_template
                cpu["queries"] += timers.sql_cpu
            database_after = database_cpu_seconds()
            if database_before is not None and database_after is not None:
                cpu["database"] = database_after - database_before
            by_round.append({name: seconds * 1000 / len(targets) for name, seconds in cpu.items()})
    best = min(by_round, key=lambda figures: figures["cpu"] + figures.get("database", 0))
    return {
        "urls": len(page.targets(session)),
        "median_ms": statistics.median(walls),
        "cpu_ms": best["cpu"],
        "database_cpu_ms": best.get("database"),
        "queries": max(queries),
        "sql_ms": statistics.median(sql),
        "template_cpu_ms": best["templates"],
        "query_cpu_ms": best["queries"],
        "rest_cpu_ms": best["cpu"] - best["templates"] - best["queries"],
    }


def profile(session: InProcessSession, page: Page, *, top: int, sort: str) -> str:
    targets = page.targets(session)
    targets = targets * -(-MIN_REQUESTS // len(targets))
    profiler = cProfile.Profile()
    profiler.enable()
    for path, who in targets:
        session.clients[who].get(path)
    profiler.disable()
    out = StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort)
    stats.print_stats(top)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeded", required=True, type=Path, help="the JSON bench/load/seed.py printed")
    parser.add_argument(
        "--rounds", type=int, default=3, help=f"times over each page's rotation of URLs (at least {MIN_REQUESTS})"
    )
    parser.add_argument("--only", help="only pages whose name contains this (and the baselines)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's heaviest functions per page")
    parser.add_argument("--top", type=int, default=40, help="functions listed per page with --profile")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: cumulative, tottime, ...")
    parser.add_argument("--sql", action="store_true", help="print the queries of each page's first URL, timed")
    args = parser.parse_args()
    call_command("collectstatic", "--noinput", verbosity=0)
    session = InProcessSession(json.loads(args.seeded.read_text()))
    timers = Timers()
    pages = [p for p in PAGES if not args.only or args.only in p.name or p.name.startswith(("baseline", "/healthz"))]
    width = max(len(p.name) for p in pages)
    print(
        f"{'page':<{width}} {'URLs':>4} {'wall':>7} {'queries':>7} {'SQL wall':>8} | {'CPU':>6} {'DB CPU':>6} "
        f"{'x signed-in':>11} | {'templates':>9} {'queries':>7} {'the rest':>8}"
    )
    rows = {}
    for page in pages:
        rows[page.name] = measure(session, page, rounds=args.rounds, timers=timers)
    base = rows.get(SIGNED_IN_BASELINE)
    for name, row in rows.items():
        database = row["database_cpu_ms"]
        both = row["cpu_ms"] + (database or 0)
        ratio = f"{both / (base['cpu_ms'] + (base['database_cpu_ms'] or 0)):>10.1f}x" if base else f"{'':>11}"
        print(
            f"{name:<{width}} {row['urls']:>4} {row['median_ms']:>7.1f} {row['queries']:>7} {row['sql_ms']:>8.1f} | "
            f"{row['cpu_ms']:>6.1f} {f'{database:6.1f}' if database is not None else '   n/a':>6} {ratio} | "
            f"{row['template_cpu_ms']:>9.1f} {row['query_cpu_ms']:>7.1f} {row['rest_cpu_ms']:>8.1f}"
        )
    print(
        "Milliseconds per request. Wall: the median request's time; queries: statements sent (not counting the "
        "transaction's BEGIN and COMMIT); SQL wall: their time, round trips included (median). CPU: this process's "
        "and its PostgreSQL backend's (DB CPU), in the least disturbed round, and both together as a multiple of "
        "the signed-in /healthz's; of this process's CPU, templates (rendering less the queries it ran), queries "
        "(executing them; reading the rows and making objects of them count in the rest) and the rest (middleware, "
        "sessions, the view, forms, building what the page shows, the test client)."
    )
    print(f"Machine load average (1, 5, 15 min): {', '.join(f'{n:.1f}' for n in os.getloadavg())}")
    if args.sql:
        for page in pages:
            path, who = page.targets(session)[0]
            with CaptureQueriesContext(connection) as captured:
                session.clients[who].get(path)
            print(f"\n=== {page.name}: {path} ===")
            for query in captured.captured_queries:
                print(f"{float(query['time']) * 1000:6.2f} ms  {query['sql'][:400]}")
    if args.profile:
        for page in pages:
            print(f"\n=== {page.name} (cProfile, {MIN_REQUESTS} requests or more) ===")
            print(profile(session, page, top=args.top, sort=args.sort))


if __name__ == "__main__":
    main()
