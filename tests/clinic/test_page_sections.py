"""The clinic's pages that the apps above fill in (clinic/page_sections.py)."""

from collections import defaultdict

import pytest
from django.urls import reverse

from clinic import page_sections


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(page_sections, "_sections", defaultdict(list))


def _nothing(**objects):
    return None


def _greeting(*, patient, member):
    return {"greeting": f"hello {patient}"}


def test_sections_come_in_the_order_they_were_added_with_their_data(empty_registry):
    page_sections.add_section("page", template="b.html", data=_greeting)
    page_sections.add_section("page", template="a.html", data=_greeting)
    shown = page_sections.sections_for("page", patient="Emma", member=None)
    assert [(s.template, s.data) for s in shown] == [
        ("b.html", {"greeting": "hello Emma"}),
        ("a.html", {"greeting": "hello Emma"}),
    ]


def test_a_section_with_nothing_for_this_user_is_left_out(empty_registry):
    page_sections.add_section("page", template="hidden.html", data=_nothing)
    assert page_sections.sections_for("page", patient="Emma", member=None) == []


def test_adding_a_section_twice_shows_it_once(empty_registry):
    for _ in range(2):
        page_sections.add_section("page", template="a.html", data=_greeting)
    assert len(page_sections.sections_for("page", patient="Emma", member=None)) == 1


def test_the_patient_page_has_each_apps_section_in_floor_order(physio_client, patient):
    html = physio_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    headings = ['id="intake-heading"', 'id="follow-ups-heading"', 'id="plans-heading"', 'id="portal-heading"']
    positions = [html.find(heading) for heading in headings]
    assert -1 not in positions and positions == sorted(positions)


def test_the_front_desk_gets_no_follow_up_section(desk_client, patient):
    html = desk_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert 'id="intake-heading"' in html and 'id="follow-ups-heading"' not in html
