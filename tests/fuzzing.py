"""Property-based fuzzing with hypothesis: what the forms and the case harness are fed, and what every answer must
be. Derandomised (CI runs the same examples every time), no example database, a bounded number of examples.

A form is fed values drawn from its own fields (valid ones, the edges of their ranges, and junk: wrong types,
huge numbers, unicode, NUL characters, markup), fields left out and fields it does not know. The view must answer
without a server error, and a refused form must say which field is wrong: every error is keyed by a field.
"""

import copy
import json
import string
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import pytest
from django import forms
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import THOROUGH
from tests.html_forms import forms_on


def examples(count: int) -> int:
    """How many of a test's `count` examples this run tries: `make test` the first third (derandomised: always the
    same ones), so that it answers in a minute and a half; CI's PostgreSQL run (RUNBACK_THOROUGH) every one."""
    return count if THOROUGH else max(count // 3, 3)


# Forms go through the web views (a request each), so fewer examples than the pure tests.
FORMS = settings(
    max_examples=examples(30),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The case harness is plain Python: many more examples in the same time.
HARNESS = settings(FORMS, max_examples=examples(300))
# For the pages fuzzed since (their openers say `examples`): forms of a few fields, or whose every request rebuilds a
# plan or scores a questionnaire. Fewer examples keep `make test` within its time.
FEW_EXAMPLES = examples(8)

# Markup typed into any field: a page may show it back only escaped.
MARKUP = "<script>alert(1)</script>"
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
    MARKUP,
    "' OR 1=1 --",
    "\u202eevil",
    "😀" * 30,
    "x" * 5000,
    "",
    " ",
)
junk = any_text | st.sampled_from(NASTY_TEXTS)
# The edges of the databases' integers (a number past them names no row, and overflows SQLite), and beyond.
EDGE_INTS = (2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**40)
huge_int = st.sampled_from(EDGE_INTS) | st.integers(min_value=-(10**40), max_value=10**40)
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


@st.composite
def with_a_value_replaced(draw, documents):
    """One of `documents` (JSON objects and lists) with a value somewhere inside it, at any depth, replaced by any
    JSON value: a validator meets a wrong type where it expects a known one, not only at the top."""
    document = copy.deepcopy(draw(st.sampled_from(documents)))
    node = document
    while True:
        key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
        inner = node[key]
        if isinstance(inner, dict | list) and inner and draw(st.booleans()):
            node = inner
            continue
        node[key] = draw(json_values())
        return document


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
        low, high = field.min_value, field.max_value
        in_range = st.integers(int(low) - 1 if low is not None else -5, int(high) + 1 if high is not None else 300)
        numbers = in_range | huge_int | st.floats(allow_nan=True, allow_infinity=True)
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
def post_data(draw, form: forms.Form, *, extra: dict[str, st.SearchStrategy] | None = None):
    """A submission of `form` (as the page rendered it): every field may be left out or given any value from
    `field_values`, `extra` keys (the page's buttons) may come along, and so may a few keys the form does not know.
    File fields are left to the tests that send files."""
    fields = {name: field for name, field in form.fields.items() if not isinstance(field, forms.FileField)}
    optional = {name: field_values(field) for name, field in fields.items()} | (extra or {})
    data = draw(st.fixed_dictionaries({}, optional=optional))
    unknown_keys = st.text(alphabet=string.ascii_letters + "-_", min_size=1, max_size=12).filter(
        lambda key: key not in optional
    )
    data.update(draw(st.dictionaries(unknown_keys, junk, max_size=2)))
    return data


def assert_rejections_name_fields(form: forms.Form, *, except_messages=()) -> None:
    """Every error of a refused form belongs to one of its fields, so the page can show it beside that field (but for
    `except_messages`, answers that must not say which field is wrong)."""
    unkeyed = {
        name: [error for error in errors if error not in except_messages]
        for name, errors in form.errors.items()
        if name not in form.fields
    }
    unkeyed = {name: errors for name, errors in unkeyed.items() if errors}
    assert not unkeyed, f"errors not keyed by a field: {unkeyed}"
    assert all(messages for messages in form.errors.values())


@dataclass(frozen=True)
class Page:
    """A page with a form, as loaded once before fuzzing it: who sends it, where, its form and the values it showed,
    and `fuzz_form` options."""

    client: Client
    url: str
    form: forms.Form
    shown: dict
    options: dict


def pages(openers):
    """A fixture giving, one test each, the pages the `openers` open. An opener takes pytest's fixture getter and
    returns (client, url, `fuzz_form` options); it is named for the page (the test id). A form that posts to a URL
    of its own (POST only) is loaded from the page showing it: options `shown_at` (that page) and `form` (its name
    in the page's context, "form" unless said)."""

    @pytest.fixture(params=openers, ids=lambda opener: opener.__name__.strip("_"))
    def form_page(request):
        client, url, options = request.param(request.getfixturevalue)
        response = client.get(options.get("shown_at", url))
        form = response.context[options.get("form", "form")]
        # The page's form is the one sending most of the form's fields (the sign-out button is a form too).
        shown = max(forms_on(response.content.decode()), key=lambda values: len(values.keys() & form.fields.keys()))
        return Page(client, url, form, shown, options)

    return form_page


def fuzz_page(page: Page) -> None:
    """`fuzz_form` for as many examples as FORMS says, or as the page's opener says (option `examples`)."""

    @settings(FORMS, max_examples=page.options.get("examples", FORMS.max_examples))
    @given(data=st.data())
    def examples(data):
        fuzz_form(data, page)

    examples()


def fuzz_form(data, page: Page):
    """Send the page's form with values drawn for its fields (options: `extra` keys such as the page's buttons; with
    `keep_shown`, over the values the page showed, so a fuzzed field meets a form otherwise as sent). The answer must
    be a redirect within the site or the form again with every refusal keyed by a field (but for `except_messages`),
    never showing the markup it was sent as markup. Each example's writes are rolled back, and the client's cookies
    put back, so a sign-in or a new session in one example leaves the next as the page was loaded."""
    options = page.options
    values = {
        **(page.shown if options.get("keep_shown") else {}),
        **data.draw(post_data(page.form, extra=options.get("extra"))),
    }
    response = rolled_back_with_cookies(page.client, lambda: page.client.post(page.url, values))
    assert response.status_code in (200, 302), response.status_code
    assert MARKUP not in response.content.decode(errors="replace"), "markup sent back unescaped"
    if response.status_code == 200:
        form = response.context[options.get("form", "form")]
        assert_rejections_name_fields(form, except_messages=options.get("except_messages", ()))
    else:
        assert is_on_site(response.url), f"off-site: {response.url}"
    event("accepted" if response.status_code == 302 else "refused")
    return response


def is_on_site(url: str) -> bool:
    """True for an address within the site: a path, absolute or relative ("0" after signing in with next=0 is
    /accounts/login/0), never one a browser reads as another host."""
    url = url.lstrip("".join(map(chr, range(33))))  # browsers skip leading spaces and control characters
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.replace("\\", "/").startswith("//")


def rolled_back(run):
    """Run `run()` in a transaction that is rolled back afterwards, so each example starts from the same data."""
    with transaction.atomic():
        result = run()
        transaction.set_rollback(True)
    return result


def rolled_back_with_cookies(client: Client, run):
    """`rolled_back`, with the client's cookies put back too: the session a request starts (signing in cycles the
    session key) is rolled back with everything else, so the client goes on with the session it had."""
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    try:
        return rolled_back(run)
    finally:
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies[name] = value
