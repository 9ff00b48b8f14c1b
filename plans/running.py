"""Planned runs: the walk/run ladder session by session, then the build phase under the load guards.

Pure Python, shared by the plan builder (a new plan), the progression rules (re-planning the runs ahead after a
logged session) and the plan invariants (the same guards, checked).

Minutes are the unit of running volume. Walk/run sessions count their running minutes (`total_run_min`), build runs
their `minutes`; a distance is converted with the patient's easy pace when the physio entered one, otherwise with
`ASSUMED_PACE_MIN_PER_KM` (plans.rules). The patient's reported longest run of the last 30 days therefore becomes
minutes too.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from plans.ladder import BUILD_LEVEL, CONTINUOUS_LEVEL, LadderState, exposures_needed
from plans.rules import (
    ASSUMED_PACE_MIN_PER_KM,
    DELOAD_EVERY_WEEKS,
    DELOAD_FACTOR,
    HEAVY_LIGHT_MEDIUM,
    SPIKE_FACTOR,
    SPIKE_WINDOW_DAYS,
    WEEKLY_RISE_FACTOR,
)

LIGHT_RUN = 1  # position of the light run in HEAVY_LIGHT_MEDIUM: the one a buggy run replaces (reference §9.3 P11)


def km_to_minutes(km: float, pace_min_per_km: float | None) -> float:
    return km * (pace_min_per_km or ASSUMED_PACE_MIN_PER_KM)


def run_minutes(run: dict, pace_min_per_km: float | None = None) -> float:
    """The running minutes of a planned `run` object, whatever its phase."""
    if run.get("total_run_min") is not None:
        return run["total_run_min"]
    if run.get("minutes") is not None:
        return run["minutes"]
    return km_to_minutes(run.get("distance_km") or 0, pace_min_per_km)


@dataclass(frozen=True)
class RunRecord:
    """A run already in the schedule: its date, running minutes and ladder level."""

    day: date
    minutes: float
    level: int


@dataclass(frozen=True)
class RunningProfile:
    """What the runs of one plan are planned against; the plan keeps it as `running_load` so re-planning after a
    logged session uses the same figures."""

    start: date
    pace_min_per_km: float | None = None
    longest_run_30d_min: float | None = None  # reported at intake; counts for runs within 30 days of the start
    current_weekly_min: float | None = None  # the week before the plan, for a plan that starts in the build phase
    ceiling_weekly_min: float | None = None  # the pre-symptom weekly volume: the build holds there
    cadence_target_spm: int | None = None  # reference §9.3 P10
    buggy_allowed_from: date | None = None  # reference §9.3 P11

    def week_of(self, day: date) -> int:
        return (day - self.start).days // 7

    def as_dict(self) -> dict:
        return {
            "pace_min_per_km": self.pace_min_per_km,
            "longest_run_30d_min": self.longest_run_30d_min,
            "current_weekly_min": self.current_weekly_min,
            "ceiling_weekly_min": self.ceiling_weekly_min,
            "cadence_target_spm": self.cadence_target_spm,
            "buggy_allowed_from": _iso(self.buggy_allowed_from),
        }

    @classmethod
    def from_plan(cls, plan: dict) -> "RunningProfile":
        load = plan.get("running_load") or {}
        buggy = load.get("buggy_allowed_from")
        return cls(
            start=date.fromisoformat(plan["start"]),
            pace_min_per_km=load.get("pace_min_per_km"),
            longest_run_30d_min=load.get("longest_run_30d_min"),
            current_weekly_min=load.get("current_weekly_min"),
            ceiling_weekly_min=load.get("ceiling_weekly_min"),
            cadence_target_spm=load.get("cadence_target_spm"),
            buggy_allowed_from=date.fromisoformat(buggy) if buggy else None,
        )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def longest_recent_run(day: date, history: Iterable[RunRecord], *, start: date, reported_min: float | None):
    """The longest run of the 30 days before `day` (P7), or None when there was none.

    The reported longest run of the 30 days before the plan counts for runs dated within 30 days of the start.
    """
    window_start = day - timedelta(days=SPIKE_WINDOW_DAYS)
    lengths = [run.minutes for run in history if window_start <= run.day < day]
    if reported_min and (day - start).days < SPIKE_WINDOW_DAYS:
        lengths.append(reported_min)
    return max(lengths, default=None)


def weekly_target(previous_week_min: float, build_week: int, ceiling_min: float | None) -> float:
    """The running volume for the `build_week`-th build week (0-based) after a week of `previous_week_min` (P8).

    The ceiling (the pre-symptom week) stops the rises; it never takes the patient below the week they just ran."""
    if (build_week + 1) % DELOAD_EVERY_WEEKS == 0:
        return previous_week_min * DELOAD_FACTOR
    target = previous_week_min * WEEKLY_RISE_FACTOR
    return min(target, max(ceiling_min, previous_week_min)) if ceiling_min else target


def plan_runs(
    run_days: list[date],
    *,
    state: LadderState,
    history: list[RunRecord],
    profile: RunningProfile,
    hold_minutes: float | None = None,
) -> tuple[dict[date, dict | None], LadderState]:
    """The `run` object of each of `run_days` (ascending, after every day in `history`), assuming green sessions.

    The ladder climbs from `state`; the build phase starts at the first plan week that begins in it, so its weekly
    volumes compare whole weeks. `hold_minutes` caps the first build run (P3: an amber build run is repeated, not
    increased). A day maps to None when the week's volume is already used up (only when re-planning part of a week).
    """
    planned: dict[date, dict | None] = {}
    records = list(history)
    build_weeks = len({profile.week_of(r.day) for r in records if r.level == BUILD_LEVEL})
    by_week: dict[int, list[date]] = {}
    for day in run_days:
        by_week.setdefault(profile.week_of(day), []).append(day)
    for week, days in by_week.items():
        ladder_runs_this_week = any(profile.week_of(r.day) == week and r.level < BUILD_LEVEL for r in records)
        if state.in_build and not ladder_runs_this_week:
            runs = _build_week(week, days, records, profile, build_weeks, hold_minutes)
            hold_minutes = None
            build_weeks += 1
        else:
            runs, state = _ladder_week(days, state)
        for day, run in runs.items():
            planned[day] = run
            if run is not None:
                records.append(RunRecord(day, run_minutes(run), run["level"]))
    return {day: _decorate(day, run, profile) for day, run in planned.items()}, state


def _ladder_week(days: list[date], state: LadderState) -> tuple[dict[date, dict], LadderState]:
    runs = {}
    for day in days:
        if state.in_build:
            # The ladder finished mid-week: repeat level 7 at its longest until the build starts next week.
            runs[day] = LadderState(CONTINUOUS_LEVEL, exposures_needed(CONTINUOUS_LEVEL)).run()
        else:
            runs[day] = state.run()
            state = state.after_green()
    return runs, state


def _build_week(week, days, records, profile, build_week, hold_minutes) -> dict[date, dict | None]:
    previous = [r.minutes for r in records if profile.week_of(r.day) == week - 1]
    previous_week_min = sum(previous) if previous or week > 0 else (profile.current_weekly_min or 0)
    target = weekly_target(previous_week_min, build_week, profile.ceiling_weekly_min)
    done = sorted(r.day for r in records if profile.week_of(r.day) == week)
    budget = target - sum(r.minutes for r in records if profile.week_of(r.day) == week)
    week_days = sorted([*done, *days])
    weights = [HEAVY_LIGHT_MEDIUM[i % len(HEAVY_LIGHT_MEDIUM)] for i in range(len(week_days))]
    runs: dict[date, dict | None] = {}
    history = list(records)
    for day in days:
        position = week_days.index(day)
        share = target * weights[position] / sum(weights)
        longest = longest_recent_run(day, history, start=profile.start, reported_min=profile.longest_run_30d_min)
        limits = [share, budget, SPIKE_FACTOR * (longest or 0)]
        if hold_minutes is not None:
            limits.append(hold_minutes)
            hold_minutes = None
        minutes = math.floor(min(limits) + 1e-9)
        if minutes < 1:
            runs[day] = None
            continue
        run = {"level": BUILD_LEVEL, "minutes": minutes}
        if profile.pace_min_per_km:
            run["distance_km"] = math.floor(minutes / profile.pace_min_per_km * 10) / 10
        if _buggy_run(day, position, profile):
            run["buggy"] = True
        runs[day] = run
        budget -= minutes
        history.append(RunRecord(day, minutes, BUILD_LEVEL))
    return runs


def _buggy_run(day: date, position: int, profile: RunningProfile) -> bool:
    """Reference §9.3 P11: buggy running only after the solo ladder (so only in the build phase) and once the baby is
    old enough; it replaces the week's light run."""
    allowed_from = profile.buggy_allowed_from
    return bool(allowed_from) and day >= allowed_from and position % len(HEAVY_LIGHT_MEDIUM) == LIGHT_RUN


def _decorate(day: date, run: dict | None, profile: RunningProfile) -> dict | None:
    """Cadence cue on every run when the plan retrains cadence (reference §9.3 P10)."""
    if run is None or not profile.cadence_target_spm:
        return run
    return {**run, "cadence_spm": profile.cadence_target_spm}
