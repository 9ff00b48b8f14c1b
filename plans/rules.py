"""The plan's clinical rules as data: every threshold of the plan builder, the walk/run and impact ladders, the
progression rules and the plan invariants, each with the section of `../shared/clinical/reference.md` it comes from,
and the table of rules that use them. The assessment's own rules and thresholds are in `intake/assessment/rules.py`.

Pure Python. A lead physiotherapist finds any rule here in one hop: `RULES` names each rule by id (the reference's
own where it has one: P1 … P11, RF19), says what it does and which thresholds it reads; `THRESHOLDS` gives each
threshold its value and source. A source that starts with "not in the reference" is Runback's conservative choice,
waiting for the clinic's sign-off. The modules that apply the rules import the values from here, and
`tests/plans/test_rules.py` pins each one at its boundary, so a change is always deliberate (bump `BUILDER_VERSION`
in `plans/builder.py` too).
"""

from dataclasses import dataclass

NOT_IN_REFERENCE = "not in the reference"


@dataclass(frozen=True)
class Threshold:
    name: str
    value: float | int | tuple
    source: str

    @property
    def chosen(self) -> bool:
        """Runback's own choice where the reference gives no value."""
        return self.source.startswith(NOT_IN_REFERENCE)


THRESHOLDS: dict[str, Threshold] = {}


def threshold(name: str, value, source: str):
    THRESHOLDS[name] = Threshold(name, value, source)
    return value


# --- Traffic lights of a logged session (§9.3 P1, P3, P4; §4.2 app default; §4.4 for impact rungs) -------------
GREEN_PAIN_MAX = threshold("GREEN_PAIN_MAX", 3, "reference §9.3 P1; §4.2 app default; §4.4 (rung passed ≤ 3/10)")
AMBER_PAIN_MAX = threshold("AMBER_PAIN_MAX", 5, "reference §9.3 P3 (4–5/10 repeats) and P4 (above 5/10 is red)")
# The intake's morning after a run (§6.3: none, settles_within_1h, lasts_over_1h, worse_next_day), read as §9.3's
# next morning: the reference names the input, not how each answer lights.
MORNING_AFTER_RUN_GREEN = threshold(
    "MORNING_AFTER_RUN_GREEN",
    ("none",),
    f"{NOT_IN_REFERENCE}: only 'fine, no pain' is P1's next morning no worse than baseline; 'sore, but it settles "
    "within an hour' is P3's mild stiffness that resolves (amber)",
)
MORNING_AFTER_RUN_RED = threshold(
    "MORNING_AFTER_RUN_RED",
    ("lasts_over_1h", "worse_next_day"),
    f"{NOT_IN_REFERENCE}: sore for more than an hour, or worse than the day before, is P4's pain or stiffness still "
    "above baseline the next morning (red)",
)

# --- The walk/run ladder (§9.2, §9.3) -----------------------------------------------------------------------------
MIN_EXPOSURES = threshold("MIN_EXPOSURES", 2, "reference §9.3 P2 (military RCT): each level at least twice")
CONTINUOUS_RUN_MIN = threshold("CONTINUOUS_RUN_MIN", (20, 30), "reference §9.2 level 7: 20–30 min continuous")
CONTINUOUS_STEP_MIN = threshold(
    "CONTINUOUS_STEP_MIN", 5, f"{NOT_IN_REFERENCE}: level 7's 20–30 minutes climbed in 5-minute steps, one a session"
)
MILESTONE_RUN_MIN = threshold(
    "MILESTONE_RUN_MIN",
    30,
    "reference §9.2 level 7: the top of its 20–30 min continuous run, the clinic's return-to-run milestone",
)
RED_REPEAT_WINDOW_DAYS = threshold("RED_REPEAT_WINDOW_DAYS", 14, "reference §9.3 P5: 2 reds within 14 days")
MISSED_SESSION_GRACE_DAYS = threshold(
    "MISSED_SESSION_GRACE_DAYS",
    1,
    f"{NOT_IN_REFERENCE}: a run or impact session not logged by the end of the day after it counts as missed (the "
    "patient answers that morning's questions then), not as done",
)
TREND_WEEKS = threshold("TREND_WEEKS", 3, "reference §9.3 P9: weekly averages up 2 weeks in a row (3 weeks)")
SPIKE_FACTOR = threshold("SPIKE_FACTOR", 1.10, "reference §9.3 P7; §4.3 (Frandsen 2025)")
SPIKE_WINDOW_DAYS = threshold("SPIKE_WINDOW_DAYS", 30, "reference §9.3 P7; §4.3 (Frandsen 2025)")
WEEKLY_RISE_FACTOR = threshold("WEEKLY_RISE_FACTOR", 1.10, "reference §9.3 P8; §4.3 (Nielsen 2014)")
DELOAD_EVERY_WEEKS = threshold("DELOAD_EVERY_WEEKS", 4, "reference §9.3 P8: a deload week every 3–4 weeks [S]")
DELOAD_FACTOR = threshold(
    "DELOAD_FACTOR", 0.9, f"{NOT_IN_REFERENCE}: a deload week runs 90 % of the week before, so later rises stay ≤ 10 %"
)
HEAVY_LIGHT_MEDIUM = threshold(
    "HEAVY_LIGHT_MEDIUM",
    (1.0, 0.6, 0.8),
    f"{NOT_IN_REFERENCE} (the pattern is §4.1 C and §9.2 level 8, MGH; these weights are Runback's)",
)
ASSUMED_PACE_MIN_PER_KM = threshold(
    "ASSUMED_PACE_MIN_PER_KM",
    5.0,
    f"{NOT_IN_REFERENCE}: turns a distance into minutes when the physio has not entered the patient's easy pace; "
    "quicker than most easy running, so every cap derived from a distance is lower",
)
MAX_RUNS_PER_WEEK = threshold("MAX_RUNS_PER_WEEK", 4, "reference §9.2 level 8: 3–4 sessions a week")

# --- Phases and the calendar ----------------------------------------------------------------------------------------
FOUNDATION_WEEKS = threshold(
    "FOUNDATION_WEEKS",
    2,
    f"{NOT_IN_REFERENCE} (the case-format example has 2): strength and low-impact aerobic work before impact (§1.6)",
)
POSTPARTUM_REST_WEEKS = threshold(
    "POSTPARTUM_REST_WEEKS", 3, "reference §8 RF17 (Delphi 2024): pelvic floor exercises and walking only until then"
)
STRENGTH_DAYS = threshold(
    "STRENGTH_DAYS", 3, "reference §5: Esculier 2018, 3–4 exercises three times a week; the usual trial dose 3×/week"
)
CADENCE_INCREASE = threshold("CADENCE_INCREASE", (0.05, 0.10), "reference §2.7 and §9.3 P10: baseline × 1.05–1.10")
SWIM_AFTER_BIRTH_WEEKS = threshold(
    "SWIM_AFTER_BIRTH_WEEKS",
    6,
    f"{NOT_IN_REFERENCE} (§1.6 says 'swimming once healed'): not before 6 weeks after a vaginal birth",
)
SWIM_AFTER_CAESAREAN_WEEKS = threshold(
    "SWIM_AFTER_CAESAREAN_WEEKS",
    8,
    f"{NOT_IN_REFERENCE} (§1.6 says 'swimming once healed'): not before 8 weeks after a caesarean",
)

# --- The home programme (§5, §7 notes) -------------------------------------------------------------------------------
MAX_EXERCISES_PER_SESSION = threshold(
    "MAX_EXERCISES_PER_SESSION", 5, "reference §5 (3–4 once independent, Barton 2015) and the case-format invariants"
)
MAIN_EXERCISES_MAX = threshold("MAIN_EXERCISES_MAX", 4, "reference §2.5, §5 and §7 notes: 3–4 exercises (Barton 2015)")
DAILY_EXERCISES_MAX = threshold(
    "DAILY_EXERCISES_MAX",
    4,
    f"{NOT_IN_REFERENCE}: at most 4 short exercises besides strength work (stretches, pelvic floor, balance)",
)
LOAD_DAY_PROGRAMME_MAX = threshold(
    "LOAD_DAY_PROGRAMME_MAX",
    2,
    f"{NOT_IN_REFERENCE}: a run or impact day keeps room for its own drills, so at most 2 programme exercises",
)
STRETCH_MIN_PER_WEEK = threshold(
    "STRETCH_MIN_PER_WEEK", 3, "reference §5: 3 days a week worked (Ayala 2010) and keeps the gains (Reid & Kim 2014)"
)
EASY_START_MAX_LEVEL = threshold(
    "EASY_START_MAX_LEVEL", 2, f"{NOT_IN_REFERENCE}: a programme starts with library levels 1–2 where it can"
)
DOSAGE_STEP_WEEKS = threshold(
    "DOSAGE_STEP_WEEKS",
    2,
    f"{NOT_IN_REFERENCE} (§5 says progress when 1–2 extra repetitions are achievable, ACSM [U]): a dose step "
    "every 2 weeks",
)
MAX_SETS = threshold("MAX_SETS", 3, "reference §5: the usual 3 × 10 of PFP trials [U]")
REPS_STEP = threshold("REPS_STEP", 2, "reference §5: progress when 1–2 extra repetitions are achievable (ACSM [U])")
MAX_REPS = threshold("MAX_REPS", 15, f"{NOT_IN_REFERENCE}: repetitions stop rising at 15 (8–12 RM is §5's range [U])")
HOLD_STEP_S = threshold("HOLD_STEP_S", 5, f"{NOT_IN_REFERENCE}: holds lengthen by 5 s a step")
HOLD_MAX_FACTOR = threshold("HOLD_MAX_FACTOR", 2, f"{NOT_IN_REFERENCE}: a hold grows to twice its starting length")
DEFAULT_CROSS_TRAIN_MIN = threshold("DEFAULT_CROSS_TRAIN_MIN", 30, "reference §9.1: the 30-minute brisk walk")

# --- The impact ladder (§4.4) and tendon loading (§4.5) --------------------------------------------------------------
IMPACT_SESSIONS_PER_STEP = threshold(
    "IMPACT_SESSIONS_PER_STEP", 1, "reference §4.4: each rung is passed by one session with pain ≤ 3/10"
)
IMPACT_EXERCISES_PER_STEP = threshold(
    "IMPACT_EXERCISES_PER_STEP", 2, f"{NOT_IN_REFERENCE}: at most two variations of a rung in one impact session"
)


@dataclass(frozen=True)
class ImpactStep:
    step: int  # the rung's number in reference §4.4, counted from 1
    words: str


# reference §4.4: the proposed app ladder. Rungs 1–3 (bilateral squat, split squat or step-up, single-leg squat ×10)
# are loading exercises the home programme trains; rung 9 is the walk/run ladder itself. The impact sessions climb
# rungs 4–8; a library exercise names its rung in `impact_step`.
IMPACT_STEPS = (
    ImpactStep(4, "double-leg pogo jumps"),
    ImpactStep(5, "jog on the spot for 1 minute"),
    ImpactStep(6, "forward bounds ×10"),
    ImpactStep(7, "single-leg hops ×10 each side"),
    ImpactStep(8, "single-leg hops in several directions"),
)
FIRST_IMPACT_STEP, LAST_IMPACT_STEP = IMPACT_STEPS[0].step, IMPACT_STEPS[-1].step

HSR_REPS = threshold(
    "HSR_REPS", (15, 12, 10, 8, 6), "reference §4.5 (Kongsgaard 2009): heavy slow resistance from 15 RM to 6 RM"
)

TENDON_STAGES = {
    # reference §4.5: the tendon-loading programme of patellar tendinopathy (§7 row 19)
    1: "isometric holds (5 × 45 s, daily; Rio 2015, 2017)",
    2: "heavy slow resistance (3–4 sets, 3 s down and 3 s up, every second day; Kongsgaard 2009)",
    3: "energy storage: the impact ladder, 2–3 times a week on non-consecutive days (Malliaras 2015)",
    4: "return to running: the walk/run ladder once stage 3 is tolerated (Malliaras 2015)",
}


# --- The rules ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRule:
    id: str
    source: str
    does: str
    thresholds: tuple[str, ...] = ()


RULES = (
    # Logged sessions (§9.3, §9.4): the traffic light, then what it changes ahead.
    PlanRule(
        "P1",
        "reference §9.3 P1",
        "green: pain during ≤ 3/10, not escalating, no limp, no swelling, next morning no worse than usual, no pelvic "
        "floor symptoms; counts towards moving up",
        ("GREEN_PAIN_MAX",),
    ),
    PlanRule("P2", "reference §9.3 P2", "two green sessions at a walk/run level before the next", ("MIN_EXPOSURES",)),
    PlanRule(
        "P3",
        "reference §9.3 P3; §4.2",
        "amber (pain 4–5/10, or the session not finished): repeat the level or rung",
        ("AMBER_PAIN_MAX",),
    ),
    PlanRule(
        "P4",
        "reference §9.3 P4 (MGH; Advanced Ortho)",
        "red: rest, skip the next run or impact session, then one level (or rung) lower",
        ("AMBER_PAIN_MAX",),
    ),
    PlanRule(
        "P5",
        "reference §9.3 P5",
        "two reds within 14 days, or a red at the level a red dropped the patient to: the physio reviews, and runs "
        "and impact sessions wait until they resume them",
        ("RED_REPEAT_WINDOW_DAYS",),
    ),
    PlanRule(
        "RF19",
        "reference §8 RF19; §7 row 13; §9.3 P4 and P11",
        "a logged leak, heaviness, pelvic pain or bowel symptom: red, refer to pelvic health, and no running or impact "
        "until the physio resumes them",
    ),
    PlanRule(
        "P9",
        "reference §9.3 P9 [U]",
        "weekly pain or stiffness up two weeks in a row: hold the level",
        ("TREND_WEEKS",),
    ),
    PlanRule(
        "MISSED",
        "reference §9.3 P2 (each level completed at least twice), read by Runback: a session not logged is not one",
        "a run or impact session not logged is not counted: the load days ahead start again from where the logged "
        "sessions leave the patient, rather than from a schedule that assumed it done and green; a build-phase run "
        "missed goes back to level 7 as a red does (P4), and the build phase's guards leave missed runs out (P7, P8)",
        ("MISSED_SESSION_GRACE_DAYS",),
    ),
    PlanRule(
        "IMPACT",
        "reference §4.4",
        "impact rungs 4–8 in order, one session each; a green session passes the rung, amber repeats it, red rests "
        "and steps back a rung; walk/run starts once the last rung is passed",
        ("IMPACT_SESSIONS_PER_STEP", "IMPACT_EXERCISES_PER_STEP", "GREEN_PAIN_MAX"),
    ),
    # The schedule.
    PlanRule(
        "LADDER",
        "reference §9.2",
        "walk/run levels 1–7, then the build phase (level 8)",
        ("CONTINUOUS_RUN_MIN", "CONTINUOUS_STEP_MIN"),
    ),
    PlanRule(
        "MILESTONE",
        "reference §9.2",
        "the clinic's outcomes count a patient as back to running on their first logged run without walking breaks "
        "(level 7 or the build phase) that the plan held at the milestone's length or more, done as planned (or "
        "reported as lasting that long) and not red (plans.outcomes)",
        ("MILESTONE_RUN_MIN",),
    ),
    PlanRule(
        "P7",
        "reference §9.3 P7; §4.3",
        "no run longer than 1.1 × the longest of the previous 30 days",
        ("SPIKE_FACTOR", "SPIKE_WINDOW_DAYS"),
    ),
    PlanRule(
        "P8",
        "reference §9.3 P8; §4.3",
        "weekly running rises at most 10 %, with a deload week every fourth",
        ("WEEKLY_RISE_FACTOR", "DELOAD_EVERY_WEEKS", "DELOAD_FACTOR", "HEAVY_LIGHT_MEDIUM", "ASSUMED_PACE_MIN_PER_KM"),
    ),
    PlanRule("P10", "reference §9.3 P10; §2.7", "runs at the target cadence", ("CADENCE_INCREASE",)),
    PlanRule("P11", "reference §9.3 P11", "short sleep or high fatigue: a rest day between every two runs"),
    PlanRule(
        "SPACING",
        "reference §9.2; §4.1 C, D",
        "never two runs on consecutive days, at most 4 a week",
        ("MAX_RUNS_PER_WEEK",),
    ),
    PlanRule(
        "PHASES",
        "reference §1.6, §4.4, §8 RF17",
        "foundation weeks before impact (none for a runner running green, the morning after included), pelvic floor "
        "and walking only until 3 weeks after birth",
        ("FOUNDATION_WEEKS", "POSTPARTUM_REST_WEEKS", "MORNING_AFTER_RUN_GREEN", "MORNING_AFTER_RUN_RED"),
    ),
    PlanRule(
        "SWIM",
        "reference §1.6",
        "after a birth, swimming only once healed",
        ("SWIM_AFTER_BIRTH_WEEKS", "SWIM_AFTER_CAESAREAN_WEEKS"),
    ),
    # The home programme.
    PlanRule(
        "PROGRAMME",
        "reference §5; §7 notes",
        "3–4 strength exercises three times a week, at most 5 exercises in a session, the dose rising step by step",
        (
            "STRENGTH_DAYS",
            "MAIN_EXERCISES_MAX",
            "MAX_EXERCISES_PER_SESSION",
            "DAILY_EXERCISES_MAX",
            "LOAD_DAY_PROGRAMME_MAX",
            "EASY_START_MAX_LEVEL",
            "DOSAGE_STEP_WEEKS",
            "MAX_SETS",
            "REPS_STEP",
            "MAX_REPS",
            "HOLD_STEP_S",
            "HOLD_MAX_FACTOR",
            "DEFAULT_CROSS_TRAIN_MIN",
        ),
    ),
    PlanRule(
        "PER_WEEK",
        "case-format invariants; reference §5",
        "an exercise prescribed N times a week is on exactly N days of each week; daily means every day; stretches "
        "may drop to 3 days a week to fit",
        ("STRETCH_MIN_PER_WEEK",),
    ),
    PlanRule("HIP_KNEE", "reference §2.5; §7 notes", "a patellofemoral pain plan always trains hip and knee"),
    PlanRule(
        "PFMT",
        "reference §1.1 recommendation 1; §5",
        "after a birth: fast, 10-second and 60-second pelvic floor squeezes together, every day",
    ),
    PlanRule(
        "CAESAREAN",
        "reference §1.5; §7 rows 14 and 15",
        "after a caesarean: deep abdominal work (abdominal wall rehabilitation)",
    ),
    PlanRule(
        "TENDON",
        "reference §4.5; §7 row 19",
        "patellar tendinopathy: isometric holds daily and heavy slow resistance every second day (fewer, heavier "
        "repetitions every DOSAGE_STEP_WEEKS), then the impact ladder, then the walk/run ladder",
        ("HSR_REPS", "DOSAGE_STEP_WEEKS"),
    ),
    PlanRule(
        "ITBS", "reference §7 row 20", "iliotibial band syndrome: hip abductors, cadence, and no downhill running"
    ),
    PlanRule(
        "MENISCAL",
        "reference §8 RF22; §7 row 21",
        "possible meniscal injury: referral and clinician review; no running or impact until the physio decides",
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}
