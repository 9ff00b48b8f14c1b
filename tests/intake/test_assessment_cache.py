"""The assessment page reads the engine's result from the page cache (clinic.page_cache), once for each case and
overrides, and its form as first shown, once for each result, decisions and day: what it shows, and the digest the
confirmation is checked against, is always what a fresh run gives. It follows the examination, the answers, the
patient's details, the overrides, the plan start, the decisions, a colleague's confirmation and the day as soon as
they change, is never another intake's, patient's or clinic's, and a page cache that fails leaves the page as it
was."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.urls import reverse

from clinic.page_cache import PAGE_CACHE
from intake import services
from intake.assessment import live
from intake.assessment.decisions import CauseDecision, decisions_for
from intake.assessment.live import assessment_now
from tests.html_forms import form_data
from tests.intake.factories import ExaminationFactory, intake_from_vignette, vignette
from tests.plans.test_plan_page_cache import BrokenCache

CASE_DAY = datetime(2026, 12, 1, 10, tzinfo=UTC)  # the vignette's "as_of"
PP_10_WEEKS = "postpartum-10-weeks-override-12-week-gate"  # a flag to override; weeks after birth the gates read
REASON = "All load, impact and strength tests passed; no pelvic floor symptoms (Delphi 2024)."


@pytest.fixture(autouse=True)
def case_day():
    with time_machine.travel(CASE_DAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def engine_runs(monkeypatch):
    """How many times the engine ran."""
    runs = []
    real = live.assess

    def counted(case, **kwargs):
        runs.append(case["as_of"])
        return real(case, **kwargs)

    monkeypatch.setattr(live, "assess", counted)
    return runs


def examined(patient, physio):
    intake = intake_from_vignette(patient, PP_10_WEEKS)
    ExaminationFactory(intake=intake, examined_by=physio, findings=vignette(PP_10_WEEKS)["findings"])
    return intake


def page_of(client, intake) -> str:
    """The assessment page, without its CSRF tokens (new on every page)."""
    response = client.get(reverse("intake:assessment", args=[intake.patient_id, intake.pk]))
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def shown_digest(page: str) -> str:
    return form_data(page, containing="digest")["digest"][0]


def fresh_digest(intake) -> str:
    """The digest of the engine run afresh on the intake as it stands today (what confirming checks against)."""
    return assessment_now(intake, as_of=datetime.now(UTC).date()).digest


def entries(name: str) -> int:
    return sum(f":{name}:" in key for key in caches[PAGE_CACHE]._cache)


def test_the_engine_runs_once_for_a_case_and_its_result_is_what_a_fresh_run_gives(
    physio_client, patient, physio, engine_runs
):
    intake = examined(patient, physio)
    first = page_of(physio_client, intake)
    assert page_of(physio_client, intake) == first
    assert len(engine_runs) == 1 and entries("assessment-engine") == entries("assessment-form") == 1
    assert shown_digest(first) == fresh_digest(intake)


def _change_the_examination(intake, physio, traveller):
    findings = {**intake.examination.findings, "thigh_atrophy": True}
    services.examination_save(intake=intake, findings=findings, version=1, by=physio)


def _change_the_answers(intake, physio, traveller):
    intake.answers["postpartum"]["delivery_date"] = "2026-08-30"  # 13 weeks ago: the 12-week flag goes
    intake.save(update_fields=["answers"])


def _change_the_patients_details(intake, physio, traveller):
    intake.patient_answers = {**intake.patient_answers, "weight_kg": 95}  # the BMI the evidence names
    intake.save(update_fields=["patient_answers"])


def _override_a_flag(intake, physio, traveller):
    services.assessment_override(intake=intake, by=physio, code="under_12_weeks_postpartum", reason=REASON)


def _change_the_overrides_reason(intake, physio, traveller):
    _override_a_flag(intake, physio, traveller)
    services.assessment_override(
        intake=intake, by=physio, code="under_12_weeks_postpartum", reason="Every test passed; seen at 10 weeks."
    )


def _choose_a_plan_start(intake, physio, traveller):
    _override_a_flag(intake, physio, traveller)
    services.assessment_save_draft(
        intake=intake, by=physio, decisions=[], plan_start=(CASE_DAY + timedelta(days=6)).date()
    )


def _a_colleague_confirms(intake, physio, traveller):
    shown = assessment_now(intake, as_of=CASE_DAY.date())
    decisions = decisions_for(shown.result["causes"], confirmed=[], rejected=[])
    services.assessment_confirm(
        intake=intake, by=physio, shown_digest=shown.digest, decisions=decisions, plan_start=None
    )


def _a_week_passes(intake, physio, traveller):
    traveller.shift(timedelta(days=7))  # 11 weeks after birth


@pytest.mark.parametrize(
    "change",
    [
        _change_the_examination,
        _change_the_answers,
        _change_the_patients_details,
        _override_a_flag,
        _change_the_overrides_reason,
        _choose_a_plan_start,
        _a_colleague_confirms,
        _a_week_passes,
    ],
)
def test_the_page_follows_every_change_of_what_the_engine_reads(
    change, physio_client, patient, physio, case_day, engine_runs
):
    intake = examined(patient, physio)
    before = page_of(physio_client, intake)
    change(intake, physio, case_day)
    physio_client.force_login(physio.user)  # a week later the sign-in has lapsed
    after = page_of(physio_client, intake)
    assert after != before
    assert shown_digest(after) == fresh_digest(intake) != shown_digest(before)
    runs = len(engine_runs)
    assert page_of(physio_client, intake) == after  # and then kept
    assert len(engine_runs) == runs


def test_the_page_shows_the_day_it_is_viewed(physio_client, patient, physio, case_day):
    intake = examined(patient, physio)
    assert "as of 1 December 2026" in page_of(physio_client, intake)
    case_day.shift(timedelta(days=1))
    physio_client.force_login(physio.user)
    assert "as of 2 December 2026" in page_of(physio_client, intake)


def test_each_intake_has_its_own_result_even_for_the_same_case(
    client, patient, other_patient, physio, foreign_patient, other_physio, engine_runs
):
    """The same answers and findings of another patient, of this clinic or another, are another cache entry: a
    result is never read from another patient's or clinic's."""
    mine, theirs, foreign = (
        examined(patient, physio),
        examined(other_patient, physio),
        examined(foreign_patient, other_physio),
    )
    client.force_login(physio.user)
    pages = [page_of(client, mine), page_of(client, theirs)]
    client.force_login(other_physio.user)
    pages.append(page_of(client, foreign))
    assert len(engine_runs) == 3 and entries("assessment-engine") == entries("assessment-form") == 3
    for page, intake in zip(pages, [mine, theirs, foreign], strict=True):
        assert reverse("intake:examination", args=[intake.patient_id, intake.pk]) in page
        assert shown_digest(page) == fresh_digest(intake)


def test_confirming_runs_the_engine_afresh(physio_client, patient, physio, engine_runs):
    intake = examined(patient, physio)
    page = page_of(physio_client, intake)
    sent = form_data(page, containing="digest")
    assert len(engine_runs) == 1
    response = physio_client.post(
        reverse("intake:assessment", args=[intake.patient_id, intake.pk]), {**sent, "action": "confirm"}
    )
    assert response.status_code == 302
    assert len(engine_runs) == 2  # the page's result read from the cache, the confirmation's run afresh


def test_a_page_cache_that_fails_leaves_the_assessment_page_as_it_was(physio_client, patient, physio, settings):
    intake = examined(patient, physio)
    expected = page_of(physio_client, intake)
    settings.CACHES = {**settings.CACHES, PAGE_CACHE: {"BACKEND": f"{BrokenCache.__module__}.BrokenCache"}}
    assert page_of(physio_client, intake) == expected


def test_the_form_shows_the_decisions_as_soon_as_they_are_kept(physio_client, patient, physio):
    intake = examined(patient, physio)
    first = form_data(page_of(physio_client, intake), containing="digest")
    assert first["verdict-dynamic_knee_valgus"] == ["confirm"] and first["note-dynamic_knee_valgus"] == [""]
    decided = [CauseDecision("dynamic_knee_valgus", "reject", "Valgus only when tired.")]
    services.assessment_save_draft(intake=intake, by=physio, decisions=decided, plan_start=None)
    then = form_data(page_of(physio_client, intake), containing="digest")
    assert then["verdict-dynamic_knee_valgus"] == ["reject"]
    assert then["note-dynamic_knee_valgus"] == ["Valgus only when tired."]
    assert then["digest"] == first["digest"]  # the same result, decided otherwise
    assert entries("assessment-form") == 2


def test_a_form_sent_back_with_errors_is_the_physios_own_and_not_kept(physio_client, patient, physio):
    intake = examined(patient, physio)
    url = reverse("intake:assessment", args=[intake.patient_id, intake.pk])
    sent = form_data(page_of(physio_client, intake), containing="digest")
    page = physio_client.post(url, {**sent, "note-dynamic_knee_valgus": "x" * 400, "action": "save"}).content.decode()
    assert "x" * 400 in page
    assert entries("assessment-form") == 1
    assert "x" * 400 not in page_of(physio_client, intake)
