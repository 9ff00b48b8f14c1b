"""The questionnaire's answer options, written in Python: a step shows up to a hundred of them, and the template
language took a third of the page's time over them (bench/load/profile_pages.py). Every value is escaped by
format_html, as the template escaped it."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def answer_options(field, knee=False):
    """One checkbox or radio button per answer of `field` (a bound field of a RadioSelect or a
    CheckboxSelectMultiple), each with its label; with `knee`, tied to its region of the knee drawing."""
    invalid = " is-invalid" if field.errors else ""
    options = format_html_join(
        "\n",
        '  <div class="form-check">\n'
        '    <input class="form-check-input{}" type="{}" name="{}" id="{}" value="{}"{}{}>\n'
        '    <label class="form-check-label" for="{}">{}</label>\n'
        "  </div>",
        (
            (
                invalid,
                option.data["type"],
                field.html_name,
                option.id_for_label,
                option.data["value"],
                format_html(' data-knee-region="{}"', option.data["value"]) if knee else "",
                " checked" if option.data["selected"] else "",
                option.id_for_label,
                option.choice_label,
            )
            for option in field
        ),
    )
    return format_html('<div class="intake-options">\n{}\n</div>', options)
