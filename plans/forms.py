"""Forms of the plans app: the exercise library (the filters above the list, a clinic's own exercise), the plan
draft editor (settings, the home programme's rows, the exercise to add), the session log, and printing handouts."""

import json
import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms
from django.db import connection
from django.forms.fields import InvalidJSONInput

from clinic.models import StaffMember
from intake.codes import CATEGORY_LABELS, CONTRAINDICATIONS, Category
from plans.access import exercises_for_staff
from plans.builder import MAX_STRENGTH_DAYS, MAX_WEEKS, MIN_WEEKS
from plans.exercises import MAX_SLUG, ExerciseSpec
from plans.ladder import BUILD_LEVEL, CONTINUOUS_LEVEL, walk_run_level
from plans.models import (
    KIND_CHOICES,
    NOTE_FOR_PATIENT_MAX_LENGTH,
    PF_SYMPTOM_CHOICES,
    RESERVED_SLUGS,
    REVISION_REASON_MAX_LENGTH,
    Exercise,
    Handout,
    Paper,
    SessionLog,
)
from plans.rules import CONTINUOUS_RUN_MIN, IMPACT_STEPS
from plans.selection import DOSE_LIMITS, DOSE_PARTS, PRESCRIBED_KINDS, is_impact
from plans.selectors import SOURCE_CLINIC, SOURCE_SHIPPED

CATEGORY_CHOICES = [(str(code), label) for code, label in CATEGORY_LABELS.items() if code != Category.REFER]
# A programme holds at most 4 strength and 4 daily exercises (plans.selection); a few more rows may be posted while
# the physio edits, and the builder says what is too many.
MAX_PROGRAMME_ROWS = 12
CONTRAINDICATION_CHOICES = [(str(code), label) for code, label in CONTRAINDICATIONS.items()]
MAX_FIGURE_JSON = 20_000


class ExerciseFilterForm(forms.Form):
    """The search box and filters above the library. Invalid values are ignored, never an error page."""

    q = forms.CharField(label="Search", required=False, max_length=80)
    category = forms.ChoiceField(label="Category", required=False, choices=[("", "Any category"), *CATEGORY_CHOICES])
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any kind"), *KIND_CHOICES])
    source = forms.ChoiceField(
        label="Source",
        required=False,
        choices=[("", "Whole library"), (SOURCE_SHIPPED, "Shipped library"), (SOURCE_CLINIC, "Our own exercises")],
    )
    inactive = forms.BooleanField(label="Include deactivated exercises", required=False)


class LinesField(forms.CharField):
    """A list of short texts typed one per line (steps, cues, muscles, equipment)."""

    widget = forms.Textarea

    def __init__(self, *, max_lines, max_line_length=300, **kwargs):
        self.max_lines, self.max_line_length = max_lines, max_line_length
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": min(max_lines, 6)}))
        super().__init__(max_length=max_lines * (max_line_length + 2), strip=False, **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate(self, value):
        super().validate(value)
        if len(value) > self.max_lines:
            raise forms.ValidationError(f"Write at most {self.max_lines} lines.")
        if any(len(line) > self.max_line_length for line in value):
            raise forms.ValidationError(f"Keep each line under {self.max_line_length} characters.")

    def run_validators(self, value):
        for line in value:
            super().run_validators(line)


class DrawingDataField(forms.JSONField):
    """JSON as anyone may paste it. Python's parser refuses a number of thousands of digits with a ValueError and
    nesting thousands deep with a RecursionError, which Django's field lets through as a server error: both are
    refused as invalid JSON here, and shown again as typed."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (ValueError, RecursionError):
            invalid = self.error_messages["invalid"]
            raise forms.ValidationError(invalid, code="invalid", params={"value": value}) from None

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except (ValueError, RecursionError):
            return InvalidJSONInput(data)


class ExerciseForm(forms.ModelForm):
    """A clinic's own exercise, with every field of the library. The code (slug) is fixed once created."""

    slug = forms.CharField(
        label="Code",
        max_length=MAX_SLUG,
        required=False,
        help_text="Lower-case letters, digits and underscores; plans refer to it. Leave blank to make one from the "
        "name. It cannot be changed later.",
    )
    categories = forms.MultipleChoiceField(
        label="Categories (reference §7)",
        choices=CATEGORY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The plan builder chooses exercises by these.",
    )
    target_muscles = LinesField(label="Target muscles", max_lines=8, max_line_length=80, required=False)
    instructions = LinesField(
        label="Instructions", max_lines=10, help_text="One step per line, in the patient's own words."
    )
    cues = LinesField(label="Cues", max_lines=6, max_line_length=150, required=False, help_text="One per line.")
    equipment = LinesField(
        label="Equipment", max_lines=6, max_line_length=80, required=False, help_text="One per line."
    )
    progressions = forms.MultipleChoiceField(
        label="Harder variants (progressions)", required=False, widget=forms.CheckboxSelectMultiple
    )
    regressions = forms.MultipleChoiceField(
        label="Easier variants (regressions)", required=False, widget=forms.CheckboxSelectMultiple
    )
    contraindications = forms.MultipleChoiceField(
        label="Not to be given with",
        choices=CONTRAINDICATION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    video_url = forms.URLField(
        label="Video link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="A secure (https://) link to a video of the exercise.",
    )
    remove_image = forms.BooleanField(label="Remove the current picture and show the drawing again", required=False)
    figure = DrawingDataField(
        label="Drawing data",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="Pose data for the line drawing (see the README). Copied from a shipped exercise, or left empty.",
    )

    class Meta:
        model = Exercise
        fields = [
            "name",
            "slug",
            "kind",
            "level",
            "categories",
            "target_muscles",
            "instructions",
            "cues",
            "equipment",
            "sets",
            "reps",
            "hold_s",
            "minutes",
            "rest_s",
            "per_side",
            "per_week",
            "progressions",
            "regressions",
            "contraindications",
            "impact",
            "impact_step",
            "notes",
            "image",
            "video_url",
            "figure",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            # A plain file input: the clearable one would link to the media URL, which is never served.
            "image": forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }

    def __init__(self, *args, member: StaffMember, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.clinic = member.clinic
        editing = self.instance.pk is not None
        linkable = (
            exercises_for_staff(member).active().exclude(pk=self.instance.pk).values_list("slug", "name", "level")
        )
        link_choices = [(slug, f"{name} (level {level})") for slug, name, level in linkable]
        self.fields["progressions"].choices = link_choices
        self.fields["regressions"].choices = link_choices
        self.fields["level"].widget.attrs.update(min=1, max=5)
        self.fields["per_week"].widget.attrs.update(min=1, max=7)
        self.fields["impact_step"] = forms.TypedChoiceField(
            label="Impact ladder step",
            choices=[
                ("", "Not a step of the impact ladder"),
                *((s.step, f"Step {s.step}: {s.words}") for s in IMPACT_STEPS),
            ],
            coerce=int,
            empty_value=None,
            required=False,
            help_text="For an impact exercise: the rung of the impact ladder it trains (reference §4.4).",
        )
        self.fields["image"].help_text = "A JPEG, PNG or WebP picture; shown instead of the drawing."
        if not self.instance.image:
            del self.fields["remove_image"]
        if editing:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "Plans refer to this code, so it cannot change."
        picture_fields = ["remove_image"] if "remove_image" in self.fields else []
        self.helper = FormHelper()
        self.helper.attrs = {"data-submit-once": ""}
        self.helper.layout = Layout(
            Fieldset(
                "The exercise",
                Div(Div("name", css_class="col-md-8"), Div("slug", css_class="col-md-4"), css_class="row"),
                Div(Div("kind", css_class="col-md-8"), Div("level", css_class="col-md-4"), css_class="row"),
                Field("categories", wrapper_class="exercise-choices"),
            ),
            Fieldset("For the patient", "instructions", "cues", "target_muscles", "equipment"),
            Fieldset(
                "Default dose",
                Div(
                    Div("sets", css_class="col-6 col-md-2"),
                    Div("reps", css_class="col-6 col-md-2"),
                    Div("hold_s", css_class="col-6 col-md-3"),
                    Div("minutes", css_class="col-6 col-md-2"),
                    Div("rest_s", css_class="col-6 col-md-3"),
                    css_class="row",
                ),
                Div(
                    Div("per_week", css_class="col-6 col-md-3"),
                    Div("per_side", css_class="col-6 col-md-9 pt-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Safety and progression",
                Field("contraindications", wrapper_class="exercise-choices"),
                "impact",
                "impact_step",
                Field("progressions", wrapper_class="exercise-choices exercise-choices-scroll"),
                Field("regressions", wrapper_class="exercise-choices exercise-choices-scroll"),
            ),
            Fieldset("Pictures and notes", "image", *picture_fields, "video_url", "notes"),
            HTML('<details class="mb-3"><summary>Drawing data (advanced)</summary><div class="mt-2">'),
            "figure",
            HTML("</div></details>"),
            Submit("save", "Save exercise"),
        )

    def clean_slug(self):
        if self.instance.pk is not None:
            return self.instance.slug
        return self.cleaned_data["slug"].strip().lower()

    def clean_figure(self):
        figure = self.cleaned_data["figure"]
        if figure is None:
            return {}
        if len(json.dumps(figure)) > MAX_FIGURE_JSON:
            raise forms.ValidationError("The drawing data is too long.")
        return figure

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug") and cleaned.get("name"):
            cleaned["slug"] = free_slug(cleaned["name"], clinic_id=self.instance.clinic.pk)
        return cleaned

    def exercise_fields(self) -> dict:
        """The cleaned values as the services take them: a removed picture is empty, an unchanged one kept."""
        fields = dict(self.cleaned_data)
        if fields.pop("remove_image", False) or fields["image"] is None:
            fields["image"] = ""
        return fields


def free_slug(name: str, *, clinic_id: int) -> str:
    """A code made from `name` that neither the shipped library nor the clinic uses yet."""
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[: MAX_SLUG - 4] or "exercise"
    if not base[0].isalpha():
        base = f"exercise_{base}"[: MAX_SLUG - 4]
    taken = RESERVED_SLUGS | set(
        Exercise.objects.visible_to(clinic_id).filter(slug__startswith=base).values_list("slug", flat=True)
    )
    suffix = 1
    slug = base
    while slug in taken:
        suffix += 1
        slug = f"{base}_{suffix}"
    return slug


# --- Plans ----------------------------------------------------------------------------------------------------------


def _level_label(level: int) -> str:
    if level == BUILD_LEVEL:
        return "Level 8: build phase (running volume rises week by week)"
    spec = walk_run_level(level)
    if level == CONTINUOUS_LEVEL:
        return f"Level {level}: run {CONTINUOUS_RUN_MIN[0]}–{CONTINUOUS_RUN_MIN[1]} min without stopping"
    return f"Level {level}: run {spec.run_min} min, walk {spec.walk_min} min × {spec.repeats}"


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
        ]
        labels = {
            "session_date": "Date of the session",
            "completed": "Finished the whole session",
            "pain_during_max": "Worst knee pain during the session (0–10)",
            "next_morning_pain": "Knee pain the next morning (0–10)",
            "next_morning_stiffness": "Knee stiffness the next morning (0–10)",
            "rpe": "How hard it felt (0–10)",
        }
        help_texts = {
            "next_morning_pain": "Leave empty if the patient has not had that morning yet.",
            "next_morning_stiffness": "Leave empty if the patient has not had that morning yet.",
            "rpe": "Optional. 0: nothing at all, 10: as hard as possible.",
            "duration_min": "Optional.",
            "distance_km": "Optional.",
        }
        widgets = {"session_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

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
        )

    def session_fields(self) -> dict:
        fields = dict(self.cleaned_data)
        fields.setdefault("pf_symptoms", [])
        return fields


# --- The patient's own log, in the portal -----------------------------------------------------------------------

PLEASE_ANSWER = "Please answer this question."
NO_PAIN, WORST_PAIN = "No pain", "Worst pain imaginable"


def _yes_no(label: str, yes: str = "Yes", no: str = "No", **options) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("true", yes), ("false", no)],
        coerce=lambda value: value == "true",
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": PLEASE_ANSWER},
        **options,
    )


def _zero_to_ten(label: str, ends: tuple[str, str], **options) -> forms.TypedChoiceField:
    field = forms.TypedChoiceField(
        label=label,
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": PLEASE_ANSWER, "invalid_choice": "Please choose a number from 0 to 10."},
        **options,
    )
    field.scale_ends = ends  # read by intake/fields/scale.html
    return field


def _big_buttons(form: forms.Form, *names: str) -> list[Field]:
    """The questionnaire's big touch targets: a row of 0–10 buttons, or one large box per answer."""
    return [
        Field(name, template=f"intake/fields/{'scale' if hasattr(form.fields[name], 'scale_ends') else 'choices'}.html")
        for name in names
    ]


class NextMorningForm(forms.Form):
    """How the knee is the morning after a session (reference §9.3: the next-morning check)."""

    next_morning_pain = _zero_to_ten("How much does your knee hurt this morning?", (NO_PAIN, WORST_PAIN))
    next_morning_stiffness = _zero_to_ten("How stiff is your knee this morning?", ("Not stiff", "As stiff as it gets"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*_big_buttons(self, "next_morning_pain", "next_morning_stiffness"))


class PortalSessionLogForm(forms.Form):
    """A session as the patient logs it on their phone, in a few taps (reference §9.4): every warning sign asked
    outright, never assumed; pelvic floor symptoms only after a birth; for a session of an earlier day, the morning
    after too."""

    completed = _yes_no("Did you do the whole session?", "Yes, all of it", "No, I stopped early or skipped parts")
    pain_during_max = _zero_to_ten("How much did your knee hurt at its worst?", (NO_PAIN, WORST_PAIN))
    pain_escalated = _yes_no("Did the pain get worse as you went on?")
    limp = _yes_no("Did you limp, or have to change the way you moved?")
    swelling = _yes_no("Is your knee swollen?")
    pf_symptoms = forms.MultipleChoiceField(
        label="Did you have any of these during or after?",
        choices=PF_SYMPTOM_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick any you had; leave them all empty if none.",
    )
    next_morning_pain = _zero_to_ten(
        "The morning after: how much did your knee hurt?", (NO_PAIN, WORST_PAIN), required=False
    )
    next_morning_stiffness = _zero_to_ten(
        "The morning after: how stiff was it?", ("Not stiff", "As stiff as it gets"), required=False
    )

    def __init__(self, *args, postpartum: bool, morning_after: bool, **kwargs):
        super().__init__(*args, **kwargs)
        names = ["completed", "pain_during_max", "pain_escalated", "limp", "swelling"]
        if postpartum:
            names.append("pf_symptoms")
        else:
            del self.fields["pf_symptoms"]
        if morning_after:
            names += ["next_morning_pain", "next_morning_stiffness"]
        else:
            del self.fields["next_morning_pain"], self.fields["next_morning_stiffness"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*_big_buttons(self, *names))

    def clean(self):
        cleaned = super().clean()
        morning = [cleaned.get(name) for name in ("next_morning_pain", "next_morning_stiffness") if name in self.fields]
        if morning.count(None) == 1:  # the traffic light needs both or neither (reference §9.3)
            for name in ("next_morning_pain", "next_morning_stiffness"):
                if cleaned.get(name) is None:
                    self.add_error(name, "Please answer this too, or leave both morning questions empty.")
        return cleaned

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


class HandoutRequestForm(forms.Form):
    """ "Print handout" on the plan page: the paper size (the clinic's default is chosen first)."""

    paper = forms.ChoiceField(label="Paper size", choices=Paper.choices, widget=forms.RadioSelect)


def is_database_id(number: int, model) -> bool:
    """True when `number` fits `model`'s primary key column. A bigger one names nothing, and passed to a query it
    overflows SQLite's integers (a server error), so callers leave it out or refuse it before any query."""
    low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    return low <= number <= high


class HandoutChoiceField(forms.ModelMultipleChoiceField):
    """The ticked handouts; a number beyond the database's ids is refused like a handout gone from the queue."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))  # as the primary key field reads it
            except ValueError:
                continue  # not a number: Django's own check refuses it
            if not is_database_id(number, self.queryset.model):
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super()._check_values(value)


class HandoutBatchForm(forms.Form):
    """The print queue's "Print together": the handouts ticked in the list, and the paper for all of them."""

    handouts = HandoutChoiceField(
        queryset=Handout.objects.none(),
        error_messages={
            "required": "Tick the handouts to print together.",
            "invalid_choice": "A ticked handout is no longer on your clinic's queue. Tick them again.",
            "invalid_pk_value": "A ticked handout is no longer on your clinic's queue. Tick them again.",
        },
    )
    paper = forms.ChoiceField(label="Paper size", choices=Paper.choices)

    def __init__(self, *args, handouts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handouts"].queryset = handouts.select_related("revision__plan__patient").defer(
            "revision__content", "revision__plan__content"
        )

    def selected_ids(self) -> set[str]:
        """The ticked handouts as the form's data has them, to keep them ticked when the page is shown again."""
        return {str(value) for value in (self["handouts"].value() or [])}
