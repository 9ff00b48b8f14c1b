"""The walk/run ladder of reference §9.2 as data, and where a patient stands on it.

Pure Python. Levels 1–6 are walk/run intervals, level 7 is a continuous run of 20–30 minutes and level 8 is the
build phase (volume rises by the load guards of `plans.running`). The planned schedule assumes every session is green
(reference §9.3 P1) and moves up a level after the minimum exposures (P2); `plans.progression` moves patients back
when they log pain.
"""

from dataclasses import dataclass

from plans.rules import CONTINUOUS_RUN_MIN, CONTINUOUS_STEP_MIN, MIN_EXPOSURES


@dataclass(frozen=True)
class WalkRunLevel:
    level: int
    walk_min: int
    run_min: int  # minutes per running bout; at level 7 the first continuous run
    repeats: int
    sessions_per_week: int = 3  # reference §9.2: 3 sessions a week, at least one rest day between them

    @property
    def total_run_min(self) -> int:
        return self.run_min * self.repeats


# reference §9.2 (levels 1–6 follow the clinic ladder, stepaheadathlete / Brigham start [S])
LEVELS = (
    WalkRunLevel(1, walk_min=5, run_min=1, repeats=5),
    WalkRunLevel(2, walk_min=4, run_min=2, repeats=5),
    WalkRunLevel(3, walk_min=3, run_min=3, repeats=5),
    WalkRunLevel(4, walk_min=2, run_min=4, repeats=5),
    WalkRunLevel(5, walk_min=1, run_min=5, repeats=5),
    WalkRunLevel(6, walk_min=1, run_min=10, repeats=3),
    WalkRunLevel(7, walk_min=0, run_min=20, repeats=1),
)
FIRST_LEVEL = 1
CONTINUOUS_LEVEL = 7
BUILD_LEVEL = 8


def walk_run_level(level: int) -> WalkRunLevel:
    if not FIRST_LEVEL <= level <= CONTINUOUS_LEVEL:
        raise ValueError(f"walk/run levels run from {FIRST_LEVEL} to {CONTINUOUS_LEVEL} (got {level})")
    return LEVELS[level - 1]


def exposures_needed(level: int) -> int:
    """Green sessions at `level` before the next level (P2); level 7 needs one per 5-minute step up to 30."""
    if level == CONTINUOUS_LEVEL:
        low, high = CONTINUOUS_RUN_MIN
        return max(MIN_EXPOSURES, (high - low) // CONTINUOUS_STEP_MIN + 1)
    return MIN_EXPOSURES


@dataclass(frozen=True)
class LadderState:
    """Where the patient is: the level of the next run and the green sessions already done at that level."""

    level: int
    greens: int = 0

    @property
    def in_build(self) -> bool:
        return self.level >= BUILD_LEVEL

    def run(self) -> dict:
        """The `run` object of the next walk/run session at this level (case-format plan)."""
        spec = walk_run_level(self.level)
        run_min = spec.run_min
        if self.level == CONTINUOUS_LEVEL:
            low, high = CONTINUOUS_RUN_MIN
            run_min = min(high, low + CONTINUOUS_STEP_MIN * self.greens)
        return {
            "level": self.level,
            "walk_min": spec.walk_min,
            "run_min": run_min,
            "repeats": spec.repeats,
            "total_run_min": run_min * spec.repeats,
        }

    def after_green(self) -> "LadderState":
        """P1 and P2: a green session counts; enough of them at a level move the patient up one level."""
        if self.in_build:
            return self
        greens = self.greens + 1
        if greens >= exposures_needed(self.level):
            return LadderState(self.level + 1)
        return LadderState(self.level, greens)

    def after_amber(self) -> "LadderState":
        """P3: repeat the current level; an amber session is not an exposure that counts towards P2."""
        return self

    def after_red(self) -> "LadderState":
        """P4: drop one level (from the build phase back to level 7) and start its exposures again."""
        return LadderState(max(FIRST_LEVEL, min(self.level, BUILD_LEVEL) - 1))
