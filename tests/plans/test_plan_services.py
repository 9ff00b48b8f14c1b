"""Plan services: drafts from confirmed assessments, edits with optimistic locking, issued revisions that never
change, session logs with their refusals, automatic revisions, alerts and undo."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from clinic.models import PatientStatus
from intake.models import AssessmentStatus
from plans import services
from plans.builder import BUILDER_VERSION, PlanError
from plans.models import ImmutableRevision, Plan, PlanAlert, PlanRevision, PlanStatus, RevisionKind, SessionLog
from plans.selection import Prescription
from tests.plans.plan_factories import (
    RUNNER_INTAKE,
    TODAY,
    confirmed_assessment,
    day_of,
    draft_plan,
    issued_plan,
    move_to,
    postpartum_answers,
    sessions,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]


# --- creating a draft ---------------------------------------------------------------------------------------------


def test_plan_create_builds_a_draft_from_a_confirmed_assessment(patient, physio):
    assessment = confirmed_assessment(patient)
    plan, created = services.plan_create(assessment=assessment, by=physio)
    assert created
    assert (plan.status, plan.patient, plan.assessment, plan.start, plan.weeks) == (
        PlanStatus.DRAFT,
        patient,
        assessment,
        TODAY,
        14,
    )
    assert plan.programme is None  # the builder's choice until the physio changes it
    assert plan.content["programme"] and plan.content["start"] == TODAY.isoformat()
    assert "HIP_ABD" in plan.content["exercise_categories"]  # hip_muscle_weakness, confirmed
    assert (plan.draft_version, plan.draft_saved_by, plan.current_revision) == (1, physio, None)


def test_plan_create_twice_returns_the_same_draft(patient, physio):
    assessment = confirmed_assessment(patient)
    first, _ = services.plan_create(assessment=assessment, by=physio)
    second, created = services.plan_create(assessment=assessment, by=physio)
    assert (second, created) == (first, False)
    assert Plan.objects.count() == 1


@pytest.mark.parametrize("status", [AssessmentStatus.DRAFT, AssessmentStatus.REFERRED])
def test_plan_create_refuses_an_assessment_that_is_not_confirmed(patient, physio, status):
    fields = {"status": status}
    if status == AssessmentStatus.DRAFT:
        fields.update(confirmed_by=None, confirmed_at=None)
    else:
        fields["referral_note"] = "Sent to the GP."
    assessment = confirmed_assessment(patient, **fields)
    with pytest.raises(
        services.PlanRefused, match=f"Only a confirmed assessment can have a plan; this one is {status}"
    ):
        services.plan_create(assessment=assessment, by=physio)
    assert not Plan.objects.exists()


@pytest.mark.parametrize(("action", "words"), [("emergency", "an emergency"), ("urgent", "an urgent")])
def test_plan_create_refuses_emergency_and_urgent_results_with_the_reason(patient, physio, action, words):
    # The assessment pages refer these instead of confirming them; the plan refuses them all the same.
    flag = "dvt_signs" if action == "urgent" else "possible_fracture"
    result = {
        **confirmed_assessment(patient).engine_result,
        "action": action,
        "red_flags": [{"code": flag, "level": action}],
    }
    assessment = confirmed_assessment(patient, engine_result=result)
    with pytest.raises(services.PlanRefused, match=f"The assessment found {words} red flag: ") as refusal:
        services.plan_create(assessment=assessment, by=physio)
    assert "medical care first" in str(refusal.value)
    assert not Plan.objects.exists()


def test_plan_create_refer_before_run_plans_running_only_from_the_gate(patient, physio):
    assessment = confirmed_assessment(patient, answers=postpartum_answers(8))
    assert assessment.engine_result["action"] == "refer_before_run"  # under 12 weeks after the birth (RF18)
    plan, _ = services.plan_create(assessment=assessment, by=physio)
    gate = assessment.gates["running_allowed_from"]
    assert plan.content["earliest_run_date"] >= gate == (TODAY + timedelta(weeks=4)).isoformat()
    assert all(s["date"] >= gate for s in sessions(plan.content) if s["kind"] in ("run", "impact"))


# --- editing the draft --------------------------------------------------------------------------------------------


def test_plan_draft_update_rebuilds_and_moves_the_version_on(patient, physio, colleague_physio):
    plan = draft_plan(patient)
    updated = services.plan_draft_update(
        plan=plan, by=colleague_physio, expected_version=1, weeks=6, note_for_patient="Call us if unsure."
    )
    assert (updated.weeks, len(updated.content["weeks"]), updated.note_for_patient) == (6, 6, "Call us if unsure.")
    assert (updated.draft_version, updated.draft_saved_by) == (2, colleague_physio)


def test_plan_draft_update_second_save_from_the_same_version_is_refused(patient, physio, colleague_physio):
    plan = draft_plan(patient)
    services.plan_draft_update(plan=plan, by=colleague_physio, expected_version=1, weeks=8)
    with pytest.raises(services.DraftConflict) as conflict:
        services.plan_draft_update(plan=plan, by=physio, expected_version=1, weeks=20)
    assert (conflict.value.saved_by, conflict.value.saved_at, conflict.value.version) == (
        colleague_physio,
        timezone.now(),
        2,
    )
    plan.refresh_from_db()
    assert (plan.weeks, plan.draft_saved_by) == (8, colleague_physio)  # never a silent overwrite


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"weeks": 3}, "weeks"),
        ({"start_level": 9}, "start_level"),
        ({"strength_days_per_week": 5}, "strength_days_per_week"),
        ({"start": TODAY - timedelta(days=1)}, "start"),
        (
            {"programme": [{"code": "glute_bridge", "sets": 3, "reps": 99, "per_week": 3}]},
            "programme.glute_bridge.reps",
        ),
    ],
)
def test_plan_draft_update_bad_input_names_its_field_and_saves_nothing(patient, inputs, field):
    plan = draft_plan(patient)
    before = (plan.content, plan.weeks)
    with pytest.raises(PlanError) as error:
        services.plan_draft_update(plan=plan, by=patient.physio, expected_version=1, **inputs)
    assert field in error.value.by_field()
    plan.refresh_from_db()
    assert (plan.content, plan.weeks, plan.draft_version) == (*before, 1)


def test_plan_draft_update_physio_programme_is_planned(patient):
    plan = draft_plan(patient)
    programme = [
        Prescription("clamshell", sets=2, reps=12).as_entry(),
        Prescription("sit_to_stand", sets=3, reps=8).as_entry(),
    ]
    plan = services.plan_draft_update(plan=plan, by=patient.physio, expected_version=1, programme=programme)
    assert [entry["code"] for entry in plan.content["programme"]] == ["clamshell", "sit_to_stand"]
    assert plan.programme == programme


def test_plan_draft_update_keeps_the_builders_programme_when_unchanged(patient):
    plan = draft_plan(patient)
    same = [Prescription.from_entry(entry).as_entry() for entry in plan.content["programme"]]
    plan = services.plan_draft_update(plan=plan, by=patient.physio, expected_version=1, programme=same, weeks=10)
    assert plan.programme is None


def test_plan_draft_update_refuses_a_patellofemoral_programme_without_knee_work(patient):
    plan = draft_plan(patient)
    with pytest.raises(PlanError, match="knee-strengthening"):
        services.plan_draft_update(
            plan=plan, by=patient.physio, expected_version=1, programme=[Prescription("clamshell", 3, 10).as_entry()]
        )


# --- issuing ------------------------------------------------------------------------------------------------------


def test_plan_issue_creates_revision_one_and_puts_the_patient_on_the_plan(patient, physio):
    plan = draft_plan(patient)
    revision = services.plan_issue(plan=plan, by=physio, expected_version=1)
    plan.refresh_from_db()
    patient.refresh_from_db()
    assert (revision.number, revision.kind, revision.reason, revision.created_by) == (
        1,
        RevisionKind.ISSUED,
        "Issued by Alice Morgan",
        physio,
    )
    assert revision.content == plan.content and revision.inputs["start"] == TODAY.isoformat()
    assert (revision.builder_version, revision.engine_version) == (BUILDER_VERSION, plan.assessment.engine_version)
    assert (plan.status, plan.current_revision, plan.has_unissued_changes) == (PlanStatus.ISSUED, revision, False)
    assert patient.status == PatientStatus.ON_PLAN


def test_plan_issue_refuses_a_plan_that_breaks_an_invariant(patient, physio, monkeypatch):
    plan = draft_plan(patient)
    monkeypatch.setattr(services, "request_violations", lambda *args: ["Week 2: runs on consecutive days."])
    with pytest.raises(services.PlanNotIssuable) as refusal:
        services.plan_issue(plan=plan, by=physio)
    assert refusal.value.problems == ["Week 2: runs on consecutive days."]
    plan.refresh_from_db()
    assert (plan.status, PlanRevision.objects.count()) == (PlanStatus.DRAFT, 0)


def test_plan_issue_refuses_a_draft_saved_since(patient, physio, colleague_physio):
    plan = draft_plan(patient)
    services.plan_draft_update(plan=plan, by=colleague_physio, expected_version=1, weeks=8)
    with pytest.raises(services.DraftConflict):
        services.plan_issue(plan=plan, by=physio, expected_version=1)
    assert not PlanRevision.objects.exists()


def test_editing_an_issued_plan_then_issuing_again_makes_the_next_revision(patient, physio):
    plan = issued_plan(patient)
    plan = services.plan_draft_update(plan=plan, by=physio, expected_version=plan.draft_version, weeks=10)
    assert plan.status == PlanStatus.ISSUED and plan.has_unissued_changes
    assert len(plan.current_revision.content["weeks"]) == 14  # the patient still follows revision 1
    revision = services.plan_issue(plan=plan, by=physio)
    assert (revision.number, revision.reason, len(revision.content["weeks"])) == (2, "Issued again by Alice Morgan", 10)


def test_plan_issue_ends_the_patients_other_issued_plan(patient, physio):
    first = issued_plan(patient)
    second = issued_plan(patient)
    first.refresh_from_db()
    assert (first.status, second.status) == (PlanStatus.ENDED, PlanStatus.ISSUED)
    assert first.ended_at is not None


def test_plan_revision_refuses_every_change(patient):
    revision = issued_plan(patient).current_revision
    revision.reason = "Changed"
    with pytest.raises(ImmutableRevision):
        revision.save()
    with pytest.raises(ImmutableRevision):
        PlanRevision.objects.filter(pk=revision.pk).update(reason="Changed")
    revision.refresh_from_db()
    assert revision.reason == "Issued by Alice Morgan"


@pytest.mark.postgresql_trigger
def test_postgresql_refuses_raw_updates_of_revisions(patient):
    issued_plan(patient)
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE plans_planrevision SET reason = 'tampered'")


def test_plan_end_stops_the_plan_and_keeps_its_revisions(patient, physio):
    plan = issued_plan(patient)
    services.plan_end(plan=plan, by=physio)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ENDED and plan.revisions.count() == 1
    with pytest.raises(services.PlanRefused, match="has ended"):
        services.plan_draft_update(plan=plan, by=physio, expected_version=plan.draft_version, weeks=8)


# --- logging sessions ---------------------------------------------------------------------------------------------


@pytest.fixture
def runner_plan(patient):
    """An issued plan of a runner: walk/run from the first week, runs on days 2, 4 and 6."""
    return issued_plan(patient, answers=RUNNER_INTAKE)


def log(plan, day, **fields):
    fields = {"pain_during_max": 2, "next_morning_pain": 1, "next_morning_stiffness": 1, **fields}
    return services.session_log_create(plan=plan, by=plan.patient.physio.user, session_date=day, **fields)


def test_session_log_create_stores_the_traffic_light(runner_plan, frozen):
    run = sessions(runner_plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    result = log(runner_plan, day_of(run))
    entry = SessionLog.objects.get()
    assert (entry.traffic_light, entry.level, entry.revision) == (
        "green",
        run["run"]["level"],
        runner_plan.current_revision,
    )
    assert entry.light_reasons == list(result.light.reasons) and entry.light_advice.startswith("Well done")
    assert entry.logged_by == runner_plan.patient.physio.user and entry.logged_for_patient_by_staff


def test_session_log_refuses_a_day_outside_the_plan(runner_plan):
    with pytest.raises(services.PlanRefused, match="is outside the plan, which runs from 1 Dec 2026 to 8 Mar 2027"):
        log(runner_plan, TODAY - timedelta(days=1))


def test_session_log_refuses_a_future_day(runner_plan):
    with pytest.raises(services.PlanRefused, match="is in the future: log a session once it has happened"):
        log(runner_plan, TODAY + timedelta(days=1))


def test_session_log_refuses_a_rest_day(runner_plan, frozen):
    rest = sessions(runner_plan.current_revision.content, "rest")[0]
    move_to(frozen, day_of(rest))
    with pytest.raises(services.PlanRefused, match="is a rest day in the plan: there is no session to log"):
        log(runner_plan, day_of(rest))


def test_session_log_refuses_a_second_log_of_the_same_session(runner_plan, frozen):
    run = sessions(runner_plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    log(runner_plan, day_of(run))
    with pytest.raises(services.PlanRefused, match=r"is already logged \(green, by Alice Morgan on "):
        log(runner_plan, day_of(run), pain_during_max=7)
    assert SessionLog.objects.count() == 1


def test_session_log_refuses_a_plan_not_issued(patient):
    plan = draft_plan(patient, answers=RUNNER_INTAKE)
    with pytest.raises(services.PlanRefused, match="has not been issued yet"):
        log(plan, TODAY)


def test_session_log_strength_day_changes_nothing(runner_plan):
    assert runner_plan.current_revision.content["weeks"][0]["sessions"][0]["kind"] == "strength"
    result = log(runner_plan, TODAY)
    assert (result.light.colour, result.revision, result.log.level) == ("green", None, None)


def test_session_log_red_run_makes_an_automatic_revision_with_its_changes(runner_plan, frozen):
    first, second = sessions(runner_plan.current_revision.content, "run")[:2]
    move_to(frozen, day_of(first))
    result = log(runner_plan, day_of(first), pain_during_max=7)
    runner_plan.refresh_from_db()
    revision = runner_plan.current_revision
    assert result.light.colour == "red" and result.revision == revision
    assert (revision.number, revision.kind, revision.log, revision.created_by) == (
        2,
        RevisionKind.AUTOMATIC,
        result.log,
        None,
    )
    assert revision.reason.startswith(f"Red run on {day_of(first).day} Dec 2026: the next load day is for rest")
    assert revision.changes[0]["date"] == second["date"] and revision.changes[0]["change"] == "skipped"
    skipped = next(s for s in sessions(revision.content) if s["date"] == second["date"])
    assert skipped["kind"] == "rest"


def test_session_log_green_with_nothing_to_change_makes_no_revision(runner_plan, frozen):
    first, second = sessions(runner_plan.current_revision.content, "run")[:2]
    move_to(frozen, day_of(first))
    log(runner_plan, day_of(first))
    move_to(frozen, day_of(second))
    result = log(runner_plan, day_of(second))
    assert result.revision is None and result.changes == []
    assert runner_plan.revisions.count() == 1


def test_session_log_next_morning_pain_above_the_intake_baseline_is_red(runner_plan, frozen):
    run = sessions(runner_plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    result = log(runner_plan, day_of(run), next_morning_pain=2)  # the intake: pain now 1, usually 2
    assert result.light.colour == "red"
    assert "next-morning pain 2/10, above the usual 1/10" in result.light.reasons[0]


def test_session_log_two_reds_within_14_days_raise_an_alert(runner_plan, frozen):
    runs = sessions(runner_plan.current_revision.content, "run")
    move_to(frozen, day_of(runs[0]))
    first = log(runner_plan, day_of(runs[0]), limp=True)
    assert first.alerts == []
    runner_plan.refresh_from_db()
    later = next(s for s in sessions(runner_plan.current_revision.content, "run") if day_of(s) > day_of(runs[1]))
    move_to(frozen, day_of(later))
    second = log(runner_plan, day_of(later), swelling=True)
    alerts = {alert.code: alert for alert in second.alerts}
    assert set(alerts) == {"two_reds_in_14_days", "red_at_regressed_level"}  # red again after stepping back, too
    alert = alerts["two_reds_in_14_days"]
    assert (alert.code, alert.rule, alert.plan, alert.log, alert.is_open) == (
        "two_reds_in_14_days",
        "P5",
        runner_plan,
        second.log,
        True,
    )
    first_day, second_day = day_of(runs[0]), day_of(later)
    dates = f"{first_day.day} {first_day:%b %Y}, {second_day.day} {second_day:%b %Y}"
    assert f"Two red sessions within 14 days ({dates})" in alert.reason  # dates as people write them, not ISO


def test_session_log_pelvic_floor_symptoms_only_after_a_birth(runner_plan, frozen):
    run = sessions(runner_plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    result = log(runner_plan, day_of(run), pf_symptoms=["leak"])
    assert result.log.pf_symptoms == [] and result.light.colour == "green"


def test_session_log_pelvic_floor_symptoms_after_a_birth_are_red_and_refer(patient, frozen):
    answers = {**postpartum_answers(20), "runs_per_week": 3, "nprs_during_run": 2}
    plan = issued_plan(patient, answers=answers)
    day = day_of(next(s for s in sessions(plan.current_revision.content) if s["kind"] not in ("rest",)))
    move_to(frozen, day)
    result = log(plan, day, pf_symptoms=["heaviness"])
    assert result.light.colour == "red"
    assert [alert.code for alert in result.alerts] == ["pelvic_floor_symptoms"]


# --- undo ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def after_red(runner_plan, frozen):
    """The runner's plan after a red first run: revision 2 is the automatic change."""
    run = sessions(runner_plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    log(runner_plan, day_of(run), pain_during_max=7)
    runner_plan.refresh_from_db()
    return runner_plan


def test_plan_revision_undo_restores_the_schedule_before_the_change(after_red, physio):
    automatic = after_red.current_revision
    undo = services.plan_revision_undo(plan=after_red, revision=automatic, by=physio)
    after_red.refresh_from_db()
    assert (undo.number, undo.kind, undo.undoes, undo.created_by) == (3, RevisionKind.UNDO, automatic, physio)
    assert undo.content == PlanRevision.objects.get(plan=after_red, number=1).content
    assert undo.reason.startswith("Undone by Alice Morgan: Red run on ")
    assert after_red.current_revision == undo


def test_plan_revision_undo_refuses_twice_and_older_revisions(after_red, physio):
    automatic = after_red.current_revision
    services.plan_revision_undo(plan=after_red, revision=automatic, by=physio)
    with pytest.raises(services.PlanRefused, match="has already been undone"):
        services.plan_revision_undo(plan=after_red, revision=automatic, by=physio)
    issued = PlanRevision.objects.get(plan=after_red, number=1)
    with pytest.raises(services.PlanRefused, match="Only an automatic change"):
        services.plan_revision_undo(plan=after_red, revision=issued, by=physio)


def test_plan_revision_undo_refuses_a_change_with_a_later_revision(after_red, physio, frozen):
    automatic = after_red.current_revision
    services.plan_draft_update(plan=after_red, by=physio, expected_version=after_red.draft_version, weeks=12)
    services.plan_issue(plan=after_red, by=physio)
    with pytest.raises(services.PlanRefused, match="no longer the current one: revision 3 was made after it"):
        services.plan_revision_undo(plan=after_red, revision=automatic, by=physio)


def test_issuing_again_keeps_what_the_logged_sessions_changed(after_red, physio):
    skipped_day = after_red.current_revision.changes[0]["date"]
    services.plan_draft_update(plan=after_red, by=physio, expected_version=after_red.draft_version, weeks=12)
    revision = services.plan_issue(plan=after_red, by=physio)
    assert next(s for s in sessions(revision.content) if s["date"] == skipped_day)["kind"] == "rest"


def test_issuing_again_keeps_an_undone_change_undone(after_red, physio):
    skipped_day = after_red.current_revision.changes[0]["date"]
    services.plan_revision_undo(plan=after_red, revision=after_red.current_revision, by=physio)
    after_red.refresh_from_db()
    services.plan_draft_update(plan=after_red, by=physio, expected_version=after_red.draft_version, weeks=12)
    revision = services.plan_issue(plan=after_red, by=physio)
    assert next(s for s in sessions(revision.content) if s["date"] == skipped_day)["kind"] == "run"


def test_plan_alert_review_records_who_and_when(runner_plan, physio):
    log_entry = log(runner_plan, TODAY).log
    alert = PlanAlert.objects.create(plan=runner_plan, log=log_entry, code="x", rule="P5", reason="Two reds")
    services.plan_alert_review(alert=alert, by=physio)
    assert (alert.reviewed_by, alert.reviewed_at, alert.is_open) == (physio, timezone.now(), False)


def test_deleting_the_patient_removes_plans_revisions_and_logs(after_red):
    """Erasing a patient's records must not be blocked by their plan (revisions refuse changes, not deletion)."""
    assert SessionLog.objects.exists() and PlanRevision.objects.count() == 2
    after_red.patient.delete()
    assert not Plan.objects.exists() and not PlanRevision.objects.exists() and not SessionLog.objects.exists()


def test_plan_draft_update_refuses_a_note_over_the_limit(patient):
    plan = draft_plan(patient)
    with pytest.raises(ValidationError, match="at most 1000 characters"):
        services.plan_draft_update(plan=plan, by=patient.physio, expected_version=1, note_for_patient="x" * 1001)
    plan.refresh_from_db()
    assert plan.note_for_patient == "" and plan.draft_version == 1
