"""Benchmark: build a 16-week plan for 1,000 varied generated patients and print the time per plan.

    .venv/bin/python bench/plan_builder.py [--patients 1000] [--seed 2026]

Plans with the shipped exercise library (plans/library/data/exercises.json), or with the test library when that file is
absent (and says so). Prints the median and 95th-percentile time per plan, the same for a trivial baseline (a deep
copy of the request) and their ratio, and checks every plan against the invariants (outside the timing). The target
is a median under 20 ms. A benchmark that prints figures, not a test.
"""

import argparse
import copy
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake.codes import Cause, Condition, Contraindication  # noqa: E402
from plans.builder import CurrentRunning, PlanError, PlanRequest, build_plan, cadence_range  # noqa: E402
from plans.invariants import request_violations  # noqa: E402
from plans.library.exercises import LIBRARY_PATH, default_library  # noqa: E402

WEEKS = 16
TARGET_MEDIAN_MS = 20


def maybe(rng: random.Random, value, chance=0.7):
    return value if rng.random() < chance else None


def patient(rng: random.Random) -> PlanRequest:
    """One generated patient: a mix of new and returning runners, postnatal women, blocks and contraindications."""
    start = date(2026, 1, 1) + timedelta(days=rng.randrange(1000))
    running_allowed = rng.random() < 0.8
    postpartum = rng.random() < 0.4
    baseline = maybe(rng, rng.randint(150, 185), 0.5)
    low, high = cadence_range(baseline)
    gates = {
        "running_allowed": running_allowed,
        "running_allowed_from": (
            (start + timedelta(days=rng.choice([0, 0, 0, rng.randrange(120)]))).isoformat() if running_allowed else None
        ),
        "blocked_by": [] if running_allowed else ["pelvic_floor_symptoms"],
        "weeks_postpartum": rng.randint(3, 80) if postpartum else None,
        "breastfeeding": postpartum and rng.random() < 0.5,
        "extra_rest_day": postpartum and rng.random() < 0.4,
        "buggy_allowed_from": (start + timedelta(days=rng.randrange(200))).isoformat() if postpartum else None,
        "contraindications": rng.sample(sorted(Contraindication), rng.randint(0, 2)),
        "impact_readiness": rng.choice(["passed", "not_assessed", "not_assessed"]),
        "cadence_spm": baseline,
    }
    runs = rng.choice([0, 0, 2, 3, 4, 5])
    weekly = rng.uniform(5, 60) if runs else 0
    running = CurrentRunning(
        runs_per_week=runs,
        current_weekly_km=round(weekly, 1),
        longest_run_30d_km=maybe(rng, round(weekly / max(runs, 1) * rng.uniform(1, 1.8), 1)) if runs else None,
        nprs_during_run=rng.randint(0, 8) if runs else None,
        pain_onset_run_minutes=maybe(rng, rng.randint(5, 60)) if runs else None,
        weekly_km_before_symptoms=maybe(rng, round(rng.uniform(10, 70), 1)),
        goal=rng.choice(["easy_running", "5k", "10k", "half", "marathon"]),
        pace_min_per_km=maybe(rng, round(rng.uniform(4.5, 7.5), 2), 0.3),
    )
    return PlanRequest(
        start=start,
        condition=rng.choice([Condition.PATELLOFEMORAL_PAIN] * 4 + list(Condition)),
        causes=rng.sample(sorted(Cause), rng.randint(0, 4)),
        gates=gates,
        running=running,
        weeks=WEEKS,
        start_level=maybe(rng, rng.randint(1, 7), 0.2),
        cadence_target_spm=maybe(rng, rng.randint(low, high), 0.2),
        strength_days_per_week=maybe(rng, rng.randint(1, 3), 0.2),
    )


def timed(function, argument) -> tuple[float, object]:
    began = time.perf_counter()
    result = function(argument)
    return (time.perf_counter() - began) * 1000, result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    if LIBRARY_PATH.exists():
        library = default_library()
        print(f"Library: shipped, {len(library)} exercises ({LIBRARY_PATH.relative_to(ROOT)})")
    else:
        from tests.plans.factories import LIBRARY as library

        print(f"Library: {LIBRARY_PATH.relative_to(ROOT)} is absent; using the test library ({len(library)} exercises)")

    rng = random.Random(options.seed)  # noqa: S311 -- reproducible made-up patients, not secrets
    requests = [patient(rng) for _ in range(options.patients)]
    build_plan(requests[0], library)  # warm the caches once, as a running server would have

    plan_ms, baseline_ms, plans = [], [], []
    for request in requests:
        baseline_ms.append(timed(copy.deepcopy, request)[0])
        try:
            elapsed, plan = timed(lambda r: build_plan(r, library), request)
        except PlanError:
            continue
        plan_ms.append(elapsed)
        plans.append((request, plan))

    broken = sum(bool(request_violations(plan, request, library)) for request, plan in plans)
    median, p95 = statistics.median(plan_ms), percentile(plan_ms, 0.95)
    base_median, base_p95 = statistics.median(baseline_ms), percentile(baseline_ms, 0.95)
    print(f"Plans: {len(plans)} of {options.patients} patients, {WEEKS} weeks each; {broken} with invariant violations")
    print(f"Build plan:        median {median:7.2f} ms   p95 {p95:7.2f} ms")
    print(f"Baseline (copy):   median {base_median:7.3f} ms   p95 {base_p95:7.3f} ms")
    print(f"Ratio to baseline: median {median / base_median:7.0f}×   p95 {p95 / base_p95:7.0f}×")
    verdict = "within" if median < TARGET_MEDIAN_MS else "OVER"
    print(f"Target: median under {TARGET_MEDIAN_MS} ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
