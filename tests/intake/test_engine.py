"""The assessment engine: action, differential, ranking and evidence, needs, gates, overrides, screening."""

from datetime import date

import pytest

from intake.assessment import engine as engine_module
from intake.assessment.engine import ENGINE_VERSION, assess, override_problems, screen_intake
from intake.assessment.facts import add_months
from intake.codes import RED_FLAGS, Level, RedFlag
from tests.intake.cases import AS_OF, case_with

PP = "intake.postpartum."
PFP = {"intake.pain_locations": ["around_kneecap"], "intake.aggravators": ["stairs_down"]}
# 20 weeks after birth, no symptoms, every test passed: a postpartum case with nothing to flag
READY_AFTER_BIRTH = {
    PP + "delivery_date": "2026-07-14",
    PP + "urine_leak": "never",
    PP + "urgency_leak": "never",
    PP + "heaviness": "never",
    PP + "bowel_or_wind_control_problems": False,
    PP + "pelvic_pain_nprs": 0,
    "findings.pelvic_floor_check": "pass",
    "findings.readiness": {
        "walk_30min": True,
        "sl_balance_10s": True,
        "sl_squat_10": True,
        "jog_on_spot_1min": True,
        "forward_bounds_10": True,
        "hop_in_place_10": True,
        "running_man_10": True,
    },
    "findings.sl_calf_raise_reps": 22,
    "findings.sl_bridge_reps": 21,
    "findings.sl_sit_to_stand_reps": 20,
    "findings.side_lying_abduction_reps": 25,
}


def result_for(values: dict, **kwargs) -> dict:
    return assess(case_with(values), **kwargs)


def flag_codes(result: dict) -> list[str]:
    return [flag["code"] for flag in result["red_flags"]]


def flag(result: dict, code: str) -> dict:
    return next(flag for flag in result["red_flags"] if flag["code"] == code)


# --- Action and red flags -------------------------------------------------------------------------------------------


def test_action_is_plan_without_red_flags():
    result = result_for(PFP)
    assert result["red_flags"] == []
    assert result["action"] == "plan"


def test_action_is_plan_when_only_caution_flags_are_raised():
    result = result_for({**READY_AFTER_BIRTH, PP + "low_mood": True})
    assert flag_codes(result) == ["possible_postnatal_depression"]
    assert result["action"] == "plan"


def test_action_is_the_most_severe_flag_and_flags_come_most_severe_first():
    result = result_for(
        {
            PP + "delivery_date": "2026-07-14",
            PP + "urine_leak": "often",
            "intake.calf_pain_swelling_redness": True,
            "intake.numbness_or_weakness": True,
        }
    )
    assert result["action"] == "emergency"
    assert flag_codes(result) == ["neurovascular_deficit", "dvt_signs", "pelvic_floor_symptoms"]


def test_overridden_flag_does_not_set_the_action():
    values = {**READY_AFTER_BIRTH, PP + "delivery_date": "2026-09-20"}  # 10 weeks
    assert result_for(values)["action"] == "refer_before_run"
    result = result_for(values, overrides={"under_12_weeks_postpartum": "Delphi 2024: tests passed"})
    assert result["action"] == "plan"


def test_red_flag_carries_its_level_reason_evidence_and_source():
    result = result_for({"intake.calf_pain_swelling_redness": True})
    assert result["red_flags"] == [
        {
            "code": "dvt_signs",
            "level": "urgent",
            "reason": RED_FLAGS[RedFlag.DVT_SIGNS].label,
            "evidence": ["calf pain, swelling or redness"],
            "source": "reference §8 RF8",
            "overridden": False,
        }
    ]


def test_red_flag_lists_the_evidence_of_every_rule_that_raised_it():
    result = result_for(
        {**READY_AFTER_BIRTH, PP + "urine_leak": "sometimes", PP + "heaviness": "with_activity"}
        | {"findings.pelvic_floor_check": "fail"}
    )
    assert flag(result, "pelvic_floor_symptoms")["evidence"] == [
        "urine leak: sometimes",
        "pelvic heaviness or dragging: with activity",
        "pelvic floor check: failed",
    ]


def test_ottawa_rule_applies_to_acute_injury_only():
    values = {"intake.can_weight_bear_4_steps": False, "patient.date_of_birth": "1950-05-05"}
    assert "possible_fracture" not in flag_codes(result_for({**values, "intake.onset": "gradual"}))
    injured = result_for({**values, "intake.onset": "sudden_with_injury"})
    assert flag(injured, "possible_fracture")["evidence"] == [
        "acute injury at age 76 (55 or over)",
        "acute injury: cannot take 4 steps",
    ]


def test_failed_strength_test_counts_as_failed_impact_readiness_after_birth():
    result = result_for({**READY_AFTER_BIRTH, "findings.sl_calf_raise_reps": 14})
    assert flag(result, "failed_impact_readiness")["evidence"] == ["single-leg calf raise: 14 reps (target 20)"]


# --- The differential -----------------------------------------------------------------------------------------------


def test_condition_is_unclear_when_no_pattern_fits():
    result = result_for({"intake.aggravators": ["running"]})
    assert result["condition"] == "unclear"
    assert result["condition_evidence"] == []
    assert "not_pfp_pattern" not in flag_codes(result)


def test_condition_evidence_lists_the_findings_that_concluded_it():
    result = result_for({**PFP, "findings.squat_reproduces_pain": True})
    assert result["condition"] == "patellofemoral_pain"
    assert result["condition_evidence"] == [
        "pain around or behind the kneecap",
        "pain going downstairs",
        "squat reproduces the pain",
    ]


def test_meniscal_pattern_is_concluded_before_patellofemoral_pain():
    result = result_for(
        {"intake.pain_locations": ["around_kneecap", "inner_joint_line"], "intake.aggravators": ["squatting"]}
        | {"intake.catching": "often"}
    )
    assert result["condition"] == "possible_meniscal_injury"
    assert "not_pfp_pattern" in flag_codes(result)


def test_patellofemoral_pain_is_not_concluded_after_an_injury():
    assert result_for({**PFP, "intake.onset": "sudden_with_injury"})["condition"] == "unclear"


def test_iliotibial_band_syndrome_is_not_concluded_with_an_effusion():
    values = {"intake.pain_locations": ["outer_knee"], "intake.aggravators": ["downhill_running"]}
    assert result_for(values)["condition"] == "iliotibial_band_syndrome"
    assert result_for({**values, "findings.effusion": True})["condition"] == "unclear"


def test_tendinopathy_needs_pain_at_the_inferior_pole_and_jumping():
    assert result_for({"intake.aggravators": ["jumping"]})["condition"] == "unclear"
    values = {"findings.tenderness": ["inferior_pole"], "intake.aggravators": ["jumping"]}
    assert result_for(values)["condition"] == "patellar_tendinopathy"


# --- Causes ---------------------------------------------------------------------------------------------------------


def test_causes_are_ranked_by_score():
    result = result_for(
        {"findings.quad_strength": "reduced", "findings.thigh_atrophy": True, "intake.recent_changes": ["hills"]}
        | {"findings.calf_tight": True}
    )
    assert [(c["code"], c["score"]) for c in result["causes"]] == [
        ("quadriceps_weakness", 1.0),
        ("muscle_tightness", 0.4),
        ("training_load_error", 0.2),
    ]


def test_cause_score_is_clipped_to_one_with_two_decimals():
    result = result_for(
        {"findings.hip_abductor_strength": "reduced", "findings.trendelenburg": True}
        | {"findings.side_lying_abduction_reps": 10, "findings.sl_bridge_reps": 10}
    )
    assert result["causes"][0]["score"] == 1.0
    assert result_for({"intake.recent_changes": ["hills", "speed_work", "new_surface"]})["causes"][0]["score"] == 0.6


def test_causes_with_equal_scores_follow_reference_section_7_row_order():
    # Thomas test (row 15), doming (row 14) and pronation (row 9) each score 0.6: rows 9, 14, 15.
    result = result_for(
        {"findings.thomas_test_positive": True, PP + "delivery_date": "2026-07-14", PP + "abdominal_doming": True}
        | {"findings.foot_posture": "pronated"}
    )
    assert [c["code"] for c in result["causes"][:3]] == [
        "foot_pronation",
        "abdominal_wall_dysfunction",
        "hip_flexor_tightness",
    ]


def test_cause_lists_every_finding_that_raised_it_and_its_sources():
    result = result_for({"intake.weekly_increase_pct": 35, "intake.recent_changes": ["distance_up", "new_shoes"]})
    load = next(c for c in result["causes"] if c["code"] == "training_load_error")
    assert load == {
        "code": "training_load_error",
        "score": 0.8,
        "evidence": ["weekly distance rose 35% (over 30%)", "recent change: more distance"],
        "sources": ["reference §7 row 1; §4.3", "reference §7 row 1"],
    }
    footwear = next(c for c in result["causes"] if c["code"] == "footwear")
    assert footwear["evidence"] == ["recent change: new shoes"]


# --- Needs ----------------------------------------------------------------------------------------------------------


def test_unanswered_safety_questions_are_needed_not_taken_as_normal():
    result = result_for({})
    assert result["red_flags"] == []
    assert {"intake.hot_red_knee", "intake.fever_or_unwell", "intake.calf_pain_swelling_redness"} <= set(
        result["needs"]
    )


def test_answered_safety_questions_are_not_needed():
    result = result_for({"intake.hot_red_knee": False, "intake.fever_or_unwell": False})
    assert "intake.hot_red_knee" not in result["needs"]
    assert "intake.fever_or_unwell" not in result["needs"]


def test_postpartum_case_without_examination_needs_readiness_and_pelvic_floor_check():
    needs = result_for({PP + "delivery_date": "2026-07-14"})["needs"]
    assert {"findings.readiness", "findings.pelvic_floor_check", "findings.sl_calf_raise_reps"} <= set(needs)


def test_pelvic_floor_check_not_done_is_still_needed():
    result = result_for({**READY_AFTER_BIRTH, "findings.pelvic_floor_check": "not_done"})
    assert "findings.pelvic_floor_check" in result["needs"]


def test_partly_recorded_readiness_needs_each_missing_test():
    values = {**READY_AFTER_BIRTH, "findings.readiness": {"walk_30min": True, "hop_in_place_10": True}}
    needs = result_for(values)["needs"]
    assert "findings.readiness" not in needs
    assert "findings.readiness.forward_bounds_10" in needs
    assert "findings.readiness.walk_30min" not in needs


def test_a_runner_without_the_30_minute_walk_test_needs_it():
    """reference §9.1: the brisk 30-minute walk is an entry criterion for everyone; unknown is not passed."""
    jog_and_hop = {"jog_on_spot_1min": True, "hop_in_place_10": True}
    assert "findings.readiness.walk_30min" in result_for({"findings.readiness": jog_and_hop})["needs"]
    walked = {"findings.readiness": {**jog_and_hop, "walk_30min": True}}
    assert "findings.readiness.walk_30min" not in result_for(walked)["needs"]


def test_patellofemoral_pain_without_the_squat_test_needs_it():
    assert "findings.squat_reproduces_pain" in result_for(PFP)["needs"]
    assert "findings.squat_reproduces_pain" not in result_for({**PFP, "findings.squat_reproduces_pain": True})["needs"]


def test_acute_injury_needs_the_ottawa_answers():
    needs = result_for({"intake.onset": "sudden_with_injury"})["needs"]
    assert {"intake.can_weight_bear_4_steps", "intake.can_bend_to_90", "patient.date_of_birth"} <= set(needs)
    assert "intake.can_weight_bear_4_steps" not in result_for({})["needs"]


def test_needs_are_sorted_and_unique():
    needs = result_for({PP + "delivery_date": "2026-07-14"})["needs"]
    assert needs == sorted(set(needs))


# --- Gates ----------------------------------------------------------------------------------------------------------


def test_gates_have_the_plan_builders_shape():
    assert set(result_for({})["gates"]) == {
        "running_allowed",
        "running_allowed_from",
        "blocked_by",
        "issue_blocked_by",
        "weeks_postpartum",
        "delivery_date",
        "caesarean",
        "breastfeeding",
        "extra_rest_day",
        "buggy_allowed_from",
        "contraindications",
        "impact_readiness",
        "cadence_spm",
    }


def test_running_is_allowed_from_the_plan_start_without_blocking_flags():
    assert result_for({})["gates"]["running_allowed_from"] == "2026-12-01"
    gates = result_for({"plan_start": "2026-12-07"})["gates"]
    assert (gates["running_allowed"], gates["running_allowed_from"], gates["blocked_by"]) == (True, "2026-12-07", [])


@pytest.mark.parametrize(
    "values",
    [{"intake.numbness_or_weakness": True}, {"intake.locking": "current"}],
    ids=["emergency", "urgent"],
)
def test_emergency_and_urgent_flags_stop_running(values):
    gates = result_for(values)["gates"]
    assert (gates["running_allowed"], gates["running_allowed_from"]) == (False, None)
    assert gates["blocked_by"] == flag_codes(result_for(values))


def test_under_12_weeks_alone_allows_running_from_the_12_week_date():
    gates = result_for({**READY_AFTER_BIRTH, PP + "delivery_date": "2026-10-06"})["gates"]
    assert gates["running_allowed"] is True
    assert gates["running_allowed_from"] == "2026-12-29"  # delivery + 84 days
    assert gates["blocked_by"] == ["under_12_weeks_postpartum"]
    assert gates["weeks_postpartum"] == 8


def test_overridden_under_12_weeks_allows_running_from_the_plan_start():
    values = {**READY_AFTER_BIRTH, PP + "delivery_date": "2026-10-06", "plan_start": "2026-12-03"}
    gates = result_for(values, overrides={"under_12_weeks_postpartum": "Delphi 2024 individual timeline"})["gates"]
    assert (gates["running_allowed"], gates["running_allowed_from"], gates["blocked_by"]) == (True, "2026-12-03", [])


def test_under_3_weeks_blocks_running_even_when_12_week_flag_is_overridden():
    values = {**READY_AFTER_BIRTH, PP + "delivery_date": "2026-11-20"}
    result = result_for(values, overrides={"under_12_weeks_postpartum": "experienced runner"})
    assert result["gates"]["running_allowed"] is False
    assert result["gates"]["blocked_by"] == ["too_early_postpartum"]
    assert result["action"] == "refer_before_run"


@pytest.mark.parametrize(
    "values",
    [
        {PP + "urine_leak": "rarely"},
        {PP + "bleeding_after_8_weeks": True},
        {"findings.readiness": {**READY_AFTER_BIRTH["findings.readiness"], "hop_in_place_10": False}},
    ],
    ids=["pelvic_floor_symptoms", "postnatal_bleeding", "failed_impact_readiness"],
)
def test_other_refer_before_run_flags_stop_running_until_cleared(values):
    result = result_for({**READY_AFTER_BIRTH, **values})
    assert (result["gates"]["running_allowed"], result["gates"]["running_allowed_from"]) == (False, None)
    code = result["gates"]["blocked_by"][0]
    cleared = result_for({**READY_AFTER_BIRTH, **values}, overrides={code: "Reviewed by the pelvic health physio"})
    assert cleared["gates"]["running_allowed"] is True


def test_caution_flags_do_not_stop_running():
    gates = result_for({"intake.pain_locations": ["outer_knee"], "intake.aggravators": ["downhill_running"]})["gates"]
    assert (gates["running_allowed"], gates["blocked_by"]) == (True, [])


def test_overridden_pelvic_floor_flag_keeps_the_contraindication():
    values = {**READY_AFTER_BIRTH, PP + "heaviness": "end_of_day"}
    gates = result_for(values, overrides={"pelvic_floor_symptoms": "pessary fitted"})["gates"]
    assert gates["running_allowed"] is True
    assert gates["contraindications"] == ["pelvic_floor_symptoms"]


@pytest.mark.parametrize(
    ("values", "contraindication"),
    [
        ({"intake.aggravators": ["squatting"]}, "painful_deep_knee_flexion"),
        ({"findings.squat_reproduces_pain": True}, "painful_deep_knee_flexion"),
        ({"findings.sl_squat": {"pain_nprs": 5}}, "painful_deep_knee_flexion"),
        ({"intake.aggravators": ["kneeling"]}, "painful_kneeling"),
        ({PP + "delivery_date": "2026-07-14", PP + "abdominal_doming": True}, "abdominal_doming"),
        ({"findings.dra_fingers": 2.5}, "abdominal_doming"),
        ({PP + "delivery_date": "2026-07-14", PP + "urgency_leak": "sometimes"}, "pelvic_floor_symptoms"),
    ],
)
def test_contraindication_present(values, contraindication):
    assert result_for(values)["gates"]["contraindications"] == [contraindication]


def test_no_contraindications_without_their_findings():
    assert (
        result_for({"intake.aggravators": ["running"], "findings.dra_fingers": 1})["gates"]["contraindications"] == []
    )


@pytest.mark.parametrize(
    ("breastfeeding", "expected"), [("exclusive", True), ("mixed", True), ("no", False), (None, False)]
)
def test_breastfeeding_gate(breastfeeding, expected):
    values = {PP + "delivery_date": "2026-07-14", PP + "breastfeeding": breastfeeding}
    assert result_for(values)["gates"]["breastfeeding"] is expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"intake.sleep_hours": 6}, True),
        ({PP + "delivery_date": "2026-07-14", PP + "fatigue": 8}, True),
        ({"intake.sleep_hours": 7.5, PP + "delivery_date": "2026-07-14", PP + "fatigue": 4}, False),
        ({}, False),
    ],
)
def test_extra_rest_day_for_short_sleep_or_high_fatigue(values, expected):
    assert result_for(values)["gates"]["extra_rest_day"] is expected


def test_buggy_running_is_allowed_from_six_months_after_birth():
    values = {PP + "delivery_date": "2026-08-31", PP + "buggy_running_planned": True}
    assert result_for(values)["gates"]["buggy_allowed_from"] == "2027-02-28"
    assert result_for({**values, PP + "buggy_running_planned": False})["gates"]["buggy_allowed_from"] is None


def test_weeks_postpartum_is_null_without_a_birth():
    assert result_for({})["gates"]["weeks_postpartum"] is None


def test_cadence_baseline_prefers_the_gait_analysis():
    assert result_for({"intake.cadence_spm": 160})["gates"]["cadence_spm"] == 160
    assert result_for({"intake.cadence_spm": 160, "findings.gait": {"cadence_spm": 168}})["gates"]["cadence_spm"] == 168
    assert result_for({})["gates"]["cadence_spm"] is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (READY_AFTER_BIRTH, "passed"),
        ({**READY_AFTER_BIRTH, "findings.sl_bridge_reps": 19}, "failed"),
        ({**READY_AFTER_BIRTH, "findings.readiness": {"walk_30min": False}}, "failed"),
        ({**READY_AFTER_BIRTH, "findings.sl_bridge_reps": None}, "not_assessed"),
        ({PP + "delivery_date": "2026-07-14"}, "not_assessed"),
        ({**READY_AFTER_BIRTH, "findings.sl_balance_seconds": 4}, "failed"),
        ({**READY_AFTER_BIRTH, "findings.sl_balance_seconds": 30}, "passed"),
    ],
    ids=[
        "all-passed",
        "strength-failed",
        "load-test-failed",
        "strength-missing",
        "nothing-recorded",
        "balance-timed-under-10-s-though-ticked",
        "balance-timed-and-ticked",
    ],
)
def test_impact_readiness_after_birth(values, expected):
    assert result_for(values)["gates"]["impact_readiness"] == expected


@pytest.mark.parametrize(
    ("readiness", "expected"),
    [
        ({"jog_on_spot_1min": True, "hop_in_place_10": True}, "passed"),
        ({"jog_on_spot_1min": True, "hop_in_place_10": False}, "failed"),
        ({"jog_on_spot_1min": True, "hop_in_place_10": True, "forward_bounds_10": False}, "failed"),
        ({"jog_on_spot_1min": True}, "not_assessed"),
    ],
)
def test_impact_readiness_of_other_runners(readiness, expected):
    assert result_for({"findings.readiness": readiness})["gates"]["impact_readiness"] == expected


# --- Overrides ------------------------------------------------------------------------------------------------------

NOT_OVERRIDABLE = [code for code, info in RED_FLAGS.items() if info.level in (Level.EMERGENCY, Level.URGENT)]


@pytest.mark.parametrize("code", [*NOT_OVERRIDABLE, RedFlag.TOO_EARLY_POSTPARTUM])
def test_override_of_emergency_urgent_or_hard_block_is_refused(code):
    with pytest.raises(ValueError, match=rf"overrides\.{code}: .*cannot be overridden"):
        result_for({}, overrides={code: "I have checked"})


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_without_a_reason_is_refused(reason):
    with pytest.raises(ValueError, match=r"overrides\.pelvic_floor_symptoms: give the reason"):
        result_for({}, overrides={"pelvic_floor_symptoms": reason})


def test_override_of_an_unknown_code_is_refused():
    with pytest.raises(ValueError, match=r"overrides\.dvt: not a red-flag or hold code"):
        result_for({}, overrides={"dvt": "typo"})


def test_override_reason_over_500_characters_is_refused():
    with pytest.raises(ValueError, match="at most 500 characters"):
        result_for({}, overrides={"not_pfp_pattern": "x" * 501})


def test_override_problems_lists_every_problem():
    assert override_problems({"dvt_signs": "ok", "not_pfp_pattern": "", "failed_impact_readiness": "retested"}) == [
        "overrides.dvt_signs: an urgent red flag cannot be overridden; only refer_before_run and caution flags can",
        "overrides.not_pfp_pattern: give the reason for the override",
    ]


def test_overridden_flag_stays_listed_with_its_reason():
    values = {"intake.pain_locations": ["outer_knee"], "intake.aggravators": ["downhill_running"]}
    result = result_for(values, overrides={"not_pfp_pattern": "  ITBS confirmed; plan adapted  "})
    assert flag(result, "not_pfp_pattern")["overridden"] is True
    assert flag(result, "not_pfp_pattern")["override_reason"] == "ITBS confirmed; plan adapted"


def test_override_of_a_flag_that_is_not_raised_is_ignored():
    result = result_for(PFP, overrides={"under_12_weeks_postpartum": "old override"})
    assert result["red_flags"] == []
    assert result["action"] == "plan"


# --- Screening the questionnaire, version, purity ---------------------------------------------------------------


def test_screen_intake_returns_the_red_flags_of_the_answers_alone():
    intake = case_with({PP + "delivery_date": "2026-10-01", PP + "self_harm_thoughts": True})["intake"]
    flags = screen_intake(intake, as_of=AS_OF)
    assert [f["code"] for f in flags] == ["perinatal_mental_health_crisis", "under_12_weeks_postpartum"]
    assert flags == assess({"as_of": "2026-12-01", "intake": intake})["red_flags"]


def test_screen_intake_uses_the_patients_age():
    intake = case_with({"intake.onset": "sudden_with_injury"})["intake"]
    assert screen_intake(intake, as_of=AS_OF) == []
    flags = screen_intake(intake, as_of=AS_OF, patient={"date_of_birth": "1960-01-01"})
    assert [f["code"] for f in flags] == ["possible_fracture"]


def test_result_names_the_engine_version():
    assert result_for({})["engine_version"] == ENGINE_VERSION


def test_add_months_keeps_the_day_or_takes_the_months_last_day():
    assert add_months(date(2026, 7, 14), 6) == date(2027, 1, 14)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)


# --- Holds: §9.1 entry criteria, the meniscal pathway, unanswered safety questions ---------------------------------

ANSWERED = {
    "intake.hot_red_knee": False,
    "intake.fever_or_unwell": False,
    "intake.numbness_or_weakness": False,
    "intake.locking": "never",
    "intake.unexplained_weight_loss": False,
    "intake.night_pain": "no",
    "intake.calf_pain_swelling_redness": False,
    "intake.morning_stiffness_over_30min": False,
    "intake.other_joints_swollen": False,
}


def without_keys(values: dict, *keys: str) -> dict:
    return {key: value for key, value in values.items() if key not in keys}


def hold_codes(result: dict) -> list[str]:
    return [hold["code"] for hold in result["holds"]]


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"findings.effusion": True}, "effusion"),
        ({"intake.swelling": "visible"}, "visible_swelling"),
        ({"intake.nprs_usual": 6}, "daily_pain_above_3"),
        ({"findings.readiness": {"walk_30min": False}}, "walk_test_not_passed"),
        ({**READY_AFTER_BIRTH, PP + "abdominal_doming": True}, "abdominal_wall_not_ready"),
        (without_keys(READY_AFTER_BIRTH, "findings.sl_bridge_reps"), "strength_tests_not_recorded"),
        ({"intake.pain_locations": ["inner_joint_line"], "intake.catching": "often"}, "meniscal_review"),
    ],
)
def test_an_entry_criterion_not_met_holds_running_and_says_why(values, code):
    result = result_for({**ANSWERED, **values})
    hold = next(hold for hold in result["holds"] if hold["code"] == code)
    assert (hold["stops"], hold["overridden"]) == ("running", False)
    assert hold["evidence"] and hold["source"].startswith("reference §")
    gates = result["gates"]
    assert (gates["running_allowed"], gates["running_allowed_from"]) == (False, None)
    assert code in gates["blocked_by"]


def test_after_a_birth_the_hold_names_only_the_strength_tests_not_recorded():
    result = result_for({**ANSWERED, **without_keys(READY_AFTER_BIRTH, "findings.sl_bridge_reps")})
    hold = next(hold for hold in result["holds"] if hold["code"] == "strength_tests_not_recorded")
    assert hold["evidence"] == ["single-leg bridge: not recorded"]


def test_an_overridden_hold_stays_in_the_result_and_stops_holding():
    result = result_for({**ANSWERED, "findings.effusion": True}, overrides={"effusion": " Trace, stable. "})
    (hold,) = result["holds"]
    assert (hold["overridden"], hold["override_reason"]) == (True, "Trace, stable.")
    assert result["gates"]["running_allowed"] is True


def test_no_holds_when_every_entry_criterion_is_met():
    result = result_for(
        {**ANSWERED, **PFP, "intake.nprs_now": 3, "intake.nprs_usual": 3, "intake.swelling": "mild_after_activity"}
    )
    assert result["holds"] == [] and result["gates"]["issue_blocked_by"] == []


def test_unanswered_screening_questions_hold_issuing_but_not_running():
    result = result_for({**PFP, "intake.locking": "never"})
    (hold,) = result["holds"]
    assert (hold["code"], hold["stops"]) == ("unanswered_safety_questions", "issuing")
    assert any("intake.calf_pain_swelling_redness" in line for line in hold["evidence"])
    gates = result["gates"]
    assert gates["running_allowed"] is True
    assert "intake.calf_pain_swelling_redness" in gates["issue_blocked_by"]


def test_unanswered_ottawa_questions_after_an_injury_hold_running_too():
    result = result_for({**ANSWERED, "intake.onset": "sudden_with_injury"})
    (hold,) = result["holds"]
    assert (hold["code"], hold["stops"]) == ("unanswered_safety_questions", "running")
    assert result["gates"]["running_allowed"] is False
    assert "intake.can_bend_to_90" in result["gates"]["issue_blocked_by"]


def test_overriding_unanswered_safety_questions_needs_a_reason_and_clears_issuing():
    overrides = {"unanswered_safety_questions": "Asked by phone: no calf pain, no fever."}
    result = result_for({**PFP, "intake.locking": "never"}, overrides=overrides)
    assert result["gates"]["issue_blocked_by"] == []
    with pytest.raises(ValueError, match="give the reason"):
        result_for({}, overrides={"unanswered_safety_questions": " "})


def test_patellofemoral_pain_is_not_concluded_with_signs_of_an_inflammatory_joint():
    pfp = {"intake.pain_locations": ["around_kneecap"], "intake.aggravators": ["squatting"], "intake.side": "both"}
    assert result_for(pfp)["condition"] == "patellofemoral_pain"
    for sign in ("intake.morning_stiffness_over_30min", "intake.other_joints_swollen", "intake.hot_red_knee"):
        assert result_for({**pfp, sign: True})["condition"] == "unclear"


def test_causes_at_the_same_score_are_ranked_by_the_whole_weight_of_their_evidence(monkeypatch):
    """Scores stop at 1; beyond it, more evidence still ranks higher, before the order of reference §7."""

    class Rule:
        def __init__(self, output, weight):
            self.output, self.weight, self.source = output, weight, "reference §7 row 1"

        def fires(self, facts):
            return True

        def evidence(self, facts):
            return f"{self.output} {self.weight}"

    rules = [Rule("training_load_error", 0.6), Rule("training_load_error", 0.5)]  # 1.1: §7's first cause
    rules += [Rule("footwear", 0.6), Rule("footwear", 0.6), Rule("footwear", 0.3)]  # 1.5: its last
    monkeypatch.setattr(engine_module, "CAUSE_RULES", rules)
    ranked = engine_module.ranked_causes(None)
    assert [(cause["code"], cause["score"]) for cause in ranked] == [("footwear", 1.0), ("training_load_error", 1.0)]
