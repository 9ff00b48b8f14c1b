"""Every rule of intake/assessment/rules.py: it fires on its example, stays quiet on its counter-examples,
and does not fire when the fields it reads are unknown; every threshold at its boundary; every rule cited
and every code produced."""

import hashlib
from datetime import timedelta

import pytest

from intake.assessment.engine import ENGINE_VERSION, case_facts
from intake.assessment.rules import (
    AGAINST,
    CAUSE_ORDER,
    CAUSE_RULES,
    CONDITION_RULES,
    CONTRAINDICATION_RULES,
    DIFFERENTIAL_ORDER,
    HOLD_RULES,
    LOAD_TESTS,
    MODERATE,
    NEED_RULES,
    PATTERN,
    RED_FLAG_RULES,
    RUNNER_IMPACT_TESTS,
    SITE,
    STRENGTH_TESTS,
    STRONG,
    THRESHOLDS,
    WEAK,
)
from intake.codes import CAUSES, RED_FLAGS, Condition, Contraindication
from intake.schema import READINESS_TESTS, field_at, validate_case
from tests.intake.cases import AS_OF, case_with, without

ALL_RULES = RED_FLAG_RULES + CONDITION_RULES + CAUSE_RULES + CONTRAINDICATION_RULES + HOLD_RULES
RULES = {rule.id: rule for rule in ALL_RULES}

PP = "intake.postpartum."
BIRTH = {PP + "delivery_date": "2026-07-01"}  # 21 weeks before AS_OF; the baby is 5 months old
INJURY = {"intake.onset": "sudden_with_injury"}
GRADUAL = {"intake.onset": "gradual"}


def days_ago(days: int) -> str:
    return (AS_OF - timedelta(days=days)).isoformat()


def yes_no(path: str, **also) -> tuple[dict, list[dict]]:
    """A yes/no rule: fires on yes, quiet on no."""
    return {path: True, **also}, [{path: False, **also}]


def load_test(test: str, **also) -> tuple[dict, list[dict]]:
    return {f"findings.readiness.{test}": False, **also}, [{f"findings.readiness.{test}": True, **also}]


def reps(path: str, **also) -> tuple[dict, list[dict]]:
    return {path: 12, **also}, [{path: 20, **also}]


def listed(path: str, code: str, other: str) -> tuple[dict, list[dict]]:
    """A rule on a list answer: fires when the code is listed, quiet when only another code is."""
    return {path: [code]}, [{path: [other]}]


# rule id → (values that make it fire, [values that keep it quiet]); values are {field path: answer}.
EXAMPLES = {
    # Red flags (reference §8)
    "rf1_hot_red_knee_with_fever": (
        {"intake.hot_red_knee": True, "intake.fever_or_unwell": True},
        [{"intake.hot_red_knee": True, "intake.fever_or_unwell": False}, {"intake.hot_red_knee": True}],
    ),
    "rf2_ottawa_age": (
        {**INJURY, "patient.date_of_birth": "1960-01-01"},
        [{**GRADUAL, "patient.date_of_birth": "1960-01-01"}, {**INJURY, "patient.date_of_birth": "1990-01-01"}],
    ),
    "rf2_ottawa_patellar_tenderness": (
        {**INJURY, "findings.tenderness": ["patellar_facets", "medial_joint_line"]},
        [
            {**INJURY, "findings.tenderness": ["patellar_facets", "tibial_tubercle"]},
            {**INJURY, "findings.tenderness": ["inferior_pole", "lateral_epicondyle"]},
            {**INJURY, "findings.tenderness": ["medial_joint_line"]},
            {**GRADUAL, "findings.tenderness": ["patellar_facets"]},
            {**INJURY, "findings.tenderness": []},
        ],
    ),
    "rf2_ottawa_cannot_flex": (
        {**INJURY, "intake.can_bend_to_90": False},
        [{**INJURY, "intake.can_bend_to_90": True}, {**GRADUAL, "intake.can_bend_to_90": False}],
    ),
    "rf2_ottawa_cannot_weight_bear": (
        {**INJURY, "intake.can_weight_bear_4_steps": False},
        [{**INJURY, "intake.can_weight_bear_4_steps": True}, {**GRADUAL, "intake.can_weight_bear_4_steps": False}],
    ),
    "rf3_cannot_straight_leg_raise": (
        {"intake.onset": "sudden_no_injury", "intake.cannot_straight_leg_raise": True},
        [{**INJURY, "intake.cannot_straight_leg_raise": False}, {**GRADUAL, "intake.cannot_straight_leg_raise": True}],
    ),
    "rf9_numbness_or_weakness": yes_no("intake.numbness_or_weakness"),
    "rf13_self_harm_thoughts": yes_no(PP + "self_harm_thoughts", **BIRTH),
    "rf4_locked_now": ({"intake.locking": "current"}, [{"intake.locking": "past"}, {"intake.locking": "never"}]),
    "rf5_swelling_within_2h": yes_no("intake.swelling_within_2h_of_injury", **INJURY),
    "rf5_large_tense_swelling_after_injury": (
        {**INJURY, "intake.swelling": "large_tense"},
        [{**INJURY, "intake.swelling": "visible"}, {**GRADUAL, "intake.swelling": "large_tense"}],
    ),
    "rf6_giving_way_after_injury": (
        {**INJURY, "intake.giving_way": "occasionally"},
        [{**INJURY, "intake.giving_way": "never"}, {**GRADUAL, "intake.giving_way": "often"}],
    ),
    "rf6_first_kneecap_dislocation": (
        {**INJURY, "intake.kneecap_dislocation": "once"},
        [{**INJURY, "intake.kneecap_dislocation": "recurrent"}, {**GRADUAL, "intake.kneecap_dislocation": "once"}],
    ),
    "rf6_ligament_laxity_after_injury": (
        {**INJURY, "findings.ligament_laxity": True},
        [{**INJURY, "findings.ligament_laxity": False}, {**GRADUAL, "findings.ligament_laxity": True}],
    ),
    "rf7_unexplained_weight_loss": yes_no("intake.unexplained_weight_loss"),
    "rf7_constant_night_pain": (
        {"intake.night_pain": "constant"},
        [{"intake.night_pain": "occasionally"}, {"intake.night_pain": "no"}],
    ),
    "rf7_cancer_history_with_night_pain": (
        {"intake.history_of_cancer": True, "intake.night_pain": "occasionally"},
        [{"intake.history_of_cancer": True, "intake.night_pain": "no"}, {"intake.history_of_cancer": True}],
    ),
    "rf8_calf_pain_swelling_redness": yes_no("intake.calf_pain_swelling_redness"),
    "rf10_morning_stiffness": yes_no("intake.morning_stiffness_over_30min"),
    "rf10_other_joints_swollen": yes_no("intake.other_joints_swollen"),
    "rf16_caesarean_wound": yes_no(PP + "caesarean_wound_concern", **BIRTH),
    "rf14_low_mood": yes_no(PP + "low_mood", **BIRTH),
    "rf15_bleeding_after_8_weeks": yes_no(PP + "bleeding_after_8_weeks", **BIRTH),
    "rf17_under_3_weeks_postpartum": ({PP + "delivery_date": days_ago(10)}, [{PP + "delivery_date": days_ago(40)}]),
    "rf18_under_12_weeks_postpartum": ({PP + "delivery_date": days_ago(40)}, [{PP + "delivery_date": days_ago(100)}]),
    "rf19_urine_leak": ({**BIRTH, PP + "urine_leak": "rarely"}, [{**BIRTH, PP + "urine_leak": "never"}]),
    "rf19_urgency_leak": ({**BIRTH, PP + "urgency_leak": "often"}, [{**BIRTH, PP + "urgency_leak": "never"}]),
    "rf19_heaviness": ({**BIRTH, PP + "heaviness": "end_of_day"}, [{**BIRTH, PP + "heaviness": "never"}]),
    "rf19_bowel_or_wind": yes_no(PP + "bowel_or_wind_control_problems", **BIRTH),
    "rf19_pelvic_pain": ({**BIRTH, PP + "pelvic_pain_nprs": 3}, [{**BIRTH, PP + "pelvic_pain_nprs": 0}]),
    "rf19_pelvic_floor_check": (
        {"findings.pelvic_floor_check": "fail"},
        [{"findings.pelvic_floor_check": "pass"}, {"findings.pelvic_floor_check": "not_done"}],
    ),
    **{
        f"rf20_{test}": (
            {**BIRTH, f"findings.readiness.{test}": False},
            [{**BIRTH, f"findings.readiness.{test}": True}, {f"findings.readiness.{test}": False}],  # not postpartum
        )
        for test in READINESS_TESTS
    },
    **{
        f"rf20_{test}": (
            {**BIRTH, f"findings.{test}": 15},
            [{**BIRTH, f"findings.{test}": 25}, {f"findings.{test}": 15}],
        )
        for test in ("sl_calf_raise_reps", "sl_bridge_reps", "sl_sit_to_stand_reps", "side_lying_abduction_reps")
    },
    "rf20_sl_balance_seconds": (
        {**BIRTH, "findings.sl_balance_seconds": 4},
        [{**BIRTH, "findings.sl_balance_seconds": 30}, {"findings.sl_balance_seconds": 4}],  # the last not postpartum
    ),
    "rf21_buggy_before_6_months": (
        {**BIRTH, PP + "buggy_running_planned": True},
        [
            {**BIRTH, PP + "buggy_running_planned": False},
            {PP + "delivery_date": "2026-03-01", PP + "buggy_running_planned": True},
        ],
    ),
    "rf22_not_pfp_pattern": (
        {"intake.pain_locations": ["outer_knee"], "intake.aggravators": ["downhill_running"]},
        [
            {"intake.pain_locations": ["around_kneecap"], "intake.aggravators": ["squatting"]},
            {"intake.pain_locations": ["back_of_knee"], "intake.aggravators": ["running"]},  # unclear is not RF22
        ],
    ),
    # The differential (reference §2.2, §2.8)
    "meniscal_site_joint_line_pain": listed("intake.pain_locations", "inner_joint_line", "around_kneecap"),
    "meniscal_site_medial_tender": listed("findings.tenderness", "medial_joint_line", "patellar_facets"),
    "meniscal_site_lateral_tender": listed("findings.tenderness", "lateral_joint_line", "lateral_epicondyle"),
    "meniscal_pattern_twisting": listed("intake.aggravators", "twisting", "running"),
    "meniscal_pattern_locking": ({"intake.locking": "past"}, [{"intake.locking": "never"}]),
    "meniscal_pattern_catching": ({"intake.catching": "occasionally"}, [{"intake.catching": "never"}]),
    "meniscal_pattern_giving_way": ({"intake.giving_way": "often"}, [{"intake.giving_way": "never"}]),
    "meniscal_pattern_effusion": yes_no("findings.effusion"),
    "meniscal_pattern_mcmurray": yes_no("findings.mcmurray_positive"),
    "tendon_site_below_kneecap": listed("intake.pain_locations", "below_kneecap", "above_kneecap"),
    "tendon_site_inferior_pole": listed("findings.tenderness", "inferior_pole", "superior_pole"),
    "tendon_pattern_jumping": listed("intake.aggravators", "jumping", "running"),
    "itb_site_outer_knee": listed("intake.pain_locations", "outer_knee", "inner_joint_line"),
    "itb_site_lateral_epicondyle": listed("findings.tenderness", "lateral_epicondyle", "lateral_joint_line"),
    "itb_pattern_downhill": listed("intake.aggravators", "downhill_running", "running"),
    "itb_pattern_noble": yes_no("findings.noble_test_positive"),
    "itb_against_effusion": yes_no("findings.effusion"),
    "itb_against_locking": ({"intake.locking": "current"}, [{"intake.locking": "past"}]),
    "pfp_site_around_kneecap": listed("intake.pain_locations", "around_kneecap", "below_kneecap"),
    "pfp_site_patellar_facets": listed("findings.tenderness", "patellar_facets", "inferior_pole"),
    "pfp_pattern_squatting": listed("intake.aggravators", "squatting", "kneeling"),
    "pfp_pattern_stairs_up": listed("intake.aggravators", "stairs_up", "running"),
    "pfp_pattern_stairs_down": listed("intake.aggravators", "stairs_down", "downhill_running"),
    "pfp_pattern_sitting": listed("intake.aggravators", "prolonged_sitting", "running"),
    "pfp_pattern_squat_test": yes_no("findings.squat_reproduces_pain"),
    "pfp_pattern_step_down": yes_no("findings.step_down_pain"),
    "pfp_against_injury": (INJURY, [GRADUAL, {"intake.onset": "sudden_no_injury"}]),
    "pfp_against_morning_stiffness": yes_no("intake.morning_stiffness_over_30min"),
    "pfp_against_other_joints_swollen": yes_no("intake.other_joints_swollen"),
    "pfp_against_hot_red_knee": yes_no("intake.hot_red_knee"),
    "pfp_against_locking": ({"intake.locking": "current"}, [{"intake.locking": "past"}]),
    # Causes (reference §7)
    "load_weekly_rise_over_30": ({"intake.weekly_increase_pct": 50}, [{"intake.weekly_increase_pct": 20}]),
    "load_weekly_rise_over_10": (
        {"intake.weekly_increase_pct": 20},
        [{"intake.weekly_increase_pct": 5}, {"intake.weekly_increase_pct": 50}],
    ),
    "load_long_run_spike": (
        {"intake.longest_run_30d_km": 15, "intake.weekly_km_before_symptoms": 20},
        [
            {"intake.longest_run_30d_km": 8, "intake.weekly_km_before_symptoms": 20},
            {"intake.longest_run_30d_km": 8, "intake.weekly_km_before_symptoms": 0},
        ],
    ),
    "load_more_distance": listed("intake.recent_changes", "distance_up", "new_shoes"),
    "load_more_runs": listed("intake.recent_changes", "frequency_up", "new_shoes"),
    "load_speed_work": listed("intake.recent_changes", "speed_work", "new_shoes"),
    "load_hills": listed("intake.recent_changes", "hills", "new_shoes"),
    "load_new_surface": listed("intake.recent_changes", "new_surface", "new_shoes"),
    "load_returned_after_break": listed("intake.recent_changes", "returned_after_break", "new_shoes"),
    "hip_abductors_reduced": (
        {"findings.hip_abductor_strength": "reduced"},
        [{"findings.hip_abductor_strength": "normal"}],
    ),
    "hip_trendelenburg": yes_no("findings.trendelenburg"),
    "hip_sl_squat_pelvic_drop": yes_no("findings.sl_squat.pelvic_drop"),
    "hip_running_pelvic_drop": yes_no("findings.gait.pelvic_drop"),
    "hip_sl_squat_trunk_lean": yes_no("findings.sl_squat.trunk_lean"),
    "hip_abduction_reps": reps("findings.side_lying_abduction_reps"),
    "hip_bridge_reps": reps("findings.sl_bridge_reps"),
    "quad_strength_reduced": ({"findings.quad_strength": "reduced"}, [{"findings.quad_strength": "normal"}]),
    "quad_thigh_atrophy": yes_no("findings.thigh_atrophy"),
    "quad_step_down_pain": yes_no("findings.step_down_pain"),
    "quad_sit_to_stand_reps": reps("findings.sl_sit_to_stand_reps"),
    "valgus_sl_squat": yes_no("findings.sl_squat.knee_valgus"),
    "valgus_running": yes_no("findings.gait.knee_valgus"),
    "gait_overstride": yes_no("findings.gait.overstride"),
    "gait_heel_strike": yes_no("findings.gait.heel_strike"),
    "gait_low_cadence": (
        {"intake.cadence_spm": 150},
        [
            {"intake.cadence_spm": 175},
            {"intake.cadence_spm": 150, "findings.gait.cadence_spm": 172},  # the measured cadence wins
        ],
    ),
    "tight_hamstrings": yes_no("findings.hamstring_tight"),
    "tight_quadriceps": yes_no("findings.quad_tight"),
    "tight_calf": yes_no("findings.calf_tight"),
    "tight_itb": yes_no("findings.itb_tight"),
    "hip_flexors_thomas_test": yes_no("findings.thomas_test_positive"),
    "patella_hypomobile": (
        {"findings.patellar_mobility": "hypomobile"},
        [{"findings.patellar_mobility": "normal"}, {"findings.patellar_mobility": "hypermobile"}],
    ),
    "patella_hypermobile": (
        {"findings.patellar_mobility": "hypermobile"},
        [{"findings.patellar_mobility": "normal"}, {"findings.patellar_mobility": "hypomobile"}],
    ),
    "patella_generalised_hypermobility": yes_no("findings.generalised_hypermobility"),
    "patella_recurrent_dislocation": (
        {"intake.kneecap_dislocation": "recurrent"},
        [{"intake.kneecap_dislocation": "once"}, {"intake.kneecap_dislocation": "no"}],
    ),
    "foot_pronated": (
        {"findings.foot_posture": "pronated"},
        [{"findings.foot_posture": "neutral"}, {"findings.foot_posture": "supinated"}],
    ),
    "calf_raise_reps": reps("findings.sl_calf_raise_reps"),
    **{f"impact_{test}": load_test(test) for test in READINESS_TESTS},
    "impact_sl_balance": ({"findings.sl_balance_seconds": 4}, [{"findings.sl_balance_seconds": 30}]),
    "pelvic_floor_urine_leak": ({**BIRTH, PP + "urine_leak": "always"}, [{**BIRTH, PP + "urine_leak": "never"}]),
    "pelvic_floor_urgency_leak": (
        {**BIRTH, PP + "urgency_leak": "sometimes"},
        [{**BIRTH, PP + "urgency_leak": "never"}],
    ),
    "pelvic_floor_heaviness": ({**BIRTH, PP + "heaviness": "constant"}, [{**BIRTH, PP + "heaviness": "never"}]),
    "pelvic_floor_bowel_or_wind": yes_no(PP + "bowel_or_wind_control_problems", **BIRTH),
    "pelvic_floor_pelvic_pain": ({**BIRTH, PP + "pelvic_pain_nprs": 5}, [{**BIRTH, PP + "pelvic_pain_nprs": 0}]),
    "pelvic_floor_check_failed": ({"findings.pelvic_floor_check": "fail"}, [{"findings.pelvic_floor_check": "pass"}]),
    "pelvic_floor_symptoms_before_pregnancy": yes_no(PP + "pelvic_floor_symptoms_before_pregnancy", **BIRTH),
    "pelvic_floor_severe_tear": (
        {**BIRTH, PP + "perineal_trauma": "fourth_degree"},
        [{**BIRTH, PP + "perineal_trauma": "second_degree"}, {**BIRTH, PP + "perineal_trauma": "unknown"}],
    ),
    "pelvic_floor_postpartum_bmi": (
        {**BIRTH, "patient.height_cm": 160, "patient.weight_kg": 85},
        [
            {**BIRTH, "patient.height_cm": 160, "patient.weight_kg": 60},
            {"patient.height_cm": 160, "patient.weight_kg": 85},  # not after a birth
        ],
    ),
    "abdominal_doming": yes_no(PP + "abdominal_doming", **BIRTH),
    "abdominal_midline_gap": ({"findings.dra_fingers": 3}, [{"findings.dra_fingers": 1}]),
    "recovery_short_sleep": ({"intake.sleep_hours": 5}, [{"intake.sleep_hours": 8}]),
    "recovery_high_fatigue": ({**BIRTH, PP + "fatigue": 9}, [{**BIRTH, PP + "fatigue": 3}]),
    "recovery_breastfeeding": ({**BIRTH, PP + "breastfeeding": "mixed"}, [{**BIRTH, PP + "breastfeeding": "no"}]),
    "fear_of_movement": ({"intake.fear_of_movement": 9}, [{"intake.fear_of_movement": 2}]),
    "footwear_new_shoes": listed("intake.recent_changes", "new_shoes", "new_surface"),
    "footwear_worn_shoes": ({"intake.shoe_km": 900}, [{"intake.shoe_km": 200}]),
    # Contraindications
    "flexion_squatting_hurts": listed("intake.aggravators", "squatting", "stairs_up"),
    "flexion_squat_test": yes_no("findings.squat_reproduces_pain"),
    "flexion_sl_squat_pain": ({"findings.sl_squat.pain_nprs": 6}, [{"findings.sl_squat.pain_nprs": 1}]),
    "kneeling_hurts": listed("intake.aggravators", "kneeling", "squatting"),
    "doming_reported": yes_no(PP + "abdominal_doming", **BIRTH),
    "doming_midline_gap": ({"findings.dra_fingers": 2.5}, [{"findings.dra_fingers": 0.5}]),
    # Holds: the §9.1 entry criteria and the meniscal pathway (§8 RF22)
    "hold_effusion": yes_no("findings.effusion"),
    "hold_visible_swelling": (
        {"intake.swelling": "visible"},
        [{"intake.swelling": "mild_after_activity"}, {"intake.swelling": "none"}],
    ),
    "hold_daily_pain_now": ({"intake.nprs_now": 6}, [{"intake.nprs_now": 3}]),
    "hold_daily_pain_usual": ({"intake.nprs_usual": 5}, [{"intake.nprs_usual": 2}]),
    "hold_walk_test": load_test("walk_30min"),
    "hold_doming_reported": (
        {**BIRTH, PP + "abdominal_doming": True},
        [{**BIRTH, PP + "abdominal_doming": False}],
    ),
    "hold_midline_gap": (
        {**BIRTH, "findings.dra_fingers": 2},
        [{**BIRTH, "findings.dra_fingers": 1}, {"findings.dra_fingers": 3}],  # the last: not after a birth
    ),
    **{
        f"hold_{field}_not_recorded": (
            {**BIRTH},  # after a birth, not recorded
            # recorded, enough or short of 20 (then RF20 refers instead); not after a birth
            [{**BIRTH, f"findings.{field}": 20}, {**BIRTH, f"findings.{field}": 12}, {}],
        )
        for field in STRENGTH_TESTS
    },
    "hold_meniscal_pattern": (
        {"intake.pain_locations": ["inner_joint_line"], "intake.aggravators": ["twisting"]},
        [{"intake.pain_locations": ["outer_knee"], "intake.aggravators": ["downhill_running"]}],
    ),
}

QUIET = [(rule_id, quiet) for rule_id, (_, quiets) in EXAMPLES.items() for quiet in quiets]


def fires(rule_id: str, values: dict) -> bool:
    return RULES[rule_id].fires(case_facts(case_with(values)))


def test_every_rule_has_examples():
    assert set(EXAMPLES) == set(RULES)


@pytest.mark.parametrize("rule_id", EXAMPLES)
def test_rule_fires_on_its_example(rule_id):
    case = case_with(EXAMPLES[rule_id][0])
    validate_case(case)  # the example is a real case
    facts = case_facts(case)
    assert RULES[rule_id].fires(facts)
    assert RULES[rule_id].evidence(facts).strip()


@pytest.mark.parametrize(("rule_id", "values"), QUIET)
def test_rule_stays_quiet_on_its_counter_example(rule_id, values):
    validate_case(case_with(values))
    assert not fires(rule_id, values)


@pytest.mark.parametrize("rule_id", EXAMPLES)
def test_rule_with_unknown_inputs_does_not_fire(rule_id):
    case = without(case_with(EXAMPLES[rule_id][0]), RULES[rule_id].reads)
    assert not RULES[rule_id].fires(case_facts(case))


# --- Thresholds at their boundaries -------------------------------------------------------------------------------

# (threshold, its value, rule, values just on the quiet side, values just on the firing side)
BOUNDARIES = [
    (
        "OTTAWA_AGE_YEARS",
        55,
        "rf2_ottawa_age",
        {**INJURY, "patient.date_of_birth": "1971-12-02"},  # 54 on 2026-12-01
        {**INJURY, "patient.date_of_birth": "1971-12-01"},  # 55 that day
    ),
    (
        "TOO_EARLY_POSTPARTUM_WEEKS",
        3,
        "rf17_under_3_weeks_postpartum",
        {PP + "delivery_date": days_ago(21)},
        {PP + "delivery_date": days_ago(20)},
    ),
    (
        "RUNNING_POSTPARTUM_WEEKS",
        12,
        "rf18_under_12_weeks_postpartum",
        {PP + "delivery_date": days_ago(84)},
        {PP + "delivery_date": days_ago(83)},
    ),
    (
        "PELVIC_PAIN_NPRS",
        1,
        "rf19_pelvic_pain",
        {**BIRTH, PP + "pelvic_pain_nprs": 0},
        {**BIRTH, PP + "pelvic_pain_nprs": 1},
    ),
    (
        "STRENGTH_TEST_REPS",
        20,
        "rf20_sl_calf_raise_reps",
        {**BIRTH, "findings.sl_calf_raise_reps": 20},
        {**BIRTH, "findings.sl_calf_raise_reps": 19},
    ),
    ("STRENGTH_TEST_REPS", 20, "hip_bridge_reps", {"findings.sl_bridge_reps": 20}, {"findings.sl_bridge_reps": 19}),
    (
        "STRENGTH_TEST_REPS",
        20,
        "hip_abduction_reps",
        {"findings.side_lying_abduction_reps": 20},
        {"findings.side_lying_abduction_reps": 19},
    ),
    (
        "STRENGTH_TEST_REPS",
        20,
        "quad_sit_to_stand_reps",
        {"findings.sl_sit_to_stand_reps": 20},
        {"findings.sl_sit_to_stand_reps": 19},
    ),
    (
        "SL_BALANCE_SECONDS",
        10,
        "rf20_sl_balance_seconds",
        {**BIRTH, "findings.sl_balance_seconds": 10},
        {**BIRTH, "findings.sl_balance_seconds": 9},
    ),
    (
        "SL_BALANCE_SECONDS",
        10,
        "impact_sl_balance",
        {"findings.sl_balance_seconds": 10},
        {"findings.sl_balance_seconds": 9},
    ),
    (
        "BUGGY_BABY_MONTHS",
        6,
        "rf21_buggy_before_6_months",
        {PP + "delivery_date": "2026-06-01", PP + "buggy_running_planned": True},  # 6 months on 2026-12-01
        {PP + "delivery_date": "2026-06-02", PP + "buggy_running_planned": True},
    ),
    (
        "WEEKLY_INCREASE_HIGH_PCT",
        30,
        "load_weekly_rise_over_30",
        {"intake.weekly_increase_pct": 30},
        {"intake.weekly_increase_pct": 30.5},
    ),
    (
        "WEEKLY_INCREASE_PCT",
        10,
        "load_weekly_rise_over_10",
        {"intake.weekly_increase_pct": 10},
        {"intake.weekly_increase_pct": 10.5},
    ),
    (
        "LONG_RUN_SHARE_OF_WEEK",
        0.5,
        "load_long_run_spike",
        {"intake.longest_run_30d_km": 10, "intake.weekly_km_before_symptoms": 20},
        {"intake.longest_run_30d_km": 10.1, "intake.weekly_km_before_symptoms": 20},
    ),
    (
        "LOW_CADENCE_SPM",
        166,
        "gait_low_cadence",
        {"findings.gait.cadence_spm": 166},
        {"findings.gait.cadence_spm": 165},
    ),
    ("SHORT_SLEEP_HOURS", 6.8, "recovery_short_sleep", {"intake.sleep_hours": 6.8}, {"intake.sleep_hours": 6.7}),
    ("HIGH_FATIGUE", 7, "recovery_high_fatigue", {**BIRTH, PP + "fatigue": 6}, {**BIRTH, PP + "fatigue": 7}),
    ("HIGH_FEAR_OF_MOVEMENT", 6, "fear_of_movement", {"intake.fear_of_movement": 5}, {"intake.fear_of_movement": 6}),
    ("WORN_SHOE_KM", 600, "footwear_worn_shoes", {"intake.shoe_km": 599}, {"intake.shoe_km": 600}),
    ("DRA_FINGERS", 2, "abdominal_midline_gap", {"findings.dra_fingers": 1.5}, {"findings.dra_fingers": 2}),
    (
        "PAINFUL_SQUAT_NPRS",
        4,
        "flexion_sl_squat_pain",
        {"findings.sl_squat.pain_nprs": 3},
        {"findings.sl_squat.pain_nprs": 4},
    ),
    (
        "POSTPARTUM_BMI",
        30,
        "pelvic_floor_postpartum_bmi",
        {**BIRTH, "patient.height_cm": 160, "patient.weight_kg": 76.8},  # BMI 30.0
        {**BIRTH, "patient.height_cm": 160, "patient.weight_kg": 77.1},  # BMI 30.1
    ),
]


@pytest.mark.parametrize(("name", "value", "rule_id", "quiet", "firing"), BOUNDARIES)
def test_threshold_boundary(name, value, rule_id, quiet, firing):
    assert THRESHOLDS[name] == value
    assert not fires(rule_id, quiet)
    assert fires(rule_id, firing)


def test_bleeding_question_is_needed_from_8_weeks_after_birth():
    assert THRESHOLDS["BLEEDING_POSTPARTUM_WEEKS"] == 8
    need = next(rule for rule in NEED_RULES if rule.path == PP + "bleeding_after_8_weeks")
    assert not need.needed(case_facts(case_with({PP + "delivery_date": days_ago(55)})))
    assert need.needed(case_facts(case_with({PP + "delivery_date": days_ago(56)})))


BOUNDARIES.append(
    ("DAILY_PAIN_MAX", 3, "hold_daily_pain_usual", {"intake.nprs_usual": 3}, {"intake.nprs_usual": 4}),
)


def test_every_threshold_is_tested_at_its_boundary():
    tested = {name for name, *_ in BOUNDARIES} | {"BLEEDING_POSTPARTUM_WEEKS"}
    assert tested == set(THRESHOLDS)


# --- The rule table itself ----------------------------------------------------------------------------------------


def test_rule_ids_are_unique():
    assert len(RULES) == len(ALL_RULES)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_every_rule_cites_the_reference(rule):
    assert rule.source.startswith("reference §")


@pytest.mark.parametrize("rule", RED_FLAG_RULES, ids=lambda rule: rule.id)
def test_red_flag_rule_cites_its_flags_row(rule):
    flag_row = RED_FLAGS[rule.output].source.removeprefix("reference ")
    assert rule.source.startswith(f"reference {flag_row}")


@pytest.mark.parametrize("path", sorted({p for rule in ALL_RULES for p in rule.reads} | {n.path for n in NEED_RULES}))
def test_rules_read_and_need_real_case_fields(path):
    assert field_at(path)


def test_every_red_flag_is_produced_by_a_rule():
    assert {rule.output for rule in RED_FLAG_RULES} == set(RED_FLAGS)


def test_every_cause_is_produced_by_a_rule():
    assert {rule.output for rule in CAUSE_RULES} == set(CAUSES)


def test_every_condition_but_unclear_is_concluded_by_rules():
    assert {rule.output for rule in CONDITION_RULES} == set(Condition) - {Condition.UNCLEAR}
    assert set(DIFFERENTIAL_ORDER) == set(Condition) - {Condition.UNCLEAR}


def test_every_contraindication_but_pelvic_floor_has_rules():
    # pelvic_floor_symptoms follows red flag RF19 (tested in test_engine.py)
    produced = {rule.output for rule in CONTRAINDICATION_RULES}
    assert produced == set(Contraindication) - {Contraindication.PELVIC_FLOOR_SYMPTOMS}


def test_cause_rules_carry_a_weight_and_other_rules_none():
    assert all(rule.weight in (STRONG, MODERATE, WEAK) for rule in CAUSE_RULES)
    assert all(rule.weight == 0 for rule in RED_FLAG_RULES + CONDITION_RULES + CONTRAINDICATION_RULES)


def test_every_condition_has_site_and_pattern_rules():
    for condition in DIFFERENTIAL_ORDER:
        roles = {rule.role for rule in CONDITION_RULES if rule.output == condition}
        assert {SITE, PATTERN} <= roles <= {SITE, PATTERN, AGAINST}


def test_every_recorded_load_test_has_words_and_rules():
    assert tuple(LOAD_TESTS) == READINESS_TESTS
    assert set(RUNNER_IMPACT_TESTS) <= set(READINESS_TESTS)


def test_cause_order_lists_every_cause_once():
    assert sorted(CAUSE_ORDER) == sorted(CAUSES)


def ruleset_fingerprint() -> str:
    """A digest of everything declarative about the rules: ids, outputs, fields, evidence, sources, weights, roles,
    needs and thresholds (predicates are code; their behaviour is pinned by the examples above)."""
    rules = [
        (rule.id, str(rule.output), rule.reads, rule.finding.evidence, rule.source, rule.weight, rule.role)
        for rule in ALL_RULES
    ]
    needs = [(need.path, need.source, need.blocks) for need in NEED_RULES]
    text = repr((rules, needs, sorted(THRESHOLDS.items()), [str(c) for c in CAUSE_ORDER]))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ENGINE_VERSION → the fingerprint of its rules. Changing a rule changes the fingerprint: bump ENGINE_VERSION in
# intake/assessment/engine.py and add the new pair here (keep the old ones: a version never names two rule sets).
RULESET_FINGERPRINTS = {
    "2026.11.1": "538c78203d157087",
    "2026.12.1": "e3b5f9584ba3076f",
    "2026.12.7": "eda6cb5c19a4fe6f",
    "2026.12.8": "64a56e46a7d6a9c2",
}


def test_engine_version_is_bumped_when_the_rules_change():
    fingerprint = ruleset_fingerprint()
    assert RULESET_FINGERPRINTS.get(ENGINE_VERSION) == fingerprint, (
        f"the rules changed: bump ENGINE_VERSION and add it to RULESET_FINGERPRINTS with {fingerprint!r}"
    )
