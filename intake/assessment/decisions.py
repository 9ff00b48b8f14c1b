"""The physiotherapist's decisions on the engine's result: which causes start as "confirm", the confirmed and rejected
lists an assessment stores, which red flags may be overridden (and why the others may not), and a digest of the
result shown, so what is confirmed is exactly what was seen.

Pure Python: data in, data out.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from intake.assessment.engine import HARD_BLOCKS, override_problems
from intake.codes import HOLDS, RED_FLAGS, Cause, Level

# Not in the reference, and no clinical threshold: a cause the engine scores at least this high (one strong finding,
# or a moderate and a weak one) starts as "confirm" on the assessment page, to save the physio clicks; the others
# start undecided, and the physio decides every cause before confirming. (The case harness, with no physio, plans
# with every cause the engine found.)
CAUSE_PRESELECT_MIN_SCORE = 0.5

CONFIRM, REJECT = "confirm", "reject"
VERDICTS = ((CONFIRM, "Confirm"), (REJECT, "Reject"))
ENGINE, PHYSIO = "engine", "physio"  # where a confirmed cause came from: listed by the engine, or added
CAUSE_NOTE_MAX_LENGTH = 300


@dataclass(frozen=True)
class CauseDecision:
    code: str
    verdict: str  # CONFIRM, REJECT, or "" while undecided
    note: str = ""
    origin: str = ENGINE


def result_digest(result: dict) -> str:
    """A fingerprint of an engine result: equal digests mean the very same result."""
    return hashlib.sha256(json.dumps(result, sort_keys=True).encode()).hexdigest()


def initial_verdict(score: float) -> str:
    return CONFIRM if score >= CAUSE_PRESELECT_MIN_SCORE else ""


def decisions_for(
    causes: list[dict], *, confirmed: list[dict], rejected: list[dict], preselect: bool = True
) -> list[CauseDecision]:
    """One decision per cause on the page: the engine's ranked causes (as decided before, else their initial verdict
    or, without `preselect`, undecided), then the causes the physio added that the engine does not list."""
    stored = {item["code"]: CauseDecision(item["code"], REJECT, item.get("note", "")) for item in rejected}
    stored.update(
        {item["code"]: CauseDecision(item["code"], CONFIRM, item.get("note", ""), item["origin"]) for item in confirmed}
    )
    listed = [cause["code"] for cause in causes]
    decisions = [
        CauseDecision(code, stored[code].verdict, stored[code].note)
        if code in stored
        else CauseDecision(code, initial_verdict(cause["score"]) if preselect else "")
        for code, cause in zip(listed, causes, strict=True)
    ]
    added = [item for item in confirmed if item["code"] not in listed]
    return decisions + [CauseDecision(item["code"], CONFIRM, item.get("note", ""), PHYSIO) for item in added]


def decision_lists(decisions: Iterable[CauseDecision]) -> tuple[list[dict], list[dict]]:
    """The confirmed causes in order ({code, origin, note}) and the rejected ones ({code, note}); undecided causes
    are in neither."""
    confirmed, rejected = [], []
    for decision in decisions:
        if decision.verdict == CONFIRM:
            confirmed.append({"code": decision.code, "origin": decision.origin, "note": decision.note})
        elif decision.verdict == REJECT:
            rejected.append({"code": decision.code, "note": decision.note})
    return confirmed, rejected


def undecided(decisions: Iterable[CauseDecision]) -> list[str]:
    return [decision.code for decision in decisions if not decision.verdict]


def addable_causes(decisions: Iterable[CauseDecision]) -> list[str]:
    """The cause codes the physio may add: every §7 cause not already on the page, in the reference's order."""
    present = {decision.code for decision in decisions}
    return [str(code) for code in Cause if code not in present]


def override_label(code: str) -> str:
    """The physio's words for a red flag or a hold."""
    if code in RED_FLAGS:
        return RED_FLAGS[code].label
    return HOLDS[code].label if code in HOLDS else code


def may_override(code: str) -> bool:
    """The engine decides which red flags a physio may override (with a written reason)."""
    return not override_problems({code: "reason"})


def why_not_overridable(code: str) -> str:
    """Plain words for a flag the engine does not let a physio override."""
    if code in HARD_BLOCKS:
        return (
            "A hard block: under 3 weeks after birth is for rest and recovery only, whatever the clinical picture "
            "(reference §8 RF17, Delphi 2024)."
        )
    level = RED_FLAGS[code].level
    if level in (Level.EMERGENCY, Level.URGENT):
        return f"An {level} flag sends the patient to a doctor first: record the referral; it cannot be overridden."
    return "The engine does not allow this flag to be overridden."


def override_refusal(code: str, reason: str) -> str:
    """Why the engine refuses this override, in words for the physio; '' when it is allowed."""
    problems = override_problems({code: reason})
    if not problems:
        return ""
    if code not in RED_FLAGS and code not in HOLDS:
        return "That is not a red flag or hold the engine knows."
    if not may_override(code):
        return why_not_overridable(code)
    text = problems[0].split(": ", 1)[1]  # 'give the reason for the override'
    return f"{text[0].upper()}{text[1:]}."
