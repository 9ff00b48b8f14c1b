"""The questionnaire's answer options and boxes, written in Python: a step shows up to a hundred options, and drawing
them with the template language (or Django's widget templates, one per option) took most of the page's time
(bench/load/profile_pages.py). An option's markup is the same for every patient but for " checked" and " is-invalid",
so each option's four versions are escaped by format_html once per question, and a page picks one of them."""

from functools import lru_cache

from django import forms, template
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join

register = template.Library()

# One answer of a list (a check box or radio button and its label) and one button of a 0..10 scale.
LIST_OPTION = (
    '  <div class="form-check">\n'
    '    <input class="form-check-input{invalid}" type="{type}" name="{name}" id="{id}" value="{value}"'
    "{knee}{checked}>\n"
    '    <label class="form-check-label" for="{id}">{label}</label>\n'
    "  </div>"
)
SCALE_OPTION = (
    '    <input type="radio" class="btn-check" name="{name}" id="{id}" value="{value}"{checked}>\n'
    '    <label class="btn btn-outline-primary" for="{id}">{label}</label>'
)


@lru_cache(maxsize=1024)
def _option_markup(pattern: str, kind: str, name: str, auto_id: str, choices: tuple, knee: bool) -> tuple:
    """Each option of a question: its value, and its markup by (the question has a message, the option is chosen)."""
    return tuple(
        (
            str(value),
            {
                (invalid, checked): format_html(
                    pattern,
                    type=kind,
                    name=name,
                    id=f"{auto_id}_{index}",
                    value=value,
                    label=label,
                    knee=format_html(' data-knee-region="{}"', value) if knee else "",
                    invalid=" is-invalid" if invalid else "",
                    checked=" checked" if checked else "",
                )
                for invalid in (False, True)
                for checked in (False, True)
            },
        )
        for index, (value, label) in enumerate(choices)
    )


def _options(field, pattern: str, *, knee: bool = False):
    widget = field.field.widget
    chosen = set(widget.format_value(field.value()))
    invalid = bool(field.errors)
    kind = "checkbox" if widget.allow_multiple_selected else "radio"
    options = _option_markup(pattern, kind, field.html_name, field.auto_id, tuple(field.field.choices), knee)
    return format_html_join("\n", "{}", ((markup[invalid, value in chosen],) for value, markup in options))


@register.simple_tag
def answer_options(field, knee=False):
    """One checkbox or radio button per answer of `field` (a bound field of a RadioSelect or a
    CheckboxSelectMultiple), each with its label; with `knee`, tied to its region of the knee drawing."""
    return format_html('<div class="intake-options">\n{}\n</div>', _options(field, LIST_OPTION, knee=knee))


@register.simple_tag
def scale_options(field):
    """The radio buttons of a 0..10 rating, drawn as a row of buttons."""
    return _options(field, SCALE_OPTION)


@register.simple_tag
def answer_box(field):
    """The box of a number, date or text question with Bootstrap's look, marked invalid when it has a message, as
    Django's widget templates draw it (aria-invalid, and aria-describedby naming the hint and the message, come from
    the bound field); written here because those templates, three for each box, cost a step of boxes a third of its
    time."""
    widget = field.field.widget
    attrs = widget.build_attrs(
        widget.attrs, field.build_widget_attrs({"class": "form-control is-invalid" if field.errors else "form-control"})
    )
    attrs["id"] = field.auto_id
    value = widget.format_value(field.value())
    if isinstance(widget, forms.Textarea):
        return format_html('<textarea name="{}"{}>\n{}</textarea>', field.html_name, flatatt(attrs), value or "")
    shown = format_html(' value="{}"', value) if value is not None else ""
    return format_html('<input type="{}" name="{}"{}{}>', widget.input_type, field.html_name, shown, flatatt(attrs))
