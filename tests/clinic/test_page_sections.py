"""The clinic's pages that the apps above fill in (clinic/page_sections.py)."""

from collections import defaultdict
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils.html import format_html

from clinic import page_sections


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(page_sections, "_sections", defaultdict(list))


@pytest.fixture
def no_list_orders(monkeypatch):
    monkeypatch.setattr(page_sections, "_list_orders", [])


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


def _flag_badge(patient):
    return format_html('<span class="badge">{}</span>', patient.flag) if patient.flag else ""


def _note_badge(patient):
    return patient.note  # plain text, as a careless app might give


def test_list_badges_come_in_the_order_of_the_lists_orders_each_after_a_space(no_list_orders):
    page_sections.add_list_order(page_sections.ListOrder(order_by=("-rank",), badge=_flag_badge))
    page_sections.add_list_order(page_sections.ListOrder(order_by=("-count",), badge=_note_badge))
    patient = SimpleNamespace(flag="Urgent", note="2 new")
    assert page_sections.list_badges(patient) == ' <span class="badge">Urgent</span> 2 new'


def test_a_patient_without_badges_gets_none(no_list_orders):
    page_sections.add_list_order(page_sections.ListOrder(order_by=("-rank",), badge=_flag_badge))
    assert page_sections.list_badges(SimpleNamespace(flag="")) == ""


def test_a_list_badge_given_as_plain_text_is_escaped_and_one_given_as_html_is_not(no_list_orders):
    page_sections.add_list_order(page_sections.ListOrder(order_by=("-rank",), badge=_flag_badge))
    page_sections.add_list_order(page_sections.ListOrder(order_by=("-count",), badge=_note_badge))
    patient = SimpleNamespace(flag="<b>x</b>", note="<script>alert(1)</script>")
    assert page_sections.list_badges(patient) == (
        ' <span class="badge">&lt;b&gt;x&lt;/b&gt;</span> &lt;script&gt;alert(1)&lt;/script&gt;'
    )


def test_adding_a_list_order_twice_orders_and_badges_once(no_list_orders):
    for _ in range(2):
        page_sections.add_list_order(page_sections.ListOrder(order_by=("-rank",), badge=_flag_badge))
    assert page_sections.list_badges(SimpleNamespace(flag="Urgent")) == ' <span class="badge">Urgent</span>'
