"""The intake questionnaire's wording: every question the patient sees, its answer labels and its step.

Data only. Keys, codes and ranges come from `intake/schema.py` (the case format); this module only says them
kindly. Outcome-measure items take their wording from the instrument definitions in `intake/measures/`.
A question's path names where its answer is stored: `intake.<key>` and `patient.<key>` are case fields,
`flow.<name>` belongs to the questionnaire itself (the postpartum gate and the free-text note).
"""

from dataclasses import dataclass, field

from intake.schema import BOOL, TEXT, Field, field_at
from intake.scoring import instrument

YES_NO = ((True, "Yes"), (False, "No"))
NOTE_MAX_LENGTH = 1000  # the patient's "anything else" note: a paragraph, short enough to read in a consultation

# Questions that are not case fields: the gate of the postpartum module (reference §6.5) and a free-text note.
FLOW_FIELDS = {
    "flow.postpartum_within_24m": Field("postpartum_within_24m", BOOL),
    "flow.note": Field("note", TEXT, max_length=NOTE_MAX_LENGTH),
}


@dataclass(frozen=True)
class Question:
    path: str
    text: str
    help: str = ""
    # Answer codes (or True/False) with their labels, in the order shown; empty for numbers, dates and text.
    labels: tuple[tuple, ...] = ()
    required: bool = False  # in addition to what the case format requires
    widget: str = ""  # "scale" (0..10 buttons), "knee" (with the knee diagram), "textarea"
    unit: str = ""
    scale_ends: tuple[str, str] = ("", "")
    only_if_not_male: bool = False  # the postpartum gate is not asked of patients recorded as male at birth

    @property
    def spec(self) -> Field:
        return FLOW_FIELDS[self.path] if self.path in FLOW_FIELDS else field_at(self.path)

    @property
    def key(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def is_required(self) -> bool:
        return self.required or self.spec.required

    def label_for(self, value) -> str:
        return dict(self.labels).get(value, str(value))


def _yes_no(path, text, help="", **kw) -> Question:
    return Question(path, text, help, labels=YES_NO, **kw)


def _scale(path, text, low, high, help="", **kw) -> Question:
    return Question(path, text, help, widget="scale", scale_ends=(low, high), **kw)


FREQUENCY_LABELS = (
    ("never", "Never"),
    ("rarely", "Rarely"),
    ("sometimes", "Sometimes"),
    ("often", "Often"),
    ("always", "Always"),
)
NEVER_SOMETIMES_OFTEN = (("never", "Never"), ("occasionally", "Sometimes"), ("often", "Often"))

ABOUT = (
    Question("patient.height_cm", "How tall are you?", "In centimetres, for example 165.", unit="cm"),
    Question("patient.weight_kg", "How much do you weigh?", "In kilograms, for example 62.5.", unit="kg"),
    _yes_no("intake.sitting_job", "Do you sit for most of your working day?"),
    Question(
        "intake.sleep_hours",
        "On average, how many hours do you sleep a night?",
        "Broken sleep counts: a rough total is fine.",
        unit="hours",
    ),
    _yes_no(
        "flow.postpartum_within_24m",
        "Have you given birth in the last 24 months?",
        "We ask because pregnancy and birth change how we plan a return to running.",
        required=True,
        only_if_not_male=True,
    ),
)

RUNNING = (
    Question(
        "intake.years_running", "How many years have you been running?", "0 if you are just starting.", unit="years"
    ),
    Question(
        "intake.runs_per_week",
        "Before your knee started hurting, how many times a week did you run?",
        unit="runs a week",
    ),
    Question(
        "intake.weekly_km_before_symptoms",
        "Before the pain started, about how many kilometres did you run a week?",
        unit="km",
    ),
    Question(
        "intake.current_weekly_km",
        "And how many kilometres a week are you running now?",
        "0 if you have stopped.",
        unit="km",
    ),
    Question(
        "intake.longest_run_30d_km",
        "What is the longest single run you have done in the last 30 days?",
        "0 if you have not run.",
        unit="km",
    ),
    Question(
        "intake.recent_changes",
        "In the weeks before the pain started, did you change anything in your running?",
        "Tick all that apply.",
        labels=(
            ("distance_up", "I ran further"),
            ("frequency_up", "I ran more often"),
            ("speed_work", "I started speed work or intervals"),
            ("hills", "I added hills"),
            ("new_shoes", "I got new shoes"),
            ("new_surface", "I ran on a new surface (road, trail, track or treadmill)"),
            ("returned_after_break", "I came back after a break"),
        ),
    ),
    Question(
        "intake.weekly_increase_pct",
        "If your weekly distance went up before the pain started, by how much?",
        "As a percentage: going from 20 km to 30 km a week is 50%. Leave it blank if you are not sure.",
        unit="%",
    ),
    Question(
        "intake.cadence_spm",
        "If you know it: your running cadence",
        "Steps per minute; your watch or running app may show it. Leave it blank if you don't know.",
        unit="steps/min",
    ),
    Question("intake.shoe_km", "Roughly how many kilometres have your current running shoes done?", unit="km"),
    Question(
        "intake.goal",
        "What would you like to get back to?",
        labels=(
            ("easy_running", "Easy running"),
            ("5k", "5 km"),
            ("10k", "10 km"),
            ("half", "Half marathon"),
            ("marathon", "Marathon"),
            ("ultra", "Ultra"),
        ),
    ),
    _yes_no("intake.previous_running_injury", "Have you had a running injury before?"),
)

KNEE = (
    Question("intake.side", "Which knee hurts?", labels=(("left", "Left"), ("right", "Right"), ("both", "Both"))),
    Question(
        "intake.pain_locations",
        "Where does it hurt?",
        "Tick every place that hurts.",
        labels=(
            ("around_kneecap", "Around or behind the kneecap"),
            ("above_kneecap", "Just above the kneecap"),
            ("below_kneecap", "Just below the kneecap"),
            ("tibial_tubercle", "The bony bump at the top of the shin"),
            ("outer_knee", "The outer side of the knee"),
            ("inner_joint_line", "The inner side, along the joint"),
            ("back_of_knee", "The back of the knee"),
        ),
        widget="knee",
    ),
    Question(
        "intake.onset",
        "How did the pain start?",
        labels=(
            ("gradual", "Gradually"),
            ("sudden_with_injury", "Suddenly, with an injury such as a twist, fall or knock"),
            ("sudden_no_injury", "Suddenly, without an injury"),
        ),
    ),
    Question(
        "intake.symptom_weeks",
        "How many weeks ago did it start?",
        "A rough guess is fine; 0 if it was this week.",
        unit="weeks",
    ),
    Question(
        "intake.aggravators",
        "What makes it worse?",
        "Tick all that apply.",
        labels=(
            ("stairs_up", "Going up stairs"),
            ("stairs_down", "Going down stairs"),
            ("squatting", "Squatting"),
            ("kneeling", "Kneeling"),
            ("prolonged_sitting", "Sitting for a long time with your knees bent"),
            ("running", "Running"),
            ("downhill_running", "Running downhill"),
            ("jumping", "Jumping or landing"),
            ("twisting", "Twisting or turning"),
        ),
    ),
    Question(
        "intake.pain_onset_run_minutes",
        "When you run, after how many minutes does the pain start?",
        "Leave it blank if you are not running or it doesn't hurt when you run.",
        unit="minutes",
    ),
    Question(
        "intake.morning_after_run",
        "How does your knee feel the morning after a run?",
        "Leave it blank if you have not run lately.",
        labels=(
            ("none", "Fine, no pain"),
            ("settles_within_1h", "Sore, but it settles within an hour"),
            ("lasts_over_1h", "Sore for more than an hour"),
            ("worse_next_day", "Worse than the day before"),
        ),
    ),
    Question(
        "intake.swelling",
        "Does your knee swell?",
        labels=(
            ("none", "No"),
            ("mild_after_activity", "A little, after activity"),
            ("visible", "Yes, I can see it"),
            ("large_tense", "Yes, it is large and tight"),
        ),
        required=True,
    ),
    Question(
        "intake.locking",
        "Does your knee get stuck so that you cannot straighten it?",
        labels=(
            ("never", "Never"),
            ("past", "It has, but not now"),
            ("current", "Yes, it is stuck now or keeps sticking"),
        ),
        required=True,
    ),
    Question("intake.giving_way", "Does your knee give way?", labels=NEVER_SOMETIMES_OFTEN, required=True),
    Question(
        "intake.catching", "Does your knee catch or click painfully when you move it?", labels=NEVER_SOMETIMES_OFTEN
    ),
    Question(
        "intake.kneecap_dislocation",
        "Has your kneecap ever come out of place (dislocated)?",
        labels=(("no", "No"), ("once", "Once"), ("recurrent", "More than once")),
        required=True,
    ),
    Question(
        "intake.night_pain",
        "Does your knee hurt at night or when you are resting?",
        labels=(("no", "No"), ("occasionally", "Sometimes"), ("constant", "Yes, all the time, and nothing eases it")),
        required=True,
    ),
    _scale(
        "intake.fear_of_movement",
        "How worried are you that running or exercise will damage your knee?",
        "Not worried",
        "Extremely worried",
    ),
    Question(
        "flow.note",
        "Is there anything else you would like your physiotherapist to know?",
        "Optional. Up to 1,000 characters.",
        widget="textarea",
    ),
)

# Reference §6.3 and §8: each of these can point to a problem a doctor should see first, so each must be answered.
SAFETY = (
    _yes_no(
        "intake.swelling_within_2h_of_injury",
        "If you injured your knee: did it swell up within 2 hours?",
        "Answer No if there was no injury.",
        required=True,
    ),
    _yes_no("intake.fever_or_unwell", "Do you have a fever or feel generally unwell?", required=True),
    _yes_no("intake.hot_red_knee", "Is your knee hot and red?", required=True),
    _yes_no("intake.calf_pain_swelling_redness", "Is your calf painful, swollen or red?", required=True),
    _yes_no(
        "intake.numbness_or_weakness",
        "Do you have numbness or weakness in that leg?",
        required=True,
    ),
    Question(
        "intake.cannot_straight_leg_raise",
        "Lying on your back, can you lift that leg with the knee held straight?",
        labels=((False, "Yes, I can"), (True, "No, I can't")),
        required=True,
    ),
    _yes_no(
        "intake.can_weight_bear_4_steps",
        "Can you take four steps on that leg, even with a limp?",
        required=True,
    ),
    _yes_no(
        "intake.can_bend_to_90",
        "Can you bend that knee to a right angle, as when you sit on a chair?",
        required=True,
    ),
    _yes_no(
        "intake.morning_stiffness_over_30min",
        "In the morning, do your joints stay stiff for more than 30 minutes after you get up?",
        required=True,
    ),
    _yes_no(
        "intake.other_joints_swollen",
        "Are any other joints swollen, such as your hands, wrists or other knee?",
        required=True,
    ),
    _yes_no("intake.unexplained_weight_loss", "Have you lost weight recently without trying to?", required=True),
    _yes_no("intake.history_of_cancer", "Have you ever had cancer?", required=True),
)

# The plain screening questions of the case format's postpartum object; licensed scales (ICIQ, EPDS) are not used.
POSTPARTUM = (
    Question("intake.postpartum.delivery_date", "When was your baby born?"),
    Question(
        "intake.postpartum.delivery_mode",
        "How was your baby born?",
        labels=(
            ("vaginal", "Vaginal birth"),
            ("vaginal_instrumental", "Vaginal birth with forceps or ventouse (suction cup)"),
            ("caesarean_planned", "Planned caesarean"),
            ("caesarean_emergency", "Emergency caesarean"),
        ),
    ),
    Question(
        "intake.postpartum.perineal_trauma",
        "Did you have a tear or a cut (episiotomy) during the birth?",
        labels=(
            ("none", "No"),
            ("first_degree", "A first-degree tear"),
            ("second_degree", "A second-degree tear"),
            ("third_degree", "A third-degree tear"),
            ("fourth_degree", "A fourth-degree tear"),
            ("episiotomy", "An episiotomy (a cut)"),
            ("unknown", "I'm not sure"),
        ),
    ),
    Question(
        "intake.postpartum.breastfeeding",
        "Are you breastfeeding?",
        labels=(("exclusive", "Yes, only breastfeeding"), ("mixed", "Partly (breast and bottle)"), ("no", "No")),
    ),
    Question(
        "intake.postpartum.urine_leak",
        "Do you leak urine when you cough, sneeze, jump or run?",
        labels=FREQUENCY_LABELS,
        required=True,
    ),
    Question(
        "intake.postpartum.urgency_leak",
        "Do you leak urine when you have a sudden, strong need to go?",
        labels=FREQUENCY_LABELS,
        required=True,
    ),
    Question(
        "intake.postpartum.heaviness",
        "Do you feel heaviness, dragging or a bulge in your vagina or pelvic area?",
        labels=(
            ("never", "Never"),
            ("end_of_day", "At the end of the day"),
            ("with_activity", "During or after activity"),
            ("constant", "All the time"),
        ),
        required=True,
    ),
    _yes_no(
        "intake.postpartum.bowel_or_wind_control_problems",
        "Do you have trouble controlling wind or your bowels?",
        required=True,
    ),
    _scale(
        "intake.postpartum.pelvic_pain_nprs",
        "How much pain do you have in your pelvis, pubic bone or lower back?",
        "No pain",
        "Worst pain imaginable",
        required=True,  # a pelvic floor symptom (reference §8 RF19): the plan waits for the answer
    ),
    _yes_no(
        "intake.postpartum.abdominal_doming",
        "When you sit up from lying, do you see a bulge or a gap along the middle of your tummy?",
    ),
    _yes_no(
        "intake.postpartum.pelvic_floor_symptoms_before_pregnancy",
        "Before this pregnancy, did you have leaking or other pelvic floor problems?",
    ),
    _yes_no(
        "intake.postpartum.bleeding_after_8_weeks",
        "Are you bleeding from the vagina more than 8 weeks after the birth (not a period)?",
        "Answer No if the birth was less than 8 weeks ago.",
        required=True,
    ),
    _yes_no(
        "intake.postpartum.caesarean_wound_concern",
        "If you had a caesarean: is the wound red, hot, leaking or opening up?",
        "Answer No if you did not have a caesarean.",
        required=True,
    ),
    _scale("intake.postpartum.fatigue", "How tired do you feel on most days?", "Not tired", "Exhausted"),
    _yes_no(
        "intake.postpartum.low_mood",
        "Over the last few weeks, have you felt low, down or hopeless on most days?",
        required=True,
    ),
    _yes_no(
        "intake.postpartum.self_harm_thoughts",
        "Have you had thoughts of harming yourself or your baby?",
        "Many new parents have difficult thoughts. If you have, please tell us: help works.",
        required=True,
    ),
    _yes_no("intake.postpartum.buggy_running_planned", "Are you planning to run with a buggy?"),
)


def _nprs_questions() -> tuple[Question, ...]:
    # Current, usual and worst pain are asked of everyone; pain during a run only of those still running.
    nprs = instrument("nprs")
    return tuple(
        _scale(
            f"intake.{item.code}",
            item.text,
            "No pain",
            "Worst pain imaginable",
            help="Leave it blank if you are not running." if item.code == "nprs_during_run" else "",
            required=item.code != "nprs_during_run",
        )
        for item in nprs.items
    )


def _instrument_questions(code: str, *, required: bool) -> tuple[Question, ...]:
    measure = instrument(code)
    return tuple(
        Question(
            f"intake.{code}.{item.code}",
            item.text,
            labels=tuple((option.code, option.label) for option in item.options),
            required=required,
        )
        for item in measure.items
    )


@dataclass(frozen=True)
class Section:
    questions: tuple[Question, ...]
    heading: str = ""
    intro: str = ""
    instrument: str = ""  # an outcome measure whose name and attribution are shown with the section


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    intro: str
    sections: tuple[Section, ...] = field(default_factory=tuple)
    only_after_birth: bool = False  # shown only when the patient gave birth in the last 24 months

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for section in self.sections for question in section.questions)


REVIEW = "review"

# Each outcome measure's questions as the questionnaire asks them, for the intake and the follow-up questionnaires.
INSTRUMENT_SECTIONS = {
    "nprs": Section(_nprs_questions(), "Your pain", instrument("nprs").intro),
    "koos_pf": Section(
        _instrument_questions("koos_pf", required=False),
        "Your knee in the last week",
        instrument("koos_pf").intro + " Leave out any question that does not apply to you.",
        "koos_pf",
    ),
    "akps": Section(_instrument_questions("akps", required=True), "", instrument("akps").intro, "akps"),
}
SAFETY_SECTION = Section(SAFETY)

STEPS = (
    Step(
        "about",
        "About you",
        "A few details about you. Your date of birth and sex at birth are already on your record.",
        (Section(ABOUT),),
    ),
    Step("running", "Your running", "How much you were running, and what changed.", (Section(RUNNING),)),
    Step("knee", "Your knee", "Where it hurts and what it does.", (Section(KNEE),)),
    Step(
        "safety",
        "Safety questions",
        "These questions help us spot the rare problems that need a doctor first. Please answer each one.",
        (SAFETY_SECTION,),
    ),
    Step(
        "baby",
        "After having a baby",
        "Pregnancy and birth change the body in ways that matter for running. Your answers are confidential.",
        (Section(POSTPARTUM),),
        only_after_birth=True,
    ),
    Step(
        "pain",
        "Pain",
        "How much your knee hurts, and how it affects you.",
        (INSTRUMENT_SECTIONS["nprs"], INSTRUMENT_SECTIONS["koos_pf"]),
    ),
    Step(
        "activities",
        "Everyday activities",
        "How your knee copes with everyday activities.",
        (INSTRUMENT_SECTIONS["akps"],),
    ),
    Step(REVIEW, "Check and send", "Please check your answers. You can change any of them before you send them."),
)

QUESTIONS = {question.path: question for step in STEPS for question in step.questions}
