from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordMixin
from django.utils.html import format_html

from clinic.data_rights import DataRightsAction, DataRightsReason
from clinic.models import AuditAction, Patient, PatientStatus, SexAtBirth, StaffMember
from clinic.phones import PHONE_REFUSED, InvalidPhoneNumber, normalise_phone
from clinic.selectors import SCOPE_CHOICES, possible_duplicates


class PhoneField(forms.CharField):
    """A phone number, written one way (clinic.phones) whatever way it was typed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.update({"type": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return normalise_phone(value)
        except InvalidPhoneNumber:
            raise forms.ValidationError(PHONE_REFUSED) from None


class PatientForm(forms.ModelForm):
    phone = PhoneField(required=False)
    different_person = forms.BooleanField(
        label="This is a different person: add them anyway",
        required=False,
        help_text="Tick this only after checking the records listed above.",
    )

    class Meta:
        model = Patient
        fields = ["first_name", "last_name", "date_of_birth", "sex_at_birth", "email", "phone", "physio"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"email": "Intake invitations and reminders go to this address."}

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.clinic = clinic
        self.clinic = clinic
        self.duplicates: list[Patient] = []
        self.fields["physio"].queryset = (
            StaffMember.objects.physiotherapists().filter(clinic=clinic).select_related("user")
        )
        self.fields["physio"].empty_label = "Not yet assigned"
        self.fields["sex_at_birth"].choices = [("", "Choose"), *SexAtBirth.choices]
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(
                Div("first_name", css_class="col-md-6"),
                Div("last_name", css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div("date_of_birth", css_class="col-md-6"),
                Div("sex_at_birth", css_class="col-md-6"),
                css_class="row",
            ),
            Div(Div("email", css_class="col-md-6"), Div("phone", css_class="col-md-6"), css_class="row"),
            Field("physio"),
        )
        self.helper.form_tag = False  # the page adds the possible duplicates, with `different_person`, and the button

    def clean(self):
        """A patient who may already be on record (the same name and date of birth, the same e-mail address or
        phone number) is not added twice by mistake: the possible records are listed, with a box to tick when this
        really is someone else."""
        cleaned = super().clean()
        self.duplicates = possible_duplicates(
            clinic=self.clinic,
            first_name=cleaned.get("first_name", ""),
            last_name=cleaned.get("last_name", ""),
            date_of_birth=cleaned.get("date_of_birth"),
            email=cleaned.get("email", ""),
            phone=cleaned.get("phone", ""),
            exclude=self.instance.pk,
        )
        if self.duplicates and not cleaned.get("different_person"):
            # Beside the box, inside the list of records (said once, where the choice is made).
            self.add_error(
                "different_person", "Open the record above if it is this patient, or tick the box to add them anyway."
            )
        return cleaned

    def patient_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "different_person"}


class PatientFilterForm(forms.Form):
    """The search box and filters above a patient list. Invalid values are ignored, never an error page."""

    q = forms.CharField(label="Search by name, date of birth, e-mail or phone", required=False, max_length=80)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *PatientStatus.choices])
    scope = forms.ChoiceField(
        label="Whose patients",
        required=False,
        choices=SCOPE_CHOICES,
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "All actions"), *AuditAction.choices])


class DataRightsForm(forms.Form):
    """Anonymise or erase a patient's record: what to do, why, and the patient's full name typed to confirm."""

    action = forms.ChoiceField(label="What to do", choices=DataRightsAction.choices, widget=forms.RadioSelect)
    reason = forms.ChoiceField(label="Reason", choices=[("", "Choose the reason…"), *DataRightsReason.choices])
    confirm_name = forms.CharField(label="The patient's full name", max_length=170, strip=True)

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        if patient.is_anonymised:
            self.fields["action"].choices = [(DataRightsAction.ERASE, DataRightsAction.ERASE.label)]
        # crispy-forms prints help text as HTML, and front desk staff choose the name: escape it.
        self.fields["confirm_name"].help_text = format_html("Type “{}” to confirm.", patient.full_name)
        self.fields["confirm_name"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "action", "reason", "confirm_name", StrictButton("Carry it out", type="submit", css_class="btn btn-danger")
        )

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"]
        if _comparable(typed) != _comparable(self.patient.full_name):
            raise forms.ValidationError(
                "That isn't the patient's name as recorded. Type it exactly as shown.", code="name_mismatch"
            )
        return typed


def _comparable(name: str) -> str:
    """A name as a person might type it: case and repeated spaces don't matter."""
    return " ".join(name.split()).casefold()


class PortalAccountForm(SetPasswordMixin, forms.Form):
    """The patient's own portal account, offered after the intake: the e-mail address they sign in with (the
    record's, to start with) and a password that passes the site's password rules."""

    email = forms.EmailField(label="E-mail address", help_text="You sign in with this address. Reminders go to it too.")
    new_password1, new_password2 = SetPasswordMixin.create_password_fields(
        label1="Choose a password", label2="The same password again"
    )

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("email", "new_password1", "new_password2")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "This e-mail address already belongs to a Runback account: sign in with it, or use another address."
            )
        return email

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        # The rules judge the password against the account it will belong to (not too like the name or address).
        person = get_user_model()(
            email=self.cleaned_data.get("email", ""),
            first_name=self.patient.first_name,
            last_name=self.patient.last_name,
        )
        self.validate_password_for_user(person, "new_password2")
        return super().clean()
