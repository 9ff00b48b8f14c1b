"""Outcome-measure scoring (reference §10) and what submission stores of it."""

import pytest

from intake import services
from intake.models import OutcomeResponse
from intake.scoring import KOOS_PF_ITEM_CODES, NPRS_ITEM_CODES, change, instrument, score
from tests.intake.factories import AKPS_BEST, REQUIRED_INTAKE, fill_in

AKPS_WORST = {item.code: min(item.options, key=lambda o: o.points).code for item in instrument("akps").items}


def test_akps_all_best_scores_100():
    assert score("akps", AKPS_BEST).value == 100


def test_akps_all_worst_scores_0():
    assert score("akps", AKPS_WORST).value == 0


def test_akps_mixed_answers_add_up_their_points():
    mixed = {**AKPS_BEST, "limp": "slight_or_periodic", "stairs": "pain_up_and_down", "running": "severe_pain"}
    assert score("akps", mixed).value == 100 - 2 - 5 - 7


def test_akps_with_an_item_missing_is_not_scored():
    result = score("akps", {k: v for k, v in AKPS_BEST.items() if k != "jumping"})
    assert (result.value, result.answered, result.of) == (None, 12, 13)


def test_koos_pf_no_problems_scores_100_and_extreme_scores_0():
    assert score("koos_pf", dict.fromkeys(KOOS_PF_ITEM_CODES, 0)).value == 100
    assert score("koos_pf", dict.fromkeys(KOOS_PF_ITEM_CODES, 4)).value == 0


def test_koos_pf_mixed_answers_are_normalised_from_the_mean():
    answers = dict(zip(KOOS_PF_ITEM_CODES, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 2], strict=True))
    assert score("koos_pf", answers).value == 50.0


def test_koos_pf_with_half_the_items_is_scored_from_those_answered():
    six = dict.fromkeys(KOOS_PF_ITEM_CODES[:6], 1)
    assert score("koos_pf", six).value == 75.0


def test_koos_pf_with_fewer_than_half_answered_has_no_score():
    five = dict.fromkeys(KOOS_PF_ITEM_CODES[:5], 1)
    result = score("koos_pf", five)
    assert (result.value, result.answered, result.of) == (None, 5, 11)


@pytest.mark.parametrize(("answers", "answered"), [({c: 0 for c in NPRS_ITEM_CODES}, 4), ({"nprs_now": 10}, 1)])
def test_nprs_keeps_each_rating_as_its_own_score(answers, answered):
    result = score("nprs", answers)
    assert (result.value, result.answered, result.answers) == (None, answered, answers)


def test_nprs_mixed_ratings_are_compared_item_by_item_against_the_mic():
    assert change("nprs", 5, 3).meaningful  # 2 points down beats the PFP MIC of 1.16
    assert not change("nprs", 5, 4).meaningful
    assert not change("nprs", 3, 5).improved


@pytest.mark.parametrize(
    ("code", "before", "after", "meaningful"),
    [("akps", 70, 80, True), ("akps", 70, 78, False), ("koos_pf", 50, 66.4, True), ("koos_pf", 50, 66.3, False)],
)
def test_change_is_meaningful_from_the_minimal_important_change(code, before, after, meaningful):
    assert change(code, before, after).meaningful is meaningful


def test_submitting_stores_each_measure_with_raw_answers_and_version(patient, physio):
    invite = services.invite_create(patient=patient, by=physio)
    koos = dict.fromkeys(KOOS_PF_ITEM_CODES[:5], 2)  # too few to score: stored anyway, without a value
    intake = services.intake_submit(
        intake=fill_in(services.intake_draft_for_invite(invite=invite), {**REQUIRED_INTAKE, "koos_pf": koos})
    )
    stored = {r.instrument: r for r in OutcomeResponse.objects.filter(intake=intake, patient=patient)}
    assert (stored["akps"].value, stored["akps"].answers, stored["akps"].instrument_version) == (100, AKPS_BEST, "1.0")
    assert (stored["koos_pf"].value, stored["koos_pf"].answered, stored["koos_pf"].of) == (None, 5, 11)
    assert stored["koos_pf"].answers == koos
    assert stored["nprs"].answers == {"nprs_now": 2, "nprs_usual": 3, "nprs_worst_week": 5}
    assert {r.completed_at for r in stored.values()} == {intake.submitted_at}
