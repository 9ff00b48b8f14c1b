"""The clinic's outcomes (plans/outcomes.py), figure by figure against a small clinic worked out by hand, its filters,
another clinic's patients never counted, the small-group rule, and a fixed number of queries whatever the size."""

from datetime import date

import pytest

from intake.scoring import change
from plans.models import PlanStatus
from plans.outcomes import (
    MEASURES,
    NOT_POSTPARTUM,
    POSTPARTUM,
    SMALL_GROUP,
    BackToRunning,
    Filters,
    Share,
    clinic_outcomes,
)
from plans.progression import AMBER, RED
from tests.factories import PatientFactory, PhysioFactory
from tests.intake.factories import SubmittedIntakeFactory
from tests.plans.outcome_factories import (
    assessed,
    at,
    follow_up,
    logged,
    patient_on_a_plan,
    plan_of,
    planned,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)
PERIOD = Filters(start=date(2026, 6, 1), end=TODAY)
PAIN = "nprs"


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def pain(now, usual, worst, run=None) -> dict:
    answers = {"nprs_now": now, "nprs_usual": usual, "nprs_worst_week": worst}
    return answers | ({"nprs_during_run": run} if run is not None else {})


def build_clinic(clinic, alice, ben):
    """Five patients whose first plan was issued in PERIOD, and those who must not count (see each)."""
    # Ann (Alice's): improved on everything but two pain questions; 30 minutes on 13 Oct, 42 days after her plan.
    ann = patient_on_a_plan(
        clinic, alice, issued=d(9, 1), name="Ann", scores={"koos_pf": 50.0, "akps": 60, PAIN: pain(4, 5, 7, 6)}
    )
    follow_up(ann.patient, d(10, 1), {"koos_pf": 60.0, "akps": 65, PAIN: pain(4, 4, 7, 5)})
    follow_up(ann.patient, d(11, 1), {"koos_pf": 66.4, "akps": 70, PAIN: pain(4, 3, 6, 4)})  # the latest counts
    planned(ann, d(9, 2), d(9, 4), d(9, 9), d(9, 11), d(10, 6), d(10, 13), d(10, 20), d(10, 22), d(10, 27), d(10, 29))
    logged(ann, d(9, 2))
    logged(ann, d(9, 4), level=3, planned_run_min=15)
    logged(ann, d(9, 9))
    logged(ann, d(9, 11))
    logged(ann, d(10, 6), level=7, planned_run_min=25)  # continuous, but 25 minutes
    logged(ann, d(10, 13), level=7, planned_run_min=30)  # the milestone
    logged(ann, d(10, 20), level=8, planned_run_min=33)
    logged(ann, d(10, 22))

    # Bea (Alice's, after a birth): the KOOS-PF up by exactly the MIC, the AKPS and usual pain worse by more.
    bea = patient_on_a_plan(
        clinic,
        alice,
        issued=d(8, 15),
        postpartum=True,
        name="Bea",
        scores={"koos_pf": 33.6, "akps": 70, PAIN: pain(2, 3, 6)},  # not running: no running pain at intake
    )
    follow_up(bea.patient, d(11, 10), {"koos_pf": 50.0, "akps": 59, PAIN: pain(2, 5, 5, 3)})
    planned(bea, d(9, 20), d(10, 10), d(10, 24), d(10, 26))
    logged(bea, d(9, 20), level=6, planned_run_min=30)  # 30 minutes, but in three bouts
    logged(bea, d(10, 10), level=7, planned_run_min=30, traffic_light=RED)  # red: not reached
    logged(bea, d(10, 24), level=8, planned_run_min=35, traffic_light=AMBER)  # reached, 70 days on

    # Cat (Ben's, iliotibial band): no follow-up yet; stopped the run early but ran the 30 minutes: 35 days on.
    cat = patient_on_a_plan(
        clinic, ben, issued=d(10, 1), condition="iliotibial_band_syndrome", name="Cat", scores={"koos_pf": 55.0}
    )
    planned(cat, d(10, 2), d(11, 5), d(12, 3))  # 3 December is still to come
    logged(cat, d(11, 5), level=7, planned_run_min=30, completed=False, duration_min=30)

    # Dee (Ben's, after a birth): 20 of the 30 minutes; today's session is logged, so it is due.
    dee = patient_on_a_plan(clinic, ben, issued=d(11, 20), postpartum=True, name="Dee")
    planned(dee, d(11, 21), d(11, 28), TODAY, d(12, 2))
    logged(dee, d(11, 28), level=7, planned_run_min=30, completed=False, duration_min=20, traffic_light=AMBER)
    logged(dee, TODAY)

    # Eve (Alice's): her plan ended on 1 Sep, the day of her last session (what it planned after is gone).
    eve = patient_on_a_plan(clinic, alice, issued=d(7, 1), name="Eve", scores={"koos_pf": 40.0, "akps": 55})
    follow_up(eve.patient, d(8, 1), {"koos_pf": 70.0})
    follow_up(eve.patient, d(9, 15), {"koos_pf": 45.0})
    eve.status, eve.ended_at = PlanStatus.ENDED, at(d(9, 1))
    eve.save(update_fields=["status", "ended_at"])
    planned(eve, d(8, 20), d(8, 30), d(9, 1))
    logged(eve, d(8, 20), level=3, planned_run_min=15)
    logged(eve, d(9, 1))

    # Not counted: Fay's first plan came before the period (her second, in it, does not make her new), ...
    fay = patient_on_a_plan(clinic, alice, issued=d(5, 1), name="Fay", scores={"koos_pf": 20.0})
    second = plan_of(fay.patient, issued=d(9, 10), condition="patellar_tendinopathy")
    follow_up(fay.patient, d(10, 10), {"koos_pf": 90.0})
    logged(second, d(9, 12), level=8, planned_run_min=40)
    # ... Ivy's plan is a draft (her assessment was before the period), ...
    patient_on_a_plan(clinic, alice, issued=d(5, 20), name="Ivy", draft=True)
    # ... and Hal was referred on at his assessment, in the period; Joe's referral was before it.
    hal = PatientFactory(clinic=clinic, physio=alice, first_name="Hal")
    assessed(SubmittedIntakeFactory(patient=hal), on=d(10, 15), condition="possible_meniscal_injury", **referred())
    joe = PatientFactory(clinic=clinic, physio=ben, first_name="Joe")
    assessed(SubmittedIntakeFactory(patient=joe), on=d(5, 10), **referred())


def referred() -> dict:
    return {"status": "referred", "referral_note": "Acute knee clinic."}


@pytest.fixture
def alice(physio):
    return physio


@pytest.fixture
def ben(colleague_physio):
    return colleague_physio


@pytest.fixture
def small_clinic(clinic, alice, ben):
    build_clinic(clinic, alice, ben)
    return clinic


def outcomes(clinic, **filters):
    return clinic_outcomes(clinic_id=clinic.pk, filters=Filters(**{**PERIOD.__dict__, **filters}), today=TODAY)


def score(result, key):
    return next(change for change in result.scores if change.measure.key == key)


def test_the_patients_counted_are_those_whose_first_plan_was_issued_in_the_period(small_clinic):
    assert outcomes(small_clinic).patients == 5  # Ann, Bea, Cat, Dee, Eve


def test_each_questionnaire_score_from_the_intake_to_the_latest_follow_up(small_clinic):
    result = outcomes(small_clinic)
    koos = score(result, "koos_pf")
    # Ann 50 → 66.4 and Bea 33.6 → 50 improved by the MIC (16.4) exactly; Eve 40 → 45 (her latest); Cat no follow-up.
    assert (koos.patients, koos.at_intake, koos.latest, koos.change) == (3, 41.2, 53.8, 12.6)
    assert (koos.improved, koos.worsened) == (Share(2, 3, 3), Share(0, 3, 3))
    akps = score(result, "akps")  # Ann 60 → 70 (the MIC, 10), Bea 70 → 59
    assert (akps.patients, akps.at_intake, akps.latest, akps.improved.count, akps.worsened.count) == (2, 65, 64.5, 1, 1)
    assert [
        (change.patients, change.improved.count, change.worsened.count)
        for change in result.scores
        if change.measure.instrument == PAIN
    ] == [
        (2, 0, 0),  # now: Ann 4 → 4, Bea 2 → 2
        (2, 1, 1),  # usual: Ann 5 → 3, Bea 3 → 5
        (2, 0, 0),  # worst: Ann 7 → 6, Bea 6 → 5: one point is less than the MIC (1.16)
        (1, 1, 0),  # running: Ann 6 → 4; Bea did not run at intake
    ]


def test_back_to_running_counts_the_first_continuous_30_minutes_not_red(small_clinic):
    running = outcomes(small_clinic).running
    assert running.reached == Share(3, 5, 5)  # Ann, Bea (the amber build run), Cat (30 minutes reported)
    assert running.days == (35, 42, 70)
    assert running.median_weeks == 6.0
    assert running.by_week() == [(5, 1), (6, 1), (7, 0), (8, 0), (9, 0), (10, 1)]


def test_sessions_logged_out_of_those_planned_up_to_today(small_clinic):
    # Due: Ann 10, Bea 4, Cat 2 (3 Dec is still to come), Dee 2 and today's, logged, Eve 3 = 22.
    # Logged: Ann 8, Bea 3, Cat 1, Dee 2, Eve 2 = 16.
    assert outcomes(small_clinic).sessions == Share(16, 22, 5)


def test_red_runs_per_100_runs(small_clinic):
    result = outcomes(small_clinic)
    assert (result.runs, result.red_runs, result.run_patients, result.red_per_100_runs) == (10, 1, 5, 10.0)


def test_referrals_among_the_assessments_decided_in_the_period(small_clinic):
    # Ann, Bea, Cat, Dee, Eve, Fay's second and Hal's referral; not Ivy's nor Joe's, before the period.
    assert outcomes(small_clinic).referrals == Share(1, 7, 7)
    assert outcomes(small_clinic).referrals.percent == 14


def test_filters_by_physio_condition_and_birth(small_clinic, alice, ben):
    assert outcomes(small_clinic, physio_id=alice.pk).patients == 3  # Ann, Bea, Eve
    assert outcomes(small_clinic, physio_id=ben.pk).running.reached == Share(1, 2, 2)  # Cat
    assert outcomes(small_clinic, condition="patellofemoral_pain").patients == 4  # not Cat
    assert outcomes(small_clinic, postpartum=POSTPARTUM).patients == 2  # Bea, Dee
    assert outcomes(small_clinic, postpartum=NOT_POSTPARTUM).patients == 3
    meniscal = outcomes(small_clinic, condition="possible_meniscal_injury")
    assert (meniscal.patients, meniscal.referrals) == (0, Share(1, 1, 1))
    assert outcomes(small_clinic, start=d(9, 1), end=d(9, 1)).patients == 1  # Ann, issued that day
    assert outcomes(small_clinic, start=d(9, 2)).patients == 2  # Cat, Dee


def test_another_clinics_patients_are_never_counted(small_clinic, alice, ben, other_clinic, other_physio):
    before = outcomes(small_clinic)
    build_clinic(other_clinic, other_physio, PhysioFactory(clinic=other_clinic))
    assert outcomes(small_clinic) == before
    assert outcomes(other_clinic) == before  # the same histories there, counted for that clinic alone
    assert outcomes(small_clinic, physio_id=other_physio.pk).patients == 0


def test_percentages_of_small_groups_are_not_given():
    assert Share(2, 3, 3).percent is None and Share(2, 3, 3).words() == "2 of 3"
    assert Share(3, SMALL_GROUP, SMALL_GROUP).percent == 60
    assert Share(3, SMALL_GROUP, SMALL_GROUP).words() == "3 of 5 (60 %)"
    assert Share(0, 0, SMALL_GROUP).percent is None
    assert BackToRunning(Share(0, 4, 4), ()).median_weeks is None and BackToRunning(Share(0, 4, 4), ()).by_week() == []


@pytest.mark.parametrize(
    ("code", "before", "after"),
    [
        ("koos_pf", 33.6, 50.0),
        ("koos_pf", 50.0, 66.4),
        ("koos_pf", 50.0, 66.3),
        ("koos_pf", 66.4, 50.0),
        ("koos_pf", 50.0, 33.7),
        ("akps", 60, 70),
        ("akps", 60, 69),
        ("akps", 70, 60),
        ("akps", 70, 61),
    ],
)
def test_the_database_judges_a_change_as_the_follow_up_does(clinic, alice, code, before, after):
    """At the minimal important change and a tenth either side, in both directions (intake.scoring.change)."""
    plan = patient_on_a_plan(clinic, alice, issued=d(9, 1), scores={code: before})
    follow_up(plan.patient, d(10, 1), {code: after})
    counted = score(outcomes(clinic), code)
    expected = change(code, before, after)
    assert (counted.improved.count, counted.worsened.count) == (int(expected.meaningful), int(expected.worsened))


def test_pain_changes_are_judged_as_the_follow_up_does(clinic, alice):
    plan = patient_on_a_plan(clinic, alice, issued=d(9, 1), scores={PAIN: pain(5, 5, 5, 5)})
    follow_up(plan.patient, d(10, 1), {PAIN: pain(4, 3, 7, 6)})
    changes = {c.measure.key: (c.improved.count, c.worsened.count) for c in outcomes(clinic).scores if c.patients}
    expected = {
        m.item: (int(change(PAIN, 5, after).meaningful), int(change(PAIN, 5, after).worsened))
        for m, after in zip([m for m in MEASURES if m.item], (4, 3, 7, 6), strict=True)
    }
    assert (
        changes
        == expected
        == {"nprs_now": (0, 0), "nprs_usual": (1, 0), "nprs_worst_week": (0, 1), "nprs_during_run": (0, 0)}
    )
