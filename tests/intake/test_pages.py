"""What the intake pages build from plain data."""

from intake.pages import gates_view

GATES = {
    "running_allowed": True,
    "running_allowed_from": "2026-12-01",
    "blocked_by": [],
    "contraindications": [],
    "impact_readiness": "failed",
    "extra_rest_day": False,
    "buggy_allowed_from": None,
    "weeks_postpartum": 20,
    "breastfeeding": False,
    "cadence_spm": None,
}
FAILED_TESTS = {"code": "failed_impact_readiness", "level": "refer_before_run", "overridden": False}


def test_failed_impact_tests_read_as_failed():
    assert gates_view(GATES, [FAILED_TESTS]).impact_readiness == "failed"


def test_failed_impact_tests_the_physio_overrode_say_so_with_the_reason():
    overridden = {**FAILED_TESTS, "overridden": True, "override_reason": "Hops fine on retest today"}
    view = gates_view(GATES, [overridden])
    assert view.impact_readiness == "failed, overridden by the physio (Hops fine on retest today)"
