"""Adherence and the caseload's alerts, from plain dates and lights."""

from datetime import date, timedelta

import pytest

from plans.adherence import (
    MISSED_WEEK,
    MISSED_WEEK_DAYS,
    PELVIC_FLOOR,
    PLAN_ALERT,
    RED_FLAG,
    TWO_REDS,
    adherence,
    caseload_alerts,
    planned_days,
    trend,
)

START = date(2026, 12, 1)
TODAY = START + timedelta(days=20)
EVERY_OTHER_DAY = [START + timedelta(days=n) for n in range(0, 28, 2)]


def alert_codes(**fields):
    defaults = {"planned": EVERY_OTHER_DAY, "lights": [(TODAY - timedelta(days=1), "green")], "today": TODAY}
    return [alert.code for alert in caseload_alerts(start=START, **{**defaults, **fields})]


def test_planned_days_leave_out_rest_days():
    plan = {
        "weeks": [
            {"sessions": [{"date": "2026-12-01", "kind": "run"}, {"date": "2026-12-02", "kind": "rest"}]},
            {"sessions": [{"date": "2026-12-08", "kind": "strength"}]},
        ]
    }
    assert planned_days(plan) == [date(2026, 12, 1), date(2026, 12, 8)]


def test_adherence_counts_logged_of_planned_to_date():
    logged = {START, START + timedelta(days=2)}
    result = adherence(EVERY_OTHER_DAY, logged, today=START + timedelta(days=7))
    assert (result.logged, result.planned, result.percent) == (2, 4, 50)


def test_adherence_counts_todays_session_only_once_logged():
    today = START + timedelta(days=2)
    assert adherence(EVERY_OTHER_DAY, {START}, today=today).planned == 1
    assert adherence(EVERY_OTHER_DAY, {START, today}, today=today).planned == 2


def test_adherence_in_a_window_counts_from_its_first_day():
    result = adherence(EVERY_OTHER_DAY, set(EVERY_OTHER_DAY), today=TODAY, since=TODAY - timedelta(days=6))
    assert (result.logged, result.planned) == (4, 4)  # days 14, 16, 18 and today, logged


def test_adherence_before_the_plan_starts_has_no_percentage():
    assert adherence(EVERY_OTHER_DAY, set(), today=START).percent is None


def test_no_alerts_for_a_patient_keeping_to_the_plan():
    assert alert_codes() == []


def test_two_reds_in_14_days_alert():
    lights = [(TODAY - timedelta(days=10), "red"), (TODAY - timedelta(days=2), "red")]
    assert alert_codes(lights=lights) == [TWO_REDS]


def test_two_reds_further_apart_than_14_days_do_not_alert():
    lights = [(TODAY - timedelta(days=16), "red"), (TODAY - timedelta(days=2), "red")]
    assert alert_codes(lights=lights) == []


def test_a_missed_week_with_sessions_planned_alerts():
    lights = [(TODAY - timedelta(days=MISSED_WEEK_DAYS), "green")]
    assert alert_codes(lights=lights) == [MISSED_WEEK]


def test_a_quiet_week_without_sessions_planned_does_not_alert():
    planned = [day for day in EVERY_OTHER_DAY if day < TODAY - timedelta(days=MISSED_WEEK_DAYS)]
    assert alert_codes(planned=planned, lights=[(TODAY - timedelta(days=9), "green")]) == []


def test_nothing_logged_since_the_start_a_week_ago_alerts():
    assert alert_codes(lights=[]) == [MISSED_WEEK]


def test_open_alerts_and_red_flags_come_in_order_of_urgency():
    codes = alert_codes(red_flag_level="urgent", open_alert_codes=["pelvic_floor_symptoms", "red_at_regressed_level"])
    assert codes == [RED_FLAG, PELVIC_FLOOR, PLAN_ALERT]


@pytest.mark.parametrize("count", [1, 5, 8])
def test_trend_is_the_last_five_lights_oldest_first(count):
    lights = [(START + timedelta(days=n), "green" if n % 2 else "amber") for n in range(count)][::-1]
    result = trend(lights)
    assert [day for day, _ in result] == sorted(day for day, _ in lights)[-5:]


def test_a_worsened_questionnaire_comes_right_after_a_red_flag():
    assert alert_codes(red_flag_level="urgent", worsened=["AKPS"], open_alert_codes=["red_logged"]) == [
        "red_flag",
        "worsened",
        "plan_alert",
    ]
