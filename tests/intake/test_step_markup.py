"""How a questionnaire step is drawn for the patient: every box and answer tied to its label, radio and check box
groups in a fieldset with a legend, each message beside its question and named by it (aria-describedby), and what
was typed or ticked kept when a message asks for another look. The intake's steps and the follow-up questionnaire
share the drawing (intake/_questions.html, intake/templatetags/intake_fields.py)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.forms import StepForm
from intake.models import Intake
from intake.questions import STEPS
from intake.templatetags.intake_fields import answer_options
from tests.intake.factories import SubmittedIntakeFactory, form_data

QUESTION_STEPS = [step.slug for step in STEPS if step.sections]


class _Elements(HTMLParser):
    """Every element of a page with its attributes, and the text inside each element that has an id."""

    VOID = {"input", "br", "img", "meta", "link", "path", "ellipse", "rect", "hr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, list[str]]] = []  # tag, attributes, tags of the open ancestors
        self.text_by_id: dict[str, str] = {}
        self._open: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attrs, [open_tag for open_tag, _ in self._open]))
        if "id" in attrs:
            self.text_by_id.setdefault(attrs["id"], "")
        if tag not in self.VOID:
            self._open.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag not in (open_tag for open_tag, _ in self._open):
            return  # e.g. the end of a self-closing <path/>
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _, attrs in self._open:
            if "id" in attrs:
                self.text_by_id[attrs["id"]] += data

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a, _ in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def one(self, tag: str, **attrs) -> dict:
        (found,) = self.find(tag, **attrs)
        return found

    def answers(self):
        """The inputs and text areas a patient fills in, with the tags around each."""
        return [
            (tag, attrs, ancestors)
            for tag, attrs, ancestors in self.elements
            if (tag == "input" and attrs.get("type") not in ("hidden", "submit")) or tag == "textarea"
        ]


@pytest.fixture
def draft(invite, unlock):
    unlock(invite)
    draft = Intake.objects.get(invite=invite)
    # The baby step too: every kind of question is on some step.
    services.intake_save_step(intake=draft, step="about", answers={"flow.postpartum_within_24m": True})
    return draft


def _page(client, url, data=None) -> _Elements:
    response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == 200
    return _Elements(response.content.decode())


@pytest.mark.parametrize("step", QUESTION_STEPS)
def test_every_answer_is_tied_to_its_label_and_each_group_has_a_legend(client, draft, step_url, step):
    page = _page(client, step_url(step))
    labelled = {attrs["for"] for attrs in page.find("label") if "for" in attrs}
    assert page.answers()
    for _tag, attrs, ancestors in page.answers():
        assert attrs["id"] in labelled, attrs
        if attrs.get("type") in ("radio", "checkbox"):
            assert "fieldset" in ancestors, attrs
    assert len(page.find("fieldset")) == len(page.find("legend"))
    for attrs in page.find("input") + page.find("textarea") + page.find("fieldset"):
        for described_by in attrs.get("aria-describedby", "").split():
            assert described_by in page.text_by_id, described_by


def test_a_message_is_shown_beside_its_box_and_named_by_it(client, draft, step_url):
    page = _page(client, step_url("about"), form_data({"patient.height_cm": "1700", "patient.weight_kg": "61"}))
    height = page.one("input", name="patient-height_cm")
    assert height["aria-invalid"] == "true" and "is-invalid" in height["class"].split()
    assert height["aria-describedby"].split() == ["id_patient-height_cm_helptext", "id_patient-height_cm_error"]
    assert page.text_by_id["id_patient-height_cm_error"].strip() == "Please enter a whole number from 120 to 220."
    assert "In centimetres" in page.text_by_id["id_patient-height_cm_helptext"]
    assert height["value"] == "1700"  # what was typed, to correct
    weight = page.one("input", name="patient-weight_kg")
    assert "aria-invalid" not in weight and weight["class"] == "form-control" and weight["value"] == "61"
    assert weight["aria-describedby"] == "id_patient-weight_kg_helptext"


def test_a_message_about_an_answer_list_is_named_by_its_fieldset(client, draft, step_url):
    page = _page(client, step_url("knee"), {**form_data({"intake.onset": "gradual"}), "move": "next"})
    side = page.one("fieldset", id="div_id_intake-side")
    assert side["aria-describedby"].split() == ["id_intake-side_error"] and "has-error" in side["class"].split()
    assert page.text_by_id["id_intake-side_error"].strip() == "Please answer this question."
    assert all("is-invalid" in attrs["class"] for attrs in page.find("input", name="intake-side"))
    onset = page.one("fieldset", id="div_id_intake-onset")
    assert "aria-describedby" not in onset
    assert [attrs["value"] for attrs in page.find("input", name="intake-onset") if "checked" in attrs] == ["gradual"]
    assert not any("is-invalid" in attrs["class"] for attrs in page.find("input", name="intake-onset"))


def test_what_was_typed_and_ticked_is_kept_when_a_message_asks_for_another_look(client, draft, step_url):
    note = "Hurts <b>after</b> hills & stairs"
    data = {
        **form_data({"intake.side": "left", "intake.symptom_weeks": "lots", "flow.note": note}, move="back"),
        "intake-pain_locations": ["around_kneecap", "back_of_knee"],
        "intake-fear_of_movement": "7",
    }
    response = client.post(step_url("knee"), data)
    html = response.content.decode()
    page = _Elements(html)
    assert page.one("input", name="intake-symptom_weeks")["value"] == "lots"
    assert "Please enter a whole number from 0 to 520." in page.text_by_id["id_intake-symptom_weeks_error"]
    ticked = [a["value"] for a in page.find("input", name="intake-pain_locations") if "checked" in a]
    assert ticked == ["around_kneecap", "back_of_knee"]
    assert [a["value"] for a in page.find("input", name="intake-side") if "checked" in a] == ["left"]
    assert [a["value"] for a in page.find("input", name="intake-fear_of_movement") if "checked" in a] == ["7"]
    assert page.text_by_id["id_flow-note"].strip() == note
    assert "Hurts &lt;b&gt;after&lt;/b&gt; hills &amp; stairs</textarea>" in html


def test_answers_saved_earlier_are_shown_chosen(client, draft, step_url):
    client.post(step_url("knee"), form_data({"intake.side": "both", "intake.symptom_weeks": "6"}, move="back"))
    page = _page(client, step_url("knee"))
    assert [a["value"] for a in page.find("input", name="intake-side") if "checked" in a] == ["both"]
    assert page.one("input", name="intake-symptom_weeks")["value"] == "6"


def test_an_answer_chosen_on_one_page_is_not_chosen_on_the_next():
    """The options' markup is kept between pages (per question): each page chooses its own."""
    knee = next(step for step in STEPS if step.slug == "knee")

    def chosen(data):
        form = StepForm(data, sections=knee.sections, questions=list(knee.questions), today=timezone.localdate())
        form.is_valid()
        options = _Elements(str(answer_options(form["intake-side"])))
        return [(a["value"], "checked" in a, "is-invalid" in a["class"]) for a in options.find("input")]

    assert chosen({"intake-side": "left"}) == [("left", True, False), ("right", False, False), ("both", False, False)]
    assert chosen({"intake-side": "right"}) == [("left", False, False), ("right", True, False), ("both", False, False)]
    assert chosen({"intake-side": "middle"}) == [("left", False, True), ("right", False, True), ("both", False, True)]


def test_the_follow_up_questionnaire_draws_its_questions_the_same_way(patient_client, patient, physio):
    SubmittedIntakeFactory(patient=patient)
    services.follow_up_schedule_set(
        patient=patient,
        by=physio,
        instruments=["nprs"],
        every_weeks=2,
        start=timezone.localdate(),
        safety_questions=True,
    )
    page = _page(patient_client, reverse("intake:questionnaire"), {})
    swelling = page.one("fieldset", id="div_id_intake-swelling_within_2h_of_injury")
    assert "has-error" in swelling["class"].split() and "id_intake-swelling_within_2h_of_injury_error" in (
        swelling["aria-describedby"].split()
    )
    assert page.text_by_id["id_intake-swelling_within_2h_of_injury_error"].strip() == "Please answer this question."
    for _tag, attrs, ancestors in page.answers():
        assert page.find("label", **{"for": attrs["id"]}) and "fieldset" in ancestors
