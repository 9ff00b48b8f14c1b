"""The plan pages per role, the draft editor (bad input kept, reorder without JavaScript, the concurrent-edit
refusal), issuing, the plan page's calendar and its fixed query count, logging a session, undo and alerts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import AuditEvent
from plans import services
from plans.models import Plan, PlanStatus, SessionLog
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


def url(name, plan, *args):
    return reverse(f"plans:{name}", args=[plan.patient_id, plan.pk, *args])


def audited(action, target):
    return AuditEvent.objects.filter(action=action, target_type=target._meta.model_name, target_id=target.pk).exists()


# --- building from the assessment ---------------------------------------------------------------------------------


def build_url(assessment):
    return reverse("plans:build", args=[assessment.intake.patient_id, assessment.intake_id, assessment.pk])


def test_build_plan_makes_a_draft_and_opens_the_editor(physio_client, patient):
    assessment = confirmed_assessment(patient)
    response = physio_client.post(build_url(assessment))
    plan = Plan.objects.get()
    assert response.status_code == 302 and response.url == url("draft", plan)
    assert plan.assessment == assessment and audited("create", plan)


def test_build_plan_refused_goes_back_with_the_reason(physio_client, patient):
    assessment = confirmed_assessment(patient, status="referred", referral_note="To the GP.")
    response = physio_client.post(build_url(assessment), follow=True)
    assert "Only a confirmed assessment can have a plan" in response.content.decode()
    assert not Plan.objects.exists()


@pytest.mark.parametrize(("client_fixture", "status"), [("desk_client", 403), ("other_physio_client", 404)])
def test_build_plan_denied_to_front_desk_and_other_clinics(request, patient, client_fixture, status):
    assessment = confirmed_assessment(patient)
    response = request.getfixturevalue(client_fixture).post(build_url(assessment))
    assert response.status_code == status
    assert not Plan.objects.exists()


def test_assessment_page_offers_build_plan_for_a_confirmed_assessment(physio_client, patient):
    assessment = confirmed_assessment(patient)
    page = physio_client.get(assessment.get_absolute_url()).content.decode()
    assert build_url(assessment) in page and "Build plan" in page


# --- the draft editor ---------------------------------------------------------------------------------------------


def editor_data(plan, **changes):
    """The editor's form as the browser posts it, unchanged unless `changes` say otherwise."""
    rows = plan.programme if plan.programme is not None else plan.content["programme"]
    data = {
        "version": plan.draft_version,
        "start": plan.start.isoformat(),
        "weeks": plan.weeks,
        "start_level": plan.start_level or "",
        "strength_days_per_week": plan.strength_days_per_week or "",
        "note_for_patient": plan.note_for_patient,
        "add_exercise": "",
        "programme-TOTAL_FORMS": len(rows),
        "programme-INITIAL_FORMS": len(rows),
        "action": "save",
    }
    for index, row in enumerate(rows):
        data[f"programme-{index}-code"] = row["code"]
        for part in ("sets", "reps", "hold_s", "minutes", "per_week"):
            data[f"programme-{index}-{part}"] = "" if row.get(part) is None else row[part]
    data.update(changes)
    return data


def codes(plan):
    plan.refresh_from_db()
    return [row["code"] for row in plan.content["programme"]]


def test_draft_editor_shows_settings_programme_and_preview(physio_client, patient):
    plan = draft_plan(patient)
    page = physio_client.get(url("draft", plan)).content.decode()
    first = plan.content["programme"][0]
    assert 'name="weeks"' in page and 'value="14"' in page
    assert first["name"] in page and f'value="up:{first["code"]}"' in page
    assert "Preview of the saved draft" in page and "Save and review the changes to issue" in page
    assert audited("view", plan)


def test_draft_editor_save_rebuilds_the_plan(physio_client, patient):
    plan = draft_plan(patient)
    response = physio_client.post(url("draft", plan), editor_data(plan, weeks=6, note_for_patient="Easy does it."))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.weeks, len(plan.content["weeks"]), plan.note_for_patient, plan.draft_version) == (
        6,
        6,
        "Easy does it.",
        2,
    )
    assert audited("change", plan)


def test_draft_editor_bad_weeks_message_beside_the_field_and_input_kept(physio_client, patient):
    plan = draft_plan(patient)
    response = physio_client.post(url("draft", plan), editor_data(plan, weeks=40, note_for_patient="Keep me"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "A plan lasts 4 to 26 weeks (got 40)." in page
    assert 'value="40"' in page and "Keep me" in page
    plan.refresh_from_db()
    assert plan.weeks == 14 and plan.draft_version == 1


def test_draft_editor_names_every_problem_at_once(physio_client, patient):
    """A start before the assessment, too many weeks and too many sets: three messages in one save, not three saves."""
    plan = draft_plan(patient)
    before = (plan.assessment.as_of - timedelta(days=30)).isoformat()
    data = editor_data(plan, start=before, weeks=60, **{"programme-0-sets": 9})
    page = physio_client.post(url("draft", plan), data).content.decode()
    assert "cannot start before the assessment" in page
    assert "A plan lasts 4 to 26 weeks (got 60)." in page
    assert "Choose 1 to 5 sets (got 9)." in page


def test_draft_editor_bad_dose_message_in_its_row_and_input_kept(physio_client, patient):
    plan = draft_plan(patient)
    response = physio_client.post(url("draft", plan), editor_data(plan, **{"programme-0-reps": 99}))
    page = response.content.decode()
    assert "Choose 1 to 30 repetitions (got 99)." in page
    assert 'name="programme-0-reps" id="id_programme-0-reps" value="99"' in page
    plan.refresh_from_db()
    assert plan.draft_version == 1


def test_draft_editor_not_a_number_is_refused_beside_the_field(physio_client, patient):
    plan = draft_plan(patient)
    response = physio_client.post(url("draft", plan), editor_data(plan, **{"programme-0-sets": "three"}))
    page = response.content.decode()
    assert "Enter a whole number." in page and 'value="three"' in page


def test_draft_editor_up_and_down_reorder_without_javascript(physio_client, patient):
    plan = draft_plan(patient)
    first, second = codes(plan)[:2]
    response = physio_client.post(url("draft", plan), editor_data(plan, action=f"up:{second}"))
    assert response.status_code == 302 and response.url.endswith("#programme")
    assert codes(plan)[:2] == [second, first]
    physio_client.post(url("draft", plan), editor_data(plan, action=f"down:{second}"))
    assert codes(plan)[:2] == [first, second]


def test_draft_editor_add_then_remove_an_exercise(physio_client, patient):
    plan = draft_plan(patient)
    physio_client.post(url("draft", plan), editor_data(plan, action="add", add_exercise="hamstring_stretch_lying"))
    assert codes(plan)[-1] == "hamstring_stretch_lying"
    added = plan.content["programme"][-1]
    assert (added["sets"], added["hold_s"], added["per_week"]) == (1, 30, 7)  # the library's dose to start from
    physio_client.post(url("draft", plan), editor_data(plan, action="remove:hamstring_stretch_lying"))
    assert "hamstring_stretch_lying" not in codes(plan)


def test_draft_editor_removing_the_knee_exercise_is_refused_with_the_reason(physio_client, patient):
    plan = draft_plan(patient)
    knee = next(row["code"] for row in plan.content["programme"] if {"QUAD_CKC", "QUAD_OKC"} & set(row["categories"]))
    response = physio_client.post(url("draft", plan), editor_data(plan, action=f"remove:{knee}"))
    assert "needs a knee-strengthening exercise (reference §2.5)." in response.content.decode()
    assert knee in codes(plan)


def test_draft_editor_add_without_a_choice_asks_for_one(physio_client, patient):
    plan = draft_plan(patient)
    response = physio_client.post(url("draft", plan), editor_data(plan, action="add"))
    assert "Choose the exercise to add." in response.content.decode()


def test_draft_editor_lists_contraindicated_exercises_disabled_with_the_reason(physio_client, patient):
    plan = draft_plan(patient)  # squatting hurts (the intake): no deep knee bending (reference §2.5, §5)
    assert "painful_deep_knee_flexion" in plan.assessment.gates["contraindications"]
    page = physio_client.get(url("draft", plan)).content.decode()
    assert 'value="squat" disabled' in page and "Squat: not for this patient (deep knee bending" in page
    response = physio_client.post(url("draft", plan), editor_data(plan, action="add", add_exercise="squat"))
    assert "must not be given to this patient" in response.content.decode()
    assert "squat" not in codes(plan)


def test_draft_editor_second_save_is_refused_naming_who_and_when_and_keeping_input(
    client, patient, physio, colleague_physio
):
    plan = draft_plan(patient)
    stale = editor_data(plan, weeks=20, note_for_patient="Mine")
    client.force_login(colleague_physio.user)
    client.post(url("draft", plan), editor_data(plan, weeks=8))
    client.force_login(physio.user)
    response = client.post(url("draft", plan), stale)
    page = response.content.decode()
    assert "Ben Adeyemi saved this draft at 12:00 on 1 Dec while you were editing" in page
    assert 'value="20"' in page and "Mine" in page and 'name="version" value="2"' in page
    plan.refresh_from_db()
    assert plan.weeks == 8
    client.post(url("draft", plan), {**stale, "version": 2})  # saving again, knowingly, replaces it
    plan.refresh_from_db()
    assert plan.weeks == 20


FIVE_STRENGTH = [
    {"code": "glute_bridge", "sets": 3, "reps": 10, "per_week": 3},
    {"code": "side_lying_hip_abduction", "sets": 2, "reps": 10, "per_week": 3},
    {"code": "sit_to_stand", "sets": 3, "reps": 10, "per_week": 3},
    {"code": "knee_extension_90_45", "sets": 3, "reps": 10, "per_week": 3},
    {"code": "double_leg_calf_raise", "sets": 3, "reps": 15, "per_week": 3},
]


def with_programme(plan, rows, **changes):
    data = editor_data(plan, **changes)
    data.update({"programme-TOTAL_FORMS": len(rows), "programme-INITIAL_FORMS": len(rows)})
    for index, row in enumerate(rows):
        data[f"programme-{index}-code"] = row["code"]
        for part in ("sets", "reps", "hold_s", "minutes", "per_week"):
            data[f"programme-{index}-{part}"] = row.get(part, "")
    return data


def test_draft_editor_asks_for_a_reason_beside_its_field_for_a_fifth_strength_exercise(physio_client, patient):
    plan = draft_plan(patient)
    response = physio_client.post(url("draft", plan), with_programme(plan, FIVE_STRENGTH, note_for_patient="Keep me"))
    page = response.content.decode()
    assert response.status_code == 200
    beside_the_field = page.split('name="more_exercises_reason"')[1][:1200]
    assert "more than the 4 the reference advises once the patient is independent" in beside_the_field
    assert "Keep me" in page and 'value="double_leg_calf_raise"' in page
    plan.refresh_from_db()
    assert plan.draft_version == 1


def test_draft_editor_takes_a_fifth_strength_exercise_with_a_reason_shown_on_the_issued_plan(physio_client, patient):
    plan = draft_plan(patient)
    reason = "Supervised in clinic twice a week"
    response = physio_client.post(url("draft", plan), with_programme(plan, FIVE_STRENGTH, more_exercises_reason=reason))
    assert response.status_code == 302
    assert codes(plan) == [row["code"] for row in FIVE_STRENGTH] and plan.more_exercises_reason == reason
    physio_client.post(url("issue", plan), {"version": plan.draft_version})
    plan.refresh_from_db()
    assert plan.current_revision.inputs["more_exercises_reason"] == reason
    page = physio_client.get(plan.get_absolute_url()).content.decode()
    assert f"More strength exercises than usual, because:</strong> {reason}" in page


def test_draft_editor_shows_cadence_target_only_when_retraining_cadence(physio_client, patient):
    plan = draft_plan(patient)
    assert "GAIT_CADENCE" not in plan.content["exercise_categories"]
    assert 'name="cadence_target_spm"' not in physio_client.get(url("draft", plan)).content.decode()


def test_draft_editor_of_an_ended_plan_goes_back_to_the_plan(physio_client, patient):
    plan = issued_plan(patient)
    services.plan_end(plan=plan, by=patient.physio)
    assert physio_client.get(url("draft", plan)).url == plan.get_absolute_url()


# --- issuing ------------------------------------------------------------------------------------------------------


def test_issue_plan_makes_revision_one(physio_client, patient):
    plan = draft_plan(patient)
    response = physio_client.post(url("issue", plan), {"version": 1}, follow=True)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ISSUED and plan.current_revision.number == 1
    assert "Revision 1 is issued" in response.content.decode()


def test_review_saves_what_was_typed_then_shows_the_changes_side_by_side(physio_client, patient):
    plan = issued_plan(patient)
    weeks = plan.weeks
    response = physio_client.post(url("draft", plan), editor_data(plan, weeks=10, action="review"))
    assert response.status_code == 302 and response.url == url("issue_review", plan)
    plan.refresh_from_db()
    assert (plan.weeks, plan.status, plan.current_revision.number) == (10, PlanStatus.ISSUED, 1)  # saved, not issued
    page = physio_client.get(response.url).content.decode()
    assert "What changes for the patient" in page
    assert f'<th scope="row">Weeks</th><td>{weeks}</td><td>10</td>' in page
    assert "Issue revision 2" in page


def test_a_draft_sent_back_unchanged_is_not_saved_again(physio_client, patient):
    plan = issued_plan(patient)
    response = physio_client.post(url("draft", plan), editor_data(plan), follow=True)
    assert "Nothing had changed, so there was nothing to save." in response.content.decode()
    plan.refresh_from_db()
    assert plan.draft_version == 1 and not plan.has_unissued_changes
    page = physio_client.get(url("issue_review", plan)).content.decode()
    assert "there is nothing new to issue" in page


def test_the_first_issue_lists_what_the_patient_will_get(physio_client, patient):
    plan = draft_plan(patient)
    page = physio_client.get(url("issue_review", plan)).content.decode()
    assert "What the patient will get" in page and "Running minutes in all" in page and "Issue revision 1" in page


def test_issue_plan_with_problems_is_refused_and_they_are_listed(physio_client, patient, monkeypatch):
    plan = draft_plan(patient)
    monkeypatch.setattr(services, "request_violations", lambda *a: ["Week 3: 5 runs in one week; at most 4."])
    response = physio_client.post(url("issue", plan), {"version": 1}, follow=True)
    assert "The plan cannot be issued yet" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_issue_plan_after_a_colleagues_save_is_refused(physio_client, patient, colleague_physio):
    plan = draft_plan(patient)
    services.plan_draft_update(plan=plan, by=colleague_physio, expected_version=1, weeks=8)
    response = physio_client.post(url("issue", plan), {"version": 1}, follow=True)
    assert "Ben Adeyemi saved the draft after you opened it; nothing was issued" in response.content.decode()


# --- the plan page ------------------------------------------------------------------------------------------------


def test_plan_page_shows_the_calendar_with_today_the_chart_and_the_programme(physio_client, patient):
    plan = issued_plan(patient)
    page = physio_client.get(url("detail", plan)).content.decode()
    assert 'aria-current="date"' in page and "Tue 1 Dec · today" in page
    assert "Foundation" in page and "Walk/run" in page
    assert "Running minutes per week" in page  # the chart's title
    assert plan.content["programme"][0]["name"] in page
    assert "Revision history" in page and "Issued by Alice Morgan" in page
    assert audited("view", plan)


def test_the_page_of_a_plan_never_issued_names_who_saved_its_draft(physio_client, patient):
    plan = draft_plan(patient)
    page = physio_client.get(url("detail", plan)).content.decode()
    assert "Not issued yet · draft saved 1 Dec 2026, 12:00 by Alice Morgan" in page


def test_plan_page_for_the_front_desk_shows_status_and_revisions_only(desk_client, patient):
    plan = issued_plan(patient)
    response = desk_client.get(url("detail", plan))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Issued" in page and "Revision history" in page and "Issued by the physiotherapist" in page
    assert "Week by week" not in page and "Home exercise programme" not in page
    assert url("draft", plan) not in page and url("revision", plan, 1) not in page


def test_plan_page_lists_automatic_changes_with_undo(physio_client, patient, frozen):
    plan = issued_plan(patient, answers=RUNNER_INTAKE)
    run = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    services.session_log_create(plan=plan, by=patient.physio.user, session_date=day_of(run), pain_during_max=8)
    page = physio_client.get(url("detail", plan)).content.decode()
    assert "Undo this change" in page and "rest instead of walk" in page
    assert "Logged: red" in page


def plan_page_queries(client, plan) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("detail", plan)).status_code == 200
    return len(queries)


def test_plan_page_query_count_does_not_grow_with_the_plan(physio_client, patient, other_patient, frozen):
    short = issued_plan(patient, answers=RUNNER_INTAKE, weeks=4)
    long = issued_plan(other_patient, answers=RUNNER_INTAKE, weeks=26)
    for plan in (short, long):
        first, second = sessions(plan.current_revision.content, "run")[:2]
        for run, pain in ((first, 4), (second, 6)):  # amber, then red: two automatic changes
            move_to(frozen, day_of(run))
            services.session_log_create(
                plan=plan, by=plan.patient.physio.user, session_date=day_of(run), pain_during_max=pain
            )
        assert plan.revisions.count() == 3 and plan.logs.count() == 2
    assert plan_page_queries(physio_client, short) == plan_page_queries(physio_client, long)


def test_revision_page_is_read_only_with_who_when_why(physio_client, patient):
    plan = issued_plan(patient)
    page = physio_client.get(url("revision", plan, 1)).content.decode()
    assert "Revision 1" in page and "Issued by Alice Morgan" in page and "Read-only" in page
    assert page.count('method="post"') == 1  # the sign-out button only: nothing here changes the revision


def test_revision_page_of_another_plan_number_is_not_found(physio_client, patient):
    plan = issued_plan(patient)
    assert physio_client.get(url("revision", plan, 9)).status_code == 404


# --- logging a session --------------------------------------------------------------------------------------------


@pytest.fixture
def runner(patient):
    return issued_plan(patient, answers=RUNNER_INTAKE)


def log_data(day, **fields):
    return {
        "session_date": day.isoformat(),
        "completed": "on",
        "pain_during_max": 2,
        "next_morning_pain": 1,
        "next_morning_stiffness": 1,
        **fields,
    }


def test_log_form_offers_the_latest_session_and_no_pelvic_floor_question(physio_client, runner):
    page = physio_client.get(url("log_create", runner)).content.decode()
    assert 'value="2026-12-01"' in page  # today, a strength day
    assert "pelvic floor" not in page.lower()


def test_log_form_asks_about_the_pelvic_floor_after_a_birth(physio_client, patient):
    plan = issued_plan(patient, answers={**postpartum_answers(20), "runs_per_week": 3, "nprs_during_run": 2})
    page = physio_client.get(url("log_create", plan)).content.decode()
    assert "Any pelvic floor symptoms during or after?" in page and 'value="heaviness"' in page


def test_log_a_green_run_says_so_in_plain_words(physio_client, runner, frozen):
    first, second = sessions(runner.current_revision.content, "run")[:2]
    move_to(frozen, day_of(second))
    services.session_log_create(
        plan=runner,
        by=runner.patient.physio.user,
        session_date=day_of(first),
        pain_during_max=1,
        next_morning_pain=0,
        next_morning_stiffness=0,
    )
    data = log_data(day_of(second), comment="Said the hills felt easy.")
    response = physio_client.post(url("log_create", runner), data, follow=True)
    page = response.content.decode()
    entry = SessionLog.objects.get(session_date=day_of(second))
    assert response.redirect_chain[-1][0] == entry.get_absolute_url()
    assert "Green: next time you move up to level 2" in page
    assert entry.comment == "Said the hills felt easy." and '<p class="mb-0">Said the hills felt easy.</p>' in page
    assert "Nothing: the plan goes on as scheduled." in page
    assert audited("create", entry)


def test_log_a_red_run_shows_what_changed(physio_client, runner, frozen):
    run = sessions(runner.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    page = physio_client.post(url("log_create", runner), log_data(day_of(run), limp="on"), follow=True).content.decode()
    assert "Red: rest on " in page and "a limp or change in running style" in page
    assert "rest instead of walk 5 min, run 1 min" in page and "Undo this change" in page


def test_log_a_refused_day_says_why_beside_the_date_and_keeps_the_input(physio_client, runner):
    response = physio_client.post(url("log_create", runner), log_data(TODAY.replace(day=2), pain_during_max=4, rpe=6))
    page = response.content.decode()
    assert "is in the future: log a session once it has happened" in page
    assert 'name="rpe" value="6"' in page
    assert not SessionLog.objects.exists()


def test_log_bad_pain_score_is_refused_and_input_kept(physio_client, runner):
    response = physio_client.post(url("log_create", runner), log_data(TODAY, pain_during_max=12, duration_min=25))
    page = response.content.decode()
    assert "Ensure this value is less than or equal to 10." in page and 'value="25"' in page
    assert not SessionLog.objects.exists()


def test_log_page_of_a_draft_plan_sends_back(physio_client, patient):
    plan = draft_plan(patient)
    assert physio_client.get(url("log_create", plan)).url == plan.get_absolute_url()


# --- undo and alerts ----------------------------------------------------------------------------------------------


def test_undo_an_automatic_change(physio_client, runner, frozen):
    run = sessions(runner.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    services.session_log_create(
        plan=runner, by=runner.patient.physio.user, session_date=day_of(run), pain_during_max=2, limp=True
    )
    response = physio_client.post(url("revision_undo", runner, 2), follow=True)
    runner.refresh_from_db()
    assert runner.current_revision.number == 3 and runner.current_revision.kind == "undo"
    assert "The automatic change is undone" in response.content.decode()
    assert audited("change", runner.current_revision)


def test_undo_refused_says_why(physio_client, runner):
    response = physio_client.post(url("revision_undo", runner, 1), follow=True)
    assert "Only an automatic change of this plan can be undone." in response.content.decode()


def test_alert_marked_reviewed(physio_client, runner, frozen):
    runs = sessions(runner.current_revision.content, "run")
    move_to(frozen, day_of(runs[0]))
    services.session_log_create(
        plan=runner, by=runner.patient.physio.user, session_date=day_of(runs[0]), pain_during_max=2, limp=True
    )
    runner.refresh_from_db()
    later = next(s for s in sessions(runner.current_revision.content, "run") if s["date"] > runs[1]["date"])
    move_to(frozen, day_of(later))
    result = services.session_log_create(
        plan=runner, by=runner.patient.physio.user, session_date=day_of(later), pain_during_max=2, swelling=True
    )
    alert = next(alert for alert in result.alerts if alert.code == "two_reds_in_14_days")
    assert "Two red sessions within 14 days" in physio_client.get(url("detail", runner)).content.decode()
    physio_client.post(url("alert_review", runner, alert.pk))
    alert.refresh_from_db()
    assert not alert.is_open
    assert audited("change", alert)


# --- the patient page ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_fixture", ["physio_client", "desk_client"])
def test_patient_page_shows_the_plan_status_and_link(request, patient, client_fixture):
    plan = issued_plan(patient)
    page = request.getfixturevalue(client_fixture).get(patient.get_absolute_url()).content.decode()
    assert "Plans" in page and plan.get_absolute_url() in page and "Issued" in page


# --- access per role ----------------------------------------------------------------------------------------------

PAGES = ["detail", "draft", "log_create", "revision"]


@pytest.fixture
def plan_of_patient(patient):
    return issued_plan(patient)


def page_url(name, plan):
    return url(name, plan, 1) if name == "revision" else url(name, plan)


@pytest.mark.parametrize("name", PAGES)
def test_plan_pages_open_to_every_physio_of_the_clinic(client, plan_of_patient, colleague_physio, name):
    client.force_login(colleague_physio.user)
    assert client.get(page_url(name, plan_of_patient)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_plan_pages_of_another_clinic_are_not_found(other_physio_client, plan_of_patient, name):
    assert other_physio_client.get(page_url(name, plan_of_patient)).status_code == 404


@pytest.mark.parametrize("name", ["draft", "log_create", "revision"])
def test_clinical_plan_pages_are_forbidden_to_the_front_desk(desk_client, plan_of_patient, name):
    assert desk_client.get(page_url(name, plan_of_patient)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("client_fixture", ["patient_client", "other_patient_client"])
def test_plan_pages_are_forbidden_to_patients(request, plan_of_patient, name, client_fixture):
    assert request.getfixturevalue(client_fixture).get(page_url(name, plan_of_patient)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_plan_pages_send_anonymous_visitors_to_sign_in(client, plan_of_patient, name):
    response = client.get(page_url(name, plan_of_patient))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_plan_of_another_patient_under_this_patient_is_not_found(physio_client, patient, other_patient):
    plan = issued_plan(other_patient)
    assert physio_client.get(reverse("plans:detail", args=[patient.pk, plan.pk])).status_code == 404


@pytest.mark.parametrize("name", ["issue", "end", "revision_undo"])
def test_plan_actions_are_forbidden_to_the_front_desk_and_need_post(
    login_as, front_desk, physio, plan_of_patient, name
):
    target = url(name, plan_of_patient, 1) if name == "revision_undo" else url(name, plan_of_patient)
    assert login_as(front_desk.user).post(target).status_code == 403
    assert login_as(physio.user).get(target).status_code == 405
    plan_of_patient.refresh_from_db()
    assert plan_of_patient.status == PlanStatus.ISSUED and plan_of_patient.revisions.count() == 1


def test_a_physio_of_another_clinic_cannot_act_on_the_plan(other_physio_client, plan_of_patient):
    assert other_physio_client.post(url("end", plan_of_patient)).status_code == 404
    plan_of_patient.refresh_from_db()
    assert plan_of_patient.status == PlanStatus.ISSUED


def test_plan_page_names_who_issued_the_revision_without_querying_for_them(physio_client, patient):
    plan = issued_plan(patient)
    with CaptureQueriesContext(connection) as queries:
        page = physio_client.get(url("detail", plan)).content.decode()
    assert "Revision 1 of" in page and "by Alice Morgan" in page
    staff_lookup = 'FROM "clinic_staffmember" WHERE "clinic_staffmember"."id"'
    assert not [query for query in queries if staff_lookup in query["sql"]]
