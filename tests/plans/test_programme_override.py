"""A physio-chosen home programme: used instead of the builder's choice, dosed from the physio's starting dose,
checked against the library and the patient, and listed in the plan so an editor can start from it."""

import pytest

from intake.codes import Contraindication
from plans.builder import PlanError, build_plan
from plans.invariants import request_violations
from plans.selection import DOSAGE_STEP_WEEKS, Prescription
from tests.plans.factories import LIBRARY, gates, request

HIP_AND_KNEE = (
    Prescription("side_lying_hip_abduction", sets=2, reps=10, per_week=3),
    Prescription("sit_to_stand", sets=3, reps=10, per_week=3),
)


def sessions_of(plan):
    return [s for week in plan["weeks"] for s in week["sessions"]]


def strength_sessions(plan, week=None):
    return [s for w in plan["weeks"] if week in (None, w["week"]) for s in w["sessions"] if s["kind"] == "strength"]


def build(*prescriptions, **overrides):
    return build_plan(request(programme=prescriptions, **overrides), LIBRARY)


def problems_of(*prescriptions, **overrides) -> dict[str, list[str]]:
    with pytest.raises(PlanError) as error:
        build(*prescriptions, **overrides)
    return error.value.by_field()


def test_build_plan_lists_the_builders_programme_for_an_editor():
    plan = build_plan(request(), LIBRARY)
    entry = plan["programme"][0]
    assert set(entry) == {
        "code",
        "name",
        "kind",
        "sets",
        "reps",
        "hold_s",
        "minutes",
        "per_side",
        "per_week",
        "categories",
    }
    first_strength = strength_sessions(plan)[0]["exercises"]
    assert [e["code"] for e in plan["programme"] if e["kind"] in ("strength", "core")] == [
        e["code"] for e in first_strength if e["kind"] in ("strength", "core")
    ]


def test_build_plan_uses_the_physio_programme_in_their_order():
    plan = build(Prescription("sit_to_stand", sets=3, reps=10), Prescription("clamshell_band", sets=3, reps=12))
    assert [e["code"] for e in strength_sessions(plan)[0]["exercises"]] == ["sit_to_stand", "clamshell_band"]
    assert [e["code"] for e in plan["programme"]] == ["sit_to_stand", "clamshell_band"]
    assert {e["code"] for s in sessions_of(plan) if s["kind"] == "strength" for e in s["exercises"]} <= {
        "sit_to_stand",
        "squat",
        "split_squat",
        "clamshell_band",
    }


def test_build_plan_physio_dose_is_the_starting_dose_and_progresses_by_the_same_rules():
    plan = build(Prescription("glute_bridge", sets=1, reps=8), *HIP_AND_KNEE)

    def bridge(week):
        return next(e for e in strength_sessions(plan, week)[0]["exercises"] if e["code"] == "glute_bridge")

    assert (bridge(1)["sets"], bridge(1)["reps"]) == (1, 8)
    assert (bridge(DOSAGE_STEP_WEEKS + 1)["sets"], bridge(DOSAGE_STEP_WEEKS + 1)["reps"]) == (2, 8)
    assert plan["programme"][0]["sets"] == 1


def test_build_plan_physio_hold_is_added_to_the_dose():
    plan = build(Prescription("sit_to_stand", sets=3, reps=10, hold_s=3), HIP_AND_KNEE[0])
    assert strength_sessions(plan)[0]["exercises"][0]["hold_s"] == 3


def test_build_plan_physio_times_a_week_spread_over_strength_days():
    plan = build(HIP_AND_KNEE[0], Prescription("sit_to_stand", sets=3, reps=10, per_week=1))
    week_one = strength_sessions(plan, 1)
    assert len(week_one) == 3
    assert sum("sit_to_stand" in [e["code"] for e in s["exercises"]] for s in week_one) == 1
    assert all("side_lying_hip_abduction" in [e["code"] for e in s["exercises"]] for s in week_one)


def test_build_plan_daily_exercise_of_the_programme_follows_its_times_a_week():
    plan = build(*HIP_AND_KNEE, Prescription("hamstring_stretch", sets=1, hold_s=45, per_week=4))
    for week in plan["weeks"]:
        stretches = [e for s in week["sessions"] for e in s["exercises"] if e["code"] == "hamstring_stretch"]
        assert len(stretches) == 4
        assert {e["hold_s"] for e in stretches} == {45}


def test_build_plan_physio_programme_keeps_the_schedules_own_exercises():
    plan = build(*HIP_AND_KNEE)
    impact = {e["code"] for s in sessions_of(plan) if s["kind"] == "impact" for e in s["exercises"]}
    assert impact  # the impact-readiness weeks keep their ladder
    assert any(s.get("cross_train") for s in sessions_of(plan))


def test_build_plan_physio_programme_satisfies_every_invariant():
    req = request(programme=(*HIP_AND_KNEE, Prescription("pelvic_floor_contractions", sets=3, reps=10, per_week=7)))
    plan = build_plan(req, LIBRARY)
    assert request_violations(plan, req, LIBRARY) == []


@pytest.mark.parametrize(
    ("dose", "part", "message"),
    [
        ({"sets": 0}, "sets", "choose 1 to 5 sets (got 0)"),
        ({"reps": 40}, "reps", "choose 1 to 30 repetitions (got 40)"),
        ({"hold_s": 200}, "hold_s", "choose 1 to 120 seconds of hold (got 200)"),
        ({"minutes": 90}, "minutes", "choose 1 to 60 minutes (got 90)"),
        ({"per_week": 8}, "per_week", "choose 1 to 7 times a week (got 8)"),
        ({"per_week": None}, "per_week", "choose 1 to 7 times a week (got nothing)"),
        ({"reps": 2.5}, "reps", "choose 1 to 30 repetitions (got 2.5)"),
    ],
)
def test_plan_request_refuses_a_dose_out_of_range_naming_exercise_and_part(dose, part, message):
    with pytest.raises(PlanError) as error:
        request(programme=(Prescription("glute_bridge", **{"sets": 3, "reps": 10, **dose}), *HIP_AND_KNEE))
    assert error.value.by_field() == {f"programme.glute_bridge.{part}": [message]}


def test_plan_request_refuses_a_dose_without_an_amount():
    with pytest.raises(PlanError) as error:
        request(programme=(Prescription("glute_bridge", sets=3), *HIP_AND_KNEE))
    assert error.value.by_field() == {"programme.glute_bridge": ["give repetitions, a hold or minutes"]}


def test_plan_request_refuses_an_exercise_listed_twice():
    with pytest.raises(PlanError, match="programme: sit_to_stand is listed twice"):
        request(programme=(*HIP_AND_KNEE, HIP_AND_KNEE[1]))


def test_plan_request_refuses_an_empty_programme():
    with pytest.raises(PlanError, match="programme: choose at least one exercise"):
        request(programme=())


def test_plan_request_reads_programme_entries_of_a_plan():
    plan = build_plan(request(), LIBRARY)
    rebuilt = request(programme=plan["programme"])
    assert [p.slug for p in rebuilt.programme] == [e["code"] for e in plan["programme"]]
    assert rebuilt.programme[0] == Prescription.from_entry(plan["programme"][0])


def test_build_plan_refuses_an_unknown_exercise():
    problems = problems_of(*HIP_AND_KNEE, Prescription("moon_walk", sets=1, reps=5))
    assert problems == {"programme.moon_walk": ["moon_walk is not in the exercise library (or has been deactivated)"]}


def test_build_plan_refuses_a_contraindicated_exercise_with_the_reason():
    deep = str(Contraindication.PAINFUL_DEEP_KNEE_FLEXION)
    problems = problems_of(*HIP_AND_KNEE, Prescription("squat", sets=3, reps=10), gates=gates(contraindications=[deep]))
    assert problems == {
        "programme.squat": ["Squat must not be given to this patient (deep knee bending while it is painful)"]
    }


@pytest.mark.parametrize(
    ("slug", "says"),
    [("pogo_jumps", "is an impact exercise"), ("brisk_walking", "is cross training"), ("cadence_drill", "cadence")],
)
def test_build_plan_refuses_exercises_the_schedule_places_itself(slug, says):
    problems = problems_of(*HIP_AND_KNEE, Prescription(slug, sets=1, reps=10))
    assert says in problems[f"programme.{slug}"][0]


@pytest.mark.parametrize(
    ("programme", "missing"),
    [
        ((HIP_AND_KNEE[0],), "knee-strengthening"),
        ((HIP_AND_KNEE[1], Prescription("hamstring_stretch", sets=1, hold_s=30, per_week=7)), "hip-strengthening"),
    ],
)
def test_build_plan_refuses_patellofemoral_programme_without_hip_and_knee_work(programme, missing):
    problems = problems_of(*programme)
    assert problems == {"programme": [f"a patellofemoral pain programme needs a {missing} exercise (reference §2.5)"]}


def test_build_plan_allows_other_conditions_without_hip_and_knee_work():
    plan = build(Prescription("calf_raise", sets=3, reps=15), condition="iliotibial_band_syndrome")
    assert [e["code"] for e in plan["programme"]] == ["calf_raise"]


FIVE_STRENGTH = (
    *(Prescription(slug, sets=3, reps=10) for slug in ("glute_bridge", "clamshell_band", "sit_to_stand")),
    Prescription("knee_extension", sets=3, reps=10),
    Prescription("calf_raise", sets=3, reps=15),
)


def test_build_plan_refuses_more_than_four_strength_exercises_without_a_reason():
    assert problems_of(*FIVE_STRENGTH, more_exercises_reason="  ") == {
        "more_exercises_reason": [
            "5 strength and core exercises, more than the 4 the reference advises once the patient is independent "
            "(§5: 3–4, for adherence); remove one, or say why this patient needs more"
        ]
    }


def test_build_plan_takes_more_than_four_strength_exercises_with_the_physios_reason():
    req = request(programme=FIVE_STRENGTH, more_exercises_reason="Supervised in clinic twice a week")
    plan = build_plan(req, LIBRARY)
    assert [e["code"] for e in plan["programme"]] == [p.slug for p in FIVE_STRENGTH]
    assert request_violations(plan, req, LIBRARY) == []
