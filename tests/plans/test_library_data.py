"""The shipped exercise library (plans/library/data/exercises.json) against the clinic's material and the reference."""

import re

import pytest

from intake.codes import Category, Contraindication
from plans.library.exercises import KINDS, LIBRARY_PATH, load_library_file

VERSION, SPECS = load_library_file(LIBRARY_PATH)
BY_SLUG = {spec.slug: spec for spec in SPECS}

# Every exercise the clinic's material names (task brief; reference §1.2, §1.3, §1.6, §2.5, §4.4, §5).
NAMED = {
    "glute_bridge",
    "single_leg_bridge",
    "clamshell_with_band",
    "side_lying_hip_abduction",
    "side_plank",
    "side_plank_kneeling",
    "banded_side_steps",
    "squat",
    "sit_to_stand",
    "split_squat",
    "step_up",
    "step_down",
    "lunge",
    "hip_hinge",
    "romanian_deadlift",
    "wall_sit",
    "knee_extension_90_45",
    "single_leg_calf_raise",
    "double_leg_calf_raise",
    "single_leg_balance",
    "tripod_foot",
    "short_foot",
    "dead_bug",
    "bird_dog",
    "heel_slides",
    "pelvic_floor_fast_contractions",
    "pelvic_floor_long_holds",
    "kneeling_hip_flexor_stretch",
    "standing_hip_flexor_stretch",
    "hip_90_90",
    "figure_4_stretch",
    "piriformis_stretch",
    "hamstring_stretch_lying",
    "quadriceps_stretch_standing",
    "calf_stretch_wall",
    "foam_roll_quadriceps",
    "pogo_jumps",
    "jog_on_the_spot",
    "forward_bounds",
    "single_leg_hops",
    "running_man",
    "cadence_march_metronome",
    "cadence_run_metronome",
    "stationary_bike",
    "cross_trainer",
    "swimming",
    "brisk_walking",
}
# Reference §7 categories that must offer a progression (LOAD_MGMT, EDU and the adjuncts need not).
PROGRESSING_CATEGORIES = set(Category) - {
    Category.LOAD_MGMT,
    Category.EDU,
    Category.ORTHOSES,
    Category.TAPING,
    Category.REFER,
}
KNEELING = {"kneeling_hip_flexor_stretch", "side_plank_kneeling", "front_plank_kneeling", "bird_dog"}
LOADED_FRONT_CORE = {"front_plank", "front_plank_kneeling", "dead_bug", "toe_taps"}
DEEP_KNEE_FLEXION = {"squat", "split_squat", "lunge", "deep_step_down", "quadriceps_stretch_standing"}
JUMPING_WORDS = {"jumps", "hops", "hop", "bounds", "jog", "run"}


def _in_category(category):
    return [spec for spec in SPECS if category in spec.categories]


def test_library_file_has_a_version_and_enough_exercises():
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", VERSION)
    assert len(SPECS) >= 45


def test_library_has_every_exercise_the_clinic_material_names():
    assert sorted(NAMED - set(BY_SLUG)) == []


@pytest.mark.parametrize("category", sorted(PROGRESSING_CATEGORIES))
def test_category_has_exercises_at_two_levels_linked_by_a_progression(category):
    specs = _in_category(category)
    slugs = {spec.slug for spec in specs}
    assert len({spec.level for spec in specs}) >= 2, f"{category}: {sorted(slugs)}"
    assert any(set(spec.progressions) & slugs for spec in specs), f"{category} has no progression path"


def test_links_go_both_ways_and_up_or_down_in_level():
    for spec in SPECS:
        for slug in spec.progressions:
            assert spec.slug in BY_SLUG[slug].regressions, f"{slug} should regress to {spec.slug}"
            assert BY_SLUG[slug].level > spec.level, f"{spec.slug} → {slug}"
        for slug in spec.regressions:
            assert spec.slug in BY_SLUG[slug].progressions, f"{slug} should progress to {spec.slug}"
            assert BY_SLUG[slug].level < spec.level, f"{spec.slug} → {slug}"


def test_every_impact_exercise_is_ruled_out_by_pelvic_floor_symptoms():
    impact = [spec for spec in SPECS if spec.impact]
    assert impact
    assert all(Contraindication.PELVIC_FLOOR_SYMPTOMS in spec.contraindications for spec in impact)


def test_every_jumping_hopping_bounding_or_jogging_drill_is_marked_impact():
    drills = [spec for spec in SPECS if spec.kind == "impact" or JUMPING_WORDS & set(spec.slug.split("_"))]
    assert {spec.slug for spec in drills} >= {
        "pogo_jumps",
        "forward_bounds",
        "single_leg_hops",
        "jog_on_the_spot",
        "cadence_run_metronome",
    }
    assert [spec.slug for spec in drills if not spec.impact] == []


def test_only_drills_with_impact_are_marked_impact():
    assert not [spec.slug for spec in SPECS if spec.impact and spec.kind not in {"impact", "cadence_drill"}]


def test_deep_knee_bending_is_ruled_out_with_a_partial_range_regression():
    deep = {spec.slug for spec in SPECS if Contraindication.PAINFUL_DEEP_KNEE_FLEXION in spec.contraindications}
    assert deep == DEEP_KNEE_FLEXION
    for slug in deep:
        easier = [BY_SLUG[r] for r in BY_SLUG[slug].regressions]
        assert any(Contraindication.PAINFUL_DEEP_KNEE_FLEXION not in spec.contraindications for spec in easier), slug


def test_kneeling_positions_are_ruled_out_by_painful_kneeling():
    kneeling = {spec.slug for spec in SPECS if Contraindication.PAINFUL_KNEELING in spec.contraindications}
    assert kneeling == KNEELING
    assert all(spec.slug in kneeling for spec in SPECS if "kneeling" in spec.slug)


def test_kneeling_hip_flexor_stretch_regresses_to_a_standing_version():
    regressions = [BY_SLUG[slug] for slug in BY_SLUG["kneeling_hip_flexor_stretch"].regressions]
    assert [spec.slug for spec in regressions] == ["standing_hip_flexor_stretch"]
    assert Contraindication.PAINFUL_KNEELING not in regressions[0].contraindications


def test_loaded_front_core_work_is_ruled_out_by_abdominal_doming():
    doming = {spec.slug for spec in SPECS if Contraindication.ABDOMINAL_DOMING in spec.contraindications}
    assert doming == LOADED_FRONT_CORE


def test_abdominal_wall_rehab_starts_with_exercises_allowed_while_the_tummy_domes():
    starters = [spec for spec in _in_category(Category.DRA_REHAB) if spec.level <= 2]
    assert starters
    assert all(Contraindication.ABDOMINAL_DOMING not in spec.contraindications for spec in starters)


def test_exercise_text_is_complete_for_patients():
    names = [spec.name for spec in SPECS]
    assert len(set(names)) == len(names)
    for spec in SPECS:
        assert 3 <= len(spec.instructions) <= 6, spec.slug
        assert 2 <= len(spec.cues) <= 4, spec.slug
        assert spec.target_muscles, spec.slug
        assert spec.kind in KINDS
        assert spec.figure, spec.slug


def test_strength_defaults_are_three_sets_of_ten_and_say_the_dose_is_unverified():
    three_by_ten = [
        spec
        for spec in SPECS
        if spec.kind == "strength" and (spec.dosage.sets, spec.dosage.reps, spec.dosage.hold_s) == (3, 10, None)
    ]
    assert len(three_by_ten) >= 20
    for spec in three_by_ten:
        assert spec.dosage.per_week == 3, spec.slug
        assert "not verified in the reference" in spec.notes, spec.slug


def test_stretches_hold_thirty_seconds_at_least_three_days_a_week():
    stretches = [spec for spec in SPECS if spec.kind == "stretch"]
    assert len(stretches) >= 8
    for spec in stretches:
        assert (spec.dosage.sets, spec.dosage.hold_s) == (1, 30), spec.slug
        assert spec.dosage.per_week >= 3, spec.slug


@pytest.mark.parametrize(
    ("slug", "sets", "contacts"),
    [  # Cannon's progression, reference §4.4
        ("pogo_jumps", 3, 30),
        ("pogo_jumps_multidirection", 3, 30),
        ("single_leg_hops", 3, 20),
        ("single_leg_hops_multidirection", 3, 20),
        ("single_leg_broad_hop", 4, 5),
    ],
)
def test_plyometric_contacts_follow_cannon(slug, sets, contacts):
    dosage = BY_SLUG[slug].dosage
    assert (dosage.sets, dosage.reps, dosage.rest_s) == (sets, contacts, 60)


def test_cross_training_is_dosed_in_minutes():
    cross = [spec for spec in SPECS if spec.kind == "cross_training"]
    assert {spec.slug for spec in cross} == {"stationary_bike", "cross_trainer", "swimming", "brisk_walking"}
    assert all(spec.dosage.minutes and not spec.dosage.reps for spec in cross)


def test_pelvic_floor_training_says_the_clinician_must_prescribe_it():
    pelvic_floor = _in_category(Category.PFMT)
    assert {"pelvic_floor_fast_contractions", "pelvic_floor_long_holds"} <= {spec.slug for spec in pelvic_floor}
    assert all("must prescribe pelvic floor training individually" in spec.notes for spec in pelvic_floor)
    fast, long = BY_SLUG["pelvic_floor_fast_contractions"].dosage, BY_SLUG["pelvic_floor_long_holds"].dosage
    assert (fast.reps, fast.hold_s, long.reps, long.hold_s) == (10, 1, 12, 10)  # reference §5


def test_patellar_mobilisation_is_never_offered_on_its_own():
    for spec in _in_category(Category.PATELLAR_MOB):
        assert spec.kind == "mobility"
        assert "never on its own" in spec.notes or "alongside exercise" in spec.notes


def test_uncategorised_exercises_say_the_builder_will_not_choose_them():
    uncategorised = [spec for spec in SPECS if not spec.categories]
    assert all("§7" in spec.notes for spec in uncategorised)
