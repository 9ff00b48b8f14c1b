"""The PDF handout: what a patient reads, checked in the rendered PDF, and that typed text never becomes markup."""

import base64
import io
import re
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from PIL import Image

from intake.codes import CAUSE_PATIENT_LABELS, CAUSES, Cause
from plans.handouts.content import (
    TEMPLATE,
    Dose,
    HandoutError,
    dose_rows,
    logo_src,
    render_handout,
    render_handouts,
    run_text,
    schedule_pages,
    week_running_minutes,
)
from plans.handouts.pdf import RenderedPdf
from plans.handouts.samples import sample_handout_context
from tests.plans import handout_data
from tests.plans.handout_data import HOSTILE, squeeze
from tests.plans.pdftext import pdf_fonts, pdf_images, pdf_info, pdf_pages


def short_date(day: date) -> str:
    return f"{day.day} {day:%b}"


@pytest.fixture(scope="module")
def handout():
    """The sample 12-week handout on A4, rendered once for the tests that read it."""
    context = handout_data.context()
    rendered = render_handout(context)
    return context, rendered, pdf_pages(rendered.pdf)


# --- the rendered PDF -----------------------------------------------------------------------------------------------


def test_handout_page_count_matches_the_pdf_and_every_footer(handout):
    _, rendered, pages = handout
    assert rendered.page_count == len(pages) == int(pdf_info(rendered.pdf)["Pages"])
    assert rendered.page_count >= 6  # cover, about, schedule, pain guide and at least two pages of cards
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


def test_handout_fetches_nothing_and_embeds_only_the_bundled_fonts(handout):
    _, rendered, _ = handout
    # The stylesheet and its fonts are loaded once, apart; the only URLs asked for are our own drawings (the chart and
    # the six figures), as data: URLs of <img> elements.
    assert (rendered.fetched, rendered.refused) == (("data:image/svg+xml;base64,…",) * 7, ())
    assert pdf_fonts(rendered.pdf) == {
        "Source-Sans-3,",  # regular
        "Source-Sans-3-Italic",
        "Source-Sans-3-Semi-Bold",
        "Source-Sans-3-Bold",
    }


def test_handout_pdf_is_titled_for_the_patient_and_signed_by_the_clinic(handout):
    _, rendered, _ = handout
    info = pdf_info(rendered.pdf)
    assert (info["Title"], info["Author"]) == ("Return-to-running plan for Emma Clarke", "Riverside Physio")


def test_handout_cover_names_patient_clinic_physio_dates_and_revision(handout):
    _, _, pages = handout
    cover = pages[0]
    for text in (
        "Emma Clarke",
        "Riverside Physio",
        "Alice Morgan",
        "Registration PH123456",
        "Wednesday 2 December 2026",
        "Tuesday 23 February 2027",
        "1 December 2026 · revision 2",
        "Call us on 020 7946 0001",
    ):
        assert text in cover


# Each entry of the cover's contents, and the heading its part begins with.
CONTENTS_HEADINGS = {
    "Why your knee hurts, and how the plan works": "Why your knee hurts",
    "Your week-by-week schedule": "Your week-by-week schedule",
    "Good to know": "Good to know",
    "How to listen to your knee: the pain traffic light": "How to listen to your knee: the pain traffic light",
    "When to stop and contact us": "Stop and contact us if",
    "Your exercises, one card each": "Your exercises",
}


def contents_pages(cover: str) -> dict[str, int]:
    """The cover's contents as printed: each entry's title and the page it says."""
    return {title: int(page) for title, page in re.findall(r"\d\. (.+?) page (\d+)", cover)}


def assert_contents_give_the_pages_where_parts_begin(pages: list[str], titles: list[str]) -> None:
    printed = contents_pages(pages[0])
    assert list(printed) == titles
    for title, number in printed.items():
        heading = CONTENTS_HEADINGS[title]
        assert heading in pages[number - 1]
        assert not any(heading in page for page in pages[1 : number - 1])


def test_handout_contents_give_the_page_each_part_begins_on(handout):
    _, _, pages = handout
    titles = [title for title in CONTENTS_HEADINGS if title != "Good to know"]  # the sample plan has no notes
    assert_contents_give_the_pages_where_parts_begin(pages, titles)


def test_contents_on_letter_paper_list_the_plan_notes_where_they_begin():
    notes = ["Keep your runs on flat ground for now.", "Bring your running shoes to your next appointment."]
    pages = pdf_pages(
        render_handout(handout_data.context(plan={**handout_data.plan(), "notes": notes}, paper="letter")).pdf
    )
    assert_contents_give_the_pages_where_parts_begin(pages, list(CONTENTS_HEADINGS))


def test_each_booklet_printed_together_gives_its_own_page_numbers():
    short, notes = handout_data.plan(weeks=4), ["Keep your runs on flat ground for now."]
    contexts = [
        handout_data.context(plan={**short, "notes": notes}, anchor_prefix="h1-"),
        handout_data.context(plan=short, patient_name="Hannah Okafor", anchor_prefix="h2-"),
    ]
    pages = pdf_pages(render_handouts(contexts, title="Two handouts").pdf)
    second = next(number for number, page in enumerate(pages) if "Hannah Okafor" in page)
    assert_contents_give_the_pages_where_parts_begin(pages[:second], list(CONTENTS_HEADINGS))
    assert_contents_give_the_pages_where_parts_begin(
        pages[second:], [title for title in CONTENTS_HEADINGS if title != "Good to know"]
    )


def test_handout_pages_after_the_cover_carry_the_running_header_and_footer(handout):
    _, _, pages = handout
    assert "Riverside Physio · Emma Clarke" not in pages[0]
    for page in pages[1:]:
        assert page.startswith("Riverside Physio · Emma Clarke")
        assert "Return-to-running plan · revision 2 · issued 1 December 2026" in page


def test_handout_explains_the_condition_and_each_confirmed_cause(handout):
    _, _, pages = handout
    why = squeeze(pages[1])
    assert squeeze("Runner's knee: pain around the kneecap.") in why
    for cause in (Cause.HIP_MUSCLE_WEAKNESS, Cause.TRAINING_LOAD_ERROR):
        assert squeeze(f"{CAUSE_PATIENT_LABELS[cause]}. {CAUSES[cause].plain}") in why


def test_handout_schedule_is_one_page_from_the_first_to_the_last_week(handout):
    context, _, pages = handout
    first, last = context["plan_start"], context["plan_end"]
    first_week = [short_date(first + timedelta(days=n)) for n in range(7)]
    last_week = [short_date(last - timedelta(days=n)) for n in range(6, -1, -1)]
    assert (first_week[0], first_week[-1], last_week[0], last_week[-1]) == ("2 Dec", "8 Dec", "17 Feb", "23 Feb")
    [schedule] = [page for page in pages if "Week 1 " in page and "Week 12 " in page]
    for day in [*first_week, *last_week]:
        assert f" {day} " in schedule


def test_handout_schedule_cells_say_what_to_do(handout):
    context, _, pages = handout
    rows = context["schedule"]
    cells = {
        (row["number"], cell["date"].isoformat()): (cell["mark"], cell["title"], cell["details"], cell["cards"])
        for row in rows
        for cell in row["days"]
    }
    assert cells[(1, "2026-12-02")] == ("S", "Exercises", [], "1 2 3 4 5")
    assert cells[(1, "2026-12-03")] == ("C", "Exercise bike", ["30 min"], "")
    assert cells[(3, "2026-12-17")] == ("J", "Jumps", [], "6")
    assert cells[(5, "2026-12-31")] == ("R", "Level 1", ["5 rounds of", "walk 5 + run 1"], "")
    assert cells[(9, "2027-01-28")] == ("R", "Run 20 min", ["non-stop"], "")
    assert cells[(11, "2027-02-11")] == ("R", "Run 36 min", [], "")
    assert cells[(12, "2027-02-23")] == ("", "Rest", [], "")
    assert [(row["number"], row["phase"], row["starts_phase"]) for row in rows[3:5]] == [
        (4, "Getting ready for impact", False),
        (5, "Walk and run", True),
    ]
    # and the PDF prints them (pdftotext reads a table line by line across cells, so piece by piece)
    [schedule] = [page for page in pages if "Week 12 " in page]
    for text in ("S Exercises", "Cards 1 2 3 4 5", "C Exercise", "J Jumps", "Cards 6", "R Level 1", "5 rounds of",
                 "walk 5 + run 1", "R Run 20 min", "non-stop", "R Run 36 min", "Rest"):  # fmt: skip
        assert text in schedule
    assert "– Rest" not in schedule  # a rest day says so in one word


def test_the_handout_prints_no_codes_for_levels_or_weeks(handout):
    """Patients read plain words: the ladder's levels and the chart's weeks are never "L7" or "W3" codes."""
    context, _, pages = handout
    for page in pages:
        assert not re.search(r"\b[LW]\d", page), page
    # the running chart's axis is a picture: its labels are read from the drawing itself
    chart = base64.b64decode(context["minutes_chart"]["src"].removeprefix("data:image/svg+xml;base64,")).decode()
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    assert "Week 1" in labels and "12" in labels
    assert not any(re.fullmatch(r"[LW]\d+", label) for label in labels)


def test_handout_has_one_card_per_exercise_never_split_across_pages(handout):
    context, _, pages = handout
    cards = context["exercise_cards"]
    assert [card["code"] for card in cards] == list(handout_data.CARD_SLUGS)
    card_pages = []
    for card in cards:
        [page] = [page for page in pages if card["name"] in page]
        # the whole card is on that page: its dose table and its last instruction
        assert squeeze(card["doses"][0]["dose"]) in squeeze(page)
        assert squeeze(card["instructions"][-1]) in squeeze(page)
        card_pages.append(pages.index(page))
    assert len(set(card_pages)) >= 2  # the cards do run over several pages, so page breaks were chosen


def card_pages(context: dict, pages: list[str]) -> list[list[int]]:
    """The numbers of the cards each page of cards holds (a card's last step is on exactly one page)."""
    on_page = [[] for _ in pages]
    for card in context["exercise_cards"]:
        [index] = [i for i, page in enumerate(pages) if squeeze(card["instructions"][-1]) in squeeze(page)]
        on_page[index].append(card["number"])
    return [numbers for numbers in on_page if numbers]


def test_handout_packs_the_cards_two_side_by_side(handout):
    context, rendered, pages = handout
    # six cards, two side by side: two rows on the first page of cards, the third row on the last page
    assert card_pages(context, pages) == [[1, 2, 3, 4], [5, 6]]
    assert rendered.page_count == 6  # was 7 with one card across the page
    assert [len(row) for row in context["card_rows"]] == [2, 2, 2]


@cache
def sample_booklet(paper: str, *, postpartum: bool = False) -> tuple[dict, RenderedPdf, list[str]]:
    """The 12-week sample handout built from the shipped library, its PDF and its pages' text: rendered once for
    every test of the module that reads it."""
    context = sample_handout_context(paper=paper, today=date(2026, 12, 6))
    context["postpartum"] = postpartum
    rendered = render_handout(context)
    return context, rendered, pdf_pages(rendered.pdf)


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_sample_booklet_has_no_page_with_a_lone_card(paper):
    """The 12-week sample built from the shipped library (eight exercises): every page of cards holds at least two."""
    context, rendered, pages = sample_booklet(paper)
    assert len(context["exercise_cards"]) == 8
    held = card_pages(context, pages)
    assert all(len(numbers) >= 2 for numbers in held)
    assert sum(map(len, held)) == 8
    # was 8 on A4 and 9 on Letter, with the safety box alone on a page
    assert rendered.page_count == {"a4": 7, "letter": 9}[paper]


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("postpartum", [False, True], ids=["", "postpartum"])
def test_safety_box_is_never_alone_on_a_page(paper, postpartum):
    """The "Stop and contact us" box stays with the pain traffic light it ends: when the two don't fit on one page, the
    red light goes over with it. On Letter, the sample's box used to go over alone (the first row of cards does not
    fit under it), and the after-birth warning signs make it taller still."""
    _, _, pages = sample_booklet(paper, postpartum=postpartum)
    [safety] = [page for page in pages if "Stop and contact us if" in page]
    assert "Red: stop and step back" in safety
    assert ("After having your baby, also if" in safety) is postpartum  # the whole box on that page
    assert "In an emergency call 999" in safety


def test_handout_card_gives_the_dose_week_by_week(handout):
    context, _, pages = handout
    wall_sit = next(card for card in context["exercise_cards"] if card["code"] == "wall_sit")
    assert wall_sit["doses"] == [
        {"weeks": "Weeks 1–4", "dose": "2 sets × 20 s hold", "how_often": "3 times a week"},
        {"weeks": "Weeks 5–12", "dose": "3 sets × 30 s hold", "how_often": "2 times a week"},
    ]
    [page] = [page for page in pages if "Wall sit" in page]
    for line in ("Weeks 1–4: 2 sets × 20 s hold, 3 times a week", "Weeks 5–12: 3 sets × 30 s hold, 2 times a week"):
        assert squeeze(line) in squeeze(page)


def test_handout_pain_guide_and_safety_box_give_the_rules_and_the_phone_number(handout):
    _, _, pages = handout
    [guide] = [page for page in pages if "Green: go ahead" in page]
    for text in (
        "Pain of 3 out of 10 or less",
        "at least 2 green sessions at a level",
        "Pain of 4 to 5 out of 10",
        "Repeat the same level",
        "pain above 5 out of 10",
        "rest for a day or two and skip your next run, then go back one level",
        "Stop and contact us if",
        "your calf is painful, swollen or red",
        "Call us on 020 7946 0001",
        "In an emergency call 999",
    ):
        assert text in guide
    assert "After having your baby" not in guide


def test_letter_paper_gives_letter_pages_and_a4_gives_a4(handout):
    _, a4, _ = handout
    letter = render_handout(handout_data.context(paper="letter", plan=handout_data.plan(weeks=2)))
    assert pdf_info(a4.pdf)["Page size"].startswith("595.276 x 841.89 pts (A4)")
    assert pdf_info(letter.pdf)["Page size"].startswith("612 x 792 pts (letter)")
    assert letter.page_count == len(pdf_pages(letter.pdf))


# --- hostile text ---------------------------------------------------------------------------------------------------


def hostile_context() -> dict:
    markup = " ".join(HOSTILE)
    plan = handout_data.plan(weeks=2)
    plan["notes"] = [f"Plan note {markup}"]
    exercises = handout_data.exercises()
    exercises["glute_bridge"] = replace(
        exercises["glute_bridge"],
        name='Bridge <img src="file:///etc/passwd">',
        instructions=(f"Step {markup}",),
        cues=('<a href="javascript:alert(1)">cue</a>',),
        equipment=("<u>mat</u>",),
    )
    return handout_data.context(
        plan=plan,
        exercises=exercises,
        patient_name="Emma <script>alert(1)</script> Clarke",
        clinic={**handout_data.CLINIC, "name": 'Riverside <img src="http://127.0.0.1:9/logo.png">'},
        note=f"Note {markup}",
    )


def test_hostile_text_is_printed_as_text_and_never_fetched():
    rendered = render_handout(hostile_context())
    text = squeeze(" ".join(pdf_pages(rendered.pdf)))
    for markup in HOSTILE:
        assert squeeze(markup) in text
    assert squeeze('Bridge <img src="file:///etc/passwd">') in text
    assert squeeze("Emma <script>alert(1)</script> Clarke") in text
    # the fetcher was asked for nothing but our own drawings: the markup never became elements
    assert set(rendered.fetched) == {"data:image/svg+xml;base64,…"}
    assert rendered.refused == ()


class ElementCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def test_hostile_text_is_escaped_in_the_handout_html():
    context = hostile_context()
    html = render_to_string(TEMPLATE, context)
    collector = ElementCollector()
    collector.feed(html)
    assert [attrs for tag, attrs in collector.elements if tag in ("style", "script", "u")] == []
    images = [attrs for tag, attrs in collector.elements if tag == "img"]
    assert len(images) == len(context["exercise_cards"])  # the figures, and nothing typed became one
    for image in images:
        assert (image["class"], image["src"][:26]) == ("card-figure", "data:image/svg+xml;base64,")
    assert [attrs["href"] for tag, attrs in collector.elements if tag in ("a", "link")] == [
        "#why",
        "#schedule",
        "#tips",
        "#pain",
        "#safety",
        "#exercises",
    ]
    assert "Note &lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html


# --- the context ----------------------------------------------------------------------------------------------------


def test_card_illustration_is_the_exercise_figure_titled_with_its_name():
    bridge = handout_data.context()["exercise_cards"][0]
    assert bridge["name"] == "Glute bridge"
    src, alt = bridge["illustration"]["src"], bridge["illustration"]["alt"]
    prefix = "data:image/svg+xml;base64,"
    assert src.startswith(prefix)
    svg = base64.b64decode(src.removeprefix(prefix)).decode()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img"' in svg
    assert "<title>Glute bridge</title>" in svg
    assert alt.startswith("Two drawings. Start: lying on the back")  # the drawing's description, in words


def test_drawings_are_images_not_markup_in_the_handout_html():
    html = render_to_string(TEMPLATE, handout_data.context())
    assert "<svg" not in html.replace('<svg class="light-icon"', "")  # only the traffic light's three icons
    assert html.count('<img class="card-figure" src="data:image/svg+xml;base64,') == len(handout_data.CARD_SLUGS)
    assert html.count('src="data:image/svg+xml;base64,') == len(handout_data.CARD_SLUGS) + 1  # and the chart


def test_card_of_an_exercise_without_figure_data_has_no_illustration_slot():
    exercises = handout_data.exercises()
    exercises["glute_bridge"] = replace(exercises["glute_bridge"], figure={})
    context = handout_data.context(exercises=exercises)
    assert context["exercise_cards"][0]["illustration"] is None
    html = render_to_string(TEMPLATE, context)
    assert html.count('class="card-figure"') == len(handout_data.CARD_SLUGS) - 1


def png_data_url(colour: str) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), colour).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_clinic_picture_is_shown_instead_of_the_drawing_and_embedded():
    picture = png_data_url("#0b5552")
    context = handout_data.context(pictures={"wall_sit": picture}, plan=handout_data.plan(weeks=2))
    wall_sit = next(card for card in context["exercise_cards"] if card["code"] == "wall_sit")
    assert (wall_sit["picture"], wall_sit["illustration"]) == (picture, None)
    rendered = render_handout(context)
    assert "data:image/png;base64,…" in rendered.fetched
    assert set(rendered.fetched) == {"data:image/png;base64,…", "data:image/svg+xml;base64,…"}  # the other drawings
    assert rendered.refused == ()
    [(page, width, height)] = pdf_images(rendered.pdf)
    assert "Wall sit" in pdf_pages(rendered.pdf)[page - 1]
    assert (width, height) == (120, 80)


@pytest.mark.parametrize("picture", ["file:///etc/passwd", "https://example.com/x.png", "data:image/svg+xml,<svg/>"])
def test_clinic_picture_must_be_a_raster_data_url(picture):
    with pytest.raises(HandoutError, match="the picture of exercise wall_sit must be a data:image URL"):
        handout_data.context(pictures={"wall_sit": picture})


def test_postpartum_handout_adds_the_after_birth_warning_signs():
    html = render_to_string(TEMPLATE, handout_data.context(postpartum=True))
    assert "After having your baby, also if…" in html
    assert "you leak urine, wind or stool" in html
    assert "thoughts of harming yourself or your baby" in html
    assert "any leaking, heaviness or dragging, or pelvic pain" in html  # the red light


def test_cover_shows_a_data_url_logo_instead_of_the_text_mark():
    logo = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="
    html = render_to_string(TEMPLATE, handout_data.context(clinic={**handout_data.CLINIC, "logo": logo}))
    assert f'<img class="cover-logo" src="{logo}" alt="Riverside Physio">' in html
    assert 'class="cover-mark"' not in html


@pytest.mark.parametrize(
    ("logo", "src"),
    [
        ("data:image/png;base64,iVBORw0KGgo=", "data:image/png;base64,iVBORw0KGgo="),
        ("img/favicon.svg", "/static/img/favicon.svg"),
        (None, None),
    ],
)
def test_logo_src_accepts_image_data_urls_and_static_paths(logo, src):
    assert logo_src(logo) == src


@pytest.mark.parametrize(
    "logo",
    [
        "file:///etc/passwd",
        "https://example.com/logo.png",
        "javascript:alert(1)",
        "/etc/passwd",
        "img/../../settings.py",
        "data:text/html;base64,PHNjcmlwdD4=",
    ],
)
def test_logo_src_refuses_anything_else(logo):
    with pytest.raises(HandoutError):
        logo_src(logo)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"paper": "a3"}, "paper must be one of a4, letter (got 'a3')"),
        ({"causes": ["bad_luck"]}, "unknown cause bad_luck"),
        ({"condition": "sprain"}, "unknown condition sprain"),
    ],
)
def test_handout_context_refuses_unknown_codes(arguments, message):
    with pytest.raises(HandoutError, match=message.replace("(", r"\(").replace(")", r"\)")):
        handout_data.context(**arguments)


def test_handout_context_refuses_an_exercise_missing_from_the_library():
    exercises = handout_data.exercises()
    del exercises["wall_sit"]
    with pytest.raises(HandoutError, match="exercise wall_sit is in the plan but not in the exercise library"):
        handout_data.context(exercises=exercises)


def test_a_day_without_a_session_is_a_rest_day():
    plan = handout_data.plan()
    plan["weeks"][0]["sessions"] = [s for s in plan["weeks"][0]["sessions"] if s["date"] != "2026-12-03"]
    row = handout_data.context(plan=plan)["schedule"][0]
    assert [(cell["date"].isoformat(), cell["kind"]) for cell in row["days"][:2]] == [
        ("2026-12-02", "strength"),
        ("2026-12-03", "rest"),
    ]


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        (
            {"level": 1, "walk_min": 5, "run_min": 1, "repeats": 5, "total_run_min": 5},
            ("Level 1", ["5 rounds of", "walk 5 + run 1"]),
        ),
        (
            {"level": 7, "walk_min": 0, "run_min": 25, "repeats": 1, "total_run_min": 25},
            ("Run 25 min", ["non-stop"]),
        ),
        ({"level": 8, "minutes": 32, "distance_km": 5.5}, ("Run 32 min", ["about 5.5 km"])),
        ({"level": 8, "minutes": 22, "buggy": True}, ("Run 22 min", ["with the buggy"])),
        ({"level": 8, "distance_km": 4.0}, ("Run 4 km", [])),
    ],
)
def test_run_text_describes_each_kind_of_run(run, expected):
    assert run_text(run) == expected


def test_plan_without_running_has_no_minutes_chart():
    plan = handout_data.plan(weeks=4)  # foundation and impact weeks only
    assert handout_data.context(plan=plan)["minutes_chart"] is None
    chart = handout_data.context()["minutes_chart"]
    assert chart["src"].startswith("data:image/svg+xml;base64,")
    assert chart["alt"] == "12 weeks; 549 running minutes planned in all, rising to 92 minutes in the peak week."


def test_week_running_minutes_counts_running_not_walking():
    weeks = handout_data.plan()["weeks"]
    assert [week_running_minutes(week) for week in weeks] == [0, 0, 0, 0, 20, 40, 65, 85, 75, 82, 90, 92]


@pytest.mark.parametrize(
    ("dose", "text"),
    [
        (Dose(sets=3, reps=10, hold_s=None, minutes=None, per_side=True), "3 sets × 10 reps, each side"),
        (Dose(sets=3, reps=None, hold_s=30, minutes=None, per_side=False), "3 sets × 30 s hold"),
        (Dose(sets=1, reps=10, hold_s=5, minutes=None, per_side=False), "10 reps, holding each 5 s"),
        (Dose(sets=None, reps=None, hold_s=None, minutes=1, per_side=False), "1 min"),
        (Dose(sets=None, reps=None, hold_s=None, minutes=None, per_side=False), "as your physio showed you"),
    ],
)
def test_dose_text_reads_as_a_patient_would_say_it(dose, text):
    assert dose.text() == text


def test_dose_rows_group_consecutive_weeks_with_the_same_dose_and_frequency():
    light = Dose(sets=2, reps=10, hold_s=None, minutes=None, per_side=False)
    full = Dose(sets=3, reps=10, hold_s=None, minutes=None, per_side=False)
    by_week = {1: [light] * 3, 2: [light] * 3, 3: [full] * 3, 4: [full] * 2, 6: [full] * 2, 7: [full] * 7}
    assert dose_rows(by_week) == [
        {"weeks": "Weeks 1–2", "dose": "2 sets × 10 reps", "how_often": "3 times a week"},
        {"weeks": "Week 3", "dose": "3 sets × 10 reps", "how_often": "3 times a week"},
        {"weeks": "Week 4", "dose": "3 sets × 10 reps", "how_often": "2 times a week"},
        {"weeks": "Week 6", "dose": "3 sets × 10 reps", "how_often": "2 times a week"},
        {"weeks": "Week 7", "dose": "3 sets × 10 reps", "how_often": "every day"},
    ]


@pytest.mark.parametrize(
    ("weeks", "pages"), [(4, [4]), (12, [12]), (13, [7, 6]), (14, [7, 7]), (24, [12, 12]), (26, [9, 9, 8])]
)
def test_a_long_schedule_shares_its_weeks_evenly_among_pages(weeks, pages):
    rows = [{"number": number} for number in range(1, weeks + 1)]
    split = schedule_pages(rows)
    assert [len(page) for page in split] == pages
    assert [row for page in split for row in page] == rows


def test_a_14_week_schedule_prints_on_two_pages_of_seven_weeks():
    extended = handout_data.plan()  # 12 weeks; two more weeks of the same sessions, a fortnight on
    for offset, week in enumerate(extended["weeks"][-2:], start=1):
        sessions = [
            {**session, "date": (date.fromisoformat(session["date"]) + timedelta(days=14)).isoformat()}
            for session in week["sessions"]
        ]
        extended["weeks"].append({**week, "week": 12 + offset, "sessions": sessions})
    pages = pdf_pages(render_handout(handout_data.context(plan=extended)).pdf)
    # the schedule's rows, not the running chart's axis ("Week 1 2 3 …")
    [first] = [page for page in pages if "Week 1 " in page and "Week 2 " in page]
    [second] = [page for page in pages if "Your week-by-week schedule, weeks 8 to 14" in page]
    assert "Week 7 " in first and "Week 8 " not in first
    assert "Week 8 " in second and "Week 14 " in second and pages.index(second) == pages.index(first) + 1
