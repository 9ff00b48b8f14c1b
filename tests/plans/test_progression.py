from datetime import date, timedelta

import pytest

from plans.builder import build_plan
from plans.invariants import plan_violations
from plans.progression import (
    AMBER,
    GREEN,
    RED,
    LoggedSession,
    SessionLog,
    apply_log,
    needs_clinician,
    replay_logs,
    symptoms_rising,
    traffic_light,
)
from tests.plans.factories import LIBRARY, START, gates, pain_free_runner, request

DAY = date(2027, 1, 6)


def log(**fields) -> SessionLog:
    base = {"session_date": DAY, "level": 2, "next_morning_pain": 1, "next_morning_stiffness": 1}
    return SessionLog(**{**base, **fields})


def light_of(entry: SessionLog, *, baseline=1):
    return traffic_light(entry, baseline_morning_pain=baseline)


@pytest.mark.parametrize("pain", [0, 2, 3])
def test_traffic_light_green_when_pain_at_most_3_and_nothing_else(pain):
    light = light_of(log(pain_during_max=pain))
    assert light.colour == GREEN
    assert "P1" in light.reasons[0]
    assert light.advice.startswith("Well done")


@pytest.mark.parametrize("pain", [4, 5])
def test_traffic_light_amber_when_pain_4_to_5_settles_by_morning(pain):
    light = light_of(log(pain_during_max=pain))
    assert light.colour == AMBER
    assert "P3" in light.reasons[0]
    assert light.advice.startswith("Take it steady")


def test_traffic_light_amber_when_session_not_completed():
    assert light_of(log(completed=False)).colour == AMBER


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"pain_during_max": 6}, "pain 6/10"),
        ({"pain_escalated": True}, "worse as the session went on"),
        ({"limp": True}, "limp"),
        ({"swelling": True}, "swelling"),
        ({"next_morning_pain": 2}, "next-morning pain 2/10"),
        ({"next_morning_stiffness": 3}, "next-morning stiffness 3/10"),
    ],
)
def test_traffic_light_red_on_each_p4_sign(fields, reason):
    light = light_of(log(**fields))
    assert light.colour == RED
    assert any(reason in text and "P4" in text for text in light.reasons)
    assert light.advice.startswith("Stop for today and rest")


def test_traffic_light_red_on_pelvic_floor_symptoms():
    light = light_of(log(pf_symptoms=("leak",)))
    assert light.colour == RED
    assert "pelvic health physio" in light.advice
    assert "stop until your physio has seen you" in light.advice


@pytest.mark.parametrize("kind", [{"level": 3}, {"level": None, "step": 5}, {"level": None}])
@pytest.mark.parametrize("pain", [1, 4, 7])
def test_traffic_light_advice_never_speaks_of_the_next_session(kind, pain):
    """The next step is the plan's to say (next_step_words); advice of its own could contradict it."""
    advice = light_of(log(**kind, pain_during_max=pain, next_morning_pain=0, next_morning_stiffness=0)).advice
    assert not [word for word in ("level", "step", "next", "run", "skip", "back") if word in advice.lower()]


def test_traffic_light_next_morning_at_baseline_is_not_red():
    assert light_of(log(next_morning_pain=3, next_morning_stiffness=3), baseline=3).colour == GREEN


def test_traffic_light_uses_stiffness_baseline_when_given():
    entry = log(next_morning_pain=1, next_morning_stiffness=3)
    light = traffic_light(entry, baseline_morning_pain=1, baseline_morning_stiffness=3)
    assert light.colour == GREEN


def test_traffic_light_awaits_next_morning_before_final_green():
    light = light_of(log(next_morning_pain=None, next_morning_stiffness=None))
    assert light.colour == GREEN
    assert light.awaiting_next_morning
    assert "Tomorrow morning" in light.advice


def test_traffic_light_red_is_final_without_next_morning():
    light = light_of(log(pain_during_max=7, next_morning_pain=None, next_morning_stiffness=None))
    assert light.colour == RED
    assert not light.awaiting_next_morning


@pytest.mark.parametrize(
    "fields", [{"pain_during_max": 11}, {"next_morning_pain": -1}, {"rpe": 12}, {"pf_symptoms": ("sneeze",)}]
)
def test_session_log_rejects_out_of_range_values(fields):
    with pytest.raises(ValueError):
        log(**fields)


# --- apply_log ----------------------------------------------------------------------------------------------------


@pytest.fixture
def plan():
    return build_plan(request(), LIBRARY)


def runs_of(plan):
    return [s for week in plan["weeks"] for s in week["sessions"] if s["kind"] == "run"]


def day(session):
    return date.fromisoformat(session["date"])


def greens(sessions, **morning):
    """Green runs, their next mornings answered (no worse than usual) unless `morning` says otherwise."""
    answers = {"next_morning_pain": 0, "next_morning_stiffness": 0, **morning}
    return [LoggedSession(SessionLog(day(s), level=s["run"]["level"], **answers), GREEN) for s in sessions]


def test_apply_log_green_after_minimum_exposures_changes_nothing(plan):
    runs = runs_of(plan)
    new_plan, changes = apply_log(
        plan, session_date=day(runs[1]), light=GREEN, today=day(runs[1]), history=greens(runs[:2])
    )
    assert changes == []
    assert new_plan["weeks"] == plan["weeks"]


def test_apply_log_green_whose_next_morning_was_never_answered_is_no_exposure(plan):
    """reference §9.3 P1: green includes the next morning. The latest run counts while its morning may still be
    answered; an earlier one never answered does not, so the level waits for a second answered green (P2)."""
    runs = runs_of(plan)
    unanswered = greens(runs[:1], next_morning_pain=None, next_morning_stiffness=None)
    new_plan, changes = apply_log(
        plan, session_date=day(runs[1]), light=GREEN, today=day(runs[1]), history=[*unanswered, *greens(runs[1:2])]
    )
    assert [s["run"]["level"] for s in runs_of(new_plan)[:4]] == [1, 1, 1, 2]
    assert changes[0]["rule"] == "P2"


def test_apply_log_latest_green_counts_while_its_morning_may_still_be_answered(plan):
    runs = runs_of(plan)
    latest = greens(runs[1:2], next_morning_pain=None, next_morning_stiffness=None)
    _, changes = apply_log(
        plan, session_date=day(runs[1]), light=GREEN, today=day(runs[1]), history=[*greens(runs[:1]), *latest]
    )
    assert changes == []  # the schedule already assumed it green


def test_apply_log_green_without_earlier_exposure_repeats_the_level(plan):
    runs = runs_of(plan)  # levels 1, 1, 2, 2, …: the first level-1 session was never logged
    new_plan, changes = apply_log(
        plan, session_date=day(runs[1]), light=GREEN, today=day(runs[1]), history=greens(runs[1:2])
    )
    assert [s["run"]["level"] for s in runs_of(new_plan)[:5]] == [1, 1, 1, 2, 2]
    assert changes[0]["rule"] == "P2"
    assert changes[0]["before"]["run"]["level"] == 2 and changes[0]["after"]["run"]["level"] == 1


def test_apply_log_amber_repeats_the_level_at_the_next_run(plan):
    runs = runs_of(plan)
    new_plan, changes = apply_log(
        plan, session_date=day(runs[3]), light=AMBER, today=day(runs[3]), history=greens(runs[:3])
    )
    levels = [s["run"]["level"] for s in runs_of(new_plan)[:7]]
    assert levels == [1, 1, 2, 2, 2, 3, 3]
    assert {c["rule"] for c in changes} == {"P3"}
    assert plan_violations(new_plan, condition="patellofemoral_pain", library=LIBRARY) == []


def test_apply_log_red_skips_the_next_run_then_drops_a_level(plan):
    runs = runs_of(plan)
    new_plan, changes = apply_log(
        plan, session_date=day(runs[3]), light=RED, today=day(runs[3]), history=greens(runs[:3])
    )
    skipped = next(s for w in new_plan["weeks"] for s in w["sessions"] if s["date"] == runs[4]["date"])
    assert skipped["kind"] == "rest" and "run" not in skipped
    assert changes[0] == {
        **changes[0],
        "date": runs[4]["date"],
        "change": "skipped",
        "rule": "P4",
        "logged_session": runs[3]["date"],
    }
    assert runs_of(new_plan)[4]["run"]["level"] == 1
    assert all("P4" in c["reason"] for c in changes)
    assert plan_violations(new_plan, condition="patellofemoral_pain", library=LIBRARY) == []


def test_apply_log_changes_carry_the_session_before_for_undo(plan):
    runs = runs_of(plan)
    new_plan, changes = apply_log(plan, session_date=day(runs[3]), light=RED, today=day(runs[3]), history=[])
    original = {s["date"]: s for w in plan["weeks"] for s in w["sessions"]}
    for change in changes:
        assert change["before"] == original[change["date"]]
    assert new_plan["adjustments"] == changes


def test_apply_log_leaves_runs_before_today_alone(plan):
    runs = runs_of(plan)
    today = day(runs[6])
    new_plan, _ = apply_log(plan, session_date=day(runs[3]), light=RED, today=today, history=[])
    assert runs_of(new_plan)[4:6] == runs[4:6]
    assert next(s for w in new_plan["weeks"] for s in w["sessions"] if s["date"] == runs[6]["date"])["kind"] == "rest"


def test_apply_log_red_in_build_goes_back_to_level_7_and_keeps_load_guards():
    plan = build_plan(request(running=pain_free_runner()), LIBRARY)
    runs = runs_of(plan)
    new_plan, _ = apply_log(plan, session_date=day(runs[4]), light=RED, today=day(runs[4]), history=[])
    after = runs_of(new_plan)[5:8]
    assert [r["run"]["level"] for r in after] == [7, 7, 7]
    assert "walk_run" in [p["code"] for p in new_plan["phases"]]
    assert plan_violations(new_plan, condition="patellofemoral_pain", longest_run_30d_km=6, library=LIBRARY) == []


def test_apply_log_amber_in_build_holds_the_next_run():
    plan = build_plan(request(running=pain_free_runner()), LIBRARY)
    runs = runs_of(plan)
    logged = runs[6]
    new_plan, _changes = apply_log(plan, session_date=day(logged), light=AMBER, today=day(logged), history=[])
    assert runs_of(new_plan)[7]["run"]["minutes"] <= logged["run"]["minutes"]
    assert plan_violations(new_plan, condition="patellofemoral_pain", longest_run_30d_km=6, library=LIBRARY) == []


def test_apply_log_holds_a_green_when_symptoms_rise_two_weeks_running(plan):
    runs = runs_of(plan)
    history = [  # plan weeks 5, 6 and 7: average pain 0, then 1, then 2
        LoggedSession(SessionLog(day(s), level=s["run"]["level"], pain_during_max=pain), GREEN)
        for s, pain in zip(runs[:8], (0, 0, 0, 1, 1, 1, 2, 2), strict=True)
    ]
    session = runs[7]  # the second level-4 session: without P9 the next run is level 5
    new_plan, changes = apply_log(plan, session_date=day(session), light=GREEN, today=day(session), history=history)
    assert changes[0]["rule"] == "P9"
    assert runs_of(new_plan)[8]["run"]["level"] == 4


def test_apply_log_logs_of_days_without_a_run_are_not_exposures(plan):
    runs = runs_of(plan)
    between = next(
        day(s)
        for w in plan["weeks"]
        for s in w["sessions"]
        if runs[0]["date"] < s["date"] < runs[1]["date"] and s["kind"] != "rest"
    )
    history = [*greens(runs[:1]), LoggedSession(SessionLog(between), GREEN), *greens(runs[1:2])]
    _, changes = apply_log(plan, session_date=day(runs[1]), light=GREEN, today=day(runs[1]), history=history)
    assert changes == []  # the two level-1 greens still count, the cross-training day between them aside


def test_replay_logs_applies_each_logged_run_as_on_its_day(plan):
    runs = runs_of(plan)
    logged = [*greens(runs[:3]), LoggedSession(SessionLog(day(runs[3]), level=2), RED)]
    live = plan
    for index, entry in enumerate(logged):
        live, _ = apply_log(
            live,
            session_date=entry.log.session_date,
            light=entry.colour,
            today=entry.log.session_date,
            history=logged[: index + 1],  # as the app logs: the session stored, then the plan re-planned
        )
    assert replay_logs(plan, list(reversed(logged))) == live


def test_replay_logs_counts_green_logs_of_days_without_a_run_as_history_only(plan):
    not_a_run = LoggedSession(SessionLog(START), GREEN)
    assert replay_logs(plan, [not_a_run]) == plan


def test_apply_log_refuses_a_rest_day(plan):
    rest = next(day(s) for w in plan["weeks"] for s in w["sessions"] if s["kind"] == "rest")
    with pytest.raises(ValueError, match="no session planned"):
        apply_log(plan, session_date=rest, light=GREEN, today=rest, history=[])


@pytest.mark.parametrize("light", [GREEN, AMBER])
def test_apply_log_of_a_green_or_amber_strength_day_changes_nothing_ahead(plan, light):
    new_plan, changes = apply_log(plan, session_date=START, light=light, today=START, history=[])
    assert changes == [] and new_plan == plan


def sessions_between(plan, after: date, before: date, kind: str) -> list[dict]:
    return [s for w in plan["weeks"] for s in w["sessions"] if after < day(s) < before and s["kind"] == kind]


def test_apply_log_red_strength_day_rests_the_next_load_day_and_drops_a_level():
    """reference §9.3: every session is evaluated; a red one (here pain, limp and swelling after the exercises) is P4
    for the runs ahead, though it was not a run."""
    plan = build_plan(request(gates=gates(impact_readiness="passed")), LIBRARY)
    history = []
    for run in runs_of(plan)[:2]:
        history += greens([run])
        plan, _ = apply_log(plan, session_date=day(run), light=GREEN, today=day(run), history=history)
    second, third = runs_of(plan)[1:3]
    assert third["run"]["level"] == 2  # two greens at level 1 (P2)
    strength_day = day(sessions_between(plan, day(second), day(third), "strength")[0])
    history.append(LoggedSession(SessionLog(strength_day, pain_during_max=6, limp=True, swelling=True), RED))
    plan, changes = apply_log(plan, session_date=strength_day, light=RED, today=strength_day, history=history)
    assert changes[0]["date"] == third["date"] and changes[0]["change"] == "skipped" and changes[0]["rule"] == "P4"
    assert next(r for r in runs_of(plan) if day(r) > strength_day)["run"]["level"] == 1


def test_apply_log_red_strength_day_on_the_impact_ladder_steps_back_a_rung(plan):
    impacts = [s for w in plan["weeks"] for s in w["sessions"] if s["kind"] == "impact"]
    first = impacts[0]
    history = [LoggedSession(SessionLog(day(first), step=first["impact"]["step"]), GREEN)]
    plan, _ = apply_log(plan, session_date=day(first), light=GREEN, today=day(first), history=history)
    second = next(s for w in plan["weeks"] for s in w["sessions"] if s["kind"] == "impact" and day(s) > day(first))
    strength_day = day(sessions_between(plan, day(first), day(second), "strength")[0])
    history.append(LoggedSession(SessionLog(strength_day, pain_during_max=7), RED))
    plan, _ = apply_log(plan, session_date=strength_day, light=RED, today=strength_day, history=history)
    assert plan["weeks"] and session_kind_on(plan, day(second)) == "rest"
    after = next(s for w in plan["weeks"] for s in w["sessions"] if s["kind"] == "impact" and day(s) > day(second))
    assert after["impact"]["step"] == first["impact"]["step"]  # back from the next rung to the one passed


def session_kind_on(plan, when: date) -> str:
    return next(s["kind"] for w in plan["weeks"] for s in w["sessions"] if day(s) == when)


def test_apply_log_refuses_an_unknown_light(plan):
    with pytest.raises(ValueError, match="green, amber or red"):
        apply_log(plan, session_date=day(runs_of(plan)[0]), light="blue", today=START, history=[])


# --- symptoms trend and clinician review ---------------------------------------------------------------------------


def entry(offset_days, colour, *, level=3, **fields):
    return LoggedSession(SessionLog(START + timedelta(days=offset_days), level=level, **fields), colour)


def test_symptoms_rising_needs_two_consecutive_weekly_rises():
    rising = [
        entry(0, GREEN, pain_during_max=1),
        entry(8, GREEN, pain_during_max=2),
        entry(15, GREEN, pain_during_max=3),
    ]
    assert symptoms_rising(rising, START)
    assert not symptoms_rising(rising[:2], START)
    assert not symptoms_rising([*rising[:2], entry(15, GREEN, pain_during_max=2)], START)


def test_needs_clinician_counts_a_red_strength_day_among_two_reds_within_14_days():
    reasons = needs_clinician([entry(0, RED, level=None, pain_during_max=7), entry(10, RED, level=4)])
    assert [reason["code"] for reason in reasons] == ["two_reds_in_14_days"]


def test_needs_clinician_two_reds_within_14_days():
    reasons = needs_clinician([entry(0, RED, level=4), entry(14, RED, level=5)])
    assert [r["code"] for r in reasons] == ["two_reds_in_14_days"]
    assert "P5" in reasons[0]["reason"]


def test_needs_clinician_not_for_reds_15_days_apart_at_new_levels():
    assert needs_clinician([entry(0, RED, level=4), entry(10, GREEN, level=5), entry(15, RED, level=5)]) == []


def test_needs_clinician_red_at_the_regressed_level():
    history = [entry(0, RED, level=4), entry(20, GREEN, level=3), entry(30, RED, level=3)]
    reasons = needs_clinician(history)
    assert [r["code"] for r in reasons] == ["red_at_regressed_level"]
    assert reasons[0]["sessions"] == [(START + timedelta(days=30)).isoformat()]


def test_needs_clinician_pelvic_floor_symptoms_refer_to_pelvic_health():
    reasons = needs_clinician([entry(0, GREEN), entry(2, RED, pf_symptoms=("heaviness", "leak"))])
    assert [r["code"] for r in reasons] == ["pelvic_floor_symptoms"]
    assert reasons[0]["rule"] == "RF19" and "(leaking urine, heaviness or dragging)" in reasons[0]["reason"]


def test_needs_clinician_nothing_when_all_green():
    assert needs_clinician([entry(n * 2, GREEN) for n in range(6)]) == []
