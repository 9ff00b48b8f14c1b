from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms

from clinic.models import Patient, PatientStatus, StaffMember
from clinic.selectors import SCOPE_CLINIC, SCOPE_MINE


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["first_name", "last_name", "date_of_birth", "sex_at_birth", "email", "phone", "physio"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"email": "Intake invitations and reminders go to this address."}

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.clinic = clinic
        self.fields["physio"].queryset = (
            StaffMember.objects.physiotherapists().filter(clinic=clinic).select_related("user")
        )
        self.fields["physio"].empty_label = "Not yet assigned"
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
            Submit("save", "Save patient"),
        )


class PatientFilterForm(forms.Form):
    """The search box and filters above a patient list. Invalid values are ignored, never an error page."""

    q = forms.CharField(label="Search by name", required=False, max_length=80)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *PatientStatus.choices])
    scope = forms.ChoiceField(
        label="Whose patients",
        required=False,
        choices=[(SCOPE_MINE, "My patients"), (SCOPE_CLINIC, "Whole clinic")],
    )
