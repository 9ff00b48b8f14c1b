"""Property tests: every plan the builder makes, and every plan the progression rules re-plan, satisfies every
invariant, whatever the patient. Derandomised and without an example database, so CI runs the same examples."""

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from intake.codes import Cause, Condition, Contraindication
from plans.builder import (
    MAX_WEEKS,
    MIN_WEEKS,
    REQUIREMENTS,
    CurrentRunning,
    PlanError,
    PlanRequest,
    build_plan,
    cadence_range,
)
from plans.invariants import request_violations
from plans.library.exercises import LIBRARY_PATH, default_library
from plans.progression import (
    AMBER,
    GREEN,
    RED,
    LoggedSession,
    SessionLog,
    apply_log,
    catch_up_missed,
    replay_logs,
    session_on,
)
from plans.running import DELOAD_FACTOR, run_minutes
from plans.selection import (
    DAILY_EXERCISES_MAX,
    DAILY_KINDS,
    DOSE_LIMITS,
    MAIN_EXERCISES_MAX,
    MAIN_KINDS,
    ExercisePool,
    Item,
    NoSuitableExercise,
    Prescription,
    dose_for_week,
    is_impact,
)
from tests.fuzzing import examples
from tests.plans.factories import LIBRARY, pain_free_runner
from tests.plans.factories import request as plan_request

PROPERTIES = settings(
    max_examples=examples(150),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
LIBRARIES = [pytest.param(LIBRARY, id="test-library")]
LIBRARIES_BY_ID = {"test-library": LIBRARY}
if LIBRARY_PATH.exists():
    LIBRARIES.append(pytest.param(default_library(), id="shipped-library"))
    LIBRARIES_BY_ID["shipped-library"] = default_library()


def maybe(strategy):
    return st.none() | strategy


@st.composite
def gates(draw, start: date):
    running_allowed = draw(st.sampled_from([True, True, True, False]))
    wait_days = draw(st.just(0) | st.integers(0, 120))  # most cleared patients may run from the start
    baseline = draw(maybe(st.integers(140, 200)))
    return {
        "running_allowed": running_allowed,
        "running_allowed_from": (start + timedelta(days=wait_days)).isoformat() if running_allowed else None,
        "blocked_by": [] if running_allowed else ["under_12_weeks_postpartum"],
        "weeks_postpartum": draw(maybe(st.integers(0, 100))),
        "breastfeeding": draw(st.booleans()),
        "extra_rest_day": draw(st.booleans()),
        "buggy_allowed_from": draw(maybe(st.integers(0, 200).map(lambda n: (start + timedelta(days=n)).isoformat()))),
        "contraindications": draw(st.lists(st.sampled_from(sorted(Contraindication)), unique=True).map(sorted)),
        "impact_readiness": draw(st.sampled_from(["passed", "failed", "not_assessed"])),
        "cadence_spm": baseline,
    }


current_running = st.builds(
    CurrentRunning,
    runs_per_week=maybe(st.integers(0, 7)),
    current_weekly_km=maybe(st.floats(0, 80, allow_nan=False)),
    longest_run_30d_km=maybe(st.floats(0, 30, allow_nan=False)),
    nprs_during_run=maybe(st.integers(0, 10)),
    pain_onset_run_minutes=maybe(st.integers(0, 120)),
    weekly_km_before_symptoms=maybe(st.floats(0, 100, allow_nan=False)),
    goal=maybe(st.sampled_from(["easy_running", "5k", "10k", "half", "marathon", "ultra"])),
    pace_min_per_km=maybe(st.floats(4, 8, allow_nan=False)),
)


@st.composite
def plan_requests(draw):
    start = draw(st.dates(date(2026, 1, 1), date(2028, 12, 31)))
    drawn_gates = draw(gates(start))
    low, high = cadence_range(drawn_gates["cadence_spm"])
    return PlanRequest(
        start=start,
        condition=draw(st.sampled_from(sorted(Condition))),
        causes=draw(st.lists(st.sampled_from(sorted(Cause)), unique=True, max_size=6)),
        gates=drawn_gates,
        running=draw(current_running),
        weeks=draw(st.integers(MIN_WEEKS, MAX_WEEKS)),
        start_level=draw(maybe(st.integers(1, 8))),
        cadence_target_spm=draw(maybe(st.integers(low, high))),
        strength_days_per_week=draw(maybe(st.integers(1, 3))),
    )


def dose_part(part):
    low, high = DOSE_LIMITS[part]
    return st.integers(low, high)


@st.composite
def physio_programmes(draw, request: PlanRequest, library_id: str):
    """A home programme a physio could choose for this patient: exercises the patient may do, of the kinds a
    programme holds, within the caps, with hip and knee work for patellofemoral pain; any dose within the limits.
    The library is named by its id and exercises are drawn by slug, so hypothesis never prints whole libraries."""
    allowed = [
        spec
        for spec in ExercisePool(LIBRARIES_BY_ID[library_id], request.gates.contraindications).allowed
        if spec.kind in MAIN_KINDS | DAILY_KINDS and not is_impact(spec)
    ]
    main = [spec.slug for spec in allowed if spec.kind in MAIN_KINDS]
    daily = [spec.slug for spec in allowed if spec.kind in DAILY_KINDS]
    by_slug = {spec.slug: spec for spec in allowed}
    chosen = []
    for requirement in REQUIREMENTS.get(request.condition, ()):
        options = [slug for slug in main if requirement.met_by(by_slug[slug]) and slug not in chosen]
        assume(options)
        chosen.append(draw(st.sampled_from(options)))
    extra_main = draw(st.lists(st.sampled_from(main), unique=True, max_size=MAIN_EXERCISES_MAX)) if main else []
    chosen += [slug for slug in extra_main if slug not in chosen][: MAIN_EXERCISES_MAX - len(chosen)]
    chosen += draw(st.lists(st.sampled_from(daily), unique=True, max_size=DAILY_EXERCISES_MAX)) if daily else []
    assume(chosen)
    programme = []
    for slug in draw(st.permutations(chosen)):
        amount = draw(st.sampled_from(["reps", "hold_s", "minutes"]))
        programme.append(
            Prescription(
                slug,
                sets=draw(maybe(dose_part("sets"))),
                reps=draw(dose_part("reps")) if amount == "reps" else draw(maybe(dose_part("reps"))),
                hold_s=draw(dose_part("hold_s")) if amount == "hold_s" else draw(maybe(dose_part("hold_s"))),
                minutes=draw(dose_part("minutes")) if amount == "minutes" else None,
                per_week=draw(dose_part("per_week")),
            )
        )
    return tuple(programme)


def build(request, library):
    try:
        return build_plan(request, library)
    except PlanError as error:  # the physio's level 8, or a programme too big for the week, is refused with a reason
        assert (request.start_level == 8 and "level 8" in str(error)) or (
            request.programme is not None and "does not fit" in str(error)
        )
        assume(False)
    except NoSuitableExercise:  # a library without an allowed required exercise cannot make the condition's plan
        assert request.condition in REQUIREMENTS
        assume(False)


@pytest.mark.parametrize("library", LIBRARIES)
@PROPERTIES
@given(request=plan_requests())
def test_every_built_plan_satisfies_every_invariant(library, request):
    plan = build(request, library)
    assert request_violations(plan, request, library) == []
    assert len([s for w in plan["weeks"] for s in w["sessions"]]) == 7 * request.weeks
    if not request.gates.running_allowed:
        assert plan["earliest_run_date"] is None
        assert not any(s["kind"] in ("run", "impact") for w in plan["weeks"] for s in w["sessions"])
    assert_running_never_collapses(plan, runs_a_week=2 if request.gates.extra_rest_day else 3)


@pytest.mark.parametrize("library_id", LIBRARIES_BY_ID)
@settings(PROPERTIES, max_examples=examples(100))
@given(data=st.data())
def test_every_plan_with_a_physio_programme_satisfies_every_invariant(library_id, data):
    library = LIBRARIES_BY_ID[library_id]
    automatic = data.draw(plan_requests())
    programme = data.draw(physio_programmes(automatic, library_id))
    request = PlanRequest(**{**automatic.__dict__, "programme": programme})
    plan = build(request, library)
    assert request_violations(plan, request, library) == []
    assert [entry["code"] for entry in plan["programme"]] == [p.slug for p in programme]
    first_strength_week = next((w for w in plan["weeks"] if any(s["kind"] == "strength" for s in w["sessions"])), None)
    if first_strength_week is not None:  # the physio's strength work starts as prescribed
        planned = {e["code"]: e for s in first_strength_week["sessions"] for e in s["exercises"]}
        for prescription in programme:
            if prescription.slug in {spec.slug for spec in library if spec.kind in MAIN_KINDS}:
                assert planned[prescription.slug]["sets"] == prescription.sets


def assert_running_never_collapses(plan, *, runs_a_week):
    """Safe is not enough: every run day of a running week holds a run (but in the week running starts, which may
    begin with the last impact rungs), and a build week runs at least a deload week's share of the week before (less
    a minute a run for rounding down)."""
    weekly = []
    running_weeks = [week for week in plan["weeks"] if week["phase"] in ("walk_run", "build")]
    for week in plan["weeks"]:
        runs = [s["run"] for s in week["sessions"] if s["kind"] == "run"]
        if week in running_weeks[1:]:
            assert len(runs) == runs_a_week, week
        weekly.append(sum(run_minutes(run) for run in runs))
        if week["phase"] == "build" and week["week"] > 1 and weekly[-2]:
            assert weekly[-1] >= DELOAD_FACTOR * weekly[-2] - runs_a_week, week


@PROPERTIES
@given(request=plan_requests())
def test_building_the_same_request_twice_gives_the_same_plan(request):
    assert build(request, LIBRARY) == build(request, LIBRARY)


@settings(PROPERTIES, max_examples=examples(60))
@given(request=plan_requests(), lights=st.lists(st.sampled_from([GREEN, GREEN, AMBER, RED]), min_size=1, max_size=25))
def test_re_planning_after_logged_sessions_keeps_every_invariant(request, lights):
    plan = build(request, LIBRARY)
    history: list[LoggedSession] = []
    for light in lights:
        logged = {entry.log.session_date for entry in history}
        runs = [
            s for w in plan["weeks"] for s in w["sessions"] if s["kind"] == "run" and s["date"] not in map(str, logged)
        ]
        if not runs:
            break
        session = runs[0]
        day = date.fromisoformat(session["date"])
        plan, _ = apply_log(plan, session_date=day, light=light, today=day, history=history)
        assert request_violations(plan, request, LIBRARY) == []
        history.append(LoggedSession(SessionLog(day, level=session["run"]["level"]), light))
    # A rebuilt plan with the same logs replayed is the plan the logs made, session by session.
    assert replay_logs(build(request, LIBRARY), history) == plan


MISSED = "missed"  # a load session the patient neither does nor logs


def next_load_session(plan: dict, after: date) -> dict | None:
    return next(
        (
            s
            for w in plan["weeks"]
            for s in w["sessions"]
            if s["kind"] in ("run", "impact") and date.fromisoformat(s["date"]) > after
        ),
        None,
    )


LOGGED_OR_MISSED = st.lists(st.sampled_from([GREEN, GREEN, AMBER, RED, MISSED, MISSED]), min_size=1, max_size=25)


def assert_logged_or_missed_keeps_every_invariant(request, events, every_night):
    """Each load session ahead logged with a light or missed, the catch-up every night or only now and then (a night
    the job did not run, a plan rebuilt on a day), every invariant checked at each step."""
    plan = build(request, LIBRARY)
    history: list[LoggedSession] = []
    done = date.fromisoformat(plan["start"]) - timedelta(days=1)
    for turn, event in enumerate([*events, MISSED]):
        session = next_load_session(plan, done)
        if session is None:
            break
        day = date.fromisoformat(session["date"])
        gap = (day - done).days
        nights = range(1, gap + 1) if every_night else [turn % gap + 1]  # any one night, the grace day's too
        for night in (done + timedelta(days=n) for n in nights):
            plan, _ = catch_up_missed(plan, history=history, today=night)
            assert request_violations(plan, request, LIBRARY) == []
        session = session_on(plan, day)
        if event != MISSED and session["kind"] in ("run", "impact"):
            level = session["run"]["level"] if session["kind"] == "run" else None
            step = session["impact"]["step"] if session["kind"] == "impact" else None
            entry = LoggedSession(SessionLog(day, level=level, step=step, next_morning_pain=0), event)
            history.append(entry)
            plan, _ = apply_log(plan, session_date=day, light=event, today=day, history=history)
            assert request_violations(plan, request, LIBRARY) == []
        done = day


@settings(PROPERTIES, max_examples=examples(300))
@given(request=plan_requests(), events=LOGGED_OR_MISSED, every_night=st.booleans())
def test_sessions_logged_or_missed_and_caught_up_keep_every_invariant(request, events, every_night):
    assert_logged_or_missed_keeps_every_invariant(request, events, every_night)


@settings(PROPERTIES, max_examples=examples(150))
@given(
    running=st.builds(pain_free_runner, longest_run_30d_km=st.sampled_from([3, 6, 10])),
    weeks=st.integers(4, 16),
    events=LOGGED_OR_MISSED,
    every_night=st.booleans(),
)
def test_a_runner_in_the_build_phase_logging_or_missing_runs_keeps_every_invariant(running, weeks, events, every_night):
    assert_logged_or_missed_keeps_every_invariant(plan_request(running=running, weeks=weeks), events, every_night)


@pytest.mark.parametrize("spec", LIBRARY, ids=lambda spec: spec.slug)
def test_dose_never_goes_back_over_the_weeks(spec):
    pool = ExercisePool(LIBRARY)
    [item] = pool.with_chains([Item(spec, frozenset(spec.categories))])
    doses = [dose_for_week(item, week) for week in range(26)]
    for (before, old), (after, new) in itertools.pairwise(doses):
        if before == after and "TENDON_LOAD" in before.categories:  # reference §4.5: fewer, heavier repetitions
            assert new.sets == old.sets and (new.reps or 0) <= (old.reps or 0)
        elif before == after:
            assert all(
                (getattr(new, part) or 0) >= (getattr(old, part) or 0) for part in ("sets", "reps", "hold_s", "minutes")
            )
        else:
            assert after.slug in before.progressions
