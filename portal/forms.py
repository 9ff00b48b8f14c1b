"""Forms of the patient's portal: logging a session and the next morning's check, in big, thumb-sized choices; a
message in the conversation between the patient and their clinic; and the patient's e-mail choices."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms

from plans.models import PF_SYMPTOM_CHOICES, SESSION_COMMENT_MAX_LENGTH
from portal.models import MESSAGE_MAX_LENGTH

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


def _pelvic_floor_symptoms(label: str) -> forms.MultipleChoiceField:
    """The pelvic floor question, asked after a birth only (reference §9.4 pf_symptoms)."""
    return forms.MultipleChoiceField(
        label=label,
        choices=PF_SYMPTOM_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick any you had; leave them all empty if none.",
    )


class NextMorningForm(forms.Form):
    """How the knee is the morning after a session (reference §9.3: the next-morning check); after a birth, the pelvic
    floor too (§8 RF19: symptoms during or after running)."""

    next_morning_pain = _zero_to_ten("How much does your knee hurt this morning?", (NO_PAIN, WORST_PAIN))
    next_morning_stiffness = _zero_to_ten("How stiff is your knee this morning?", ("Not stiff", "As stiff as it gets"))
    pf_symptoms = _pelvic_floor_symptoms("Since the session, have you had any of these?")

    def __init__(self, *args, postpartum: bool, **kwargs):
        super().__init__(*args, **kwargs)
        names = ["next_morning_pain", "next_morning_stiffness"]
        if postpartum:
            names.append("pf_symptoms")
        else:
            del self.fields["pf_symptoms"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*_big_buttons(self, *names))


class PortalSessionLogForm(forms.Form):
    """A session as the patient logs it on their phone, in a few taps (reference §9.4): every warning sign asked
    outright, never assumed; pelvic floor symptoms only after a birth; for a session of an earlier day, the morning
    after too."""

    completed = _yes_no("Did you do the whole session?", "Yes, all of it", "No, I stopped early or skipped parts")
    pain_during_max = _zero_to_ten("How much did your knee hurt at its worst?", (NO_PAIN, WORST_PAIN))
    pain_escalated = _yes_no("Did the pain get worse as you went on?")
    limp = _yes_no("Did you limp, or have to change the way you moved?")
    swelling = _yes_no("Is your knee swollen?")
    pf_symptoms = _pelvic_floor_symptoms("Did you have any of these during or after?")
    next_morning_pain = _zero_to_ten(
        "The morning after: how much did your knee hurt?", (NO_PAIN, WORST_PAIN), required=False
    )
    next_morning_stiffness = _zero_to_ten(
        "The morning after: how stiff was it?", ("Not stiff", "As stiff as it gets"), required=False
    )
    comment = forms.CharField(
        label="Anything else to tell your physiotherapist? (optional)",
        required=False,
        max_length=SESSION_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="They read it with your session. For a question you'd like answered, send them a message.",
        error_messages={
            "max_length": "Please keep this under %(limit_value)d characters (it has %(show_value)d): "
            "send the rest as a message."
        },
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
        self.helper.layout = Layout(*_big_buttons(self, *names), Field("comment"))

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


class MessageForm(forms.Form):
    """A message, plain text. No `maxlength` on the box: a message pasted in too long is refused with its length
    and kept whole, never cut short by the browser without a word."""

    body = forms.CharField(
        label="Your message",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Plain text, up to {MESSAGE_MAX_LENGTH:,} characters.",
        error_messages={"required": "Write your message first: there is nothing to send yet."},
    )

    def __init__(self, *args, label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["body"].label = label

    def clean_body(self):
        body = self.cleaned_data["body"]
        if len(body) > MESSAGE_MAX_LENGTH:
            raise forms.ValidationError(
                f"Please keep a message under {MESSAGE_MAX_LENGTH:,} characters (this one has {len(body):,}): "
                "send the rest in a second message."
            )
        return body


class PortalPreferencesForm(forms.Form):
    """The e-mails a patient chooses to get; each says only that something waits, never anything about their
    health."""

    email_reminders = _yes_no(
        "Reminders",
        "On: remind me by e-mail",
        "Off: no reminders",
        help_text="On the morning of each day with a session in your plan, and when a questionnaire is ready.",
    )
    email_notices = _yes_no(
        "Messages and plan changes",
        "On: tell me by e-mail",
        "Off: I'll look in the portal",
        help_text="When your physiotherapist sends you a message, shares your plan or changes it.",
    )
