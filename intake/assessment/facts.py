"""A read-only view of a validated case for the rules: answers by field path, and the few values derived from them.

Pure Python. A missing answer reads as None ("not known"), never as a normal value; every rule treats None as "does
not fire" (case-format.md: missing optional fields mean not known / not assessed).
"""

import calendar
from datetime import date
from functools import cached_property
from typing import Any

from intake.codes import CONDITION_LABELS, Condition


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or the month's last day when it is shorter (31 Aug + 6 → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plain(value: Any) -> Any:
    """An answer as plain words for evidence text: codes lose their underscores, lists become comma lists."""
    if isinstance(value, str):
        return value.replace("_", " ")
    if isinstance(value, list):
        return ", ".join(plain(item) for item in value)
    return value


class CaseFacts:
    """The answers of one case (already validated by `intake.schema.validate_case`).

    `condition` is the differential's conclusion; the engine decides it first and passes it in, because one red flag
    (reference §8 RF22) depends on it.
    """

    def __init__(self, case: dict, *, condition: Condition | None = None):
        self.case = case
        self.condition = condition
        self.as_of = date.fromisoformat(case["as_of"])
        self.plan_start = date.fromisoformat(case.get("plan_start") or case["as_of"])

    def get(self, path: str) -> Any:
        """The answer at a dotted field path such as 'intake.postpartum.urine_leak'; None when it was not given."""
        value: Any = self.case
        for key in path.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    def has(self, path: str) -> bool:
        return self.get(path) is not None

    @property
    def is_postpartum(self) -> bool:
        return self.has("intake.postpartum.delivery_date")

    @cached_property
    def delivery_date(self) -> date | None:
        delivery = self.get("intake.postpartum.delivery_date")
        return date.fromisoformat(delivery) if delivery else None

    @cached_property
    def days_postpartum(self) -> int | None:
        return (self.as_of - self.delivery_date).days if self.delivery_date else None

    @cached_property
    def weeks_postpartum(self) -> int | None:
        """Completed weeks since the birth."""
        return self.days_postpartum // 7 if self.days_postpartum is not None else None

    @cached_property
    def age_years(self) -> int | None:
        born = self.get("patient.date_of_birth")
        if not born:
            return None
        born = date.fromisoformat(born)
        had_birthday = (self.as_of.month, self.as_of.day) >= (born.month, born.day)
        return self.as_of.year - born.year - (0 if had_birthday else 1)

    @cached_property
    def bmi(self) -> float | None:
        height, weight = self.get("patient.height_cm"), self.get("patient.weight_kg")
        return round(weight / (height / 100) ** 2, 1) if height and weight else None

    @cached_property
    def cadence_spm(self) -> int | None:
        """Baseline running cadence: the physio's gait analysis, else the patient's own figure."""
        measured = self.get("findings.gait.cadence_spm")
        return measured if measured is not None else self.get("intake.cadence_spm")

    def template_values(self, paths: tuple[str, ...]) -> dict[str, Any]:
        """Values an evidence text may name: each read field by its last key, and the derived values."""
        values = {path.rsplit(".", 1)[-1]: plain(self.get(path)) for path in paths}
        values.update(
            weeks_postpartum=self.weeks_postpartum,
            age_years=self.age_years,
            bmi=self.bmi,
            cadence_spm=self.cadence_spm,
            condition=CONDITION_LABELS[self.condition].lower() if self.condition else None,
        )
        return values
