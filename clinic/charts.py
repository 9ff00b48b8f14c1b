"""Server-rendered SVG charts, the same on web pages and in PDF handouts.

Pure functions from plain data to an SVG string. Every chart is an accessible image: `role="img"`, a `<title>`
and a `<desc>` that says in words what the chart shows; series differ by dash pattern and marker as well as colour;
all text is escaped; only presentation attributes (no `style`, no scripts, no external references), so the markup is
safe under the Content Security Policy and in WeasyPrint.

Each named chart comes twice: `*_chart` gives the SVG alone (what a printed handout draws), `*_figure` the SVG with
the same numbers as a `DataTable`, which web pages put beside the chart for screen readers (`clinic/_chart.html`).
"""

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Colours chosen for at least 3:1 contrast against white for graphics (WCAG 1.4.11).
INK = "#1c2b2a"
GRID = "#d5dcdc"
PALETTE = ("#0b5552", "#b04a00", "#5a3e9b", "#1d5fa8")
DASHES = ("", "6 4", "2 3", "10 3 2 3")
ZONE_FILLS = {"green": "#e3f3e8", "amber": "#fdf0d5", "red": "#fbe3e1"}


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # one per x label; None is a gap


@dataclass(frozen=True)
class Zone:
    """A horizontal band behind a chart, e.g. the pain traffic light."""

    label: str
    low: float
    high: float
    tone: str  # a key of ZONE_FILLS


@dataclass(frozen=True)
class Guide:
    """A dashed horizontal line across a chart at `value`, e.g. the score that would be a meaningful change."""

    label: str
    value: float
    series_index: int  # drawn in that series' colour and dash


@dataclass(frozen=True)
class Frame:
    width: int = 640
    height: int = 260
    left: int = 44
    right: int = 12
    top: int = 16
    bottom: int = 56

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    def y(self, value: float, low: float, high: float) -> float:
        span = (high - low) or 1
        return self.top + self.plot_height * (1 - (value - low) / span)


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _open(frame: Frame, title: str, desc: str, chart_id: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="rb-chart" '
        f'font-family="Source Sans 3, DejaVu Sans, sans-serif" font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _y_axis(frame: Frame, low: float, high: float, ticks: list[float], label: str) -> list[str]:
    parts = []
    for tick in ticks:
        y = frame.y(tick, low, high)
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{frame.left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{_number(tick)}</text>'
        )
    if label:
        mid = frame.top + frame.plot_height / 2
        parts.append(
            f'<text x="12" y="{mid:.1f}" text-anchor="middle" fill="{INK}" '
            f'transform="rotate(-90 12 {mid:.1f})">{escape(label)}</text>'
        )
    return parts


def _x_labels(frame: Frame, labels: tuple[str, ...], centres: list[float]) -> list[str]:
    # Thin out labels so they never overlap: roughly one per 48 pixels.
    step = max(1, round(len(labels) * 48 / frame.plot_width))
    baseline = frame.height - frame.bottom + 16
    return [
        f'<text x="{x:.1f}" y="{baseline}" text-anchor="middle" fill="{INK}">{escape(label)}</text>'
        for index, (label, x) in enumerate(zip(labels, centres, strict=True))
        if index % step == 0 or index == len(labels) - 1
    ]


def _legend(frame: Frame, entries: list[tuple[str, str, str, str]]) -> list[str]:
    """entries: (name, colour, dash, shape) where shape is 'line' or 'box'."""
    parts, x = [], frame.left
    y = frame.height - 14
    for name, colour, dash, shape in entries:
        if shape == "box":
            parts.append(f'<rect x="{x}" y="{y - 9}" width="14" height="10" fill="{colour}"/>')
        else:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x}" x2="{x + 18}" y1="{y - 4}" y2="{y - 4}" '
                f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            )
        parts.append(f'<text x="{x + 22}" y="{y}" fill="{INK}">{escape(name)}</text>')
        x += 34 + 7 * len(name)
    return parts


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_labels: tuple[str, ...],
    series: tuple[Series, ...],
    y_min: float,
    y_max: float,
    y_ticks: list[float],
    y_label: str = "",
    zones: tuple[Zone, ...] = (),
    guides: tuple[Guide, ...] = (),
    frame: Frame = Frame(),
) -> str:
    """Lines with markers over shared x labels (dates, weeks); gaps where a value is None."""
    count = max(len(x_labels), 1)
    slot = frame.plot_width / count
    centres = [frame.left + slot * (i + 0.5) for i in range(len(x_labels))]
    parts = _open(frame, title, desc, chart_id)
    for zone in zones:
        top, bottom = frame.y(min(zone.high, y_max), y_min, y_max), frame.y(max(zone.low, y_min), y_min, y_max)
        parts.append(
            f'<rect x="{frame.left}" y="{top:.1f}" width="{frame.plot_width:.1f}" height="{bottom - top:.1f}" '
            f'fill="{ZONE_FILLS[zone.tone]}"><title>{escape(zone.label)}</title></rect>'
        )
    parts += _y_axis(frame, y_min, y_max, y_ticks, y_label)
    parts += [_guide(frame, guide, y_min, y_max) for guide in guides if y_min <= guide.value <= y_max]
    legend = []
    for index, line in enumerate(series):
        colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        legend.append((line.name, colour, dash, "line"))
        runs, run = [], []
        for x, value in zip(centres, line.values, strict=True):
            if value is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((x, frame.y(value, y_min, y_max)))
        if run:
            runs.append(run)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for segment in runs:
            if len(segment) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5" '
                    f'stroke-linejoin="round"{dash_attr}/>'
                )
        parts += [_marker(index, x, y, colour) for segment in runs for x, y in segment]
    parts += _x_labels(frame, x_labels, centres)
    parts += _legend(frame, legend)
    parts.append("</svg>")
    return "\n".join(parts)


def _guide(frame: Frame, guide: Guide, low: float, high: float) -> str:
    y = frame.y(guide.value, low, high)
    colour = PALETTE[guide.series_index % len(PALETTE)]
    return (
        f"<g><title>{escape(guide.label)}</title>"
        f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" '
        f'stroke-width="1.5" stroke-dasharray="1 4" stroke-linecap="round"/>'
        f'<text x="{frame.width - frame.right - 4}" y="{y - 4:.1f}" text-anchor="end" fill="{INK}" font-size="11">'
        f"{escape(guide.label)}</text></g>"
    )


def _marker(index: int, x: float, y: float, colour: str) -> str:
    # Different shapes per series, so the chart reads in greyscale and for colour-blind readers.
    if index % 2 == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
    return (
        f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
        f'fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
    )


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_labels: tuple[str, ...],
    series: tuple[Series, ...],
    y_label: str = "",
    scale: tuple[float, list[float]] | None = None,
    frame: Frame = Frame(),
) -> str:
    """Grouped bars (e.g. running minutes planned and done per week); the y axis starts at 0 and reaches a round
    number above the highest bar, or `scale` (its top and ticks, e.g. 100 for percentages)."""
    highest = max((v for s in series for v in s.values if v is not None), default=0)
    y_max, ticks = scale or _nice_scale(highest)
    count = max(len(x_labels), 1)
    slot = frame.plot_width / count
    bar = slot * 0.8 / max(len(series), 1)
    centres = [frame.left + slot * (i + 0.5) for i in range(len(x_labels))]
    parts = _open(frame, title, desc, chart_id)
    parts += _y_axis(frame, 0, y_max, ticks, y_label)
    legend = []
    for index, group in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        legend.append((group.name, colour, "", "box"))
        for centre, value in zip(centres, group.values, strict=True):
            if value is None:
                continue
            x = centre - slot * 0.4 + bar * index
            top = frame.y(value, 0, y_max)
            height = frame.y(0, 0, y_max) - top
            hatch = ' stroke="#ffffff" stroke-width="1"' if index else ""
            parts.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar * 0.92:.1f}" height="{height:.1f}" '
                f'fill="{colour}"{hatch}><title>{escape(group.name)}: {_number(value)}</title></rect>'
            )
    parts += _x_labels(frame, x_labels, centres)
    parts += _legend(frame, legend)
    parts.append("</svg>")
    return "\n".join(parts)


def _nice_scale(highest: float) -> tuple[float, list[float]]:
    """A round axis maximum at or above `highest` with 4–6 evenly spaced ticks."""
    if highest <= 0:
        return 10, [0, 5, 10]
    for step in (1, 2, 5, 10, 15, 20, 25, 30, 50, 60, 100, 120, 150, 200, 250, 300, 500):
        top = step * -(-highest // step)
        if top / step <= 6:
            return top, [step * i for i in range(int(top / step) + 1)]
    top = 1000 * -(-highest // 1000)
    return top, [top * i / 5 for i in range(6)]


PAIN_ZONES = (
    # reference §4.2 app default: green ≤ 3/10, amber 4–5/10, red > 5/10
    Zone("Green: pain 0 to 3", 0, 3.5, "green"),
    Zone("Amber: pain 4 to 5", 3.5, 5.5, "amber"),
    Zone("Red: pain above 5", 5.5, 10, "red"),
)


PAIN_TITLE = "Pain during sessions and the next morning"


def _pain_series(during: tuple, next_morning: tuple) -> tuple[Series, ...]:
    return Series("During", tuple(during)), Series("Next morning", tuple(next_morning))


def pain_chart(*, chart_id: str, dates: tuple[str, ...], during: tuple, next_morning: tuple) -> str:
    """Pain during each session and the morning after, over the traffic-light bands."""
    logged = [v for v in during if v is not None]
    summary = (
        f"{len(logged)} sessions logged; pain during sessions ranged from {min(logged)} to {max(logged)} out of 10."
        if logged
        else "No sessions logged yet."
    )
    return line_chart(
        chart_id=chart_id,
        title=PAIN_TITLE,
        desc=summary,
        x_labels=dates,
        series=_pain_series(during, next_morning),
        y_min=0,
        y_max=10,
        y_ticks=[0, 2, 4, 6, 8, 10],
        y_label="Pain (0–10)",
        zones=PAIN_ZONES,
    )


MINUTES_TITLE = "Running minutes per week"


def _minutes_series(planned: tuple, done: tuple | None) -> tuple[Series, ...]:
    series = [Series("Planned", tuple(planned))]
    if done is not None:
        series.append(Series("Done", tuple(done)))
    return tuple(series)


def week_labels(weeks: tuple[int, ...]) -> tuple[str, ...]:
    """The weeks on a chart's axis in words as far as it has room: "Week 1", then the numbers ("2", "3", …) that read
    on from it, where "Week 12" beside each bar would overlap its neighbours."""
    return tuple(f"Week {number}" if index == 0 else str(number) for index, number in enumerate(weeks))


def minutes_chart(*, chart_id: str, weeks: tuple[int, ...], planned: tuple, done: tuple | None = None) -> str:
    """Running minutes per week (numbered from 1): planned, and done when the patient has logged sessions."""
    series = _minutes_series(planned, done)
    total = sum(v for v in planned if v)
    peak = max((v for v in planned if v), default=0)
    desc = f"{len(weeks)} weeks; {total:g} running minutes planned in all, rising to {peak:g} minutes in the peak week."
    if done is not None:
        desc += f" {sum(v for v in done if v):g} minutes done so far."
    return bar_chart(
        chart_id=chart_id, title=MINUTES_TITLE, desc=desc, x_labels=week_labels(weeks), series=series, y_label="Minutes"
    )


SCORES_TITLE = "Questionnaire scores over time"


@dataclass(frozen=True)
class Score:
    """One outcome measure's scores (0–100, higher is better) over the chart's dates, and its minimal important
    change (MIC)."""

    name: str
    values: tuple[float | None, ...]
    mic: float


def _score_words(score: Score, *, for_patient: bool) -> str:
    values = [v for v in score.values if v is not None]
    if len(values) < 2:
        return f"{score.name} {_number(values[0]) if values else 'not scored yet'}"
    first, last = values[0], values[-1]
    delta = round(last - first, 1)
    if for_patient:  # plain words: no minimal important change by name, no number beside it
        verdict = (
            "a real improvement"
            if delta >= score.mic
            else "about the same"
            if abs(delta) < score.mic
            else ("a real drop")
        )
        return f"{score.name} from {_number(first)} to {_number(last)}: {verdict}"
    verdict = (
        "a meaningful improvement"
        if delta >= score.mic
        else "less than a meaningful change"
        if abs(delta) < score.mic
        else "a meaningful worsening"
    )
    return (
        f"{score.name} from {_number(first)} to {_number(last)} ({delta:+g}; {verdict}, "
        f"the minimal important change being {_number(score.mic)})"
    )


def scores_chart(*, chart_id: str, dates: tuple[str, ...], scores: tuple[Score, ...], for_patient: bool = False) -> str:
    """Outcome-measure scores over time on one 0–100 scale, each with a dotted line where its first score plus
    the minimal important change would be (reference §10: a change of at least the MIC is meaningful). For the
    patient, in plain words: "a real improvement" rather than the minimal important change and its number."""
    desc = (
        "; ".join(_score_words(score, for_patient=for_patient) for score in scores) + ". Higher is better, 0 to 100."
        if scores
        else "No questionnaire scored yet."
    )
    guides = []
    for index, score in enumerate(scores):
        first = next((v for v in score.values if v is not None), None)
        if first is not None:
            label = "a real improvement" if for_patient else f"meaningful change (+{_number(score.mic)})"
            guides.append(Guide(f"{score.name}: {label}", first + score.mic, index))
    return line_chart(
        chart_id=chart_id,
        title=SCORES_TITLE,
        desc=desc,
        x_labels=dates,
        series=tuple(Series(score.name, score.values) for score in scores),
        y_min=0,
        y_max=100,
        y_ticks=[0, 20, 40, 60, 80, 100],
        y_label="Score (0–100)",
        guides=tuple(guides),
    )


# --- Charts with their numbers as a table, for web pages -----------------------------------------------------------


@dataclass(frozen=True)
class DataTable:
    """A chart's numbers as a table: a heading per column, a row per x label."""

    caption: str
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    svg: SafeString
    table: DataTable


def data_table(
    *, caption: str, x_heading: str, x_labels: tuple[str, ...], series: tuple[Series, ...], unit: str = ""
) -> DataTable:
    rows = tuple(
        (label, *("—" if s.values[i] is None else f"{_number(s.values[i])}{unit}" for s in series))
        for i, label in enumerate(x_labels)
    )
    return DataTable(caption, (x_heading, *(s.name for s in series)), rows)


def _chart(svg: str, table: DataTable) -> Chart:
    # Our own renderers escape every text they draw and write only numbers into attributes.
    return Chart(mark_safe(svg), table)  # noqa: S308


def pain_figure(*, chart_id: str, dates: tuple[str, ...], during: tuple, next_morning: tuple) -> Chart:
    return _chart(
        pain_chart(chart_id=chart_id, dates=dates, during=during, next_morning=next_morning),
        data_table(
            caption=PAIN_TITLE,
            x_heading="Session",
            x_labels=dates,
            series=_pain_series(during, next_morning),
            unit="/10",
        ),
    )


def minutes_figure(*, chart_id: str, weeks: tuple[int, ...], planned: tuple, done: tuple | None = None) -> Chart:
    return _chart(
        minutes_chart(chart_id=chart_id, weeks=weeks, planned=planned, done=done),
        data_table(
            caption=f"{MINUTES_TITLE} (minutes)",
            x_heading="Week",
            x_labels=tuple(str(week) for week in weeks),
            series=_minutes_series(planned, done),
        ),
    )


def scores_figure(
    *, chart_id: str, dates: tuple[str, ...], scores: tuple[Score, ...], for_patient: bool = False
) -> Chart:
    if for_patient:
        caption = f"{SCORES_TITLE} (0 to 100, higher is better)"
    else:
        mics = ", ".join(f"{score.name} {_number(score.mic)}" for score in scores)
        caption = f"{SCORES_TITLE} (0–100, higher is better; minimal important change: {mics})"
    return _chart(
        scores_chart(chart_id=chart_id, dates=dates, scores=scores, for_patient=for_patient),
        data_table(
            caption=caption,
            x_heading="Date",
            x_labels=dates,
            series=tuple(Series(score.name, score.values) for score in scores),
        ),
    )
