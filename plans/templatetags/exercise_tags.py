from django import template
from django.utils.safestring import mark_safe

from plans.library.figures import render_figure

register = template.Library()


@register.simple_tag
def exercise_figure(exercise):
    """The exercise's line drawing as inline SVG, or nothing when it has none.

    Safe to embed: the figure data was validated when it was saved, and render_figure escapes every text in it
    and writes only numbers and fixed colours into attributes.
    """
    if not exercise.figure:
        return ""
    return mark_safe(render_figure(exercise.figure, title=exercise.name))  # noqa: S308 - escaped by render_figure
