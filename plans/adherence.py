"""How a patient keeps to their plan, for the physiotherapist's caseload: sessions logged against sessions planned,
the recent traffic lights, and what should bring the patient to the physio's attention. Pure Python.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from plans.loads import REST
from plans.progression import RED
from plans.rules import RED_REPEAT_WINDOW_DAYS

# Not in the reference (the product brief's rule): a week without a logged session while sessions were planned is
# a missed week, and the physio should get in touch.
MISSED_WEEK_DAYS = 7
RECENT_DAYS = 14  # the adherence window beside the overall figure, matching P5's 14 days (reference §9.3)
TREND_LENGTH = 5  # traffic lights shown as the recent trend

# Why a patient is on top of the caseload, most pressing first.
RED_FLAG, WORSENED, TWO_REDS, PELVIC_FLOOR, STRENGTH_UNTESTED, MISSED_WEEK, PLAN_ALERT = (
    "red_flag",
    "worsened",
    "two_reds",
    "pelvic_floor",
    "strength_untested",
    "missed_week",
    "plan_alert",
)
ALERT_ORDER = (RED_FLAG, WORSENED, TWO_REDS, PELVIC_FLOOR, STRENGTH_UNTESTED, MISSED_WEEK, PLAN_ALERT)


@dataclass(frozen=True)
class Adherence:
    logged: int
    planned: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.logged / self.planned) if self.planned else None


@dataclass(frozen=True)
class Alert:
    code: str
    text: str


def planned_days(plan: dict) -> list[date]:
    """The days of the plan with a session to do (every day but rest days)."""
    return [
        date.fromisoformat(session["date"])
        for week in plan["weeks"]
        for session in week["sessions"]
        if session["kind"] != REST
    ]


def adherence(planned: Iterable[date], logged: set[date], *, today: date, since: date | None = None) -> Adherence:
    """Sessions logged out of those planned from `since` (or the start) to date: days before today, and today's
    session once it is logged (a session later today is not missed yet)."""
    due = [
        day for day in planned if (since is None or day >= since) and (day < today or (day == today and day in logged))
    ]
    return Adherence(sum(1 for day in due if day in logged), len(due))


def caseload_alerts(
    *,
    planned: list[date],
    lights: list[tuple[date, str]],
    today: date,
    start: date,
    red_flag_level: str = "",
    worsened: Iterable[str] = (),
    open_alert_codes: Iterable[str] = (),
    strength_untested: bool = False,
) -> list[Alert]:
    """What should bring this patient to the physio's attention now, most pressing first: an unreviewed red flag
    from a questionnaire or the intake (reference §8), scores of an unreviewed questionnaire worse by at least the
    minimal important change (`worsened`, reference §3, §10), two red sessions in 14 days (§9.3 P5), pelvic floor
    symptoms logged and not yet reviewed (§8 RF19), running after a birth without the strength tests recorded
    (`strength_untested`, §9.1), no session logged for a week while sessions were planned, and any other plan alert
    still open. `lights` are the logged sessions' (date, traffic light)."""
    alerts = []
    if red_flag_level:
        alerts.append(Alert(RED_FLAG, f"Red flag to review: {red_flag_level.replace('_', ' ')}"))
    if worsened:
        alerts.append(
            Alert(WORSENED, f"Questionnaire worse by at least the minimal important change: {', '.join(worsened)}")
        )
    window = today - timedelta(days=RED_REPEAT_WINDOW_DAYS - 1)
    reds = [day for day, light in lights if light == RED and window <= day <= today]
    if len(reds) >= 2:
        alerts.append(Alert(TWO_REDS, f"{len(reds)} red sessions in the last {RED_REPEAT_WINDOW_DAYS} days"))
    open_codes = set(open_alert_codes)
    if "pelvic_floor_symptoms" in open_codes:
        alerts.append(Alert(PELVIC_FLOOR, "Pelvic floor symptoms logged"))
    if strength_untested:
        alerts.append(Alert(STRENGTH_UNTESTED, "Running after a birth, strength tests not recorded"))
    last = max((day for day, _ in lights), default=None)
    silent_days = (today - (last or start)).days
    recent = today - timedelta(days=MISSED_WEEK_DAYS)
    if silent_days >= MISSED_WEEK_DAYS and any(recent <= day < today for day in planned):
        alerts.append(Alert(MISSED_WEEK, f"Nothing logged for {silent_days} days"))
    others = open_codes - {"pelvic_floor_symptoms"}
    if others:
        alerts.append(Alert(PLAN_ALERT, f"{len(others)} plan alert{'s' if len(others) > 1 else ''} to review"))
    return alerts


def trend(lights: list[tuple[date, str]]) -> list[tuple[date, str]]:
    """The last few traffic lights, oldest first."""
    return sorted(lights)[-TREND_LENGTH:]
