"""Outcome measures: instrument definitions are data (`intake/measures/*.json`); this module is their one scorer.

Pure Python. A score always travels with the raw answers and the instrument version (reference §10: never store
only the total).
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MEASURES_DIR = Path(__file__).resolve().parent / "measures"
INSTRUMENT_CODES = ("nprs", "koos_pf", "akps")


@dataclass(frozen=True)
class Option:
    code: str | int
    label: str
    points: float


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    options: tuple[Option, ...]  # empty for 0..10 rating items


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    name: str
    short_name: str
    plain_name: str  # what patients read: no acronym
    attribution: str  # the source, for clinicians
    patient_attribution: str  # shown with the questions when the licence asks for it (reference §3), else ""
    intro: str
    method: str  # "sum" | "koos" | "each"
    min: float
    max: float
    higher_is_better: bool
    min_answered: int
    summary: str
    mic: float
    mic_source: str
    items: tuple[Item, ...]

    def item(self, code: str) -> Item:
        return next(item for item in self.items if item.code == code)


@cache
def instrument(code: str) -> Instrument:
    raw = json.loads((MEASURES_DIR / f"{code}.json").read_text())
    scales = raw.get("scales", {})
    items = []
    for entry in raw["items"]:
        if "options" in entry:
            options = [Option(o["code"], o["label"], o["points"]) for o in entry["options"]]
        elif "scale" in entry:
            options = [Option(o["code"], o["label"], o["code"]) for o in scales[entry["scale"]]]
        else:
            options = []
        items.append(Item(entry["code"], entry["text"], tuple(options)))
    scoring, meaning = raw["scoring"], raw["interpretation"]
    return Instrument(
        code=raw["code"],
        version=raw["version"],
        name=raw["name"],
        short_name=raw["short_name"],
        plain_name=raw["plain_name"],
        attribution=raw["attribution"],
        patient_attribution=raw["patient_attribution"],
        intro=raw["intro"],
        method=scoring["method"],
        min=scoring["min"],
        max=scoring["max"],
        higher_is_better=scoring["higher_is_better"],
        min_answered=scoring["min_answered"],
        summary=meaning["summary"],
        mic=meaning["mic"],
        mic_source=meaning["mic_source"],
        items=tuple(items),
    )


AKPS_ITEM_CODES = tuple(item.code for item in instrument("akps").items)
KOOS_PF_ITEM_CODES = tuple(item.code for item in instrument("koos_pf").items)
NPRS_ITEM_CODES = tuple(item.code for item in instrument("nprs").items)


def akps_option_codes(item_code: str) -> tuple[str, ...]:
    return tuple(option.code for option in instrument("akps").item(item_code).options)


@dataclass(frozen=True)
class Score:
    instrument: str
    version: str
    answers: dict
    value: float | None  # None when too few items were answered to score; for "each", the items' own values
    answered: int
    of: int

    @property
    def complete(self) -> bool:
        return self.answered == self.of

    def as_dict(self) -> dict:
        return {
            "instrument": self.instrument,
            "version": self.version,
            "answers": self.answers,
            "value": self.value,
            "answered": self.answered,
            "of": self.of,
        }


def score(code: str, answers: dict) -> Score:
    """Score the answers given to one instrument. Unknown items or codes raise ValueError."""
    measure = instrument(code)
    answered = {}
    for item_code, answer in answers.items():
        if answer is None:
            continue
        item = next((i for i in measure.items if i.code == item_code), None)
        if item is None:
            raise ValueError(f"{code}: unknown item {item_code!r}")
        answered[item_code] = _points(measure, item, answer)
    value = None
    if len(answered) >= measure.min_answered:
        if measure.method == "sum":
            value = float(sum(answered.values()))
        elif measure.method == "koos":
            # KOOS normalisation: 100 - mean item score x 100/4 (reference §10).
            value = round(100 - (sum(answered.values()) / len(answered)) * 100 / 4, 1)
    return Score(code, measure.version, dict(answers), value, len(answered), len(measure.items))


def _points(measure: Instrument, item: Item, answer) -> float:
    if not item.options:
        if isinstance(answer, int) and not isinstance(answer, bool) and measure.min <= answer <= measure.max:
            return answer
        raise ValueError(f"{measure.code}.{item.code}: must be an integer from {measure.min} to {measure.max}")
    for option in item.options:
        if option.code == answer:
            return option.points
    raise ValueError(f"{measure.code}.{item.code}: unknown answer {answer!r}")


@dataclass(frozen=True)
class Change:
    before: float
    after: float
    delta: float  # after - before
    mic: float
    improved: bool
    meaningful: bool  # the change reaches the minimal important change, in the better direction
    worsened: bool  # the change reaches the minimal important change, in the worse direction


def change(code: str, before: float, after: float) -> Change:
    """How a score moved between two questionnaires, judged against the instrument's minimal important change."""
    measure = instrument(code)
    delta = round(after - before, 1)
    better = delta > 0 if measure.higher_is_better else delta < 0
    worse = delta < 0 if measure.higher_is_better else delta > 0
    reaches = abs(delta) >= measure.mic
    return Change(before, after, delta, measure.mic, better, better and reaches, worse and reaches)


def compared_scores(measure: Instrument, response, previous) -> list[tuple[str, float | None, float | None]]:
    """Each score of a questionnaire beside the same score of the previous one, as (label, now, before): the total,
    or for the NPRS, which has no total, each question (reference §10). `response` and `previous` (None for the
    first) hold the instrument's `answers` and `value`."""
    if measure.method == "each":
        return [
            (item.text, response.answers.get(item.code), previous.answers.get(item.code) if previous else None)
            for item in measure.items
        ]
    return [(measure.short_name, response.value, previous.value if previous else None)]


def worsened_scores(responses: dict, previous: dict) -> list[str]:
    """The scores that moved by at least the minimal important change in the worse direction since the previous
    questionnaire: `responses` and `previous` map instrument codes to their responses."""
    return [
        label
        for code, response in responses.items()
        for label, now, before in compared_scores(instrument(code), response, previous.get(code))
        if now is not None and before is not None and change(code, before, now).worsened
    ]
