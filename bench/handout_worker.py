"""Benchmark: 40 handouts through Redis on a real Celery worker, with concurrency 1 then 2; print the throughput of
each and their ratio.

    .venv/bin/python bench/handout_worker.py [--handouts 40]

It needs PostgreSQL and `redis-server`, and sets everything else up itself: it drops and recreates the database
BENCH_DATABASE_URL names (default postgres://postgres@127.0.0.1:5432/runback_handout_bench; the name must end in
"bench"), migrates it, loads the exercise library and seeds a clinic with one issued 14-week plan per handout (through
the plan services), starts its own Redis on a free port (or uses BENCH_REDIS_URL) and, for each concurrency, its own
worker (`celery -A clinic worker --concurrency N`), with files in a temporary MEDIA_ROOT. It then asks for every
handout as the plan page does (`handout_request`, sent through Redis) and times from the first request until the last
handout is ready.

Target: concurrency 2 makes handouts at least 1.7 times as fast as concurrency 1 (the machine has 2 cores; renders
in one process take turns, so throughput must come from worker processes). Exit status 0 when met. The figures move
with whatever else the machine is doing, so beside the load average it measures what the machine gives two processes
at that moment: the same renders in two plain processes at once, outside Celery, against one (the most concurrency 2
could reach). A benchmark, not a test.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/runback_handout_bench"
TARGET_RATIO = 1.7
CONCURRENCIES = (1, 2)
READY_TIMEOUT = 600  # seconds for one run: far beyond 40 handouts at a second or two each
PHYSIO_EMAIL = "physio@bench.test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(what: str, check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"Gave up waiting for {what}.")
        time.sleep(0.2)


def recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not name.endswith("bench"):
        raise SystemExit(f"Refusing to drop database {name!r}: the benchmark's database name must end in 'bench'.")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def seed(count: int) -> list[int]:
    """One clinic and physio, `count` patients each with an issued plan built from a confirmed assessment, through
    the services the views use (the tests' factories); the ids of their revisions."""
    from django.core.management import call_command

    from tests.factories import ClinicFactory, PatientFactory, PhysioFactory
    from tests.plans.plan_factories import issued_plan

    call_command("migrate", verbosity=0)
    call_command("load_exercise_library", stdout=open(os.devnull, "w"))  # noqa: SIM115
    physio = PhysioFactory(clinic=ClinicFactory(name="Bench Physio"), user__email=PHYSIO_EMAIL)
    patients = PatientFactory.create_batch(count, clinic=physio.clinic, physio=physio)
    return [issued_plan(patient).current_revision_id for patient in patients]


def start_worker(concurrency: int, env: dict, log: Path) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "celery"), "-A", "clinic", "worker", "--loglevel", "INFO"]
    command += ["--concurrency", str(concurrency), "--hostname", f"bench{concurrency}@%h"]
    command += ["--without-gossip", "--without-mingle"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)  # noqa: S603


def rendering_processes(log: Path) -> int:
    """How many of the worker's processes rendered handouts, from its log."""
    return len(set(re.findall(r"(ForkPoolWorker-\d+)\] Task plans\.render_handout\[", log.read_text())))


def run(concurrency: int, revision_ids: list[int], env: dict, work: Path) -> tuple[float, int]:
    """Handouts per second with a worker of `concurrency` processes, and how many of them rendered."""
    from clinic.celery import app
    from clinic.models import User
    from plans.handouts.services import handout_request
    from plans.models import Handout, PlanRevision, PrintStatus

    Handout.objects.all().delete()
    shutil.rmtree(Path(env["MEDIA_ROOT"]) / "handouts", ignore_errors=True)
    log = work / f"worker-{concurrency}.log"
    worker = start_worker(concurrency, env, log)
    try:
        name = f"bench{concurrency}@{socket.gethostname()}"
        wait_until("the worker", lambda: app.control.ping(destination=[name], timeout=0.5), timeout=60)
        by = User.objects.get(email=PHYSIO_EMAIL)
        started = time.perf_counter()
        for revision in PlanRevision.objects.filter(pk__in=revision_ids):
            handout_request(revision=revision, paper="a4", by=by)
        wait_until(
            f"{len(revision_ids)} handouts",
            lambda: not Handout.objects.exclude(status__in=[PrintStatus.READY, PrintStatus.FAILED]).exists(),
            timeout=READY_TIMEOUT,
        )
        elapsed = time.perf_counter() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    failed = Handout.objects.filter(status=PrintStatus.FAILED).count()
    if failed:
        raise SystemExit(f"{failed} handouts failed; see {log}")
    return len(revision_ids) / elapsed, rendering_processes(log)


def render_loop(renders: int) -> None:
    """In this (fresh) process: `renders` handouts from plain data, after a first one (as a warm worker process)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from plans.handouts.content import handout_context, render_handout
    from tests.plans import handout_data

    for _ in range(renders + 1):
        render_handout(handout_context(**handout_data.context_arguments()))


def machine_parallelism(renders: int = 6) -> float:
    """How much faster two processes render than one on this machine right now (2.0: two free cores)."""
    command = [sys.executable, __file__, "--render-loop", str(renders)]
    started = time.perf_counter()
    subprocess.run(command, check=True)  # noqa: S603
    one = time.perf_counter() - started
    started = time.perf_counter()
    pair = [subprocess.Popen(command) for _ in range(2)]  # noqa: S603
    for process in pair:
        process.wait()
    return 2 * one / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handouts", type=int, default=40)
    parser.add_argument("--render-loop", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.render_loop:
        render_loop(options.render_loop)
        return 0

    work = Path(tempfile.mkdtemp(prefix="handout-bench-"))
    redis = None
    redis_url = os.environ.get("BENCH_REDIS_URL")
    if not redis_url:
        port = free_port()
        redis = subprocess.Popen(  # noqa: S603
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],  # noqa: S607
            stdout=subprocess.DEVNULL,
        )
        redis_url = f"redis://127.0.0.1:{port}/0"
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE),
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(work / "media"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        recreate_database(env["DATABASE_URL"])
        import django

        django.setup()
        print(f"Seeding {options.handouts} patients with issued plans…", flush=True)
        revisions = seed(options.handouts)
        throughput = {}
        for concurrency in CONCURRENCIES:
            load = os.getloadavg()[0]
            throughput[concurrency], processes = run(concurrency, revisions, env, work)
            print(
                f"Concurrency {concurrency}: {options.handouts} handouts at {throughput[concurrency]:.2f} per second"
                f" ({options.handouts / throughput[concurrency]:.1f} s, rendered by {processes} processes;"
                f" load average {load:.1f} before)",
                flush=True,
            )
        ratio = throughput[2] / throughput[1]
        met = ratio >= TARGET_RATIO
        print(f"Ratio concurrency 2 / 1: {ratio:.2f} ({os.cpu_count()} CPUs)")
        print(f"The machine now: two plain render processes, outside Celery, {machine_parallelism():.2f} times one")
        print(f"  {'met' if met else 'MISSED'}: ratio at least {TARGET_RATIO:g}")
        return 0 if met else 1
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
