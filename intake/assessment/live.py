"""The assessment engine run on an intake as it stands: its examination, the draft's overrides and plan start, as
of one day. The assessment page shows it, and confirming checks the physio decided on this very result.

The page reads the engine's result from the page cache, under a digest of exactly what the engine reads (the case and
the overrides); confirming and referring always run the engine afresh, and refuse when its result differs from the
one shown.
"""

from dataclasses import dataclass
from datetime import date

from clinic.page_cache import cached
from intake.assessment.decisions import (
    result_digest,
)
from intake.assessment.engine import ENGINE_VERSION, assess
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
    from_cache: bool = False,
) -> LiveAssessment:
    """`decided`: the intake's confirmed and referred assessments, newest first, when the caller has read them
    (otherwise the latest is read here). `from_cache`: the engine's result for this very case and overrides as the
    page cache keeps it (for pages; whatever is stored is checked against a fresh run, never the cached one)."""
    overrides = dict(draft.overrides) if draft else {}
    # A plan start chosen on an earlier day may have passed: the plan then starts on the day of the assessment.
    plan_start = draft.plan_start if draft and draft.plan_start and draft.plan_start >= as_of else None
    case = intake.as_case(findings=examination.findings if examination else None, as_of=as_of, plan_start=plan_start)
    if decided is None:
        last_decided = Assessment.objects.filter(intake=intake).decided().values_list("pk", flat=True).first()
    else:
        last_decided = decided[0].pk if decided else None
    if from_cache:
        result, problems = _cached_engine_run(intake, case, overrides)
    else:
        result, problems = engine_run(case, overrides)
    return LiveAssessment(as_of, case, result, problems, overrides, last_decided)


def engine_run(case: dict, overrides: dict) -> tuple[dict | None, list[str]]:
    """The engine's result for a case and the physio's overrides, or None and why the case cannot be read."""
    try:
        return assess(validate_case(case), overrides=overrides), []
    except CaseError as error:
        return None, error.problems
    except ValueError as error:  # an override the engine no longer allows
        return None, str(error).splitlines()


def _cached_engine_run(intake: Intake, case: dict, overrides: dict) -> tuple[dict | None, list[str]]:
    """`engine_run`, once for each case and overrides: the engine is pure, so the same input gives the same result.
    The key names the clinic, the patient and the intake, the day, the engine's version, and a digest of everything
    the engine reads (the answers, the patient's details, the findings, the plan start, the overrides)."""
    key = {
        "clinic": intake.patient.clinic_id,
        "patient": intake.patient_id,
        "intake": intake.pk,
        "as_of": case["as_of"],
        "engine": ENGINE_VERSION,
        "input": result_digest({"case": case, "overrides": overrides}),
    }
    return cached("assessment-engine", key, lambda: engine_run(case, overrides))


def assessment_now(intake: Intake, *, as_of: date) -> LiveAssessment:
    """The engine run on the intake as it stands: its current examination and its draft's overrides."""
    return live_assessment(intake, examination=examination_for(intake), draft=assessment_draft(intake), as_of=as_of)
