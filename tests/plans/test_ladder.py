import pytest

from plans.ladder import BUILD_LEVEL, LEVELS, LadderState, exposures_needed, walk_run_level
from plans.rules import MIN_EXPOSURES


@pytest.mark.parametrize(
    ("level", "walk", "run", "repeats", "total"),
    [(1, 5, 1, 5, 5), (2, 4, 2, 5, 10), (3, 3, 3, 5, 15), (4, 2, 4, 5, 20), (5, 1, 5, 5, 25), (6, 1, 10, 3, 30)],
)
def test_walk_run_levels_match_reference_table(level, walk, run, repeats, total):
    spec = walk_run_level(level)
    assert (spec.walk_min, spec.run_min, spec.repeats, spec.total_run_min) == (walk, run, repeats, total)
    assert spec.sessions_per_week == 3


def test_level_7_is_one_continuous_run_of_20_minutes_to_start():
    assert LadderState(7).run() == {"level": 7, "walk_min": 0, "run_min": 20, "repeats": 1, "total_run_min": 20}


@pytest.mark.parametrize(("greens", "minutes"), [(0, 20), (1, 25), (2, 30), (5, 30)])
def test_level_7_climbs_from_20_to_30_minutes(greens, minutes):
    assert LadderState(7, greens).run()["run_min"] == minutes


def test_walk_run_level_rejects_build_level():
    with pytest.raises(ValueError, match="from 1 to 7"):
        walk_run_level(BUILD_LEVEL)


@pytest.mark.parametrize("level", [spec.level for spec in LEVELS])
def test_every_level_needs_at_least_the_minimum_exposures(level):
    assert exposures_needed(level) >= MIN_EXPOSURES == 2


@pytest.mark.parametrize(
    ("state", "after"),
    [
        (LadderState(1, 0), LadderState(1, 1)),
        (LadderState(1, 1), LadderState(2, 0)),
        (LadderState(6, 1), LadderState(7, 0)),
        (LadderState(7, 1), LadderState(7, 2)),
        (LadderState(7, 2), LadderState(8, 0)),
        (LadderState(8, 0), LadderState(8, 0)),
    ],
)
def test_green_moves_up_only_after_the_minimum_exposures(state, after):
    assert state.after_green() == after


@pytest.mark.parametrize("state", [LadderState(1), LadderState(3, 1), LadderState(8)])
def test_amber_repeats_the_level(state):
    assert state.after_amber() == state


@pytest.mark.parametrize(
    ("state", "after"),
    [(LadderState(3, 1), LadderState(2)), (LadderState(1, 1), LadderState(1)), (LadderState(8), LadderState(7))],
)
def test_red_drops_one_level_and_restarts_its_exposures(state, after):
    assert state.after_red() == after
