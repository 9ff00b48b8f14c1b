"""The assessment engine: a validated case in, the physio's decision support out.

Pure Python, no ORM or HTTP: the web views, `manage.py evaluate_case` and the tests call these same functions. The
rules are data in `intake/assessment/rules.py`; this module evaluates them in a fixed order:

1. the differential (reference §2.2, §2.8) concludes the condition, because red flag RF22 depends on it;
2. red flags (§8), with the physio's overrides; the most severe one that is not overridden sets the action;
3. contributing causes (§7), scored by the weight of their evidence and ranked;
4. the answers still needed, the holds (§9.1 entry criteria, §8 RF22, unanswered safety questions) with the
   physio's overrides, and the gates the plan builder works from.

The output is the case format's (`../shared/clinical/case-format.md`, without `plan`) plus Runback's additions:
`condition_evidence`, each flag's `evidence`, `source` and override, each cause's `sources`, `holds`, `gates` and
`engine_version`.
"""

from collections.abc import Mapping
from datetime import date, timedelta

from intake.assessment.facts import CaseFacts, add_months
from intake.assessment.rules import (
    AGAINST,
    BALANCE_SHORT,
    CAUSE_ORDER,
    CAUSE_RULES,
    CONDITION_RULES,
    CONTRAINDICATION_RULES,
    DIFFERENTIAL_ORDER,
    HIGH_FATIGUE,
    HOLD_RULES,
    NEED_RULES,
    PATTERN,
    RED_FLAG_RULES,
    RUNNER_IMPACT_TESTS,
    SHORT_SLEEP,
    SITE,
    STRENGTH_TEST_SHORT,
    THRESHOLDS,
)
from intake.codes import (
    HOLDS,
    ISSUING,
    LEVEL_SEVERITY,
    RED_FLAGS,
    RUNNING,
    Action,
    Condition,
    Contraindication,
    Hold,
    Level,
    RedFlag,
)
from intake.schema import READINESS_TESTS, field_at

# Bump whenever a rule, weight or threshold changes, so a stored assessment says which rules produced it.
ENGINE_VERSION = "2026.12.8"

ACTION_FOR_LEVEL = {
    Level.EMERGENCY: Action.EMERGENCY,
    Level.URGENT: Action.URGENT,
    Level.REFER_BEFORE_RUN: Action.REFER_BEFORE_RUN,
    Level.CAUTION: Action.PLAN,
}
# A physio may override a flag that delays running or asks for caution, never one that sends the patient to a
# doctor; under 3 weeks after birth is a hard block (reference §6.5 and §8 RF17, Delphi 2024 minimum rest).
OVERRIDABLE_LEVELS = (Level.REFER_BEFORE_RUN, Level.CAUTION)
HARD_BLOCKS = (RedFlag.TOO_EARLY_POSTPARTUM,)
RED_FLAG_ORDER = tuple(RedFlag)
HOLD_ORDER = tuple(Hold)


def assess(case: dict, *, overrides: Mapping[str, str] | None = None) -> dict:
    """Assess a case validated by `intake.schema.validate_case`.

    `overrides` maps red-flag and hold codes to the physio's written reason; an overridden flag or hold stays in the
    result, marked, and stops blocking. Raises ValueError, one line per problem, for an override that is not allowed.
    """
    overrides = dict(overrides or {})
    problems = override_problems(overrides)
    if problems:
        raise ValueError("\n".join(problems))
    facts = case_facts(case)
    flags = red_flags(facts, overrides=overrides)
    held = holds(facts, overrides=overrides)
    return {
        "action": str(action_for(flags)),
        "condition": str(facts.condition),
        "condition_evidence": diagnose(facts)[1],
        "red_flags": flags,
        "causes": ranked_causes(facts),
        "needs": sorted({rule.path for rule in NEED_RULES if rule.needed(facts)}),
        "holds": held,
        "gates": gates(facts, flags, held),
        "engine_version": ENGINE_VERSION,
    }


def screen_intake(intake: dict, *, as_of: date, patient: dict | None = None) -> list[dict]:
    """The red flags of a patient's answers alone (what the questionnaire shows on submit), as in `assess`."""
    case = {"as_of": as_of.isoformat(), "intake": intake, "patient": patient or {}}
    return red_flags(case_facts(case), overrides={})


def case_facts(case: dict) -> CaseFacts:
    """The facts of a case with the differential's conclusion, which red flag RF22 reads."""
    condition, _ = diagnose(CaseFacts(case))
    return CaseFacts(case, condition=condition)


def override_problems(overrides: Mapping[str, str]) -> list[str]:
    """One line per override that is not allowed, naming it as 'overrides.<code>'."""
    problems = []
    for code, reason in overrides.items():
        path = f"overrides.{code}"
        if code not in RED_FLAG_ORDER and code not in HOLD_ORDER:
            problems.append(f"{path}: not a red-flag or hold code (one of {', '.join(RED_FLAG_ORDER + HOLD_ORDER)})")
        elif code in HARD_BLOCKS:
            problems.append(f"{path}: a hard block that cannot be overridden (reference §6.5, §8 RF17)")
        elif code in RED_FLAGS and RED_FLAGS[code].level not in OVERRIDABLE_LEVELS:
            problems.append(
                f"{path}: an {RED_FLAGS[code].level} red flag cannot be overridden; "
                f"only {' and '.join(OVERRIDABLE_LEVELS)} flags can"
            )
        elif not isinstance(reason, str) or not reason.strip():
            problems.append(f"{path}: give the reason for the override")
        elif len(reason) > field_at(path).max_length:
            problems.append(f"{path}: the reason must be at most {field_at(path).max_length} characters")
    return problems


def diagnose(facts: CaseFacts) -> tuple[Condition, list[str]]:
    """The first condition of the differential whose site and pattern both fire with nothing against it."""
    for condition in DIFFERENTIAL_ORDER:
        fired = [rule for rule in CONDITION_RULES if rule.output == condition and rule.fires(facts)]
        roles = {rule.role for rule in fired}
        if SITE in roles and PATTERN in roles and AGAINST not in roles:
            return condition, [rule.evidence(facts) for rule in fired]
    return Condition.UNCLEAR, []


def red_flags(facts: CaseFacts, *, overrides: Mapping[str, str]) -> list[dict]:
    """Raised red flags, most severe first, each with the evidence of every rule that raised it."""
    evidence: dict[RedFlag, list[str]] = {}
    for rule in RED_FLAG_RULES:
        if rule.fires(facts):
            evidence.setdefault(rule.output, []).append(rule.evidence(facts))
    flags = []
    for code in sorted(evidence, key=lambda c: (-LEVEL_SEVERITY[RED_FLAGS[c].level], RED_FLAG_ORDER.index(c))):
        info = RED_FLAGS[code]
        flag = {
            "code": str(code),
            "level": str(info.level),
            "reason": info.label,
            "evidence": evidence[code],
            "source": info.source,
            "overridden": code in overrides,
        }
        if code in overrides:
            flag["override_reason"] = overrides[code].strip()
        flags.append(flag)
    return flags


def holds(facts: CaseFacts, *, overrides: Mapping[str, str]) -> list[dict]:
    """What holds the plan back although no red flag does, in `Hold` order, each with its evidence, what it stops
    (`running`, which includes issuing the plan, or only `issuing`) and the physio's override if any."""
    evidence: dict[Hold, list[str]] = {}
    stops: dict[Hold, str] = {}
    for rule in HOLD_RULES:
        if rule.fires(facts):
            evidence.setdefault(rule.output, []).append(rule.evidence(facts))
            stops[rule.output] = RUNNING
    unanswered = unanswered_safety(facts)
    if unanswered:
        code = Hold.UNANSWERED_SAFETY_QUESTIONS
        evidence[code] = [f"not answered: {rule.path} ({rule.source})" for rule in unanswered]
        stops[code] = RUNNING if any(rule.blocks == RUNNING for rule in unanswered) else ISSUING
    held = []
    for code in HOLD_ORDER:
        if code not in evidence:
            continue
        hold = {
            "code": str(code),
            "stops": stops[code],
            "reason": HOLDS[code].label,
            "evidence": evidence[code],
            "source": HOLDS[code].source,
            "overridden": code in overrides,
        }
        if code == Hold.UNANSWERED_SAFETY_QUESTIONS:
            hold["questions"] = [rule.path for rule in unanswered]  # for pages that name them in words
        if code in overrides:
            hold["override_reason"] = overrides[code].strip()
        held.append(hold)
    return held


def unanswered_safety(facts: CaseFacts) -> list:
    """The safety questions still unanswered (the NEED_RULES that block something)."""
    return [rule for rule in NEED_RULES if rule.blocks and rule.needed(facts)]


def action_for(flags: list[dict]) -> Action:
    """The most severe level among the flags that are not overridden; a plan when there are none or only caution."""
    levels = [Level(flag["level"]) for flag in flags if not flag["overridden"]]
    return ACTION_FOR_LEVEL[max(levels, key=LEVEL_SEVERITY.get)] if levels else Action.PLAN


def ranked_causes(facts: CaseFacts) -> list[dict]:
    """Causes scored by the summed weight of their evidence (at most 1), best first. Causes at the same score are
    told apart by the whole weight of their evidence (beyond the score's cap of 1), then by how many findings
    point to them, and only then by the order of reference §7."""
    fired: dict[str, list] = {}
    for rule in CAUSE_RULES:
        if rule.fires(facts):
            fired.setdefault(rule.output, []).append(rule)
    causes = [
        {
            "code": str(cause),
            "score": round(min(1.0, sum(rule.weight for rule in rules)), 2),
            "evidence": [rule.evidence(facts) for rule in rules],
            "sources": list(dict.fromkeys(rule.source for rule in rules)),
        }
        for cause, rules in fired.items()
    ]
    weight = {str(cause): sum(rule.weight for rule in rules) for cause, rules in fired.items()}
    return sorted(
        causes,
        key=lambda cause: (
            -cause["score"],
            -round(weight[cause["code"]], 2),
            -len(cause["evidence"]),
            CAUSE_ORDER.index(cause["code"]),
        ),
    )


def gates(facts: CaseFacts, flags: list[dict], held: list[dict]) -> dict:
    """What the plan builder may schedule (see README, "Assessment engine and case harness")."""
    running_holds = [hold["code"] for hold in held if not hold["overridden"] and hold["stops"] == RUNNING]
    overridden = {hold["code"] for hold in held if hold["overridden"]}
    running_from = None if running_holds else running_allowed_from(facts, flags)
    buggy_planned = facts.get("intake.postpartum.buggy_running_planned") is True
    delivery_mode = facts.get("intake.postpartum.delivery_mode")
    return {
        "running_allowed": running_from is not None,
        "running_allowed_from": running_from.isoformat() if running_from else None,
        "blocked_by": [flag["code"] for flag in flags if blocks_running(flag)] + running_holds,
        # A plan may be drafted but not issued while these safety questions are open (reference §8).
        "issue_blocked_by": (
            [] if Hold.UNANSWERED_SAFETY_QUESTIONS in overridden else [rule.path for rule in unanswered_safety(facts)]
        ),
        "weeks_postpartum": facts.weeks_postpartum,
        "delivery_date": facts.delivery_date.isoformat() if facts.delivery_date else None,
        "caesarean": delivery_mode in ("caesarean_planned", "caesarean_emergency"),
        "breastfeeding": facts.get("intake.postpartum.breastfeeding") in ("exclusive", "mixed"),
        # reference §9.3 P11: short sleep or high fatigue → an extra rest day between runs
        "extra_rest_day": SHORT_SLEEP.when(facts) or HIGH_FATIGUE.when(facts),
        "buggy_allowed_from": (
            add_months(facts.delivery_date, THRESHOLDS["BUGGY_BABY_MONTHS"]).isoformat() if buggy_planned else None
        ),
        "contraindications": contraindications(facts, flags),
        "impact_readiness": impact_readiness(facts),
        "cadence_spm": facts.cadence_spm,
    }


def blocks_running(flag: dict) -> bool:
    return not flag["overridden"] and flag["level"] != Level.CAUTION


def running_allowed_from(facts: CaseFacts, flags: list[dict]) -> date | None:
    """The earliest date of a run or impact session, or None while a flag blocks running until a physio clears it.

    Under 12 weeks after birth on its own delays running to the 12-week date (reference §8 RF18, §1.1); overridden,
    to 3 weeks after birth at the earliest (the Delphi 2024 minimum, §1.7). Every other flag that blocks running
    (emergency, urgent, refer before running) stops it until it is resolved or overridden.
    """
    blocking = {flag["code"] for flag in flags if blocks_running(flag)}
    raised = {flag["code"] for flag in flags}
    if blocking - {RedFlag.UNDER_12_WEEKS_POSTPARTUM}:
        return None
    if RedFlag.UNDER_12_WEEKS_POSTPARTUM in blocking:
        weeks = THRESHOLDS["RUNNING_POSTPARTUM_WEEKS"]
    elif RedFlag.UNDER_12_WEEKS_POSTPARTUM in raised:
        weeks = THRESHOLDS["TOO_EARLY_POSTPARTUM_WEEKS"]
    else:
        return facts.plan_start
    return max(facts.plan_start, facts.delivery_date + timedelta(weeks=weeks))


def contraindications(facts: CaseFacts, flags: list[dict]) -> list[str]:
    """Contraindication codes present, in their defined order.

    Pelvic floor symptoms stay a contraindication while they are reported, even when the physio has overridden
    flag RF19 to let running start: the override is a decision about running, while the restriction keeps extra
    impact and heavy loading out of the home programme until the symptoms resolve (reference §7 row 13).
    """
    present = {rule.output for rule in CONTRAINDICATION_RULES if rule.fires(facts)}
    if any(flag["code"] == RedFlag.PELVIC_FLOOR_SYMPTOMS for flag in flags):
        present.add(Contraindication.PELVIC_FLOOR_SYMPTOMS)
    return [str(code) for code in Contraindication if code in present]


def impact_readiness(facts: CaseFacts) -> str:
    """'failed' when any impact test was failed, 'passed' when every test of the gate was passed, else 'not_assessed'.

    After a birth the gate is the load and impact tests (reference §1.2) and the strength tests (§1.3); for other
    runners, jogging on the spot and hopping (§9.1).
    """
    readiness = dict(facts.get("findings.readiness") or {})
    tests = READINESS_TESTS if facts.is_postpartum else RUNNER_IMPACT_TESTS
    if facts.is_postpartum and facts.has(BALANCE_SHORT.reads[0]):
        # The balance test timed as well as, or instead of, ticked: under 10 s fails it whatever the box says.
        readiness["sl_balance_10s"] = not BALANCE_SHORT.when(facts) and readiness.get("sl_balance_10s", True)
    outcomes = [readiness.get(test) for test in tests]
    if facts.is_postpartum:
        outcomes += [None if not facts.has(short.reads[0]) else not short.when(facts) for short in STRENGTH_TEST_SHORT]
    if False in outcomes or False in readiness.values():
        return "failed"
    return "passed" if all(outcome is True for outcome in outcomes) else "not_assessed"
