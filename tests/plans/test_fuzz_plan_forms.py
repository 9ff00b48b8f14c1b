"""Fuzzing the plan's forms through their pages: the draft editor (its settings, the programme's rows and the exercise
to add, with any of its buttons pressed), the session log, printing a handout and printing several together, and the
print queue's filters and live status. No server error, and every refusal is keyed by the field it is about.
(tests/fuzzing.py says what is sent.)"""

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from plans import services
from plans.forms import OutcomesFilterForm
from tests.fuzzing import (
    FEW_EXAMPLES,
    FORMS,
    assert_rejections_name_fields,
    fuzz_page,
    huge_int,
    junk,
    pages,
    post_data,
    rolled_back,
)
from tests.html_forms import forms_on
from tests.plans.handout_factories import stored_handout
from tests.plans.plan_factories import TODAY, draft_plan, issued_plan, postpartum_answers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]


def _session_log(fixture):
    """After a birth, so the pelvic floor questions are on the form too."""
    plan = issued_plan(fixture("patient"), answers=postpartum_answers(20))
    return fixture("physio_client"), reverse("plans:log_create", args=[plan.patient_id, plan.pk]), {}


def _printing_a_handout(fixture):
    """The plan page's "Print handout" (it posts to a URL of its own)."""
    plan = issued_plan(fixture("patient"))
    shown_at = reverse("plans:detail", args=[plan.patient_id, plan.pk])
    options = {"shown_at": shown_at, "form": "handout_form", "examples": FEW_EXAMPLES}
    return fixture("desk_client"), reverse("handouts:request", args=[plan.patient_id, plan.pk]), options


def _printing_handouts_together(fixture):
    """The print queue's "Print together", ticking the clinic's handouts, forged ids and numbers beyond any id."""
    revision = issued_plan(fixture("patient")).current_revision
    ids = [str(stored_handout(revision, paper=paper).pk) for paper in ("a4", "letter")]
    ticks = st.lists(st.sampled_from(ids) | junk | huge_int.map(str), max_size=4)
    return fixture("desk_client"), reverse("handouts:queue"), {"extra": {"handouts": ticks}, "examples": FEW_EXAMPLES}


def _resuming_after_a_hold(fixture):
    """The plan page's "Resume running and impact", on a plan held after a logged leak (reference §8 RF19)."""
    plan = issued_plan(fixture("patient"), answers=postpartum_answers(20))
    services.session_log_create(
        plan=plan, by=fixture("patient").user, session_date=plan.start, pain_during_max=1, pf_symptoms=["leak"]
    )
    shown_at = reverse("plans:detail", args=[plan.patient_id, plan.pk])
    options = {"shown_at": shown_at, "form": "resume_form", "examples": FEW_EXAMPLES}
    return fixture("physio_client"), reverse("plans:resume", args=[plan.patient_id, plan.pk]), options


form_page = pages([_session_log, _printing_a_handout, _printing_handouts_together, _resuming_after_a_hold])


def test_form(form_page):
    fuzz_page(form_page)


@pytest.fixture
def editor(physio_client, patient):
    """The draft editor as loaded: its URL, its forms and the values it would send."""
    plan = draft_plan(patient)
    url = reverse("plans:draft", args=[plan.patient_id, plan.pk])
    response = physio_client.get(url)
    shown = next(values for values in forms_on(response.content.decode()) if "version" in values)
    return url, response.context, shown


@FORMS
@given(data=st.data())
def test_plan_draft_editor(data, physio_client, editor):
    """The editor's form as shown, with its settings, the exercise to add and one programme row changed, and any
    button pressed: save, add, or remove or move a row (forged exercise codes too)."""
    url, page, shown = editor
    rows = page["rows"].forms
    row = data.draw(st.sampled_from(rows))
    codes = [form["code"].value() for form in rows]
    action = st.sampled_from(["save", "add"]) | st.builds(
        "{}:{}".format, st.sampled_from(["remove", "up", "down"]), st.sampled_from(codes) | junk
    )
    values = {
        **shown,
        **data.draw(post_data(page["settings"])),
        **data.draw(post_data(page["adder"])),
        **{f"{row.prefix}-{name}": value for name, value in data.draw(post_data(row)).items()},
        **data.draw(st.fixed_dictionaries({}, optional={"action": action | junk})),
    }
    response = rolled_back(lambda: physio_client.post(url, values))
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        context = response.context
        for form in (context["settings"], context["adder"], *context["rows"].forms):
            assert_rejections_name_fields(form)
        assert not context["rows"].non_form_errors()
        assert not context["programme_errors"], context["programme_errors"]


@settings(FORMS, max_examples=FEW_EXAMPLES)
@given(data=st.data())
def test_print_queue_filters_and_live_status_ignore_what_they_do_not_understand(data, desk_client, patient):
    ids = st.lists(huge_int.map(str) | junk, max_size=4).map(",".join)
    filters = data.draw(st.fixed_dictionaries({}, optional={"status": junk, "page": st.text(max_size=10)}))
    status = data.draw(st.fixed_dictionaries({}, optional={"handouts": ids, "batches": ids}))
    assert rolled_back(lambda: desk_client.get(reverse("handouts:queue"), filters)).status_code == 200
    assert rolled_back(lambda: desk_client.get(reverse("handouts:queue_status"), status)).status_code == 200


@settings(FORMS, max_examples=FEW_EXAMPLES)
@given(data=st.data())
def test_outcome_filters_answer_anything_with_the_figures_or_a_message(data, physio_client, physio, patient):
    """The outcomes page and its table: any filter values give the figures, or the page (200) with each refusal
    beside its field and the table a 400 that says why; never a server error."""
    form = OutcomesFilterForm(physios=[physio], today=TODAY)
    query = data.draw(post_data(form))
    response = rolled_back(lambda: physio_client.get(reverse("plans:outcomes"), query))
    assert response.status_code == 200
    refused = response.context["form"]
    if "outcomes" not in response.context:
        assert refused.errors
        assert_rejections_name_fields(refused)
    download = rolled_back(lambda: physio_client.get(reverse("plans:outcomes_csv"), query))
    assert download.status_code == (400 if refused.errors else 200)
    if refused.errors:
        assert download.content.decode().startswith("The table was not made: a filter could not be used.")
