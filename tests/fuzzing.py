"""Property-based fuzzing with hypothesis: what the forms and the case harness are fed, and what every answer must
be. Derandomised (CI runs the same examples every time), no example database, a bounded number of examples.

A form is fed values drawn from its own fields (valid ones, the edges of their ranges, and junk: wrong types,
huge numbers, unicode, NUL characters, markup), fields left out and fields it does not know. The view must answer
without a server error, and a refused form must say which field is wrong: every error is keyed by a field.
"""

import json
import string
from datetime import date

from django import forms
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Forms go through the web views (a request each), so fewer examples than the pure tests.
FORMS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The case harness is plain Python: many more examples in the same time.
HARNESS = settings(FORMS, max_examples=300)

# Text as people and attackers type it: any character but lone surrogates (a browser cannot send those).
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
NASTY_TEXTS = (
    "\x00",
    "a\x00b",
    "9" * 400,
    "1e400",
    "-0",
    "NaN",
    "Infinity",
    "0x1f",
    "１２",  # full-width digits
    "٣",  # Arabic-Indic digit
    " 7 ",
    "7,5",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202eevil",
    "😀" * 30,
    "x" * 5000,
    "",
    " ",
)
junk = any_text | st.sampled_from(NASTY_TEXTS)
huge_int = st.integers(min_value=-(10**40), max_value=10**40)
# Any day Python knows, with its edges and the days around the clinic's own dates drawn more often.
EDGE_DAYS = (date.min, date.max, date(1900, 1, 1), date(2100, 12, 31), date(2024, 2, 29), date(2026, 12, 1))
any_day = st.sampled_from(EDGE_DAYS) | st.dates() | st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def json_values(draw, max_leaves=12):
    """Any JSON value Python's json reads: huge and special numbers, unicode (NUL too), nested lists and objects."""
    scalars = st.none() | st.booleans() | huge_int | st.floats(allow_nan=True, allow_infinity=True) | junk
    return draw(
        st.recursive(
            scalars,
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(junk, inner, max_size=4),
            max_leaves=max_leaves,
        )
    )


def _choice_values(field: forms.ChoiceField) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # an optgroup
            values.extend(str(inner) for inner, _ in label)
        else:
            values.append(str(value))
    return values


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y", "%Y%m%d")


def field_values(field: forms.Field) -> st.SearchStrategy:
    """Values a browser (or someone pretending to be one) could send for `field`: what the field offers or expects,
    its edges, and junk."""
    if isinstance(field, forms.MultipleChoiceField):
        values = _choice_values(field)
        return st.lists(st.sampled_from(values) | junk, max_size=len(values) + 2) if values else st.lists(junk)
    if isinstance(field, forms.ChoiceField):
        values = _choice_values(field)
        return (st.sampled_from(values) if values else junk) | junk
    if isinstance(field, forms.IntegerField | forms.FloatField | forms.DecimalField):
        numbers = huge_int | st.integers(-5, 300) | st.floats(allow_nan=True, allow_infinity=True)
        return numbers.map(str) | junk
    if isinstance(field, forms.DateField):
        return st.builds(lambda day, fmt: day.strftime(fmt), any_day, st.sampled_from(DATE_FORMATS)) | junk
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "true", "false", "1", "0", ""]) | junk
    if isinstance(field, forms.JSONField):
        return json_values().map(lambda value: json.dumps(value, ensure_ascii=False)) | junk
    limit = getattr(field, "max_length", None) or 200
    return st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=limit + 5) | junk


@st.composite
def post_data(draw, form: forms.Form, *, fixed=None, skip=()):
    """A form submission for `form`: every field may be left out or given any value from `field_values`, and a few
    fields it does not know may come along. `fixed` values are always sent as given."""
    names = [name for name, field in form.fields.items() if name not in skip and not isinstance(field, forms.FileField)]
    data = draw(st.fixed_dictionaries({}, optional={name: field_values(form.fields[name]) for name in names}))
    unknown_keys = st.text(alphabet=string.ascii_letters + "-_", min_size=1, max_size=12).filter(
        lambda key: key not in form.fields
    )
    data.update(draw(st.dictionaries(unknown_keys, junk, max_size=2)))
    data.update(fixed or {})
    return data


def assert_rejections_name_fields(form: forms.Form) -> None:
    """Every error of a refused form belongs to one of its fields, so the page can show it beside that field."""
    unkeyed = {name: errors for name, errors in form.errors.items() if name not in form.fields}
    assert not unkeyed, f"errors not keyed by a field: {unkeyed}"
    assert all(messages for messages in form.errors.values())


def rolled_back(run):
    """Run `run()` in a transaction that is rolled back afterwards, so each example starts from the same data."""
    with transaction.atomic():
        result = run()
        transaction.set_rollback(True)
    return result
