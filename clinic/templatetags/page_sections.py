from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_section(context, section):
    """Render a section an app added to this page (clinic.page_sections) with the data the view read for it.

    Like {% include %}: the section's template sees the page's context (the user, the CSRF token) plus its own
    data, and autoescaping stays on.
    """
    section_template = context.template.engine.get_template(section.template)
    with context.push(section.data):
        return section_template.render(context)


@register.filter
def badges_of(badges: dict, patient_id: int) -> list:
    """The badges the apps added beside one patient of a list (clinic.page_sections.badges_for)."""
    return badges.get(patient_id, [])
