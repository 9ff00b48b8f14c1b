"""The clinical codes of Runback, exactly as `../shared/clinical/case-format.md` spells them.

Pure Python (no Django imports) so the assessment engine, the plan builder and the case harness share them with the
models, which turn them into field choices.
"""

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    """What the assessment says to do, most severe first (case format, Output)."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    REFER_BEFORE_RUN = "refer_before_run"
    PLAN = "plan"


class Level(StrEnum):
    """Red-flag levels (reference §8 'Action levels')."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    REFER_BEFORE_RUN = "refer_before_run"
    CAUTION = "caution"


LEVEL_SEVERITY = {Level.EMERGENCY: 3, Level.URGENT: 2, Level.REFER_BEFORE_RUN: 1, Level.CAUTION: 0}
LEVEL_LABELS = {
    Level.EMERGENCY: "Emergency: same day, emergency department",
    Level.URGENT: "Urgent: see a doctor within 24–72 hours",
    Level.REFER_BEFORE_RUN: "Refer before running: non-impact rehab only until cleared",
    Level.CAUTION: "Caution: plan allowed with modifiers and clinician acknowledgement",
}


class Condition(StrEnum):
    PATELLOFEMORAL_PAIN = "patellofemoral_pain"
    PATELLAR_TENDINOPATHY = "patellar_tendinopathy"
    ILIOTIBIAL_BAND_SYNDROME = "iliotibial_band_syndrome"
    POSSIBLE_MENISCAL_INJURY = "possible_meniscal_injury"
    UNCLEAR = "unclear"


CONDITION_LABELS = {
    Condition.PATELLOFEMORAL_PAIN: "Patellofemoral pain (runner's knee)",
    Condition.PATELLAR_TENDINOPATHY: "Patellar tendinopathy",
    Condition.ILIOTIBIAL_BAND_SYNDROME: "Iliotibial band syndrome",
    Condition.POSSIBLE_MENISCAL_INJURY: "Possible meniscal injury",
    Condition.UNCLEAR: "Unclear: needs clinical reasoning",
}

# The condition's name as patients read it (handout, portal): no clinical terms.
CONDITION_PATIENT_LABELS = {
    Condition.PATELLOFEMORAL_PAIN: "Runner's knee: pain around the kneecap",
    Condition.PATELLAR_TENDINOPATHY: "A sore kneecap tendon",
    Condition.ILIOTIBIAL_BAND_SYNDROME: "Pain on the outside of the knee",
    Condition.POSSIBLE_MENISCAL_INJURY: "Possible injury to the knee's cartilage",
    Condition.UNCLEAR: "Still being worked out",
}

# The condition in the patient's words, for the handout's "Why your knee hurts" (paraphrasing reference §2.2, §2.8).
CONDITION_PLAIN = {
    Condition.PATELLOFEMORAL_PAIN: "Pain around or behind your kneecap that comes from the kneecap joint being "
    "loaded more than it can cope with at the moment. Squatting, stairs, long sitting and running bring it on. It is "
    "very common in runners, it is not a sign of damage, and it settles with the right exercises and a gradual "
    "return to running.",
    Condition.PATELLAR_TENDINOPATHY: "The tendon just below your kneecap is sore because it has had more load, such "
    "as jumping and landing, than it is used to. Tendons get stronger when they are loaded gradually.",
    Condition.ILIOTIBIAL_BAND_SYNDROME: "Pain on the outside of your knee where a band of tissue from your hip "
    "crosses the knee. It often comes on after a set distance and with downhill running, and settles as your hip "
    "gets stronger and your running builds up gradually.",
    Condition.POSSIBLE_MENISCAL_INJURY: "Your physiotherapist thinks the cartilage cushion inside your knee may be "
    "involved and will guide you on what is safe while this is checked.",
    Condition.UNCLEAR: "Your physiotherapist is still working out exactly what is causing your pain; this plan "
    "keeps you moving safely in the meantime.",
}


@dataclass(frozen=True)
class RedFlagInfo:
    level: Level
    label: str
    source: str  # reference section and rule id


class RedFlag(StrEnum):
    SEPTIC_ARTHRITIS_SIGNS = "septic_arthritis_signs"
    POSSIBLE_FRACTURE = "possible_fracture"
    EXTENSOR_MECHANISM_RUPTURE = "extensor_mechanism_rupture"
    NEUROVASCULAR_DEFICIT = "neurovascular_deficit"
    PERINATAL_MENTAL_HEALTH_CRISIS = "perinatal_mental_health_crisis"
    TRUE_LOCKING = "true_locking"
    HAEMARTHROSIS = "haemarthrosis"
    TRAUMATIC_INSTABILITY = "traumatic_instability"
    TUMOUR_SIGNS = "tumour_signs"
    DVT_SIGNS = "dvt_signs"
    INFLAMMATORY_ARTHRITIS_SIGNS = "inflammatory_arthritis_signs"
    CAESAREAN_WOUND_CONCERN = "caesarean_wound_concern"
    POSSIBLE_POSTNATAL_DEPRESSION = "possible_postnatal_depression"
    POSTNATAL_BLEEDING = "postnatal_bleeding"
    TOO_EARLY_POSTPARTUM = "too_early_postpartum"
    UNDER_12_WEEKS_POSTPARTUM = "under_12_weeks_postpartum"
    PELVIC_FLOOR_SYMPTOMS = "pelvic_floor_symptoms"
    FAILED_IMPACT_READINESS = "failed_impact_readiness"
    BUGGY_RUNNING_TOO_EARLY = "buggy_running_too_early"
    NOT_PFP_PATTERN = "not_pfp_pattern"


# Levels from the case format's red-flag table; labels paraphrase reference §8.
RED_FLAGS = {
    RedFlag.SEPTIC_ARTHRITIS_SIGNS: RedFlagInfo(Level.EMERGENCY, "Possible septic arthritis", "reference §8 RF1"),
    RedFlag.POSSIBLE_FRACTURE: RedFlagInfo(Level.EMERGENCY, "Possible fracture (Ottawa knee rule)", "reference §8 RF2"),
    RedFlag.EXTENSOR_MECHANISM_RUPTURE: RedFlagInfo(
        Level.EMERGENCY, "Possible quadriceps or patellar tendon rupture", "reference §8 RF3"
    ),
    RedFlag.NEUROVASCULAR_DEFICIT: RedFlagInfo(
        Level.EMERGENCY, "Numbness or weakness: possible nerve or vessel injury", "reference §8 RF9"
    ),
    RedFlag.PERINATAL_MENTAL_HEALTH_CRISIS: RedFlagInfo(
        Level.EMERGENCY, "Thoughts of self-harm after birth", "reference §8 RF13"
    ),
    RedFlag.TRUE_LOCKING: RedFlagInfo(Level.URGENT, "Knee locked: cannot fully straighten", "reference §8 RF4"),
    RedFlag.HAEMARTHROSIS: RedFlagInfo(
        Level.URGENT, "Rapid swelling after injury (bleeding in the joint)", "reference §8 RF5"
    ),
    RedFlag.TRAUMATIC_INSTABILITY: RedFlagInfo(
        Level.URGENT, "Giving way or kneecap dislocation after injury", "reference §8 RF6"
    ),
    RedFlag.TUMOUR_SIGNS: RedFlagInfo(Level.URGENT, "Signs that need a suspected-cancer review", "reference §8 RF7"),
    RedFlag.DVT_SIGNS: RedFlagInfo(Level.URGENT, "Calf pain, swelling or redness: possible DVT", "reference §8 RF8"),
    RedFlag.INFLAMMATORY_ARTHRITIS_SIGNS: RedFlagInfo(
        Level.URGENT, "Signs of inflammatory arthritis", "reference §8 RF10"
    ),
    RedFlag.CAESAREAN_WOUND_CONCERN: RedFlagInfo(Level.URGENT, "Caesarean wound concern", "reference §8 RF16"),
    RedFlag.POSSIBLE_POSTNATAL_DEPRESSION: RedFlagInfo(
        Level.CAUTION, "Low mood after birth: screen for postnatal depression", "reference §8 RF14"
    ),
    RedFlag.POSTNATAL_BLEEDING: RedFlagInfo(
        Level.REFER_BEFORE_RUN, "Bleeding beyond 8 weeks after birth", "reference §8 RF15"
    ),
    RedFlag.TOO_EARLY_POSTPARTUM: RedFlagInfo(
        Level.REFER_BEFORE_RUN, "Under 3 weeks after birth: rest and recovery", "reference §8 RF17"
    ),
    RedFlag.UNDER_12_WEEKS_POSTPARTUM: RedFlagInfo(
        Level.REFER_BEFORE_RUN, "Under 12 weeks after birth: no running yet", "reference §8 RF18"
    ),
    RedFlag.PELVIC_FLOOR_SYMPTOMS: RedFlagInfo(
        Level.REFER_BEFORE_RUN, "Pelvic floor symptoms: pelvic health physiotherapy first", "reference §8 RF19"
    ),
    RedFlag.FAILED_IMPACT_READINESS: RedFlagInfo(
        Level.REFER_BEFORE_RUN, "Load and impact tests not yet passed", "reference §8 RF20"
    ),
    RedFlag.BUGGY_RUNNING_TOO_EARLY: RedFlagInfo(
        Level.CAUTION, "Buggy running planned before the baby is 6 months old", "reference §8 RF21"
    ),
    RedFlag.NOT_PFP_PATTERN: RedFlagInfo(
        Level.CAUTION, "Pain pattern is not patellofemoral: clinician review", "reference §8 RF22"
    ),
}


class Category(StrEnum):
    """Exercise and management categories (reference §7)."""

    HIP_ABD = "HIP_ABD"
    HIP_EXT = "HIP_EXT"
    HIP_ER = "HIP_ER"
    QUAD_OKC = "QUAD_OKC"
    QUAD_CKC = "QUAD_CKC"
    CALF = "CALF"
    CORE_LAT = "CORE_LAT"
    CORE_ANT = "CORE_ANT"
    PFMT = "PFMT"
    MOVE_RETRAIN = "MOVE_RETRAIN"
    GAIT_CADENCE = "GAIT_CADENCE"
    LOAD_MGMT = "LOAD_MGMT"
    EDU = "EDU"
    STRETCH_HAM = "STRETCH_HAM"
    STRETCH_QUAD = "STRETCH_QUAD"
    STRETCH_CALF = "STRETCH_CALF"
    STRETCH_HIPFLEX = "STRETCH_HIPFLEX"
    FOOT_INTRINSIC = "FOOT_INTRINSIC"
    ORTHOSES = "ORTHOSES"
    TAPING = "TAPING"
    PATELLAR_MOB = "PATELLAR_MOB"
    PLYO = "PLYO"
    BALANCE = "BALANCE"
    DRA_REHAB = "DRA_REHAB"
    REFER = "REFER"
    TENDON_LOAD = "TENDON_LOAD"


CATEGORY_LABELS = {
    Category.HIP_ABD: "Hip abductor strength",
    Category.HIP_EXT: "Hip extensor strength",
    Category.HIP_ER: "Hip external rotator strength",
    Category.QUAD_OKC: "Quadriceps, open chain",
    Category.QUAD_CKC: "Quadriceps, closed chain",
    Category.CALF: "Calf strength and endurance",
    Category.CORE_LAT: "Lateral core",
    Category.CORE_ANT: "Anterior core",
    Category.PFMT: "Pelvic floor muscle training",
    Category.MOVE_RETRAIN: "Movement retraining",
    Category.GAIT_CADENCE: "Cadence increase",
    Category.LOAD_MGMT: "Load management",
    Category.EDU: "Education",
    Category.STRETCH_HAM: "Hamstring stretch",
    Category.STRETCH_QUAD: "Quadriceps stretch",
    Category.STRETCH_CALF: "Calf stretch",
    Category.STRETCH_HIPFLEX: "Hip flexor stretch",
    Category.FOOT_INTRINSIC: "Foot intrinsic strength",
    Category.ORTHOSES: "Prefabricated foot orthoses (adjunct)",
    Category.TAPING: "Patellar taping (adjunct)",
    Category.PATELLAR_MOB: "Patellar mobilisation",
    Category.PLYO: "Plyometrics",
    Category.BALANCE: "Balance",
    Category.DRA_REHAB: "Abdominal wall rehabilitation",
    Category.REFER: "Referral",
    Category.TENDON_LOAD: "Tendon-loading programme",
}

HIP_STRENGTH = frozenset({Category.HIP_ABD, Category.HIP_EXT, Category.HIP_ER})
KNEE_STRENGTH = frozenset({Category.QUAD_OKC, Category.QUAD_CKC})


class Hold(StrEnum):
    """What holds a plan back although no red flag does (reference §9.1 entry criteria, §8 RF22): each stops running
    and impact, or the issuing of the plan, until the physio records what resolves it or overrides it with a written
    reason. The engine reports them as `holds`."""

    EFFUSION = "effusion"
    VISIBLE_SWELLING = "visible_swelling"
    DAILY_PAIN = "daily_pain_above_3"
    WALK_TEST_NOT_PASSED = "walk_test_not_passed"
    ABDOMINAL_WALL_NOT_READY = "abdominal_wall_not_ready"
    STRENGTH_TESTS_NOT_RECORDED = "strength_tests_not_recorded"
    MENISCAL_REVIEW = "meniscal_review"
    UNANSWERED_SAFETY_QUESTIONS = "unanswered_safety_questions"


RUNNING, ISSUING = "running", "issuing"  # what a hold stops


@dataclass(frozen=True)
class HoldInfo:
    label: str  # for the physio
    plain: str  # for the patient: why running waits, in plain words
    source: str


HOLDS = {
    Hold.EFFUSION: HoldInfo(
        "Effusion on examination: no running or impact until it has settled",
        "your knee is still swollen",
        "reference §9.1 (no effusion)",
    ),
    Hold.VISIBLE_SWELLING: HoldInfo(
        "Visible swelling reported: no running or impact until it has settled",
        "your knee is still swollen",
        "reference §9.1 (no effusion)",
    ),
    Hold.DAILY_PAIN: HoldInfo(
        "Daily pain above 3/10: no running or impact until everyday activities are 3/10 or less",
        "your knee still hurts too much in everyday life",
        "reference §9.1 (daily activities pain ≤ 3/10)",
    ),
    Hold.WALK_TEST_NOT_PASSED: HoldInfo(
        "The 30-minute brisk walk was not managed comfortably: no running or impact yet",
        "a brisk 30-minute walk is not yet comfortable",
        "reference §9.1 (brisk walk 30 min with pain ≤ 3/10)",
    ),
    Hold.ABDOMINAL_WALL_NOT_READY: HoldInfo(
        "Abdominal doming or a midline gap after birth: not ready for running or impact yet",
        "your tummy muscles need more time to recover",
        "reference §1.4; §9.1",
    ),
    Hold.STRENGTH_TESTS_NOT_RECORDED: HoldInfo(
        "Postnatal strength tests not all recorded: no running or impact until each is (20 repetitions each side)",
        "your physiotherapist needs to test the strength of your legs first",
        "reference §9.1 (impact gate after a birth: strength tests); §1.3",
    ),
    Hold.MENISCAL_REVIEW: HoldInfo(
        "Possible meniscal injury: clinician review before any running or impact",
        "your physiotherapist wants to check the inside of your knee first",
        "reference §8 RF22; §7 row 21",
    ),
    Hold.UNANSWERED_SAFETY_QUESTIONS: HoldInfo(
        "Safety questions unanswered: answer them (or give a reason) before the plan is issued",
        "a few safety questions still need answering",
        "reference §8; §9.1 (no active red flags)",
    ),
}


class Cause(StrEnum):
    TRAINING_LOAD_ERROR = "training_load_error"
    HIP_MUSCLE_WEAKNESS = "hip_muscle_weakness"
    QUADRICEPS_WEAKNESS = "quadriceps_weakness"
    DYNAMIC_KNEE_VALGUS = "dynamic_knee_valgus"
    HIGH_IMPACT_GAIT = "high_impact_gait"
    MUSCLE_TIGHTNESS = "muscle_tightness"
    HIP_FLEXOR_TIGHTNESS = "hip_flexor_tightness"
    PATELLAR_HYPOMOBILITY = "patellar_hypomobility"
    PATELLAR_HYPERMOBILITY = "patellar_hypermobility"
    FOOT_PRONATION = "foot_pronation"
    CALF_WEAKNESS = "calf_weakness"
    IMPACT_INTOLERANCE = "impact_intolerance"
    PELVIC_FLOOR_DYSFUNCTION = "pelvic_floor_dysfunction"
    ABDOMINAL_WALL_DYSFUNCTION = "abdominal_wall_dysfunction"
    LOW_RECOVERY_CAPACITY = "low_recovery_capacity"
    FEAR_OF_MOVEMENT = "fear_of_movement"
    FOOTWEAR = "footwear"


@dataclass(frozen=True)
class CauseInfo:
    label: str
    plain: str  # "why your knee hurts", in the patient's words
    categories: tuple[Category, ...]
    source: str


# Each cause's management categories, from the rows of reference §7's table.
CAUSES = {
    Cause.TRAINING_LOAD_ERROR: CauseInfo(
        "Training load error",
        "Your running went up faster than your knee could adapt to.",
        (Category.LOAD_MGMT, Category.EDU),
        "reference §7 row 1",
    ),
    Cause.HIP_MUSCLE_WEAKNESS: CauseInfo(
        "Hip muscle weakness",
        "The muscles around your hip that keep your knee in line are not yet strong enough.",
        (Category.HIP_ABD, Category.HIP_ER, Category.HIP_EXT, Category.CORE_LAT),
        "reference §7 rows 2 and 11",
    ),
    Cause.QUADRICEPS_WEAKNESS: CauseInfo(
        "Quadriceps weakness",
        "The thigh muscles that protect your kneecap need more strength.",
        (Category.QUAD_OKC, Category.QUAD_CKC),
        "reference §7 row 3",
    ),
    Cause.DYNAMIC_KNEE_VALGUS: CauseInfo(
        "Dynamic knee valgus",
        "Your knee tends to drift inwards when you squat, land or run.",
        (Category.MOVE_RETRAIN, Category.HIP_ABD, Category.HIP_ER),
        "reference §7 row 4",
    ),
    Cause.HIGH_IMPACT_GAIT: CauseInfo(
        "High-impact running style",
        "Long, heavy strides put more load through the front of your knee with every step.",
        (Category.GAIT_CADENCE, Category.LOAD_MGMT),
        "reference §7 row 5",
    ),
    Cause.MUSCLE_TIGHTNESS: CauseInfo(
        "Lower-limb muscle tightness",
        "Tight muscles around the knee add pressure behind the kneecap.",
        (Category.STRETCH_HAM, Category.STRETCH_QUAD, Category.STRETCH_CALF),
        "reference §7 row 6",
    ),
    Cause.HIP_FLEXOR_TIGHTNESS: CauseInfo(
        "Hip flexor tightness",
        "Tight muscles at the front of the hip change how your pelvis and knee move.",
        (Category.STRETCH_HIPFLEX, Category.HIP_EXT),
        "reference §7 row 15",
    ),
    Cause.PATELLAR_HYPOMOBILITY: CauseInfo(
        "Stiff kneecap",
        "Your kneecap moves less freely than it should.",
        (Category.PATELLAR_MOB, Category.TAPING),
        "reference §7 row 7",
    ),
    Cause.PATELLAR_HYPERMOBILITY: CauseInfo(
        "Mobile kneecap",
        "Your kneecap moves more than usual, so the muscles need to control it better.",
        (Category.QUAD_CKC, Category.HIP_ABD, Category.BALANCE, Category.TAPING),
        "reference §7 row 8",
    ),
    Cause.FOOT_PRONATION: CauseInfo(
        "Foot pronation",
        "Your foot rolls in, which turns the leg and loads the knee.",
        (Category.ORTHOSES, Category.FOOT_INTRINSIC, Category.CALF),
        "reference §7 row 9",
    ),
    Cause.CALF_WEAKNESS: CauseInfo(
        "Calf strength and endurance deficit",
        "Your calves tire early, so your knee takes more of the load.",
        (Category.CALF,),
        "reference §7 row 10",
    ),
    Cause.IMPACT_INTOLERANCE: CauseInfo(
        "Insufficient load and impact tolerance",
        "Your body is not yet ready for the impact of running; we build up to it step by step.",
        (Category.BALANCE, Category.QUAD_CKC, Category.PLYO),
        "reference §7 row 12",
    ),
    Cause.PELVIC_FLOOR_DYSFUNCTION: CauseInfo(
        "Pelvic floor dysfunction",
        "Your pelvic floor needs rehabilitation before it can take the impact of running.",
        (Category.PFMT, Category.REFER),
        "reference §7 row 13",
    ),
    Cause.ABDOMINAL_WALL_DYSFUNCTION: CauseInfo(
        "Abdominal wall dysfunction",
        "Your tummy muscles are still recovering and need to carry load again.",
        (Category.DRA_REHAB, Category.CORE_ANT),
        "reference §7 row 14",
    ),
    Cause.LOW_RECOVERY_CAPACITY: CauseInfo(
        "Reduced recovery capacity",
        "Little sleep and high tiredness slow how your body recovers from training.",
        (Category.LOAD_MGMT, Category.EDU),
        "reference §7 row 16",
    ),
    Cause.FEAR_OF_MOVEMENT: CauseInfo(
        "Fear of movement",
        "Worry about hurting your knee can hold you back; pain does not always mean damage.",
        (Category.EDU,),
        "reference §7 row 17",
    ),
    Cause.FOOTWEAR: CauseInfo(
        "Footwear",
        "Worn or newly changed shoes may be adding to the load on your knee.",
        # The reference has no footwear row; advice is education plus managing load while shoes change.
        (Category.EDU, Category.LOAD_MGMT),
        "reference §6.2 recent changes (new shoes); no §7 row",
    ),
}

# Each cause's name as patients read it (handout, portal): plain words, no clinical terms.
CAUSE_PATIENT_LABELS = {
    Cause.TRAINING_LOAD_ERROR: "Too much running, too soon",
    Cause.HIP_MUSCLE_WEAKNESS: "Weak hip muscles",
    Cause.QUADRICEPS_WEAKNESS: "Weak thigh muscles",
    Cause.DYNAMIC_KNEE_VALGUS: "Knee drifting inwards",
    Cause.HIGH_IMPACT_GAIT: "A heavy running stride",
    Cause.MUSCLE_TIGHTNESS: "Tight leg muscles",
    Cause.HIP_FLEXOR_TIGHTNESS: "Tight muscles at the front of the hip",
    Cause.PATELLAR_HYPOMOBILITY: "A stiff kneecap",
    Cause.PATELLAR_HYPERMOBILITY: "A very mobile kneecap",
    Cause.FOOT_PRONATION: "Feet rolling in",
    Cause.CALF_WEAKNESS: "Calves that tire early",
    Cause.IMPACT_INTOLERANCE: "Not yet ready for impact",
    Cause.PELVIC_FLOOR_DYSFUNCTION: "A pelvic floor still recovering",
    Cause.ABDOMINAL_WALL_DYSFUNCTION: "Tummy muscles still recovering",
    Cause.LOW_RECOVERY_CAPACITY: "Little time to recover",
    Cause.FEAR_OF_MOVEMENT: "Worry about moving the knee",
    Cause.FOOTWEAR: "Your running shoes",
}


class Contraindication(StrEnum):
    """Patient states that rule exercises out; an exercise lists the ones it must not be given with.

    The engine reports which are present (`gates.contraindications`); the plan builder and the library use them.
    """

    PELVIC_FLOOR_SYMPTOMS = "pelvic_floor_symptoms"
    PAINFUL_DEEP_KNEE_FLEXION = "painful_deep_knee_flexion"
    PAINFUL_KNEELING = "painful_kneeling"
    ABDOMINAL_DOMING = "abdominal_doming"


CONTRAINDICATIONS = {
    # reference §7 row 13: block impact until pelvic floor symptoms are resolved
    Contraindication.PELVIC_FLOOR_SYMPTOMS: "Impact or heavy loading while pelvic floor symptoms are present",
    # reference §2.5 / §5: quadriceps work "within a pain-acceptable range"
    Contraindication.PAINFUL_DEEP_KNEE_FLEXION: "Deep knee bending while it is painful",
    Contraindication.PAINFUL_KNEELING: "Kneeling while kneeling hurts",
    # reference §7 row 14: abdominal wall rehab before loaded front-core work
    Contraindication.ABDOMINAL_DOMING: "Loaded front-core work while the tummy domes",
}
