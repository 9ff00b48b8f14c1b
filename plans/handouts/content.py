"""The printed handout of a plan: plain data in, a template context out, and the PDF rendered from it.

`handout_context` is a pure function of plain data (the case-format `plan`, exercise specs, names and dates), so the
Celery task builds it from models, the management command from a sample and the tests from literals, all the same
way. `render_handout` turns a context into PDF bytes through the safe renderer of `plans.handouts.pdf`.

Everything a person typed (names, notes, exercise text) goes into the template as plain strings, which Django
escapes. Nothing is inserted as markup: the drawings of our own SVG renderers (the running-minutes chart, exercise
illustrations), which draw from numbers and escape every text they carry, go in as `data:` URLs of `<img>` elements.
"""

import base64
import html
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.templatetags.static import static

from clinic.charts import minutes_chart
from intake.codes import CAUSE_PATIENT_LABELS, CAUSES, CONDITION_PATIENT_LABELS, CONDITION_PLAIN, Cause, Condition
from plans.library.exercises import Dose, ExerciseSpec, entry_dose
from plans.library.figures import render_figure
from plans.loads import BUILD, CROSS_TRAIN, FOUNDATION, IMPACT, IMPACT_READINESS, REST, RUN, STRENGTH, WALK_RUN
from plans.rules import AMBER_PAIN_MAX, GREEN_PAIN_MAX, MIN_EXPOSURES

if TYPE_CHECKING:
    from weasyprint.document import Page

    from plans.handouts.pdf import RenderedPdf

TEMPLATE = "plans/handout/handout.html"  # the whole booklet
COVER_TEMPLATE = "plans/handout/cover.html"  # its cover alone, laid out after the rest (render_handouts)
STYLESHEET = "css/handout.css"  # static/css/handout.css: the handout's own print stylesheet
PAPERS = ("a4", "letter")

# Weeks of the schedule that fit one page (A4 or Letter) even when every day holds five lines. A longer plan's
# schedule takes as many pages as that needs, its weeks shared evenly among them (14 weeks: 7 and 7), so no page is
# left with a stray week or two.
SCHEDULE_WEEKS_PER_PAGE = 12

# Exercise cards side by side on a page (static/css/handout.css lays a row out as two table cells).
CARDS_PER_ROW = 2

# Not in the reference: the UK emergency number, as the reference's care pathways are the NHS's (§8).
EMERGENCY_NUMBER = "999"

_LOGO_DATA_URL = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml)(;base64)?,", re.IGNORECASE)
# The formats clinic.pictures accepts for a clinic's own exercise pictures.
_PICTURE_DATA_URL = re.compile(r"data:image/(png|jpeg|webp);base64,", re.IGNORECASE)
_STATIC_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
_SVG_DESC = re.compile(r"<desc\b[^>]*>([^<]*)</desc>")
_SVG_TITLE = re.compile(r"<title\b[^>]*>([^<]*)</title>")


@dataclass(frozen=True)
class Phase:
    label: str
    about: str


PHASES = {
    FOUNDATION: Phase(
        "Foundation",
        "Strength exercises and low-impact exercise such as walking or cycling, to make your legs strong before any "
        "impact.",
    ),
    IMPACT_READINESS: Phase(
        "Getting ready for impact",
        "Hops and small jumps added step by step, so your legs are ready for the impact of running.",
    ),
    WALK_RUN: Phase(
        "Walk and run",
        "Short runs broken up with walking, every other day. You move up a level after two good sessions.",
    ),
    BUILD: Phase(
        "Building up",
        "Continuous easy runs that grow a little each week. Add speed, and later hills, only once your target time "
        "feels comfortable.",
    ),
}


@dataclass(frozen=True)
class SessionKind:
    mark: str  # a letter, so the schedule reads in black and white; none for a rest day, whose cell says "Rest"
    label: str
    legend: str


SESSION_KINDS = {
    RUN: SessionKind("R", "Run", "Run: walk/run intervals (minutes) or a continuous run"),
    STRENGTH: SessionKind("S", "Exercises", "Strength: the exercise cards with these numbers"),
    IMPACT: SessionKind("J", "Jumps", "Jumps: hops and jumps, on the cards with these numbers"),
    CROSS_TRAIN: SessionKind("C", "Cross-train", "Cross-training: low-impact exercise, easy effort"),
    REST: SessionKind("", "Rest", "Rest day"),
}


# The booklet's parts, as its cover lists them ("In this booklet"): the id each begins at, and its title.
CONTENTS = (
    ("why", "Why your knee hurts, and how the plan works"),
    ("schedule", "Your week-by-week schedule"),
    ("tips", "Good to know"),
    ("pain", "How to listen to your knee: the pain traffic light"),
    ("safety", "When to stop and contact us"),
    ("exercises", "Your exercises, one card each"),
)


class HandoutError(ValueError):
    """The data cannot make a handout (an unknown code or paper, a bad logo or picture). Messages name codes only."""


def exercise_figure(spec: ExerciseSpec) -> str | None:
    """An exercise's drawn illustration (plans.library.figures), or None when it has no figure data."""
    return render_figure(spec.figure, title=spec.name) if spec.figure else None


def handout_context(
    *,
    plan: dict,
    exercises: Mapping[str, ExerciseSpec],
    patient_name: str,
    clinic: Mapping,
    physio: Mapping,
    condition: str,
    causes: Sequence[str],
    note: str,
    revision: int,
    issued_on: date,
    paper: str = "a4",
    postpartum: bool = False,
    pictures: Mapping[str, str] | None = None,
    anchor_prefix: str = "",
) -> dict:
    """The template context of a handout.

    `plan` is the case-format plan; `exercises` maps slugs to specs and must hold every exercise the plan names.
    `clinic` has name, phone and address, and optionally `logo`: a `data:image/…` URL or a static file path.
    `physio` has name and registration. `postpartum` adds the after-birth warning signs. `pictures` maps the slugs
    of a clinic's own exercises that have a picture to it as a `data:image/…;base64,` URL, shown instead of the
    drawing. `anchor_prefix` goes before the ids the contents links to, so that handouts printed together in one PDF
    each link to their own pages.
    """
    if paper not in PAPERS:
        raise HandoutError(f"paper must be one of {', '.join(PAPERS)} (got {paper!r})")
    weeks = plan["weeks"]
    start = _plan_start(plan)
    end = date.fromisoformat(plan["end"]) if plan.get("end") else start + timedelta(days=7 * len(weeks) - 1)
    cards = exercise_cards(weeks, exercises, pictures or {})
    numbers = {card["code"]: card["number"] for card in cards}
    running_minutes = tuple(week_running_minutes(week) for week in weeks)
    plan_notes = list(plan.get("notes", []))  # printed as "Good to know", listed in the contents when there are any
    schedule = schedule_rows(weeks, start, numbers, exercises)
    return {
        "paper": paper,
        "patient_name": patient_name,
        "clinic": {
            "name": clinic["name"],
            "phone": clinic["phone"],
            "address": clinic.get("address", ""),
            "logo_src": logo_src(clinic.get("logo")),
            "initials": initials(clinic["name"]),
        },
        "physio": {"name": physio["name"], "registration": physio.get("registration", "")},
        "plan_start": start,
        "plan_end": end,
        "week_count": len(weeks),
        "issued_on": issued_on,
        "revision": revision,
        "condition": condition_text(condition),
        "causes": [cause_text(code) for code in causes],
        "phases": phase_summary(weeks),
        "plan_notes": plan_notes,
        "note": note,
        "weekdays": [start + timedelta(days=offset) for offset in range(7)],
        "schedule": schedule,
        "schedule_pages": schedule_pages(schedule),
        "legend": [{"kind": code, "mark": kind.mark, "text": kind.legend} for code, kind in SESSION_KINDS.items()],
        # No chart for a plan without running (not allowed yet, or starting after this plan).
        "minutes_chart": svg_image(
            minutes_chart(
                chart_id="running-minutes",
                weeks=tuple(week["week"] for week in weeks),
                planned=running_minutes,
            )
        )
        if any(running_minutes)
        else None,
        "exercise_cards": cards,
        "card_rows": [cards[i : i + CARDS_PER_ROW] for i in range(0, len(cards), CARDS_PER_ROW)],
        # The pain traffic light of reference §9.3 (P1–P4), with the ladder's own thresholds.
        "pain": {
            "green_max": GREEN_PAIN_MAX,
            "amber_low": GREEN_PAIN_MAX + 1,
            "amber_max": AMBER_PAIN_MAX,
            "min_sessions": MIN_EXPOSURES,
        },
        "contents": [
            {"anchor": anchor, "title": title} for anchor, title in CONTENTS if anchor != "tips" or plan_notes
        ],
        "postpartum": postpartum,
        "emergency_number": EMERGENCY_NUMBER,
        "anchor_prefix": anchor_prefix,
    }


# The renderer is imported when a process first renders, not when it starts: importing WeasyPrint loads Pango and its
# fonts (0.8 s of CPU), which every web process, manage.py command and beat would otherwise pay without ever printing.
# A worker pays it in its warm-up (plans.handouts.warmup).
def render_handout(context: dict) -> "RenderedPdf":
    return render_handouts([context])


def render_handouts(contexts: Sequence[dict], *, title: str = "") -> "RenderedPdf":
    """Handouts in one PDF, each numbered on its own ("Page 1 of 7"), in the order given. Give each context its own
    `anchor_prefix` when there are several, so the contents of each booklet link to its own pages.

    Each booklet is laid out with a blank page in its cover's place; then its cover, as a document of its own, told the
    page each part begins on and the number of pages, takes that place. Asked of WeasyPrint (`target-counter`), the
    page numbers made it lay the cover and the pages after it out again: 5 % of a handout's instructions.
    """
    from plans.handouts.pdf import laying_out

    with laying_out([STYLESHEET]) as layout:
        pages = []
        for context in contexts:
            booklet = layout.document(render_to_string(TEMPLATE, {**context, "cover_later": True}))
            cover = layout.document(render_to_string(COVER_TEMPLATE, with_page_numbers(context, booklet.pages)))
            pages += [*cover.pages, *booklet.pages[1:]]
        return layout.pdf(pages, title=title)


def with_page_numbers(context: dict, pages: Sequence["Page"]) -> dict:
    """The context with the page each part of the contents begins on in the laid-out `pages` (WeasyPrint's, which
    know the ids they hold as `anchors`), and their number."""
    prefix = context["anchor_prefix"]
    starts: dict[str, int] = {}
    for number, page in enumerate(pages, start=1):
        for anchor in page.anchors:
            starts.setdefault(anchor, number)
    contents = [{**entry, "page": starts[prefix + entry["anchor"]]} for entry in context["contents"]]
    return {**context, "contents": contents, "page_count": len(pages)}


def svg_image(svg: str) -> dict:
    """Our own SVG (clinic.charts, plans.library.figures) as an image for an `<img>`: `src`, a `data:` URL, and
    `alt`, the drawing's description in words (its `<desc>`, else its `<title>`).

    An `<img>`, not inline markup: WeasyPrint parses and styles inline SVG as part of the HTML document (every shape
    an element of the page's cascade) and then parses it again as an image; as an image it is parsed once, by
    ElementTree, outside the cascade. The fetcher serves `data:` URLs and nothing else outside the static files.
    """
    found = _SVG_DESC.search(svg) or _SVG_TITLE.search(svg)
    return {
        "src": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii"),
        "alt": html.unescape(found.group(1)) if found else "",
    }


# --- cover --------------------------------------------------------------------------------------------------------


def logo_src(logo: str | None) -> str | None:
    """The cover logo's URL: a `data:image/…` URL as given, or a static file's URL; nothing else."""
    if not logo:
        return None
    if _LOGO_DATA_URL.match(logo):
        return logo
    if _STATIC_PATH.fullmatch(logo) and ".." not in logo.split("/"):
        return static(logo)
    raise HandoutError("a clinic logo must be a data:image URL or the path of a static file")


def initials(name: str) -> str:
    """The text mark drawn when a clinic has no logo: the initials of its first two words."""
    return "".join(word[0] for word in name.split()[:2]).upper()


def _plan_start(plan: dict) -> date:
    if plan.get("start"):
        return date.fromisoformat(plan["start"])
    return min(date.fromisoformat(s["date"]) for week in plan["weeks"] for s in week["sessions"])


# --- why your knee hurts, the phases --------------------------------------------------------------------------------


def condition_text(code: str) -> dict:
    try:
        condition = Condition(code)
    except ValueError:
        raise HandoutError(f"unknown condition {code}") from None
    return {"label": CONDITION_PATIENT_LABELS[condition], "plain": CONDITION_PLAIN[condition]}


def cause_text(code: str) -> dict:
    try:
        info = CAUSES[Cause(code)]
    except ValueError:
        raise HandoutError(f"unknown cause {code}") from None
    return {"label": CAUSE_PATIENT_LABELS[Cause(code)], "plain": info.plain}


def phase_summary(weeks: list[dict]) -> list[dict]:
    """The plan's phases in order, each with its weeks ("Weeks 3–4") and a plain description."""
    phases: list[dict] = []
    for week in weeks:
        if phases and phases[-1]["code"] == week["phase"]:
            phases[-1]["last"] = week["week"]
        else:
            phases.append({"code": week["phase"], "first": week["week"], "last": week["week"]})
    for phase in phases:
        info = _phase(phase["code"])
        phase.update(label=info.label, about=info.about, weeks=week_range(phase["first"], phase["last"]))
    return phases


def _phase(code: str) -> Phase:
    if code not in PHASES:
        raise HandoutError(f"unknown phase {code}")
    return PHASES[code]


def week_range(first: int, last: int) -> str:
    return f"Week {first}" if first == last else f"Weeks {first}–{last}"


# --- the schedule ---------------------------------------------------------------------------------------------------


def schedule_rows(
    weeks: list[dict], start: date, numbers: Mapping[str, int], exercises: Mapping[str, ExerciseSpec]
) -> list[dict]:
    """One row per week, one cell per day from the plan's start weekday; a day without a session is a rest day."""
    by_date = {s["date"]: s for week in weeks for s in week["sessions"]}
    rows = []
    for index, week in enumerate(weeks):
        first_day = start + timedelta(days=7 * index)
        days = [first_day + timedelta(days=offset) for offset in range(7)]
        rows.append(
            {
                "number": week["week"],
                "phase": _phase(week["phase"]).label,
                "starts_phase": index == 0 or weeks[index - 1]["phase"] != week["phase"],
                "days": [
                    session_cell(day, by_date.get(day.isoformat(), {"kind": REST}), numbers, exercises) for day in days
                ],
            }
        )
    return rows


def schedule_pages(rows: list[dict]) -> list[list[dict]]:
    """The schedule's rows page by page: SCHEDULE_WEEKS_PER_PAGE at most, shared as evenly as they go."""
    pages = -(-len(rows) // SCHEDULE_WEEKS_PER_PAGE)
    size, longer = divmod(len(rows), pages)
    bounds = [0]
    for page in range(pages):
        bounds.append(bounds[-1] + size + (page < longer))
    return [rows[first:last] for first, last in itertools.pairwise(bounds)]


def session_cell(day: date, session: dict, numbers: Mapping[str, int], exercises: Mapping[str, ExerciseSpec]) -> dict:
    kind = session["kind"]
    if kind not in SESSION_KINDS:
        raise HandoutError(f"unknown session kind {kind}")
    title, details = SESSION_KINDS[kind].label, []
    if kind == RUN:
        title, details = run_text(session["run"])
    elif kind == CROSS_TRAIN:
        title, details = cross_training_text(session.get("cross_train"), exercises)
    cards = sorted({numbers[e["code"]] for e in session.get("exercises", [])})
    return {
        "date": day,
        "kind": kind,
        "mark": SESSION_KINDS[kind].mark,
        "title": title,
        "details": details,
        "cards": " ".join(str(n) for n in cards),
    }


def run_text(run: dict) -> tuple[str, list[str]]:
    """What a run cell says in plain words: "Level 1", "5 rounds of", "walk 5 + run 1"; or "Run 32 min" for a
    continuous run. A walk/run session names its level, the step the pain traffic light moves up and back ("move up
    to the next level"); "Walk/run, level 1" would take two lines of a day's cell and push the last week of a
    12-week plan onto a page of its own. A continuous run says its minutes, all the patient needs (no level)."""
    details = []
    if run.get("walk_min"):
        title = f"Level {run['level']}"
        details += [f"{run['repeats']} rounds of", f"walk {run['walk_min']} + run {run['run_min']}"]
    elif run.get("run_min"):
        repeats = run.get("repeats", 1)
        title = f"Run {run['run_min']} min" if repeats == 1 else f"Run {repeats} × {run['run_min']} min"
        details.append("non-stop")
    elif run.get("minutes"):
        title = f"Run {run['minutes']} min"
        if run.get("distance_km"):
            details.append(f"about {run['distance_km']:g} km")
    else:
        title = f"Run {run['distance_km']:g} km"
    if run.get("buggy"):
        details.append("with the buggy")
    return title, details


def cross_training_text(entry: dict | None, exercises: Mapping[str, ExerciseSpec]) -> tuple[str, list[str]]:
    if not entry:
        return SESSION_KINDS[CROSS_TRAIN].label, []
    spec = exercises.get(entry["code"])
    name = spec.name if spec else entry["code"].replace("_", " ").capitalize()
    return name, [f"{entry['minutes']} min"] if entry.get("minutes") else []


def week_running_minutes(week: dict) -> float:
    """Planned running minutes of a week (walking breaks not counted); distance-only runs add nothing."""
    total = 0
    for session in week["sessions"]:
        run = session.get("run") if session["kind"] == RUN else None
        if run:
            total += run.get("total_run_min") or run.get("minutes") or run.get("run_min", 0) * run.get("repeats", 1)
    return total


# --- exercise cards -------------------------------------------------------------------------------------------------


def exercise_cards(weeks: list[dict], exercises: Mapping[str, ExerciseSpec], pictures: Mapping[str, str]) -> list[dict]:
    """One card per exercise of the plan, numbered in order of first appearance, with its dose week by week."""
    uses: dict[str, dict[int, list[Dose]]] = {}  # code -> week -> the dose of each session that has it
    for week in weeks:
        for session in week["sessions"]:
            for entry in session.get("exercises", []):
                code = entry["code"]
                if code not in exercises:
                    raise HandoutError(f"exercise {code} is in the plan but not in the exercise library")
                uses.setdefault(code, {}).setdefault(week["week"], []).append(entry_dose(entry, exercises[code]))
    cards = []
    for number, (code, by_week) in enumerate(uses.items(), start=1):
        spec = exercises[code]
        picture = pictures.get(code)
        if picture is not None and not _PICTURE_DATA_URL.match(picture):
            raise HandoutError(f"the picture of exercise {code} must be a data:image URL (PNG, JPEG or WebP)")
        svg = None if picture else exercise_figure(spec)
        cards.append(
            {
                "number": number,
                "code": code,
                "name": spec.name,
                "picture": picture,
                "illustration": svg_image(svg) if svg else None,
                "doses": dose_rows(by_week),
                "rest": f"{spec.dosage.rest_s} s between sets" if spec.dosage.rest_s else "",
                "instructions": list(spec.instructions),
                "cues": list(spec.cues),
                "equipment": ", ".join(spec.equipment),
                "muscles": ", ".join(spec.target_muscles),
            }
        )
    return cards


def dose_rows(by_week: Mapping[int, list[Dose]]) -> list[dict]:
    """The dose and how often, one row per run of consecutive weeks in which both stay the same."""
    groups: list[list] = []  # [first week, last week, dose, sessions a week]
    for week, doses in by_week.items():
        usual = (max(doses, key=doses.count), len(doses))
        if groups and tuple(groups[-1][2:]) == usual and groups[-1][1] + 1 == week:
            groups[-1][1] = week
        else:
            groups.append([week, week, *usual])
    return [
        {"weeks": week_range(first, last), "dose": dose.text(), "how_often": how_often(count)}
        for first, last, dose, count in groups
    ]


def how_often(sessions_a_week: int) -> str:
    if sessions_a_week >= 7:
        return "every day"
    return "once a week" if sessions_a_week == 1 else f"{sessions_a_week} times a week"
