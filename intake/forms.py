"""Forms of the intake: the date-of-birth check on a link, one form per questionnaire step (built from the schema's
field definitions and the wording in `intake/questions.py`), the physio's examination (built the same way from the
`findings` fields) and the assessment page's decisions.

A step form never refuses to save what is valid: after `is_valid()`, `answers()` holds every answer that passed,
and the ones that did not keep their messages and what was typed.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from intake.assessment.decisions import (
    CAUSE_NOTE_MAX_LENGTH,
    CONFIRM,
    ENGINE,
    VERDICTS,
    CauseDecision,
    addable_causes,
    override_refusal,
)
from intake.codes import CAUSES
from intake.examination_labels import GROUPS as EXAMINATION_GROUPS
from intake.examination_labels import NONE_TENDER, NOT_ASSESSED, ExamGroup, field_anchor
from intake.examination_labels import QUESTIONS as EXAMINATION_QUESTIONS
from intake.models import (
    EXAMINATION_DETAILS,
    FOLLOW_UP_MAX_WEEKS,
    REFERRAL_NOTE_MAX_LENGTH,
    Examination,
    ExaminedSide,
    Intake,
)
from intake.questionnaire import answer_paths, delivery_date_problem
from intake.questions import INSTRUMENT_SECTIONS, SAFETY_SECTION, Question, Section
from intake.schema import (
    BOOL,
    CASE_DATES_TO,
    CHOICE,
    DATE,
    FINDINGS,
    INT,
    MULTI,
    NUMBER,
    OBJECT,
    TEXT,
    check_value,
    field_at,
)
from intake.schema import Field as FieldSpec
from intake.scoring import INSTRUMENT_CODES, Instrument, instrument

PLEASE_ANSWER = "Please answer this question."
PLEASE_TICK = "Please tick at least one."
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d %m %Y"]


class DateOfBirthForm(forms.Form):
    """Three boxes, day / month / year, the pattern that works best with phone keyboards."""

    day = forms.IntegerField(label="Day", min_value=1, max_value=31)
    month = forms.IntegerField(label="Month", min_value=1, max_value=12)
    year = forms.IntegerField(label="Year", min_value=1900, max_value=2100)

    INVALID = "Please enter your date of birth as numbers, for example 27 3 1990."
    YEAR_IN_FULL = "Please enter the year in full, with four numbers, for example 1990."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The template draws the three boxes (inputmode numeric, autocomplete bday-*) and shows one message for all.
        for field in self.fields.values():
            field.error_messages = {key: self.INVALID for key in ("invalid", "min_value", "max_value")}
            field.error_messages["required"] = "Please enter your full date of birth."
        # A number, but not a year of four figures ("96"): say what is wrong with it, not that it is no number.
        self.fields["year"].error_messages["min_value"] = self.YEAR_IN_FULL

    def date_error(self) -> str:
        """One message for the three boxes together: the first problem found."""
        for name in ("day", "month", "year"):
            if self[name].errors:
                return self[name].errors[0]
        return ""

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                cleaned["date_of_birth"] = date(cleaned["year"], cleaned["month"], cleaned["day"])
            except ValueError:
                self.add_error("day", "That date does not exist. Please check the day and month.")
        return cleaned


class DecimalCommaFloatField(forms.FloatField):
    """Accepts 62,5 as well as 62.5: phones in many locales offer only a comma."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)


def field_name(question: Question) -> str:
    return question.path.replace(".", "-")


def _range_message(question: Question, whole: bool) -> str:
    spec = question.spec
    low, high = (f"{v:g}" for v in (spec.min, spec.max))
    kind = "a whole number" if whole else "a number"
    return f"Please enter {kind} from {low} to {high}."


def _encode(value):
    """Booleans travel through radio buttons as 'true'/'false'."""
    return {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value


def form_field(question: Question) -> forms.Field:
    """The Django field for one question, built from its schema definition (kind, choices, range)."""
    spec = question.spec
    common = {"label": question.text, "help_text": question.help, "required": False}
    if spec.kind == BOOL or (question.labels and spec.kind in (CHOICE, INT)):
        coerce = {BOOL: lambda v: v == "true", INT: int}.get(spec.kind, str)
        return forms.TypedChoiceField(
            choices=[(_encode(code), label) for code, label in question.labels],
            coerce=coerce,
            empty_value=None,
            widget=forms.RadioSelect,
            **common,
        )
    if spec.kind == INT and question.widget == "scale":
        return forms.TypedChoiceField(
            choices=[(n, str(n)) for n in range(int(spec.min), int(spec.max) + 1)],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            **common,
        )
    if spec.kind == INT:
        message = _range_message(question, whole=True)
        return forms.IntegerField(
            min_value=spec.min,
            max_value=spec.max,
            error_messages={"invalid": message, "min_value": message, "max_value": message},
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            **common,
        )
    if spec.kind == NUMBER:
        message = _range_message(question, whole=False)
        return DecimalCommaFloatField(
            min_value=spec.min,
            max_value=spec.max,
            error_messages={"invalid": message, "min_value": message, "max_value": message},
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            **common,
        )
    if spec.kind == MULTI:
        return forms.MultipleChoiceField(choices=list(question.labels), widget=forms.CheckboxSelectMultiple, **common)
    if spec.kind == DATE:
        return forms.DateField(
            input_formats=DATE_FORMATS,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            error_messages={"invalid": "Please enter the date as day/month/year, for example 6/10/2026."},
            **common,
        )
    if spec.kind == TEXT:
        return forms.CharField(
            max_length=spec.max_length,
            strip=True,
            widget=forms.Textarea(attrs={"rows": 4, "maxlength": spec.max_length}),
            error_messages={"max_length": f"Please keep this to {spec.max_length:,} characters."},
            **common,
        )
    raise ValueError(f"No form field for {question.path} ({spec.kind})")


def _stored(question: Question, value):
    """The form's value as the case format stores it: ISO dates, whole numbers as ints. Nothing ticked in a list
    is stored as not known (a skipped question and "none of these" look the same in a form)."""
    kind = question.spec.kind
    if value is None or value == "" or value == []:
        return None
    if kind == DATE:
        return value.isoformat()
    if kind == NUMBER:
        return int(value) if float(value).is_integer() else round(value, 2)
    return value


@dataclass(frozen=True)
class StepSection:
    """One section of a step as the page shows it: its heading (and outcome measure, if any) and its questions."""

    section: Section
    fields: list[forms.BoundField]

    @property
    def measure(self) -> Instrument | None:
        return instrument(self.section.instrument) if self.section.instrument else None


def _field_template(question: Question, field: forms.Field) -> str:
    """The template that draws a question (intake/templates/intake/fields): the project's own lean ones, not
    crispy-forms' layout, which took most of a step's time (a step has up to forty questions)."""
    if question.widget in ("scale", "knee"):
        return f"intake/fields/{question.widget}.html"
    if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "intake/fields/choices.html"
    return "intake/fields/box.html"


class StepForm(forms.Form):
    """The questions of one step. Every field is optional to Django; `require_answers` adds the required checks
    when the patient moves forward, so going back never traps anyone on a half-finished page."""

    def __init__(self, *args, sections: list[Section], questions: list[Question], today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.questions = {field_name(q): q for q in questions}
        self.step_sections = sections
        for name, question in self.questions.items():
            field = self.fields[name] = form_field(question)
            field.template_name = _field_template(question, field)
            field.unit, field.scale_ends = question.unit, question.scale_ends  # shown by the templates

    @classmethod
    def initial_from(cls, questions: list[Question], answer_of) -> dict:
        return {field_name(q): _encode(answer_of(q.path)) for q in questions if answer_of(q.path) is not None}

    def sections(self) -> list[StepSection]:
        """The step's sections with the bound fields of the questions this patient is asked."""
        return [
            StepSection(section, [self[name] for q in section.questions if (name := field_name(q)) in self.fields])
            for section in self.step_sections
        ]

    def clean(self):
        cleaned = super().clean()
        for name, question in self.questions.items():
            if name not in cleaned:
                continue
            value = _stored(question, cleaned[name])
            if value is None:
                continue
            # The schema is the one source of truth for codes and ranges; the Django field only says it kindly.
            if check_value(question.spec, value, question.path):
                self.add_error(name, "Please choose one of the answers shown.")
            elif question.spec.kind == DATE and question.path.endswith("delivery_date"):
                problem = delivery_date_problem(cleaned[name], today=self.today)
                if problem:
                    self.add_error(name, problem)
        return cleaned

    def answers(self) -> dict:
        """{path: value} for every question whose answer is valid (None clears an answer)."""
        return {
            question.path: _stored(question, self.cleaned_data[name])
            for name, question in self.questions.items()
            if name in self.cleaned_data and name not in self.errors
        }

    def require_answers(self, answer_of) -> None:
        """Flag each required question that is still empty, counting answers saved earlier."""
        saved = self.answers()
        for name, question in self.questions.items():
            if not question.is_required or name in self.errors:
                continue
            value = saved[question.path] if question.path in saved else answer_of(question.path)
            if value is None:
                self.add_error(name, PLEASE_TICK if question.spec.kind == MULTI else PLEASE_ANSWER)


# --- The physio's examination ---------------------------------------------------------------------------------


def findings_fields(spec: FieldSpec = FINDINGS, prefix: str = "findings") -> list[tuple[str, FieldSpec]]:
    """Every answerable field of the case format's `findings`, by dotted path, members of objects included."""
    leaves = []
    for member in spec.fields:
        path = f"{prefix}.{member.key}"
        leaves.extend(findings_fields(member, path) if member.kind == OBJECT else [(path, member)])
    return leaves


def examination_field(question: Question) -> forms.Field:
    """The form field of one finding: the questionnaire's field for its kind, with "Not assessed" as the first
    answer of every yes/no and choice, so a finding is never recorded as normal by default."""
    field = form_field(question)
    if isinstance(field, forms.TypedChoiceField):
        field.choices = [("", NOT_ASSESSED), *field.choices]
    return field


@dataclass(frozen=True)
class ExamRow:
    """One finding on the form: its bound field, its wording, and where it is (for links to it)."""

    field: forms.BoundField
    question: Question
    anchor: str
    widget: str  # "choice" (segmented buttons), "multi" (check boxes) or "number"

    @property
    def described_by(self) -> str:
        """The ids of the hint and the message that describe the field, for aria-describedby."""
        field = self.field
        ids = [f"{field.auto_id}_helptext" if field.help_text else "", f"{field.auto_id}_error" if field.errors else ""]
        return " ".join(filter(None, ids))


@dataclass(frozen=True)
class ExamSection:
    group: ExamGroup
    rows: list[ExamRow]

    @property
    def has_answers(self) -> bool:
        """Something is recorded or typed in this group (so a folded group opens to show it)."""
        return any(row.field.errors or row.field.value() not in (None, "", []) for row in self.rows)


# Plausible ranges for the range-of-motion boxes, to catch a slip of the keyboard, not clinical thresholds: full
# flexion is about 135–150°, extension 0° (a negative value is hyperextension, a positive one a lack of extension).
FLEXION_RANGE = (0, 170)
EXTENSION_RANGE = (-30, 60)


class ExaminationDetailsForm(forms.ModelForm):
    """What the physio records beside the findings: the knee examined, its range of motion, free-text notes."""

    class Meta:
        model = Examination
        fields = list(EXAMINATION_DETAILS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "knee_extension_left": "0 is full extension; minus for hyperextension, plus for a lack of extension.",
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "details")
        super().__init__(*args, **kwargs)
        self.fields["side"].choices = [("", "Not recorded"), *ExaminedSide.choices]
        for name in self.fields:
            if name.startswith("knee_"):
                low, high = FLEXION_RANGE if "flexion" in name else EXTENSION_RANGE
                self.fields[name].widget.attrs.update(min=low, max=high, inputmode="numeric")
                self.fields[name].validators += [MinValueValidator(low), MaxValueValidator(high)]

    def details(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in EXAMINATION_DETAILS}


class ExaminationForm(forms.Form):
    """Every field of the case format's `findings`, generated from `intake.schema.FINDINGS` and worded by
    `intake/examination_labels.py`. Nothing is required and nothing defaults to normal: an unanswered finding is
    stored as absent ("not assessed"). `version` is the examination's version the form was loaded with."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = {}
        for path, _spec in findings_fields():
            question = EXAMINATION_QUESTIONS[path]
            self.questions[field_name(question)] = question
            self.fields[field_name(question)] = examination_field(question)

    @classmethod
    def initial_from(cls, findings: dict, *, version: int) -> dict:
        initial = {"version": version}
        for path, value in answer_paths(findings, "findings").items():
            stored = [NONE_TENDER] if value == [] else _encode(value)
            initial[path.replace(".", "-")] = stored
        return initial

    def clean(self):
        cleaned = super().clean()
        for name, question in self.questions.items():
            value = cleaned.get(name)
            if question.spec.kind == MULTI and value and NONE_TENDER in value:
                if len(value) > 1:
                    self.add_error(name, f"Tick either “{question.label_for(NONE_TENDER)}” or the tender sites.")
                continue
            value = _stored(question, value)
            if value is not None and check_value(question.spec, value, question.path):
                self.add_error(name, "Please choose one of the answers shown.")
        return cleaned

    def findings(self) -> dict:
        """The findings object as the case format stores it; only valid when the form is."""
        found: dict = {}
        for name, question in self.questions.items():
            value = self.cleaned_data.get(name)
            value = [] if value == [NONE_TENDER] else _stored(question, value)
            if value is None:
                continue
            *parents, key = question.path.split(".")[1:]
            target = found
            for parent in parents:
                target = target.setdefault(parent, {})
            target[key] = value
        return found

    def groups(self) -> list["ExamSection"]:
        """The fields in the order a clinician examines, group by group."""
        return [
            ExamSection(group, [self._row(question) for question in group.questions]) for group in EXAMINATION_GROUPS
        ]

    def _row(self, question: Question) -> ExamRow:
        name = field_name(question)
        kind = question.spec.kind
        widget = "multi" if kind == MULTI else "choice" if kind in (BOOL, CHOICE) else "number"
        return ExamRow(self[name], question, field_anchor(question.path), widget)


# --- The assessment page --------------------------------------------------------------------------------------


class AssessmentForm(forms.Form):
    """The physio's decisions on the assessment page: confirm or reject each cause (with a note), add a cause, give
    the reason for overriding a red flag, the plan's start date, and a referral note.

    The fields depend on the engine's result: one verdict and note per cause on the page, one reason per red flag
    the engine lets the physio override. `digest` carries the result the page showed, so a confirmation is of
    exactly that result.
    """

    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    plan_start = forms.DateField(
        label="Plan starts on",
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Empty: the day of the assessment.",
        error_messages={"invalid": "Please enter the date as day/month/year."},
    )
    add_code = forms.ChoiceField(label="Cause", required=False)
    add_note = forms.CharField(
        label="Why it applies",
        required=False,
        max_length=CAUSE_NOTE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"maxlength": CAUSE_NOTE_MAX_LENGTH}),
    )
    referral_note = forms.CharField(
        label="Referral note",
        required=False,
        max_length=REFERRAL_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": REFERRAL_NOTE_MAX_LENGTH}),
        help_text="Where the patient was referred, how urgently, and what they were told.",
    )
    # The red flag an "Override" button names: only one the page offers to override (a forged one is refused here).
    override = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)

    # Fields whose messages are about the page as a whole, shown above it: the result shown, and the button pressed.
    PAGE_FIELDS = ("digest", "override")

    def __init__(self, *args, decisions: list[CauseDecision], overridable: list[str], today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision_list = decisions
        self.overridable = overridable
        self.today = today
        for decision in decisions:
            if decision.origin == ENGINE:
                self.fields[f"verdict-{decision.code}"] = forms.ChoiceField(
                    label=CAUSES[decision.code].label, choices=VERDICTS, widget=forms.RadioSelect, required=False
                )
            self.fields[f"note-{decision.code}"] = forms.CharField(
                label="Note",
                required=False,
                max_length=CAUSE_NOTE_MAX_LENGTH,
                widget=forms.TextInput(attrs={"maxlength": CAUSE_NOTE_MAX_LENGTH}),
            )
        for code in overridable:
            limit = field_at(f"overrides.{code}").max_length
            self.fields[f"reason-{code}"] = forms.CharField(
                label="Reason for overriding",
                required=False,
                max_length=limit,
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": limit}),
                error_messages={"max_length": f"Please keep the reason to {limit} characters."},
            )
        self.fields["add_code"].choices = [("", "Choose a cause…")] + [
            (code, CAUSES[code].label) for code in addable_causes(decisions)
        ]

    @staticmethod
    def initial_from(decisions: list[CauseDecision], *, digest: str, plan_start: date | None) -> dict:
        initial = {"digest": digest, "plan_start": plan_start}
        for decision in decisions:
            initial[f"verdict-{decision.code}"] = decision.verdict
            initial[f"note-{decision.code}"] = decision.note
        return initial

    def clean_override(self):
        code = self.cleaned_data["override"]
        if code and code not in self.overridable:
            raise forms.ValidationError(
                override_refusal(code, "a reason") or "That red flag is not raised in this assessment."
            )
        return code

    def page_errors(self) -> list[str]:
        """The messages shown above the page: those about the page as a whole, not beside one of its fields."""
        return [*self.non_field_errors(), *(error for name in self.PAGE_FIELDS for error in self.errors.get(name, []))]

    def clean_plan_start(self):
        start = self.cleaned_data["plan_start"]
        if start is not None and start < self.today:
            raise forms.ValidationError("The plan cannot start before the day of the assessment.")
        if start is not None and start > CASE_DATES_TO:
            raise forms.ValidationError(f"Please check the year: a plan can start up to {CASE_DATES_TO.year}.")
        return start

    def decisions(self) -> list[CauseDecision]:
        """The decisions as submitted (only valid when the form is)."""
        data = self.cleaned_data
        return [
            CauseDecision(
                decision.code,
                data.get(f"verdict-{decision.code}", "") if decision.origin == ENGINE else CONFIRM,
                data.get(f"note-{decision.code}", ""),
                decision.origin,
            )
            for decision in self.decision_list
        ]

    def reason_field(self, code: str) -> forms.BoundField | None:
        name = f"reason-{code}"
        return self[name] if name in self.fields else None

    def pending_reasons(self, overridden: set[str]) -> list[str]:
        """Flags with a reason typed but no override applied: the physio meant to override but did not press it."""
        return [
            name.removeprefix("reason-")
            for name in self.fields
            if name.startswith("reason-")
            and self.cleaned_data.get(name)
            and name.removeprefix("reason-") not in overridden
        ]


# --- Follow-up questionnaires ---------------------------------------------------------------------------------

FOLLOW_UP_DEFAULT_WEEKS = 2
FOLLOW_UP_MAX_DAYS_AHEAD = 366


class FollowUpScheduleForm(forms.Form):
    """The physio's follow-up schedule: which outcome measures, every how many weeks, and the first due day."""

    instruments = forms.MultipleChoiceField(
        label="Outcome measures",
        choices=[(code, instrument(code).name) for code in INSTRUMENT_CODES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one outcome measure."},
    )
    every_weeks = forms.IntegerField(
        label="Every how many weeks",
        min_value=1,
        max_value=FOLLOW_UP_MAX_WEEKS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    start = forms.DateField(
        label="First one due on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=DATE_FORMATS,
    )
    safety_questions = forms.BooleanField(
        label="Ask the safety questions again",
        required=False,
        help_text="The intake's red-flag questions (reference §8); new red flags are shown to you at once.",
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "instruments",
            Div(Div("every_weeks", css_class="col-sm-6"), Div("start", css_class="col-sm-6"), css_class="row"),
            "safety_questions",
        )

    @classmethod
    def initial_for(cls, schedule, today: date) -> dict:
        if schedule is not None:
            return {
                "instruments": schedule.instruments,
                "every_weeks": schedule.every_weeks,
                "start": schedule.next_due_after(today),
                "safety_questions": schedule.safety_questions,
            }
        return {
            "instruments": list(INSTRUMENT_CODES),
            "every_weeks": FOLLOW_UP_DEFAULT_WEEKS,
            "start": today + timedelta(weeks=FOLLOW_UP_DEFAULT_WEEKS),
            "safety_questions": True,
        }

    def clean_start(self):
        start = self.cleaned_data["start"]
        if start < self.today:
            raise forms.ValidationError("Choose today or a later day.")
        if start > self.today + timedelta(days=FOLLOW_UP_MAX_DAYS_AHEAD):
            raise forms.ValidationError("Choose a day within the next year.")
        return start


def follow_up_sections(schedule) -> list[Section]:
    """The sections a follow-up asks: the safety questions first (when the schedule asks them), then each outcome
    measure as the intake asked it."""
    sections = [FOLLOW_UP_SAFETY] if schedule.safety_questions else []
    return sections + [INSTRUMENT_SECTIONS[code] for code in schedule.instruments]


FOLLOW_UP_SAFETY = Section(
    SAFETY_SECTION.questions,
    "Safety questions",
    "These help us spot the rare problems that need a doctor first. Please answer each one about how things are now.",
)


class FollowUpForm(StepForm):
    """The follow-up questionnaire: the same questions, wording and checks as the intake's."""

    def __init__(self, *args, schedule, today: date, **kwargs):
        sections = follow_up_sections(schedule)
        questions = [question for section in sections for question in section.questions]
        super().__init__(*args, sections=sections, questions=questions, today=today, **kwargs)

    def case_answers(self) -> dict:
        """The valid answers in the case format's `intake` shape, as the intake stores them."""
        holder = Intake()
        for path, value in self.answers().items():
            holder.set_answer(path, value)
        return holder.answers
