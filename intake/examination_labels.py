"""The examination form's wording and grouping: a clinician's label for every `findings` field, grouped the way a
physiotherapist examines (look, test strength, test length, watch a single-leg squat and the gait, palpate, then the
postnatal tests and pelvic health).

Data only. The fields themselves, their kinds, codes and ranges come from `intake.schema.FINDINGS`, which the form
is generated from; `tests/intake/test_examination.py` checks that every findings field has exactly one label here.
"""

from dataclasses import dataclass

from intake.assessment.rules import THRESHOLDS
from intake.questions import Question

NOT_ASSESSED = "Not assessed"
NONE_TENDER = "none"  # the tenderness list's "palpated, nothing tender" box, stored as an empty list

PRESENT_ABSENT = ((True, "Present"), (False, "Absent"))
POSITIVE_NEGATIVE = ((True, "Positive"), (False, "Negative"))
TIGHT = ((True, "Tight"), (False, "Not tight"))
SEEN = ((True, "Seen"), (False, "Not seen"))
YES_NO = ((True, "Yes"), (False, "No"))
PASSED = ((True, "Passed"), (False, "Not passed"))
NORMAL_REDUCED = (("normal", "Normal"), ("reduced", "Reduced"))

STRENGTH_TARGET = (
    f"Target {THRESHOLDS['STRENGTH_TEST_REPS']} each side (reference §1.3); record the weaker side's repetitions."
)


def _exam(key: str, text: str, labels=(), help: str = "", unit: str = "") -> Question:
    return Question(f"findings.{key}", text, help, labels=labels, unit=unit)


@dataclass(frozen=True)
class ExamGroup:
    slug: str
    title: str
    questions: tuple[Question, ...]
    intro: str = ""
    # The postnatal tests open by themselves when the intake has a postpartum section; otherwise they start folded.
    postnatal: bool = False

    @property
    def anchor(self) -> str:
        return f"exam-{self.slug}"


GROUPS = (
    ExamGroup(
        "observation",
        "Observation",
        (
            _exam("effusion", "Effusion", PRESENT_ABSENT, "Sweep or patellar tap test."),
            _exam("thigh_atrophy", "Thigh muscle atrophy", PRESENT_ABSENT, "Compared with the other side."),
            _exam(
                "foot_posture",
                "Foot posture",
                (("neutral", "Neutral"), ("pronated", "Pronated"), ("supinated", "Supinated")),
            ),
            _exam("generalised_hypermobility", "Generalised hypermobility", YES_NO, "For example by Beighton score."),
            _exam("trendelenburg", "Trendelenburg sign", POSITIVE_NEGATIVE),
            _exam(
                "patellar_mobility",
                "Patellar mobility",
                (("normal", "Normal"), ("hypomobile", "Hypomobile"), ("hypermobile", "Hypermobile")),
                "Medial glide and tilt.",
            ),
        ),
    ),
    ExamGroup(
        "strength",
        "Strength tests",
        (
            _exam("hip_abductor_strength", "Hip abductor strength", NORMAL_REDUCED, "Manual test or dynamometer."),
            _exam("quad_strength", "Quadriceps strength", NORMAL_REDUCED),
            _exam("side_lying_abduction_reps", "Side-lying hip abduction", help=STRENGTH_TARGET, unit="reps"),
            _exam("sl_bridge_reps", "Single-leg bridge", help=STRENGTH_TARGET, unit="reps"),
            _exam("sl_calf_raise_reps", "Single-leg calf raise", help=STRENGTH_TARGET, unit="reps"),
            _exam("sl_sit_to_stand_reps", "Single-leg sit-to-stand", help=STRENGTH_TARGET, unit="reps"),
        ),
    ),
    ExamGroup(
        "length",
        "Length tests",
        (
            _exam("thomas_test_positive", "Thomas test (hip flexors)", POSITIVE_NEGATIVE),
            _exam("hamstring_tight", "Hamstrings", TIGHT),
            _exam("quad_tight", "Quadriceps", TIGHT),
            _exam("calf_tight", "Calf", TIGHT),
            _exam("itb_tight", "Iliotibial band", TIGHT),
            _exam("noble_test_positive", "Noble compression test", POSITIVE_NEGATIVE, "Pain near 30° of flexion."),
        ),
    ),
    ExamGroup(
        "squat",
        "Single-leg squat, squat and step-down",
        (
            _exam("sl_squat.knee_valgus", "Single-leg squat: knee valgus", SEEN),
            _exam("sl_squat.pelvic_drop", "Single-leg squat: pelvic drop", SEEN),
            _exam("sl_squat.trunk_lean", "Single-leg squat: trunk lean", SEEN),
            _exam("sl_squat.pain_nprs", "Single-leg squat: pain", help="0 = no pain, 10 = worst.", unit="/ 10"),
            _exam(
                "squat_reproduces_pain",
                "Squat reproduces the pain",
                YES_NO,
                "The diagnostic test for patellofemoral pain (reference §2.2).",
            ),
            _exam("step_down_pain", "Step-down reproduces the pain", YES_NO),
            _exam(
                "sl_balance_seconds",
                "Single-leg balance",
                help=f"Target {THRESHOLDS['SL_BALANCE_SECONDS']} s each side (reference §1.2); the weaker side.",
                unit="s",
            ),
        ),
    ),
    ExamGroup(
        "gait",
        "Running gait",
        (
            _exam("gait.cadence_spm", "Cadence", unit="steps / min"),
            _exam("gait.overstride", "Overstriding", SEEN),
            _exam("gait.heel_strike", "Heavy heel strike", SEEN),
            _exam("gait.knee_valgus", "Knee valgus", SEEN),
            _exam("gait.pelvic_drop", "Pelvic drop", SEEN),
            _exam("gait.upright_stiff", "Upright, stiff style", SEEN),
        ),
    ),
    ExamGroup(
        "palpation",
        "Palpation and joint tests",
        (
            _exam(
                "tenderness",
                "Tender on palpation",
                (
                    (NONE_TENDER, "Nothing tender"),
                    ("patellar_facets", "Patellar facets"),
                    ("inferior_pole", "Inferior pole of the patella"),
                    ("superior_pole", "Superior pole of the patella"),
                    ("lateral_epicondyle", "Lateral femoral epicondyle"),
                    ("medial_joint_line", "Medial joint line"),
                    ("lateral_joint_line", "Lateral joint line"),
                    ("tibial_tubercle", "Tibial tubercle"),
                ),
                "Tick every tender site, or “Nothing tender”. Leave all unticked if not palpated.",
            ),
            _exam("mcmurray_positive", "McMurray test", POSITIVE_NEGATIVE),
            _exam("ligament_laxity", "Ligament laxity", PRESENT_ABSENT, "Lachman, drawer, varus and valgus stress."),
        ),
    ),
    ExamGroup(
        "readiness",
        "Load and impact tests",
        (
            _exam("readiness.walk_30min", "Walking, 30 minutes", PASSED),
            _exam("readiness.sl_balance_10s", "Single-leg balance, 10 s each side", PASSED),
            _exam("readiness.sl_squat_10", "Single-leg squat, 10 each side", PASSED),
            _exam("readiness.jog_on_spot_1min", "Jog on the spot, 1 minute", PASSED),
            _exam("readiness.forward_bounds_10", "Forward bounds, 10", PASSED),
            _exam("readiness.hop_in_place_10", "Hop in place, 10 each leg", PASSED),
            _exam("readiness.running_man_10", "Single-leg running man, 10 each side", PASSED),
        ),
        "Each passed only without pain, heaviness or dragging, or leaking (reference §1.2). After a birth all seven "
        "are the impact gate; for other runners, jogging on the spot and hopping are (reference §9.1).",
        postnatal=True,
    ),
    ExamGroup(
        "pelvic",
        "Pelvic health",
        (
            _exam(
                "pelvic_floor_check",
                "Pelvic floor check",
                (("pass", "Pass"), ("fail", "Fail"), ("not_done", "Not done")),
                "“Not done” when it was offered but not done today; it stays on the list of what is still needed.",
            ),
            _exam("dra_fingers", "Abdominal separation (DRA)", help="The widest midline gap.", unit="fingers"),
        ),
    ),
)

QUESTIONS = {question.path: question for group in GROUPS for question in group.questions}
GROUP_OF = {question.path: group for group in GROUPS for question in group.questions}


def field_anchor(path: str) -> str:
    """The id of a findings field on the examination form (for links from the assessment's needs)."""
    return f"exam-{path.replace('.', '-')}"


def anchor_for(path: str) -> str | None:
    """Where a findings path is on the form: its own field, or the group holding an object's members
    ('findings.readiness'). None for a path that is not on the form."""
    if path in QUESTIONS:
        return field_anchor(path)
    members = [p for p in QUESTIONS if p.startswith(f"{path}.")]
    return GROUP_OF[members[0]].anchor if members else None
