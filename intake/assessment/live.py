"""The assessment engine run on an intake as it stands: its examination, the draft's overrides and plan start, as
of one day. The assessment page shows it, and confirming checks the physio decided on this very result."""

from dataclasses import dataclass
from datetime import date

from intake.assessment.decisions import (
    result_digest,
)
from intake.assessment.engine import assess
from intake.models import (
    Assessment,
    Examination,
    Intake,
)
from intake.schema import CaseError, validate_case
from intake.selectors import assessment_draft, examination_for


@dataclass(frozen=True)
class LiveAssessment:
    """The engine run on the intake, the current examination and the draft's overrides, as of one day."""

    as_of: date
    case: dict
    result: dict | None  # None when the case cannot be read
    problems: list[str]
    overrides: dict
    last_decided: int | None  # the intake's latest confirmed or referred assessment, when the engine ran

    @property
    def digest(self) -> str:
        """What the physio decides on: this result, after that latest assessment (so a colleague's decision taken
        meanwhile is seen before a second one is added)."""
        return result_digest({"result": self.result, "after": self.last_decided}) if self.result is not None else ""


def live_assessment(
    intake: Intake,
    *,
    examination: Examination | None,
    draft: Assessment | None,
    as_of: date,
    decided: list[Assessment] | None = None,
) -> LiveAssessment:
    """`decided`: the intake's confirmed and referred assessments, newest first, when the caller has read them
    (otherwise the latest is read here)."""
    overrides = dict(draft.overrides) if draft else {}
    # A plan start chosen on an earlier day may have passed: the plan then starts on the day of the assessment.
    plan_start = draft.plan_start if draft and draft.plan_start and draft.plan_start >= as_of else None
    case = intake.as_case(findings=examination.findings if examination else None, as_of=as_of, plan_start=plan_start)
    if decided is None:
        last_decided = Assessment.objects.filter(intake=intake).decided().values_list("pk", flat=True).first()
    else:
        last_decided = decided[0].pk if decided else None
    try:
        result = assess(validate_case(case), overrides=overrides)
    except CaseError as error:
        return LiveAssessment(as_of, case, None, error.problems, overrides, last_decided)
    except ValueError as error:  # an override the engine no longer allows
        return LiveAssessment(as_of, case, None, str(error).splitlines(), overrides, last_decided)
    return LiveAssessment(as_of, case, result, [], overrides, last_decided)


def assessment_now(intake: Intake, *, as_of: date) -> LiveAssessment:
    """The engine run on the intake as it stands: its current examination and its draft's overrides."""
    return live_assessment(intake, examination=examination_for(intake), draft=assessment_draft(intake), as_of=as_of)
