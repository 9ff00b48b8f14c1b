"""Forms of the exercise library: the filters above the list and a clinic's own exercise."""

import json
import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms
from django.forms.fields import InvalidJSONInput

from clinic.models import StaffMember
from intake.codes import CATEGORY_LABELS, CONTRAINDICATIONS, Category
from plans.access import exercises_for_staff
from plans.library.exercises import MAX_SLUG
from plans.models import (
    KIND_CHOICES,
    RESERVED_SLUGS,
    Exercise,
)
from plans.rules import IMPACT_STEPS
from plans.selectors import SOURCE_CLINIC, SOURCE_SHIPPED

CATEGORY_CHOICES = [(str(code), label) for code, label in CATEGORY_LABELS.items() if code != Category.REFER]


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
        self.fields["kind"].choices = [("", "Choose the kind of exercise"), *KIND_CHOICES]
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
