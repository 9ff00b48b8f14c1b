"""The assessment rules as data: red flags, the differential, contributing causes, exercise contraindications and the
answers still needed. `intake.assessment.engine` evaluates them; nothing here decides anything on its own.

Pure Python. How a rule is written:

- A `Finding` is something observed in the case: the field paths it `reads`, a predicate `when` that is true when it
  is present, and the `evidence` text it contributes, in plain clinical words. The text may name the value of each
  field it reads by the field's last key (`{weekly_increase_pct:g}`), a derived value (`{weeks_postpartum}`,
  `{age_years}`, `{bmi}`, `{cadence_spm}`, `{condition}`) and any threshold by its upper-case name
  (`{SHORT_SLEEP_HOURS}`).
- A `Rule` gives a finding an output (a red flag, a condition, a cause or a contraindication), the section of
  `../shared/clinical/reference.md` it comes from, and for causes a weight. One finding may feed several rules (a
  urine leak is both red flag RF19 and evidence of pelvic floor dysfunction).
- A `NeedRule` names a field the physio still has to ask or examine, and when it matters.

Missing answers are unknown, never normal: every predicate is false when a field it reads is missing, so a rule
with missing inputs does not fire; the `NEED_RULES` say which missing answers matter.

Thresholds live in `THRESHOLDS`, each with its source. Changing one is a one-line change here; the boundary tests in
`tests/intake/test_rules.py` pin each value, so they fail until the change is deliberate (bump `ENGINE_VERSION` in
`intake/assessment/engine.py` too). A threshold marked "not in the reference" is Runback's conservative choice, to be
confirmed by the clinic's lead physiotherapist.
"""

from collections.abc import Callable
from dataclasses import dataclass

from intake.assessment.facts import CaseFacts, add_months
from intake.codes import ISSUING, RUNNING, Cause, Condition, Contraindication, Hold, RedFlag
from intake.schema import READINESS_TESTS

Predicate = Callable[[CaseFacts], bool]

THRESHOLDS = {
    # reference §8 RF2, Ottawa knee rule: age 55 or over after an acute injury
    "OTTAWA_AGE_YEARS": 55,
    # reference §8 RF17 (Delphi 2024, §1.7): under 3 weeks after birth, rest and recovery only
    "TOO_EARLY_POSTPARTUM_WEEKS": 3,
    # reference §8 RF18 and §1.1 (Goom 2019): no running before 12 weeks after birth
    "RUNNING_POSTPARTUM_WEEKS": 12,
    # reference §8 RF15: vaginal bleeding beyond 8 weeks after birth
    "BLEEDING_POSTPARTUM_WEEKS": 8,
    # reference §8 RF19: any pelvic pain (0..10) is a pelvic floor symptom
    "PELVIC_PAIN_NPRS": 1,
    # reference §1.3: 20 repetitions each side in the postnatal strength tests (also §7 rows 10 and 11)
    "STRENGTH_TEST_REPS": 20,
    # reference §1.2: single-leg balance for 10 seconds
    "SL_BALANCE_SECONDS": 10,
    # reference §1.5 and §8 RF21: buggy running from the baby's age of 6 months
    "BUGGY_BABY_MONTHS": 6,
    # reference §4.3 (Nielsen 2014): a weekly rise over 30% carries more injuries than under 10%
    "WEEKLY_INCREASE_HIGH_PCT": 30,
    "WEEKLY_INCREASE_PCT": 10,
    # Not in the reference: the case format has no run-by-run history for Frandsen's spike rule (§4.3), so a longest
    # run in the last 30 days above half the usual weekly distance stands in for a long-run spike.
    "LONG_RUN_SHARE_OF_WEEK": 0.5,
    # reference §7 row 5: low cadence "e.g. < 160–166 spm"; the upper end, so a borderline cadence reaches the physio
    "LOW_CADENCE_SPM": 166,
    # reference §1.7 (Christopher 2021): average sleep under 6.8 hours a night
    "SHORT_SLEEP_HOURS": 6.8,
    # Not in the reference (the study used a validated scale, "> 19"): 7 or more on the 0..10 fatigue item
    "HIGH_FATIGUE": 7,
    # Not in the reference (single-item proxy, §6.5 [U]): 6 or more on the 0..10 fear-of-movement item
    "HIGH_FEAR_OF_MOVEMENT": 6,
    # Not in the reference: running shoes with 600 km or more (the low end of the usual 500–800 km advice)
    "WORN_SHOE_KM": 600,
    # Not in the reference (no DRA cut-off, §11 item 9): a midline gap of 2 finger widths or more
    "DRA_FINGERS": 2,
    # reference §4.2 app default: pain up to 3/10 is acceptable; from 4/10 deep knee bending is not prescribed
    "PAINFUL_SQUAT_NPRS": 4,
    # reference §1.5 and §7 row 18: BMI over 30 after birth raises pelvic floor symptom risk
    "POSTPARTUM_BMI": 30,
    # reference §9.1 entry criteria: daily activities with pain up to 3/10
    "DAILY_PAIN_MAX": 3,
}

# Weights of cause evidence; a cause's score is the sum of its fired rules' weights, clipped to 1.
STRONG = 0.6  # the finding that defines the cause in its §7 row, usually from the examination
MODERATE = 0.4  # a supporting examination finding or a clear report
WEAK = 0.2  # a risk factor or an indirect report

# Roles of the differential's rules (see `DIFFERENTIAL_ORDER`).
SITE, PATTERN, AGAINST = "site", "pattern", "against"


# --- Comparisons: each is false when the field is missing, but `unanswered` --------------------------------------


def is_true(path: str) -> Predicate:
    return lambda facts: facts.get(path) is True


def is_false(path: str) -> Predicate:
    return lambda facts: facts.get(path) is False


def equals(path: str, *values: str) -> Predicate:
    return lambda facts: facts.get(path) in values


def other_than(path: str, *values: str) -> Predicate:
    """Answered, with anything but these values (e.g. a leak other than 'never')."""
    return lambda facts: facts.has(path) and facts.get(path) not in values


def includes(path: str, code: str) -> Predicate:
    return lambda facts: code in (facts.get(path) or ())


def below(path: str, limit: str) -> Predicate:
    return lambda facts: facts.has(path) and facts.get(path) < THRESHOLDS[limit]


def above(path: str, limit: str) -> Predicate:
    return lambda facts: facts.has(path) and facts.get(path) > THRESHOLDS[limit]


def at_least(path: str, limit: str) -> Predicate:
    return lambda facts: facts.has(path) and facts.get(path) >= THRESHOLDS[limit]


def unanswered(path: str) -> Predicate:
    """Not answered, or recorded as not done: the one comparison true of a missing field."""
    return lambda facts: facts.get(path) in (None, "not_done")


def between(path: str, lower: str, upper: str) -> Predicate:
    """Above the lower threshold, up to and including the upper one."""
    return lambda facts: facts.has(path) and THRESHOLDS[lower] < facts.get(path) <= THRESHOLDS[upper]


def all_of(*predicates: Predicate) -> Predicate:
    return lambda facts: all(predicate(facts) for predicate in predicates)


def always(facts: CaseFacts) -> bool:
    return True


# --- Named predicates on derived values ---------------------------------------------------------------------------


def is_postpartum(facts: CaseFacts) -> bool:
    return facts.is_postpartum


def not_postpartum(facts: CaseFacts) -> bool:
    return not facts.is_postpartum


def postpartum_under(limit: str) -> Predicate:
    """Fewer than THRESHOLDS[limit] completed weeks since the birth."""
    return lambda facts: facts.days_postpartum is not None and facts.days_postpartum < 7 * THRESHOLDS[limit]


def postpartum_at_least(limit: str) -> Predicate:
    return lambda facts: facts.days_postpartum is not None and facts.days_postpartum >= 7 * THRESHOLDS[limit]


def age_at_least(limit: str) -> Predicate:
    return lambda facts: facts.age_years is not None and facts.age_years >= THRESHOLDS[limit]


def bmi_above(limit: str) -> Predicate:
    return lambda facts: facts.bmi is not None and facts.bmi > THRESHOLDS[limit]


def cadence_below(limit: str) -> Predicate:
    return lambda facts: facts.cadence_spm is not None and facts.cadence_spm < THRESHOLDS[limit]


def baby_younger_than(limit: str) -> Predicate:
    """The baby is younger than THRESHOLDS[limit] months on the assessment date."""
    return lambda facts: (
        facts.delivery_date is not None and facts.as_of < add_months(facts.delivery_date, THRESHOLDS[limit])
    )


def long_run_spike(facts: CaseFacts) -> bool:
    longest, weekly = facts.get("intake.longest_run_30d_km"), facts.get("intake.weekly_km_before_symptoms")
    return longest is not None and bool(weekly) and longest > THRESHOLDS["LONG_RUN_SHARE_OF_WEEK"] * weekly


PATELLAR_SITES = frozenset({"patellar_facets", "inferior_pole", "superior_pole"})
# The other bones among the tenderness sites (the femur's lateral epicondyle, the tibia's tubercle); the joint lines
# are soft tissue. The fibular head is Ottawa's criterion of its own.
OTHER_BONY_SITES = frozenset({"lateral_epicondyle", "tibial_tubercle"})


def patellar_tenderness_only(facts: CaseFacts) -> bool:
    """Ottawa's 'isolated tenderness of the patella' (§8 RF2): in Stiell's rule, the source RF2 cites, tender on the
    kneecap with no other *bone* of the knee tender. A tender joint line beside it still counts: it is soft tissue,
    and reading it otherwise would let a possible fracture go without an X-ray."""
    sites = set(facts.get("findings.tenderness") or ())
    return bool(sites & PATELLAR_SITES) and not sites & OTHER_BONY_SITES


NON_PFP_CONDITIONS = (
    Condition.POSSIBLE_MENISCAL_INJURY,
    Condition.PATELLAR_TENDINOPATHY,
    Condition.ILIOTIBIAL_BAND_SYNDROME,
)


def condition_not_pfp(facts: CaseFacts) -> bool:
    return facts.condition in NON_PFP_CONDITIONS


# --- Findings, rules and needs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    reads: tuple[str, ...]
    when: Predicate
    evidence: str


@dataclass(frozen=True)
class Rule:
    id: str
    output: RedFlag | Condition | Cause | Contraindication | Hold
    finding: Finding
    source: str
    weight: float = 0.0  # causes only
    role: str = ""  # the differential only: SITE, PATTERN or AGAINST
    postpartum_only: bool = False

    @property
    def reads(self) -> tuple[str, ...]:
        if self.postpartum_only:
            return (*self.finding.reads, "intake.postpartum.delivery_date")
        return self.finding.reads

    def fires(self, facts: CaseFacts) -> bool:
        return (facts.is_postpartum or not self.postpartum_only) and self.finding.when(facts)

    def evidence(self, facts: CaseFacts) -> str:
        return self.finding.evidence.format(**facts.template_values(self.finding.reads), **THRESHOLDS)


@dataclass(frozen=True)
class NeedRule:
    """`path` is needed when `when` holds and the field is unanswered ('not_done' counts as unanswered).

    `blocks` says what an unanswered safety question stops until the physio answers it or gives a reason
    (`Hold.UNANSWERED_SAFETY_QUESTIONS`): ISSUING the plan, or RUNNING and impact as well (after an acute injury,
    while a fracture or a bleed in the joint is not excluded). Empty: needed for the plan, not for safety.
    """

    path: str
    when: Predicate
    source: str
    blocks: str = ""

    def needed(self, facts: CaseFacts) -> bool:
        return self.when(facts) and unanswered(self.path)(facts)


def finding(path: str, when: Predicate, evidence: str) -> Finding:
    """A finding that reads one field."""
    return Finding((path,), when, evidence)


ONSET = "intake.onset"
ACUTE_INJURY = equals(ONSET, "sudden_with_injury")
SUDDEN_ONSET = equals(ONSET, "sudden_with_injury", "sudden_no_injury")


def after_injury(path: str, when: Predicate, evidence: str) -> Finding:
    """A finding that counts only after an acute injury (onset sudden_with_injury)."""
    return Finding((path, ONSET), all_of(ACUTE_INJURY, when), evidence)


def aggravator(code: str, words: str) -> Finding:
    return finding("intake.aggravators", includes("intake.aggravators", code), f"pain {words}")


def tender(site: str, words: str) -> Finding:
    return finding("findings.tenderness", includes("findings.tenderness", site), f"tender over the {words}")


def pain_at(location: str, words: str) -> Finding:
    return finding("intake.pain_locations", includes("intake.pain_locations", location), f"pain {words}")


def recent_change(code: str, words: str) -> Finding:
    return finding("intake.recent_changes", includes("intake.recent_changes", code), f"recent change: {words}")


def yes(path: str, words: str) -> Finding:
    """A yes/no question (the patient's or the physio's) answered yes."""
    return finding(path, is_true(path), words)


# --- Findings shared by several rules -------------------------------------------------------------------------------

PP = "intake.postpartum."
URINE_LEAK = finding(PP + "urine_leak", other_than(PP + "urine_leak", "never"), "urine leak: {urine_leak}")
URGENCY_LEAK = finding(PP + "urgency_leak", other_than(PP + "urgency_leak", "never"), "urgency leak: {urgency_leak}")
HEAVINESS = finding(
    PP + "heaviness", other_than(PP + "heaviness", "never"), "pelvic heaviness or dragging: {heaviness}"
)
BOWEL_OR_WIND = yes(PP + "bowel_or_wind_control_problems", "problems controlling bowel or wind")
PELVIC_PAIN = finding(
    PP + "pelvic_pain_nprs", at_least(PP + "pelvic_pain_nprs", "PELVIC_PAIN_NPRS"), "pelvic pain {pelvic_pain_nprs}/10"
)
PELVIC_FLOOR_CHECK_FAILED = finding(
    "findings.pelvic_floor_check", equals("findings.pelvic_floor_check", "fail"), "pelvic floor check: failed"
)
ABDOMINAL_DOMING = yes(PP + "abdominal_doming", "abdominal doming or a midline gap (reported)")
WIDE_DRA = finding(
    "findings.dra_fingers",
    at_least("findings.dra_fingers", "DRA_FINGERS"),
    "midline gap of {dra_fingers:g} finger widths ({DRA_FINGERS} or more)",
)
SHORT_SLEEP = finding(
    "intake.sleep_hours",
    below("intake.sleep_hours", "SHORT_SLEEP_HOURS"),
    "sleeps {sleep_hours:g} hours a night (under {SHORT_SLEEP_HOURS})",
)
HIGH_FATIGUE = finding(
    PP + "fatigue", at_least(PP + "fatigue", "HIGH_FATIGUE"), "fatigue {fatigue}/10 ({HIGH_FATIGUE} or more)"
)
SQUATTING_HURTS = aggravator("squatting", "with squatting")
KNEELING_HURTS = aggravator("kneeling", "with kneeling")
SQUAT_REPRODUCES_PAIN = yes("findings.squat_reproduces_pain", "squat reproduces the pain")
SL_SQUAT_PAINFUL = finding(
    "findings.sl_squat.pain_nprs",
    at_least("findings.sl_squat.pain_nprs", "PAINFUL_SQUAT_NPRS"),
    "single-leg squat pain {pain_nprs}/10 ({PAINFUL_SQUAT_NPRS} or more)",
)
LOCKED_NOW = finding("intake.locking", equals("intake.locking", "current"), "knee locked now: cannot fully straighten")
EFFUSION = yes("findings.effusion", "effusion on examination")
MORNING_STIFFNESS = yes("intake.morning_stiffness_over_30min", "morning stiffness over 30 minutes")
OTHER_JOINTS_SWOLLEN = yes("intake.other_joints_swollen", "other joints swollen")
HOT_RED_KNEE = yes("intake.hot_red_knee", "hot, red knee")

# reference §1.2: the postnatal load and impact tests, in the words the physio reads
LOAD_TESTS = {
    "walk_30min": "walk 30 minutes",
    "sl_balance_10s": "single-leg balance 10 s",
    "sl_squat_10": "single-leg squat ×10",
    "jog_on_spot_1min": "jog on the spot 1 minute",
    "forward_bounds_10": "forward bounds ×10",
    "hop_in_place_10": "hop in place ×10",
    "running_man_10": "single-leg running man ×10",
}
# reference §9.1: the impact gate of runners who have not recently given birth (an adaptation, [U])
RUNNER_IMPACT_TESTS = ("jog_on_spot_1min", "hop_in_place_10")
LOAD_TEST_FAILED = {
    test: finding(
        f"findings.readiness.{test}", is_false(f"findings.readiness.{test}"), f"load test not passed: {words}"
    )
    for test, words in LOAD_TESTS.items()
}

# reference §1.3: the postnatal strength tests, 20 repetitions each side (the weaker side is recorded)
STRENGTH_TESTS = {
    "sl_calf_raise_reps": "single-leg calf raise",
    "sl_bridge_reps": "single-leg bridge",
    "sl_sit_to_stand_reps": "single-leg sit-to-stand",
    "side_lying_abduction_reps": "side-lying hip abduction",
}
CALF_RAISE_SHORT, BRIDGE_SHORT, SIT_TO_STAND_SHORT, ABDUCTION_SHORT = STRENGTH_TEST_SHORT = tuple(
    finding(
        f"findings.{field}",
        below(f"findings.{field}", "STRENGTH_TEST_REPS"),
        f"{words}: {{{field}}} reps (target {{STRENGTH_TEST_REPS}})",
    )
    for field, words in STRENGTH_TESTS.items()
)
# reference §1.2 test 2, measured in seconds rather than ticked: under 10 s is the load test failed
BALANCE_SHORT = finding(
    "findings.sl_balance_seconds",
    below("findings.sl_balance_seconds", "SL_BALANCE_SECONDS"),
    "single-leg balance {sl_balance_seconds} s (target {SL_BALANCE_SECONDS})",
)


# --- The differential (reference §2.2 and §2.8) --------------------------------------------------------------------
#
# A condition is concluded when at least one of its SITE rules and one of its PATTERN rules fire and none of its
# AGAINST rules does. Conditions are tried in DIFFERENTIAL_ORDER and the first that holds wins; none → unclear.
# The order: patellofemoral pain is diagnosed only once other causes, tibiofemoral ones included, are excluded
# (§2.2 B3), so the meniscal pattern comes first (it may need referral, §7 row 21), then the two localised
# overuse patterns (inferior pole, lateral epicondyle), and patellofemoral pain last.

DIFFERENTIAL_ORDER = (
    Condition.POSSIBLE_MENISCAL_INJURY,
    Condition.PATELLAR_TENDINOPATHY,
    Condition.ILIOTIBIAL_BAND_SYNDROME,
    Condition.PATELLOFEMORAL_PAIN,
)

MENISCUS, TENDON, ITB, PFP = DIFFERENTIAL_ORDER
CONDITION_RULES = (
    # Meniscal tear: joint-line pain or tenderness with a mechanical sign (§2.8, §7 row 21).
    Rule(
        "meniscal_site_joint_line_pain",
        MENISCUS,
        pain_at("inner_joint_line", "at the inner joint line"),
        "reference §2.8",
        role=SITE,
    ),
    Rule(
        "meniscal_site_medial_tender",
        MENISCUS,
        tender("medial_joint_line", "medial joint line"),
        "reference §2.8",
        role=SITE,
    ),
    Rule(
        "meniscal_site_lateral_tender",
        MENISCUS,
        tender("lateral_joint_line", "lateral joint line"),
        "reference §2.8",
        role=SITE,
    ),
    Rule(
        "meniscal_pattern_twisting", MENISCUS, aggravator("twisting", "with twisting"), "reference §2.8", role=PATTERN
    ),
    Rule(
        "meniscal_pattern_locking",
        MENISCUS,
        finding("intake.locking", equals("intake.locking", "past", "current"), "locking ({locking})"),
        "reference §2.8",
        role=PATTERN,
    ),
    Rule(
        "meniscal_pattern_catching",
        MENISCUS,
        finding("intake.catching", other_than("intake.catching", "never"), "catching ({catching})"),
        "reference §2.8",
        role=PATTERN,
    ),
    Rule(
        "meniscal_pattern_giving_way",
        MENISCUS,
        finding("intake.giving_way", other_than("intake.giving_way", "never"), "giving way ({giving_way})"),
        "reference §2.8",
        role=PATTERN,
    ),
    Rule("meniscal_pattern_effusion", MENISCUS, EFFUSION, "reference §2.8; §7 row 21", role=PATTERN),
    Rule(
        "meniscal_pattern_mcmurray",
        MENISCUS,
        yes("findings.mcmurray_positive", "McMurray test positive"),
        "reference §2.8",
        role=PATTERN,
    ),
    # Patellar tendinopathy: pain localised to the inferior pole, worse with jumping (§2.8 Malliaras 2015, §7 row 19).
    Rule(
        "tendon_site_below_kneecap", TENDON, pain_at("below_kneecap", "below the kneecap"), "reference §2.8", role=SITE
    ),
    Rule(
        "tendon_site_inferior_pole",
        TENDON,
        tender("inferior_pole", "inferior pole of the patella"),
        "reference §2.8",
        role=SITE,
    ),
    Rule(
        "tendon_pattern_jumping",
        TENDON,
        aggravator("jumping", "with jumping"),
        "reference §2.8; §7 row 19",
        role=PATTERN,
    ),
    # Iliotibial band syndrome: lateral knee pain, downhill or Noble positive; no effusion or locking (§2.8, §7 row 20).
    Rule("itb_site_outer_knee", ITB, pain_at("outer_knee", "at the outer knee"), "reference §2.8", role=SITE),
    Rule(
        "itb_site_lateral_epicondyle",
        ITB,
        tender("lateral_epicondyle", "lateral femoral epicondyle"),
        "reference §2.8",
        role=SITE,
    ),
    Rule(
        "itb_pattern_downhill",
        ITB,
        aggravator("downhill_running", "running downhill"),
        "reference §2.8; §7 row 20",
        role=PATTERN,
    ),
    Rule(
        "itb_pattern_noble",
        ITB,
        yes("findings.noble_test_positive", "Noble compression test positive"),
        "reference §2.8",
        role=PATTERN,
    ),
    Rule("itb_against_effusion", ITB, EFFUSION, "reference §2.8", role=AGAINST),
    Rule("itb_against_locking", ITB, LOCKED_NOW, "reference §2.8", role=AGAINST),
    # Patellofemoral pain: pain around or behind the patella, reproduced by loaded knee flexion (§2.2 A and B).
    Rule(
        "pfp_site_around_kneecap",
        PFP,
        pain_at("around_kneecap", "around or behind the kneecap"),
        "reference §2.2",
        role=SITE,
    ),
    Rule("pfp_site_patellar_facets", PFP, tender("patellar_facets", "patellar facets"), "reference §2.2", role=SITE),
    Rule("pfp_pattern_squatting", PFP, SQUATTING_HURTS, "reference §2.2", role=PATTERN),
    Rule("pfp_pattern_stairs_up", PFP, aggravator("stairs_up", "going upstairs"), "reference §2.2", role=PATTERN),
    Rule("pfp_pattern_stairs_down", PFP, aggravator("stairs_down", "going downstairs"), "reference §2.2", role=PATTERN),
    Rule(
        "pfp_pattern_sitting",
        PFP,
        aggravator("prolonged_sitting", "with prolonged sitting"),
        "reference §2.2",
        role=PATTERN,
    ),
    Rule("pfp_pattern_squat_test", PFP, SQUAT_REPRODUCES_PAIN, "reference §2.2", role=PATTERN),
    Rule(
        "pfp_pattern_step_down",
        PFP,
        yes("findings.step_down_pain", "step-down reproduces the pain"),
        "reference §2.2",
        role=PATTERN,
    ),
    # §2.8: patellofemoral pain is usually gradual, without trauma, and never truly locks.
    Rule(
        "pfp_against_injury", PFP, finding(ONSET, ACUTE_INJURY, "began with an injury"), "reference §2.8", role=AGAINST
    ),
    Rule("pfp_against_locking", PFP, LOCKED_NOW, "reference §2.8", role=AGAINST),
    # §2.2 B3: patellofemoral pain only once every other cause is excluded; signs of an inflammatory or septic joint
    # (reference §8 RF1, RF10) point elsewhere, however typical the pain's site and pattern.
    Rule("pfp_against_morning_stiffness", PFP, MORNING_STIFFNESS, "reference §2.2; §8 RF10", role=AGAINST),
    Rule("pfp_against_other_joints_swollen", PFP, OTHER_JOINTS_SWOLLEN, "reference §2.2; §8 RF10", role=AGAINST),
    Rule("pfp_against_hot_red_knee", PFP, HOT_RED_KNEE, "reference §2.2; §8 RF1", role=AGAINST),
)

DIFFERENTIAL_READS = tuple(sorted({path for rule in CONDITION_RULES for path in rule.reads}))

# --- Red flags (reference §8; levels in intake.codes.RED_FLAGS) ----------------------------------------------------

RED_FLAG_RULES = (
    Rule(
        "rf1_hot_red_knee_with_fever",
        RedFlag.SEPTIC_ARTHRITIS_SIGNS,
        Finding(
            ("intake.hot_red_knee", "intake.fever_or_unwell"),
            all_of(is_true("intake.hot_red_knee"), is_true("intake.fever_or_unwell")),
            "hot, red knee with fever or feeling unwell",
        ),
        "reference §8 RF1",
    ),
    # RF2, the Ottawa knee rule, applies to an acute injury only. The case format records no fibular head tenderness.
    Rule(
        "rf2_ottawa_age",
        RedFlag.POSSIBLE_FRACTURE,
        Finding(
            (ONSET, "patient.date_of_birth"),
            all_of(ACUTE_INJURY, age_at_least("OTTAWA_AGE_YEARS")),
            "acute injury at age {age_years} ({OTTAWA_AGE_YEARS} or over)",
        ),
        "reference §8 RF2",
    ),
    Rule(
        "rf2_ottawa_patellar_tenderness",
        RedFlag.POSSIBLE_FRACTURE,
        after_injury(
            "findings.tenderness", patellar_tenderness_only, "acute injury: kneecap tender, no other bone of the knee"
        ),
        "reference §8 RF2",
    ),
    Rule(
        "rf2_ottawa_cannot_flex",
        RedFlag.POSSIBLE_FRACTURE,
        after_injury("intake.can_bend_to_90", is_false("intake.can_bend_to_90"), "acute injury: cannot bend to 90°"),
        "reference §8 RF2",
    ),
    Rule(
        "rf2_ottawa_cannot_weight_bear",
        RedFlag.POSSIBLE_FRACTURE,
        after_injury(
            "intake.can_weight_bear_4_steps",
            is_false("intake.can_weight_bear_4_steps"),
            "acute injury: cannot take 4 steps",
        ),
        "reference §8 RF2",
    ),
    Rule(
        "rf3_cannot_straight_leg_raise",
        RedFlag.EXTENSOR_MECHANISM_RUPTURE,
        Finding(
            ("intake.cannot_straight_leg_raise", ONSET),
            all_of(SUDDEN_ONSET, is_true("intake.cannot_straight_leg_raise")),
            "cannot lift the straightened leg since a sudden onset",
        ),
        "reference §8 RF3",
    ),
    Rule(
        "rf9_numbness_or_weakness",
        RedFlag.NEUROVASCULAR_DEFICIT,
        yes("intake.numbness_or_weakness", "numbness or weakness in the leg"),
        "reference §8 RF9",
    ),
    Rule(
        "rf13_self_harm_thoughts",
        RedFlag.PERINATAL_MENTAL_HEALTH_CRISIS,
        yes(PP + "self_harm_thoughts", "thoughts of harming herself or the baby"),
        "reference §8 RF13",
    ),
    Rule("rf4_locked_now", RedFlag.TRUE_LOCKING, LOCKED_NOW, "reference §8 RF4"),
    Rule(
        "rf5_swelling_within_2h",
        RedFlag.HAEMARTHROSIS,
        yes("intake.swelling_within_2h_of_injury", "swelling within 2 hours of the injury"),
        "reference §8 RF5",
    ),
    Rule(
        "rf5_large_tense_swelling_after_injury",
        RedFlag.HAEMARTHROSIS,
        after_injury("intake.swelling", equals("intake.swelling", "large_tense"), "large, tense swelling after injury"),
        "reference §8 RF5",
    ),
    Rule(
        "rf6_giving_way_after_injury",
        RedFlag.TRAUMATIC_INSTABILITY,
        after_injury(
            "intake.giving_way", other_than("intake.giving_way", "never"), "giving way ({giving_way}) after injury"
        ),
        "reference §8 RF6",
    ),
    Rule(
        "rf6_first_kneecap_dislocation",
        RedFlag.TRAUMATIC_INSTABILITY,
        after_injury(
            "intake.kneecap_dislocation",
            equals("intake.kneecap_dislocation", "once"),
            "first kneecap dislocation, with this injury",
        ),
        "reference §8 RF6",
    ),
    Rule(
        "rf6_ligament_laxity_after_injury",
        RedFlag.TRAUMATIC_INSTABILITY,
        after_injury("findings.ligament_laxity", is_true("findings.ligament_laxity"), "ligament laxity after injury"),
        "reference §8 RF6",
    ),
    Rule(
        "rf7_unexplained_weight_loss",
        RedFlag.TUMOUR_SIGNS,
        yes("intake.unexplained_weight_loss", "unexplained weight loss"),
        "reference §8 RF7",
    ),
    Rule(
        "rf7_constant_night_pain",
        RedFlag.TUMOUR_SIGNS,
        finding("intake.night_pain", equals("intake.night_pain", "constant"), "constant night or rest pain"),
        "reference §8 RF7",
    ),
    # A history of cancer is a modifier (§6.3): it counts with new night or rest pain, not on its own.
    Rule(
        "rf7_cancer_history_with_night_pain",
        RedFlag.TUMOUR_SIGNS,
        Finding(
            ("intake.history_of_cancer", "intake.night_pain"),
            all_of(is_true("intake.history_of_cancer"), other_than("intake.night_pain", "no")),
            "history of cancer with night pain ({night_pain})",
        ),
        "reference §8 RF7; §6.3",
    ),
    Rule(
        "rf8_calf_pain_swelling_redness",
        RedFlag.DVT_SIGNS,
        yes("intake.calf_pain_swelling_redness", "calf pain, swelling or redness"),
        "reference §8 RF8",
    ),
    Rule("rf10_morning_stiffness", RedFlag.INFLAMMATORY_ARTHRITIS_SIGNS, MORNING_STIFFNESS, "reference §8 RF10"),
    Rule("rf10_other_joints_swollen", RedFlag.INFLAMMATORY_ARTHRITIS_SIGNS, OTHER_JOINTS_SWOLLEN, "reference §8 RF10"),
    Rule(
        "rf16_caesarean_wound",
        RedFlag.CAESAREAN_WOUND_CONCERN,
        yes(PP + "caesarean_wound_concern", "caesarean wound red, hot, discharging or separated"),
        "reference §8 RF16",
    ),
    # The app does not ship the EPDS (licence, §3): the plain screening question stands in for it.
    Rule(
        "rf14_low_mood",
        RedFlag.POSSIBLE_POSTNATAL_DEPRESSION,
        yes(PP + "low_mood", "low mood since the birth"),
        "reference §8 RF14; §1.5",
    ),
    Rule(
        "rf15_bleeding_after_8_weeks",
        RedFlag.POSTNATAL_BLEEDING,
        yes(PP + "bleeding_after_8_weeks", "vaginal bleeding beyond 8 weeks after birth, not a period"),
        "reference §8 RF15; §1.4",
    ),
    Rule(
        "rf17_under_3_weeks_postpartum",
        RedFlag.TOO_EARLY_POSTPARTUM,
        finding(
            PP + "delivery_date",
            postpartum_under("TOO_EARLY_POSTPARTUM_WEEKS"),
            "{weeks_postpartum} weeks after birth (under {TOO_EARLY_POSTPARTUM_WEEKS})",
        ),
        "reference §8 RF17; §1.7",
    ),
    Rule(
        "rf18_under_12_weeks_postpartum",
        RedFlag.UNDER_12_WEEKS_POSTPARTUM,
        finding(
            PP + "delivery_date",
            postpartum_under("RUNNING_POSTPARTUM_WEEKS"),
            "{weeks_postpartum} weeks after birth (under {RUNNING_POSTPARTUM_WEEKS})",
        ),
        "reference §8 RF18; §1.1",
    ),
    Rule("rf19_urine_leak", RedFlag.PELVIC_FLOOR_SYMPTOMS, URINE_LEAK, "reference §8 RF19; §1.4"),
    Rule("rf19_urgency_leak", RedFlag.PELVIC_FLOOR_SYMPTOMS, URGENCY_LEAK, "reference §8 RF19; §1.4"),
    Rule("rf19_heaviness", RedFlag.PELVIC_FLOOR_SYMPTOMS, HEAVINESS, "reference §8 RF19; §1.4"),
    Rule("rf19_bowel_or_wind", RedFlag.PELVIC_FLOOR_SYMPTOMS, BOWEL_OR_WIND, "reference §8 RF19; §1.4"),
    Rule("rf19_pelvic_pain", RedFlag.PELVIC_FLOOR_SYMPTOMS, PELVIC_PAIN, "reference §8 RF19; §1.4"),
    Rule("rf19_pelvic_floor_check", RedFlag.PELVIC_FLOOR_SYMPTOMS, PELVIC_FLOOR_CHECK_FAILED, "reference §8 RF19"),
    # RF20 is the postnatal impact gate: a failed load test (§1.2) or a strength test under 20 reps (§1.3).
    *(
        Rule(f"rf20_{test}", RedFlag.FAILED_IMPACT_READINESS, failed, "reference §8 RF20; §1.2", postpartum_only=True)
        for test, failed in LOAD_TEST_FAILED.items()
    ),
    *(
        Rule(
            f"rf20_{short.reads[0].split('.')[-1]}",
            RedFlag.FAILED_IMPACT_READINESS,
            short,
            "reference §8 RF20; §1.3",
            postpartum_only=True,
        )
        for short in STRENGTH_TEST_SHORT
    ),
    Rule(
        "rf20_sl_balance_seconds",
        RedFlag.FAILED_IMPACT_READINESS,
        BALANCE_SHORT,
        "reference §8 RF20; §1.2",
        postpartum_only=True,
    ),
    Rule(
        "rf21_buggy_before_6_months",
        RedFlag.BUGGY_RUNNING_TOO_EARLY,
        Finding(
            (PP + "buggy_running_planned", PP + "delivery_date"),
            all_of(is_true(PP + "buggy_running_planned"), baby_younger_than("BUGGY_BABY_MONTHS")),
            "buggy running planned before the baby is {BUGGY_BABY_MONTHS} months old",
        ),
        "reference §8 RF21; §1.5",
    ),
    # RF22 follows from the differential: the engine concludes the condition before it evaluates the red flags.
    Rule(
        "rf22_not_pfp_pattern",
        RedFlag.NOT_PFP_PATTERN,
        Finding(DIFFERENTIAL_READS, condition_not_pfp, "pattern fits {condition} rather than patellofemoral pain"),
        "reference §8 RF22; §2.2",
    ),
)


# --- Contributing causes (reference §7; the row of each cause is in intake.codes.CAUSES) ---------------------------

CAUSE_RULES = (
    # Row 1, §4.3: a weekly rise over 30% (Nielsen 2014), over 10%, a long-run spike (Frandsen 2025), recent changes.
    Rule(
        "load_weekly_rise_over_30",
        Cause.TRAINING_LOAD_ERROR,
        finding(
            "intake.weekly_increase_pct",
            above("intake.weekly_increase_pct", "WEEKLY_INCREASE_HIGH_PCT"),
            "weekly distance rose {weekly_increase_pct:g}% (over {WEEKLY_INCREASE_HIGH_PCT}%)",
        ),
        "reference §7 row 1; §4.3",
        weight=STRONG,
    ),
    Rule(
        "load_weekly_rise_over_10",
        Cause.TRAINING_LOAD_ERROR,
        finding(
            "intake.weekly_increase_pct",
            between("intake.weekly_increase_pct", "WEEKLY_INCREASE_PCT", "WEEKLY_INCREASE_HIGH_PCT"),
            "weekly distance rose {weekly_increase_pct:g}% (over {WEEKLY_INCREASE_PCT}%)",
        ),
        "reference §7 row 1; §4.3",
        weight=MODERATE,
    ),
    Rule(
        "load_long_run_spike",
        Cause.TRAINING_LOAD_ERROR,
        Finding(
            ("intake.longest_run_30d_km", "intake.weekly_km_before_symptoms"),
            long_run_spike,
            "longest run {longest_run_30d_km:g} km is over half the usual {weekly_km_before_symptoms:g} km week",
        ),
        "reference §7 row 1; §4.3",
        weight=MODERATE,
    ),
    Rule(
        "load_more_distance",
        Cause.TRAINING_LOAD_ERROR,
        recent_change("distance_up", "more distance"),
        "reference §7 row 1",
        weight=WEAK,
    ),
    Rule(
        "load_more_runs",
        Cause.TRAINING_LOAD_ERROR,
        recent_change("frequency_up", "more runs a week"),
        "reference §7 row 1",
        weight=WEAK,
    ),
    Rule(
        "load_speed_work",
        Cause.TRAINING_LOAD_ERROR,
        recent_change("speed_work", "speed work"),
        "reference §7 row 1",
        weight=WEAK,
    ),
    Rule(
        "load_hills",
        Cause.TRAINING_LOAD_ERROR,
        recent_change("hills", "hills"),
        "reference §7 row 1; §6.2",
        weight=WEAK,
    ),
    Rule(
        "load_new_surface",
        Cause.TRAINING_LOAD_ERROR,
        recent_change("new_surface", "new surface"),
        "reference §6.2",
        weight=WEAK,
    ),
    Rule(
        "load_returned_after_break",
        Cause.TRAINING_LOAD_ERROR,
        recent_change("returned_after_break", "returned after a break"),
        "reference §7 row 1; §6.2",
        weight=WEAK,
    ),
    # Rows 2 and 11: hip abductor and extensor weakness, Trendelenburg, pelvic drop.
    Rule(
        "hip_abductors_reduced",
        Cause.HIP_MUSCLE_WEAKNESS,
        finding(
            "findings.hip_abductor_strength",
            equals("findings.hip_abductor_strength", "reduced"),
            "hip abductor strength reduced",
        ),
        "reference §7 row 2",
        weight=STRONG,
    ),
    Rule(
        "hip_trendelenburg",
        Cause.HIP_MUSCLE_WEAKNESS,
        yes("findings.trendelenburg", "Trendelenburg sign"),
        "reference §7 row 2",
        weight=MODERATE,
    ),
    Rule(
        "hip_sl_squat_pelvic_drop",
        Cause.HIP_MUSCLE_WEAKNESS,
        yes("findings.sl_squat.pelvic_drop", "single-leg squat: pelvic drop"),
        "reference §7 row 2",
        weight=MODERATE,
    ),
    Rule(
        "hip_running_pelvic_drop",
        Cause.HIP_MUSCLE_WEAKNESS,
        yes("findings.gait.pelvic_drop", "running: pelvic drop"),
        "reference §7 row 2",
        weight=MODERATE,
    ),
    Rule(
        "hip_sl_squat_trunk_lean",
        Cause.HIP_MUSCLE_WEAKNESS,
        yes("findings.sl_squat.trunk_lean", "single-leg squat: trunk lean"),
        "reference §7 row 2; §1.7 (Christopher 2020: poor lumbopelvic control)",
        weight=WEAK,
    ),
    Rule(
        "hip_abduction_reps", Cause.HIP_MUSCLE_WEAKNESS, ABDUCTION_SHORT, "reference §7 row 11; §1.3", weight=MODERATE
    ),
    Rule("hip_bridge_reps", Cause.HIP_MUSCLE_WEAKNESS, BRIDGE_SHORT, "reference §7 row 11; §1.3", weight=MODERATE),
    # Rows 3 and 11: quadriceps weakness, thigh atrophy, poor step-down tolerance, sit-to-stand.
    Rule(
        "quad_strength_reduced",
        Cause.QUADRICEPS_WEAKNESS,
        finding("findings.quad_strength", equals("findings.quad_strength", "reduced"), "quadriceps strength reduced"),
        "reference §7 row 3",
        weight=STRONG,
    ),
    Rule(
        "quad_thigh_atrophy",
        Cause.QUADRICEPS_WEAKNESS,
        yes("findings.thigh_atrophy", "thigh muscle wasting"),
        "reference §7 row 3",
        weight=MODERATE,
    ),
    Rule(
        "quad_step_down_pain",
        Cause.QUADRICEPS_WEAKNESS,
        yes("findings.step_down_pain", "poor step-down tolerance (painful)"),
        "reference §7 row 3",
        weight=MODERATE,
    ),
    Rule(
        "quad_sit_to_stand_reps",
        Cause.QUADRICEPS_WEAKNESS,
        SIT_TO_STAND_SHORT,
        "reference §7 row 11; §1.3",
        weight=MODERATE,
    ),
    # Row 4: dynamic knee valgus in single-leg squat or running.
    Rule(
        "valgus_sl_squat",
        Cause.DYNAMIC_KNEE_VALGUS,
        yes("findings.sl_squat.knee_valgus", "single-leg squat: knee valgus"),
        "reference §7 row 4",
        weight=STRONG,
    ),
    Rule(
        "valgus_running",
        Cause.DYNAMIC_KNEE_VALGUS,
        yes("findings.gait.knee_valgus", "running: knee valgus"),
        "reference §7 row 4",
        weight=STRONG,
    ),
    # Row 5: overstriding, low cadence, heavy heel strike.
    Rule(
        "gait_overstride",
        Cause.HIGH_IMPACT_GAIT,
        yes("findings.gait.overstride", "running: overstriding"),
        "reference §7 row 5",
        weight=MODERATE,
    ),
    Rule(
        "gait_heel_strike",
        Cause.HIGH_IMPACT_GAIT,
        yes("findings.gait.heel_strike", "running: heavy heel strike"),
        "reference §7 row 5",
        weight=WEAK,
    ),
    Rule(
        "gait_low_cadence",
        Cause.HIGH_IMPACT_GAIT,
        Finding(
            ("findings.gait.cadence_spm", "intake.cadence_spm"),
            cadence_below("LOW_CADENCE_SPM"),
            "cadence {cadence_spm} steps a minute (under {LOW_CADENCE_SPM})",
        ),
        "reference §7 row 5; §2.7",
        weight=MODERATE,
    ),
    # Row 6: tight hamstrings, quadriceps, calf or ITB on length tests.
    Rule(
        "tight_hamstrings",
        Cause.MUSCLE_TIGHTNESS,
        yes("findings.hamstring_tight", "tight hamstrings"),
        "reference §7 row 6",
        weight=MODERATE,
    ),
    Rule(
        "tight_quadriceps",
        Cause.MUSCLE_TIGHTNESS,
        yes("findings.quad_tight", "tight quadriceps"),
        "reference §7 row 6",
        weight=MODERATE,
    ),
    Rule(
        "tight_calf",
        Cause.MUSCLE_TIGHTNESS,
        yes("findings.calf_tight", "tight calf"),
        "reference §7 row 6",
        weight=MODERATE,
    ),
    Rule(
        "tight_itb",
        Cause.MUSCLE_TIGHTNESS,
        yes("findings.itb_tight", "tight iliotibial band"),
        "reference §7 row 6",
        weight=MODERATE,
    ),
    # Row 15: restricted hip extension.
    Rule(
        "hip_flexors_thomas_test",
        Cause.HIP_FLEXOR_TIGHTNESS,
        yes("findings.thomas_test_positive", "Thomas test positive (tight hip flexors)"),
        "reference §7 row 15",
        weight=STRONG,
    ),
    # Rows 7 and 8: patellar mobility.
    Rule(
        "patella_hypomobile",
        Cause.PATELLAR_HYPOMOBILITY,
        finding(
            "findings.patellar_mobility",
            equals("findings.patellar_mobility", "hypomobile"),
            "stiff kneecap (hypomobile)",
        ),
        "reference §7 row 7",
        weight=STRONG,
    ),
    Rule(
        "patella_hypermobile",
        Cause.PATELLAR_HYPERMOBILITY,
        finding(
            "findings.patellar_mobility",
            equals("findings.patellar_mobility", "hypermobile"),
            "mobile kneecap (hypermobile)",
        ),
        "reference §7 row 8",
        weight=STRONG,
    ),
    Rule(
        "patella_generalised_hypermobility",
        Cause.PATELLAR_HYPERMOBILITY,
        yes("findings.generalised_hypermobility", "generalised joint hypermobility"),
        "reference §7 row 8",
        weight=MODERATE,
    ),
    Rule(
        "patella_recurrent_dislocation",
        Cause.PATELLAR_HYPERMOBILITY,
        finding(
            "intake.kneecap_dislocation",
            equals("intake.kneecap_dislocation", "recurrent"),
            "kneecap has dislocated more than once",
        ),
        "reference §7 row 8; §2.8 (patellar instability)",
        weight=MODERATE,
    ),
    # Row 9: pronated foot posture.
    Rule(
        "foot_pronated",
        Cause.FOOT_PRONATION,
        finding("findings.foot_posture", equals("findings.foot_posture", "pronated"), "pronated foot posture"),
        "reference §7 row 9",
        weight=STRONG,
    ),
    # Row 10: single-leg calf raise under 20.
    Rule("calf_raise_reps", Cause.CALF_WEAKNESS, CALF_RAISE_SHORT, "reference §7 row 10; §1.3", weight=STRONG),
    # Row 12: failed load and impact tests, poor single-leg balance.
    *(
        Rule(f"impact_{test}", Cause.IMPACT_INTOLERANCE, failed, "reference §7 row 12; §1.2", weight=MODERATE)
        for test, failed in LOAD_TEST_FAILED.items()
    ),
    Rule("impact_sl_balance", Cause.IMPACT_INTOLERANCE, BALANCE_SHORT, "reference §7 row 12; §1.2", weight=MODERATE),
    # Row 13: pelvic floor symptoms; risk factors weigh less (§1.5, §1.7 Moore 2021).
    Rule("pelvic_floor_urine_leak", Cause.PELVIC_FLOOR_DYSFUNCTION, URINE_LEAK, "reference §7 row 13", weight=STRONG),
    Rule(
        "pelvic_floor_urgency_leak", Cause.PELVIC_FLOOR_DYSFUNCTION, URGENCY_LEAK, "reference §7 row 13", weight=STRONG
    ),
    Rule("pelvic_floor_heaviness", Cause.PELVIC_FLOOR_DYSFUNCTION, HEAVINESS, "reference §7 row 13", weight=STRONG),
    Rule(
        "pelvic_floor_bowel_or_wind",
        Cause.PELVIC_FLOOR_DYSFUNCTION,
        BOWEL_OR_WIND,
        "reference §7 row 13",
        weight=STRONG,
    ),
    Rule(
        "pelvic_floor_pelvic_pain",
        Cause.PELVIC_FLOOR_DYSFUNCTION,
        PELVIC_PAIN,
        "reference §7 row 13; §1.4",
        weight=MODERATE,
    ),
    Rule(
        "pelvic_floor_check_failed",
        Cause.PELVIC_FLOOR_DYSFUNCTION,
        PELVIC_FLOOR_CHECK_FAILED,
        "reference §7 row 13",
        weight=STRONG,
    ),
    Rule(
        "pelvic_floor_symptoms_before_pregnancy",
        Cause.PELVIC_FLOOR_DYSFUNCTION,
        yes(PP + "pelvic_floor_symptoms_before_pregnancy", "pelvic floor symptoms before pregnancy"),
        "reference §1.7 (Moore 2021); §6.5",
        weight=WEAK,
    ),
    Rule(
        "pelvic_floor_severe_tear",
        Cause.PELVIC_FLOOR_DYSFUNCTION,
        finding(
            PP + "perineal_trauma",
            equals(PP + "perineal_trauma", "third_degree", "fourth_degree"),
            "perineal tear: {perineal_trauma}",
        ),
        "reference §6.5; §1.5",
        weight=WEAK,
    ),
    Rule(
        "pelvic_floor_postpartum_bmi",
        Cause.PELVIC_FLOOR_DYSFUNCTION,
        Finding(
            ("patient.height_cm", "patient.weight_kg"),
            bmi_above("POSTPARTUM_BMI"),
            "BMI {bmi:g} after birth (over {POSTPARTUM_BMI})",
        ),
        "reference §1.5; §7 row 18",
        weight=WEAK,
        postpartum_only=True,
    ),
    # Row 14: abdominal doming or a midline gap.
    Rule("abdominal_doming", Cause.ABDOMINAL_WALL_DYSFUNCTION, ABDOMINAL_DOMING, "reference §7 row 14", weight=STRONG),
    Rule(
        "abdominal_midline_gap", Cause.ABDOMINAL_WALL_DYSFUNCTION, WIDE_DRA, "reference §7 row 14; §11", weight=STRONG
    ),
    # Row 16: short sleep, high fatigue, breastfeeding: risk factors (Christopher 2021), each weak on its own.
    Rule("recovery_short_sleep", Cause.LOW_RECOVERY_CAPACITY, SHORT_SLEEP, "reference §7 row 16; §1.7", weight=WEAK),
    Rule("recovery_high_fatigue", Cause.LOW_RECOVERY_CAPACITY, HIGH_FATIGUE, "reference §7 row 16; §1.7", weight=WEAK),
    Rule(
        "recovery_breastfeeding",
        Cause.LOW_RECOVERY_CAPACITY,
        finding(
            PP + "breastfeeding", equals(PP + "breastfeeding", "exclusive", "mixed"), "breastfeeding ({breastfeeding})"
        ),
        "reference §7 row 16; §1.5",
        weight=WEAK,
    ),
    # Row 17: fear of movement.
    Rule(
        "fear_of_movement",
        Cause.FEAR_OF_MOVEMENT,
        finding(
            "intake.fear_of_movement",
            at_least("intake.fear_of_movement", "HIGH_FEAR_OF_MOVEMENT"),
            "fear of movement {fear_of_movement}/10 ({HIGH_FEAR_OF_MOVEMENT} or more)",
        ),
        "reference §7 row 17; §1.5",
        weight=STRONG,
    ),
    # No §7 row: new or worn running shoes (§6.2 recent changes).
    Rule(
        "footwear_new_shoes", Cause.FOOTWEAR, recent_change("new_shoes", "new shoes"), "reference §6.2", weight=MODERATE
    ),
    Rule(
        "footwear_worn_shoes",
        Cause.FOOTWEAR,
        finding(
            "intake.shoe_km",
            at_least("intake.shoe_km", "WORN_SHOE_KM"),
            "running shoes have {shoe_km:g} km ({WORN_SHOE_KM} or more)",
        ),
        "reference §6.2",
        weight=MODERATE,
    ),
)

# Causes with equal scores are ranked in the order of reference §7's rows; footwear has no row and comes last.
CAUSE_ORDER = (
    Cause.TRAINING_LOAD_ERROR,  # row 1
    Cause.HIP_MUSCLE_WEAKNESS,  # rows 2 and 11
    Cause.QUADRICEPS_WEAKNESS,  # row 3
    Cause.DYNAMIC_KNEE_VALGUS,  # row 4
    Cause.HIGH_IMPACT_GAIT,  # row 5
    Cause.MUSCLE_TIGHTNESS,  # row 6
    Cause.PATELLAR_HYPOMOBILITY,  # row 7
    Cause.PATELLAR_HYPERMOBILITY,  # row 8
    Cause.FOOT_PRONATION,  # row 9
    Cause.CALF_WEAKNESS,  # row 10
    Cause.IMPACT_INTOLERANCE,  # row 12
    Cause.PELVIC_FLOOR_DYSFUNCTION,  # row 13
    Cause.ABDOMINAL_WALL_DYSFUNCTION,  # row 14
    Cause.HIP_FLEXOR_TIGHTNESS,  # row 15
    Cause.LOW_RECOVERY_CAPACITY,  # row 16
    Cause.FEAR_OF_MOVEMENT,  # row 17
    Cause.FOOTWEAR,  # no row
)


# --- Exercise contraindications (intake.codes.CONTRAINDICATIONS) ----------------------------------------------------
# pelvic_floor_symptoms is not here: it is present whenever red flag RF19 fires (see intake.assessment.engine).

CONTRAINDICATION_RULES = (
    Rule("flexion_squatting_hurts", Contraindication.PAINFUL_DEEP_KNEE_FLEXION, SQUATTING_HURTS, "reference §2.5; §5"),
    Rule("flexion_squat_test", Contraindication.PAINFUL_DEEP_KNEE_FLEXION, SQUAT_REPRODUCES_PAIN, "reference §2.5; §5"),
    Rule("flexion_sl_squat_pain", Contraindication.PAINFUL_DEEP_KNEE_FLEXION, SL_SQUAT_PAINFUL, "reference §4.2; §5"),
    Rule("kneeling_hurts", Contraindication.PAINFUL_KNEELING, KNEELING_HURTS, "reference §5"),
    Rule("doming_reported", Contraindication.ABDOMINAL_DOMING, ABDOMINAL_DOMING, "reference §7 row 14"),
    Rule("doming_midline_gap", Contraindication.ABDOMINAL_DOMING, WIDE_DRA, "reference §7 row 14; §11"),
)


# --- Answers still needed ------------------------------------------------------------------------------------------
# A missing answer never counts as normal. These fields matter for safety or for a running plan; when one is
# unanswered, the result lists it under "needs" so the physio asks or examines before a running plan.


def caesarean_or_unknown(facts: CaseFacts) -> bool:
    return facts.is_postpartum and facts.get(PP + "delivery_mode") in (None, "caesarean_planned", "caesarean_emergency")


def readiness_recorded(facts: CaseFacts) -> bool:
    return facts.has("findings.readiness")


def pfp_concluded(facts: CaseFacts) -> bool:
    return facts.condition == Condition.PATELLOFEMORAL_PAIN


NEED_RULES = (
    # Safety screening every patient answers (reference §8).
    NeedRule("intake.hot_red_knee", always, "reference §8 RF1", ISSUING),
    NeedRule("intake.fever_or_unwell", always, "reference §8 RF1", ISSUING),
    NeedRule("intake.numbness_or_weakness", always, "reference §8 RF9", ISSUING),
    NeedRule("intake.locking", always, "reference §8 RF4", ISSUING),
    NeedRule("intake.unexplained_weight_loss", always, "reference §8 RF7", ISSUING),
    NeedRule("intake.night_pain", always, "reference §8 RF7", ISSUING),
    NeedRule("intake.history_of_cancer", other_than("intake.night_pain", "no"), "reference §8 RF7; §6.3", ISSUING),
    NeedRule("intake.calf_pain_swelling_redness", always, "reference §8 RF8", ISSUING),
    NeedRule("intake.morning_stiffness_over_30min", always, "reference §8 RF10", ISSUING),
    NeedRule("intake.other_joints_swollen", always, "reference §8 RF10", ISSUING),
    # After an acute injury: the Ottawa knee rule, haemarthrosis, instability (RF2, RF3, RF5, RF6). Unanswered, a
    # fracture or a bleed in the joint is not excluded, so no running or impact either (§9.1: no active red flags).
    NeedRule("patient.date_of_birth", ACUTE_INJURY, "reference §8 RF2", RUNNING),
    NeedRule("intake.can_weight_bear_4_steps", ACUTE_INJURY, "reference §8 RF2", RUNNING),
    NeedRule("intake.can_bend_to_90", ACUTE_INJURY, "reference §8 RF2", RUNNING),
    NeedRule("findings.tenderness", ACUTE_INJURY, "reference §8 RF2", RUNNING),
    NeedRule("intake.cannot_straight_leg_raise", SUDDEN_ONSET, "reference §8 RF3", RUNNING),
    NeedRule("intake.swelling_within_2h_of_injury", ACUTE_INJURY, "reference §8 RF5", RUNNING),
    NeedRule("intake.swelling", ACUTE_INJURY, "reference §8 RF5", RUNNING),
    NeedRule("intake.giving_way", ACUTE_INJURY, "reference §8 RF6", RUNNING),
    NeedRule("intake.kneecap_dislocation", ACUTE_INJURY, "reference §8 RF6", RUNNING),
    # After a birth (RF13–RF21, §1, §9.3 P11).
    NeedRule(PP + "self_harm_thoughts", is_postpartum, "reference §8 RF13", ISSUING),
    NeedRule(PP + "low_mood", is_postpartum, "reference §8 RF14", ISSUING),
    NeedRule(
        PP + "bleeding_after_8_weeks", postpartum_at_least("BLEEDING_POSTPARTUM_WEEKS"), "reference §8 RF15", ISSUING
    ),
    NeedRule(PP + "caesarean_wound_concern", caesarean_or_unknown, "reference §8 RF16", ISSUING),
    NeedRule(PP + "urine_leak", is_postpartum, "reference §8 RF19", ISSUING),
    NeedRule(PP + "urgency_leak", is_postpartum, "reference §8 RF19", ISSUING),
    NeedRule(PP + "heaviness", is_postpartum, "reference §8 RF19", ISSUING),
    NeedRule(PP + "bowel_or_wind_control_problems", is_postpartum, "reference §8 RF19", ISSUING),
    NeedRule(PP + "pelvic_pain_nprs", is_postpartum, "reference §8 RF19", ISSUING),
    NeedRule("findings.pelvic_floor_check", is_postpartum, "reference §8 RF19; §1.1", ISSUING),
    # The impact gate (RF20): unanswered, the plan climbs the impact ladder before running (§4.4).
    NeedRule("findings.readiness", is_postpartum, "reference §8 RF20; §1.2"),
    *(
        NeedRule(
            f"findings.readiness.{test}",
            all_of(is_postpartum, readiness_recorded),
            "reference §8 RF20; §1.2",
        )
        for test in READINESS_TESTS
    ),
    *(NeedRule(short.reads[0], is_postpartum, "reference §8 RF20; §1.3") for short in STRENGTH_TEST_SHORT),
    NeedRule("findings.dra_fingers", is_postpartum, "reference §1.1; §7 row 14"),
    NeedRule(PP + "buggy_running_planned", is_postpartum, "reference §8 RF21"),
    NeedRule(PP + "breastfeeding", is_postpartum, "reference §9.3 P11"),
    NeedRule(PP + "fatigue", is_postpartum, "reference §9.3 P11"),
    NeedRule("intake.sleep_hours", is_postpartum, "reference §9.3 P11"),
    # The entry criteria of other runners (reference §9.1): the 30-minute walk and the impact gate.
    NeedRule("findings.readiness.walk_30min", not_postpartum, "reference §9.1"),
    *(NeedRule(f"findings.readiness.{test}", not_postpartum, "reference §9.1") for test in RUNNER_IMPACT_TESTS),
    # The CPG's diagnostic test for patellofemoral pain (reference §2.2 A).
    NeedRule("findings.squat_reproduces_pain", pfp_concluded, "reference §2.2"),
)


# --- Holds: the entry criteria of the walk/run ladder (reference §9.1) and the meniscal pathway (§8 RF22) --------
# Each stops running and impact (not the plan) until the physio records what resolves it, or overrides it with a
# written reason. Unanswered safety questions are a hold too; the engine derives it from NEED_RULES' `blocks`.


def meniscal_pattern(facts: CaseFacts) -> bool:
    return facts.condition == Condition.POSSIBLE_MENISCAL_INJURY


HOLD_RULES = (
    Rule("hold_effusion", Hold.EFFUSION, EFFUSION, "reference §9.1"),
    Rule(
        "hold_visible_swelling",
        Hold.VISIBLE_SWELLING,
        finding("intake.swelling", equals("intake.swelling", "visible", "large_tense"), "swelling: {swelling}"),
        "reference §9.1",
    ),
    *(
        Rule(
            f"hold_daily_pain_{when}",
            Hold.DAILY_PAIN,
            finding(
                f"intake.nprs_{when}",
                above(f"intake.nprs_{when}", "DAILY_PAIN_MAX"),
                f"pain {words} {{nprs_{when}}}/10 (above {{DAILY_PAIN_MAX}})",
            ),
            "reference §9.1",
        )
        for when, words in (("now", "now"), ("usual", "usually"))
    ),
    Rule("hold_walk_test", Hold.WALK_TEST_NOT_PASSED, LOAD_TEST_FAILED["walk_30min"], "reference §9.1; §1.2"),
    Rule(
        "hold_doming_reported",
        Hold.ABDOMINAL_WALL_NOT_READY,
        ABDOMINAL_DOMING,
        "reference §1.4; §9.1",
        postpartum_only=True,
    ),
    Rule("hold_midline_gap", Hold.ABDOMINAL_WALL_NOT_READY, WIDE_DRA, "reference §1.4; §9.1", postpartum_only=True),
    # §9.1: after a birth the impact gate is the load tests and the strength tests. The plan's impact ladder (§4.4)
    # stands in for load tests not done; nothing stands in for a strength test, so running waits for all four.
    *(
        Rule(
            f"hold_{field}_not_recorded",
            Hold.STRENGTH_TESTS_NOT_RECORDED,
            finding(f"findings.{field}", unanswered(f"findings.{field}"), f"{words}: not recorded"),
            "reference §9.1; §1.3",
            postpartum_only=True,
        )
        for field, words in STRENGTH_TESTS.items()
    ),
    Rule(
        "hold_meniscal_pattern",
        Hold.MENISCAL_REVIEW,
        Finding(DIFFERENTIAL_READS, meniscal_pattern, "pattern fits a possible meniscal injury"),
        "reference §8 RF22; §7 row 21",
    ),
)
