"""Forms of printing: a plan's handout and a batch from the print queue."""

from django import forms
from django.db import connection

from plans.models import (
    Handout,
    Paper,
)


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
