"""Forms of the plan: the draft editor (settings, the home programme's rows, the exercise to add), the session log
a physio records, and resuming after a hold. The library's and the handouts' forms live in their packages."""

from datetime import date, timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from clinic.selectors import SCOPE_CHOICES
from intake.codes import CATEGORY_LABELS, CONDITION_LABELS, CONTRAINDICATIONS
from plans.builder import MAX_STRENGTH_DAYS, MAX_WEEKS, MIN_WEEKS
from plans.ladder import BUILD_LEVEL, CONTINUOUS_LEVEL, walk_run_level
from plans.library.exercises import MAX_SLUG, ExerciseSpec
from plans.models import (
    MORE_EXERCISES_REASON_MAX_LENGTH,
    NOTE_FOR_PATIENT_MAX_LENGTH,
    PF_SYMPTOM_CHOICES,
    REVISION_REASON_MAX_LENGTH,
    SessionLog,
)
from plans.outcomes import NOT_POSTPARTUM, POSTPARTUM, Filters
from plans.rules import CONTINUOUS_RUN_MIN, MAIN_EXERCISES_MAX
from plans.selection import DOSE_LIMITS, DOSE_PARTS, PRESCRIBED_KINDS, is_impact

# A programme holds 4 strength exercises (more with the physio's reason) and 4 daily ones (plans.selection); a few
# more rows may be posted while the physio edits, and the builder says what is too many.
MAX_PROGRAMME_ROWS = 12


# --- Plans ----------------------------------------------------------------------------------------------------------


def _level_label(level: int) -> str:
    if level == BUILD_LEVEL:
        return "Level 8: build phase (running volume rises week by week)"
    spec = walk_run_level(level)
    if level == CONTINUOUS_LEVEL:
        return f"Level {level}: run {CONTINUOUS_RUN_MIN[0]}–{CONTINUOUS_RUN_MIN[1]} min without stopping"
    return f"Level {level}: walk {spec.walk_min} min, run {spec.run_min} min × {spec.repeats}"


START_LEVEL_CHOICES = [("", "The builder's choice"), *((str(n), _level_label(n)) for n in range(1, BUILD_LEVEL + 1))]
STRENGTH_DAY_CHOICES = [
    ("", "The builder's choice (3 a week before running, 2 once running)"),
    *((str(n), f"{n} a week") for n in range(1, MAX_STRENGTH_DAYS + 1)),
]


def _optional_int(choice: str) -> int | None:
    return int(choice) if choice else None


class PlanDraftForm(forms.Form):
    """The draft's settings. Ranges are checked by the plan builder, whose messages name each field, so a value
    is never refused in two different words; the browser gets the same bounds as hints."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    start = forms.DateField(label="Start date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    weeks = forms.IntegerField(
        label="Weeks", widget=forms.NumberInput(attrs={"min": MIN_WEEKS, "max": MAX_WEEKS, "inputmode": "numeric"})
    )
    start_level = forms.TypedChoiceField(
        label="Starting walk/run level",
        choices=START_LEVEL_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Where the running starts once it is allowed.",
    )
    strength_days_per_week = forms.TypedChoiceField(
        label="Strength days", choices=STRENGTH_DAY_CHOICES, coerce=int, empty_value=None, required=False
    )
    cadence_target_spm = forms.IntegerField(
        label="Cadence target (steps a minute)",
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    more_exercises_reason = forms.CharField(
        label=f"Reason for more than {MAIN_EXERCISES_MAX} strength and core exercises",
        required=False,
        max_length=MORE_EXERCISES_REASON_MAX_LENGTH,
        help_text="Only when the programme needs more: the reference advises 3–4 once the patient is independent, "
        "so that they keep doing them. Kept with the plan for the clinic; the patient does not see it.",
    )
    note_for_patient = forms.CharField(
        label="Note for the patient",
        required=False,
        max_length=NOTE_FOR_PATIENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Shown with the plan (at most {NOTE_FOR_PATIENT_MAX_LENGTH} characters).",
    )

    def __init__(self, *args, cadence_range: tuple[int, int] | None, **kwargs):
        """`cadence_range`: the targets the physio may set (reference §2.7), or None when the plan does not retrain
        cadence (the field is then left out)."""
        super().__init__(*args, **kwargs)
        if cadence_range is None:
            del self.fields["cadence_target_spm"]
        else:
            low, high = cadence_range
            field = self.fields["cadence_target_spm"]
            field.widget.attrs.update(min=low, max=high)
            field.help_text = f"{low}–{high}: the patient's cadence + 5–10 % (reference §2.7). Empty: + 5 %."

    def inputs(self) -> dict:
        inputs = {name: self.cleaned_data[name] for name in ("start", "weeks", "start_level", "strength_days_per_week")}
        inputs["cadence_target_spm"] = self.cleaned_data.get("cadence_target_spm")
        inputs["more_exercises_reason"] = self.cleaned_data["more_exercises_reason"].strip()
        return inputs


class PrescriptionForm(forms.Form):
    """One row of the home programme: the exercise (by its code) and its starting dose."""

    code = forms.CharField(max_length=MAX_SLUG, widget=forms.HiddenInput)
    sets = forms.IntegerField(label="Sets", required=False)
    reps = forms.IntegerField(label="Repetitions", required=False)
    hold_s = forms.IntegerField(label="Hold (s)", required=False)
    minutes = forms.IntegerField(label="Minutes", required=False)
    per_week = forms.IntegerField(label="Times a week", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for part in DOSE_PARTS:
            low, high = DOSE_LIMITS[part]
            self.fields[part].widget.attrs.update(min=low, max=high, inputmode="numeric")


ProgrammeFormSet = forms.formset_factory(
    PrescriptionForm, extra=0, max_num=MAX_PROGRAMME_ROWS, validate_max=True, absolute_max=MAX_PROGRAMME_ROWS
)


class AddExerciseSelect(forms.Select):
    """Options of exercises the patient must not do stay visible, disabled, with the reason in their label."""

    def __init__(self, *args, disabled: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled = disabled

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.disabled:
            option["attrs"]["disabled"] = True
        return option


class AddExerciseForm(forms.Form):
    """The exercise to add to the home programme: the clinic's active library, those training the plan's
    categories first; exercises the patient must not do are listed, disabled, with the reason."""

    add_exercise = forms.ChoiceField(label="Add an exercise", required=False)

    def __init__(self, *args, library: list[ExerciseSpec], categories: list[str], contraindications, listed, **kwargs):
        super().__init__(*args, **kwargs)
        present = set(contraindications)
        candidates = [
            spec
            for spec in sorted(library, key=lambda spec: spec.name)
            if spec.kind in PRESCRIBED_KINDS and not is_impact(spec) and spec.slug not in listed
        ]
        wanted = set(categories)
        disabled = set()

        def option(spec):
            reasons = sorted(present.intersection(spec.contraindications))
            if reasons:
                disabled.add(spec.slug)
                because = "; ".join(CONTRAINDICATIONS.get(code, code).lower() for code in reasons)
                return spec.slug, f"{spec.name}: not for this patient ({because})"
            labels = ", ".join(CATEGORY_LABELS.get(c, c) for c in spec.categories)
            return spec.slug, f"{spec.name} ({labels})" if labels else spec.name

        for_plan = [option(spec) for spec in candidates if wanted.intersection(spec.categories)]
        others = [option(spec) for spec in candidates if not wanted.intersection(spec.categories)]
        choices = [("", "Choose an exercise")]
        if for_plan:
            choices.append(("Trains this plan's categories", for_plan))
        if others:
            choices.append(("Other exercises", others))
        field = self.fields["add_exercise"]
        field.choices = choices
        field.widget = AddExerciseSelect(choices=choices, disabled=disabled)
        self.disabled_slugs = disabled

    def clean_add_exercise(self):
        slug = self.cleaned_data["add_exercise"]
        if slug in self.disabled_slugs:
            raise forms.ValidationError("This exercise must not be given to this patient.")
        return slug


class SessionLogForm(forms.ModelForm):
    """A session as the patient reports it (reference §9.4), typed in by staff from a phone call. The pelvic floor
    question is asked after a birth only."""

    pf_symptoms = forms.MultipleChoiceField(
        label="Any pelvic floor symptoms during or after?",
        choices=PF_SYMPTOM_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Any of these makes the session red and asks for a pelvic health review.",
    )

    class Meta:
        model = SessionLog
        fields = [
            "session_date",
            "completed",
            "pain_during_max",
            "pain_escalated",
            "limp",
            "swelling",
            "next_morning_pain",
            "next_morning_stiffness",
            "pf_symptoms",
            "rpe",
            "distance_km",
            "duration_min",
            "comment",
        ]
        labels = {
            "session_date": "Date of the session",
            "completed": "Finished the whole session",
            "pain_during_max": "Worst knee pain during the session (0–10)",
            "next_morning_pain": "Knee pain the next morning (0–10)",
            "next_morning_stiffness": "Knee stiffness the next morning (0–10)",
            "rpe": "How hard it felt (0–10)",
            "comment": "What the patient said about it",
        }
        help_texts = {
            "next_morning_pain": "Leave empty if the patient has not had that morning yet.",
            "next_morning_stiffness": "Leave empty if the patient has not had that morning yet.",
            "rpe": "Optional. 0: nothing at all, 10: as hard as possible.",
            "duration_min": "Optional.",
            "distance_km": "Optional.",
            "comment": "Optional, in the patient's words: shown beside the session.",
        }
        widgets = {
            "session_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "comment": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, postpartum: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not postpartum:
            del self.fields["pf_symptoms"]
        for name in ("pain_during_max", "next_morning_pain", "next_morning_stiffness", "rpe"):
            self.fields[name].widget.attrs.update(min=0, max=10, inputmode="numeric")
        self.fields["distance_km"].widget.attrs.update(min=0, step="0.1", inputmode="decimal")
        self.fields["duration_min"].widget.attrs.update(min=0, inputmode="numeric")
        symptoms = ["pain_escalated", "limp", "swelling"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "The session",
                Div(
                    Div("session_date", css_class="col-md-6"),
                    Div("completed", css_class="col-md-6 pt-md-4"),
                    css_class="row",
                ),
                Div(Div("duration_min", css_class="col-6"), Div("distance_km", css_class="col-6"), css_class="row"),
                "rpe",
            ),
            Fieldset("Pain and warning signs", "pain_during_max", *symptoms, *(["pf_symptoms"] if postpartum else [])),
            Fieldset("The next morning", "next_morning_pain", "next_morning_stiffness"),
            "comment",
        )

    def session_fields(self) -> dict:
        fields = dict(self.cleaned_data)
        fields.setdefault("pf_symptoms", [])
        return fields


class ResumeForm(forms.Form):
    """ "Resume running" on the plan page after a hold (reference §8 RF19, §9.3 P5): what the physio's review found."""

    reason = forms.CharField(
        label="What your review found",
        max_length=REVISION_REASON_MAX_LENGTH - 40,  # "Resumed by <name>: " goes in front of it
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: seen by the pelvic health physio, no more leaking; or: pain settled, restart at the "
        "level shown.",
        error_messages={"required": "Write what your review found: the resume is recorded with it."},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Write what your review found: the resume is recorded with it.")
        return reason


class CaseloadFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label="Whose patients",
        required=False,
        choices=SCOPE_CHOICES,
    )


# --- The clinic's outcomes ------------------------------------------------------------------------------------------

OUTCOMES_DEFAULT_DAYS = 365  # the period the page opens on: the last twelve months, today included
OUTCOMES_EARLIEST = date(2000, 1, 1)
POSTPARTUM_CHOICES = [
    ("", "Everyone"),
    (POSTPARTUM, "Gave birth in the two years before"),
    (NOT_POSTPARTUM, "Did not give birth then"),
]


class OutcomesFilterForm(forms.Form):
    """The outcomes page's filters, read from the address: the period (the last twelve months unless chosen), and
    one physiotherapist, one condition, births or not. A value it cannot use is refused beside its field."""

    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the first day of the period as a date."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the last day of the period as a date."},
    )
    physio = forms.TypedChoiceField(
        label="Physiotherapist",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of the clinic’s physiotherapists, or all of them."},
    )
    condition = forms.ChoiceField(
        label="Condition",
        required=False,
        choices=[("", "All conditions"), *CONDITION_LABELS.items()],
        error_messages={"invalid_choice": "Choose one of the conditions listed, or all of them."},
    )
    postpartum = forms.ChoiceField(
        label="After a birth",
        required=False,
        choices=POSTPARTUM_CHOICES,
        error_messages={"invalid_choice": "Choose everyone, or those who did or did not give birth."},
    )

    def __init__(self, data=None, *, physios, today: date):
        self.today = today
        self.default_start = today - timedelta(days=OUTCOMES_DEFAULT_DAYS - 1)
        if data is not None:  # a period left out is the default one, and the page shows it
            data = data.copy()
            for name, default in (("start", self.default_start), ("end", today)):
                if not data.get(name):
                    data[name] = default.isoformat()
        super().__init__(data)
        self.physios = {member.pk: member for member in physios}
        self.fields["physio"].choices = [("", "All physiotherapists")] + [
            (member.pk, str(member)) for member in self.physios.values()
        ]
        self.fields["start"].initial, self.fields["end"].initial = self.default_start, today
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-select" if name in ("physio", "condition", "postpartum") else "form-control"
            )

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:  # marked for the eye and for screen readers, the message beside it
                attrs = self.fields[name].widget.attrs
                attrs["class"] += " is-invalid"
                attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}-error"})

    def clean(self):
        cleaned = super().clean()
        days = {name: cleaned.get(name) for name in ("start", "end")}
        for name, day in days.items():
            if day is not None and not OUTCOMES_EARLIEST <= day <= self.today:
                self.add_error(
                    name, f"Choose a day from {OUTCOMES_EARLIEST:%-d %b %Y} to today, {self.today:%-d %b %Y}."
                )
        if "start" not in self.errors and "end" not in self.errors and days["start"] > days["end"]:
            self.add_error("end", "The period ends on or after the day it starts.")
        return cleaned

    def filters(self) -> Filters:
        """The filters chosen (the defaults before anything is chosen); only for a form that is valid or unbound."""
        if not self.is_bound:
            return Filters(start=self.default_start, end=self.today)
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            physio_id=data["physio"],
            condition=data["condition"],
            postpartum=data["postpartum"],
        )
