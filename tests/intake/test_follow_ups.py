"""Follow-up questionnaires: the physio schedules the outcome measures again, the patient answers in the portal when
one is due (the intake's questions and scoring), new red flags are screened, and the physio reads the change since
the previous questionnaire against the minimal important change."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from intake import services
from intake.models import FollowUp, FollowUpSchedule, OutcomeResponse
from intake.pages import scores_figure_for
from intake.questionnaire import answer_paths
from intake.schema import SAFETY_BOOLS
from intake.scoring import instrument
from tests.intake.factories import AKPS_BEST, SAFETY_NO, OutcomeResponseFactory, SubmittedIntakeFactory, form_data

TODAY = date(2026, 12, 1)
NOON = timezone.make_aware(datetime.combine(TODAY, time(12)))
KOOS_NONE = {f"kpf{n}": 0 for n in range(1, 12)}
ANSWERS = {**SAFETY_NO, "nprs_now": 1, "nprs_usual": 2, "nprs_worst_week": 3, "koos_pf": KOOS_NONE, "akps": AKPS_BEST}


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOON, tick=False)
    return time_machine


@pytest.fixture
def intake(patient):
    """The patient's intake of a month ago, AKPS 70 and KOOS-PF 60."""
    submitted = SubmittedIntakeFactory(patient=patient, submitted_at=NOON - timedelta(days=30))
    OutcomeResponseFactory(intake=submitted, instrument="akps", value=70)
    OutcomeResponseFactory(intake=submitted, instrument="koos_pf", value=60, answered=11, of=11)
    return submitted


@pytest.fixture
def schedule(intake, patient, physio):
    return services.follow_up_schedule_set(
        patient=patient,
        by=physio,
        instruments=["nprs", "koos_pf", "akps"],
        every_weeks=2,
        start=TODAY,
        safety_questions=True,
    )


def schedule_url(patient):
    return reverse("intake:follow_up_schedule", args=[patient.pk])


def questionnaire_data(answers=ANSWERS):
    return form_data(answer_paths(answers, "intake"))


# --- the schedule -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (TODAY - timedelta(days=1), None),
        (TODAY, TODAY),
        (TODAY + timedelta(days=13), TODAY),
        (TODAY + timedelta(days=14), TODAY + timedelta(days=14)),
        (TODAY + timedelta(days=30), TODAY + timedelta(days=28)),  # a missed one is replaced, never piled up
    ],
)
def test_a_questionnaire_falls_due_on_the_start_then_every_interval(schedule, today, due):
    assert schedule.due_on(today) == due


def test_the_physio_schedules_follow_ups_on_the_patient_page(physio_client, patient, intake):
    page = physio_client.get(patient.get_absolute_url()).content.decode()
    assert schedule_url(patient) in page
    form = physio_client.get(schedule_url(patient)).context["form"]
    assert form["every_weeks"].value() == 2 and form["start"].value() == TODAY + timedelta(weeks=2)
    response = physio_client.post(
        schedule_url(patient),
        {"instruments": ["koos_pf", "akps"], "every_weeks": "3", "start": "2026-12-08", "safety_questions": "on"},
    )
    assert response.status_code == 302 and response.url == reverse("patient_detail", args=[patient.pk])
    schedule = FollowUpSchedule.objects.get()
    assert (schedule.instruments, schedule.every_weeks, schedule.start, schedule.safety_questions) == (
        ["koos_pf", "akps"],
        3,
        date(2026, 12, 8),
        True,
    )
    assert AuditEvent.objects.filter(action="create", target_type="followupschedule").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"instruments": []}, "instruments", "Choose at least one outcome measure."),
        ({"every_weeks": "13"}, "every_weeks", "less than or equal to 12"),
        ({"every_weeks": "0"}, "every_weeks", "greater than or equal to 1"),
        ({"start": "2026-11-30"}, "start", "Choose today or a later day."),
        ({"start": "2028-01-01"}, "start", "Choose a day within the next year."),
    ],
)
def test_a_bad_schedule_is_refused_beside_its_field_and_kept(physio_client, patient, intake, changes, field, message):
    data = {"instruments": ["akps"], "every_weeks": "2", "start": "2026-12-15", **changes}
    response = physio_client.post(schedule_url(patient), data)
    assert response.status_code == 200 and not FollowUpSchedule.objects.exists()
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert form["every_weeks"].value() == data["every_weeks"]


def test_scheduling_before_an_intake_is_refused_with_the_reason(physio_client, patient):
    data = {"instruments": ["akps"], "every_weeks": "2", "start": "2026-12-15"}
    response = physio_client.post(schedule_url(patient), data)
    assert "compared with the intake" in response.content.decode()
    assert not FollowUpSchedule.objects.exists()


def test_a_new_schedule_replaces_the_running_one(schedule, patient, physio):
    new = services.follow_up_schedule_set(
        patient=patient, by=physio, instruments=["akps"], every_weeks=4, start=TODAY, safety_questions=False
    )
    schedule.refresh_from_db()
    assert schedule.stopped_by == physio and not schedule.is_active
    assert list(FollowUpSchedule.objects.active()) == [new]


def test_stopping_the_schedule_means_nothing_falls_due(as_role, schedule, patient):
    as_role("physio").post(reverse("intake:follow_up_stop", args=[patient.pk]))
    schedule.refresh_from_db()
    assert not schedule.is_active
    assert as_role("patient").get(reverse("my_page")).context["due"] is None


@pytest.mark.parametrize(("role", "status"), [("front_desk", 403), ("other_clinic_physio", 404), ("patient", 403)])
def test_only_the_clinics_physios_schedule(as_role, role, status, patient, intake):
    assert as_role(role).get(schedule_url(patient)).status_code == status
    data = {"instruments": ["akps"], "every_weeks": "2", "start": "2026-12-15"}
    assert as_role(role).post(schedule_url(patient), data).status_code == status
    assert as_role(role).post(reverse("intake:follow_up_stop", args=[patient.pk])).status_code == status
    assert not FollowUpSchedule.objects.exists()


def test_the_follow_up_section_is_for_physios_only(as_role, patient, schedule):
    assert "Follow-up questionnaires" in as_role("physio").get(patient.get_absolute_url()).content.decode()
    assert "Follow-up questionnaires" not in as_role("front_desk").get(patient.get_absolute_url()).content.decode()


# --- the patient answers ------------------------------------------------------------------------------------------


def test_a_due_questionnaire_appears_in_the_portal(patient_client, schedule):
    html = patient_client.get(reverse("my_page")).content.decode()
    assert "A short questionnaire is ready" in html and reverse("intake:questionnaire") in html


def test_the_patient_answers_and_it_is_scored_without_an_intake(patient_client, schedule, patient):
    response = patient_client.post(reverse("intake:questionnaire"), questionnaire_data())
    follow_up = FollowUp.objects.get()
    assert response.status_code == 302 and response.url == reverse("intake:questionnaire_done", args=[follow_up.pk])
    assert (follow_up.schedule, follow_up.due_on, follow_up.red_flags) == (schedule, TODAY, [])
    responses = {r.instrument: r for r in OutcomeResponse.objects.filter(follow_up=follow_up)}
    assert set(responses) == {"nprs", "koos_pf", "akps"}
    akps = responses["akps"]
    assert (akps.intake, akps.patient, akps.instrument_version, akps.value) == (None, patient, "1.0", 100.0)
    assert akps.answers == AKPS_BEST and responses["koos_pf"].value == 100.0
    assert responses["nprs"].answers == {"nprs_now": 1, "nprs_usual": 2, "nprs_worst_week": 3}
    assert patient_client.get(reverse("my_page")).context["due"] is None  # answered: nothing due until the next


def test_the_patient_sees_their_scores_and_the_change_in_plain_words(patient_client, schedule):
    response = patient_client.post(reverse("intake:questionnaire"), questionnaire_data(), follow=True)
    html = response.content.decode()
    assert (
        "Knee pain and function score: 100 out of 100" in html and "Up 30 since last time: a real improvement" in html
    )
    assert "Knee activities score: 100 out of 100" in html


AKPS_WORST = {item.code: min(item.options, key=lambda option: option.points).code for item in instrument("akps").items}


def test_a_score_worse_by_the_minimal_important_change_is_kept_with_the_questionnaire(patient_client, schedule):
    patient_client.post(reverse("intake:questionnaire"), questionnaire_data({**ANSWERS, "akps": AKPS_WORST}))
    assert FollowUp.objects.get().worsened == ["AKPS"]  # 70 at the intake, 0 now; the MIC is 10


def test_a_small_drop_is_not_a_worsening(patient_client, schedule, intake):
    OutcomeResponse.objects.filter(intake=intake, instrument="akps").update(value=100)
    answers = {**ANSWERS, "akps": {**AKPS_BEST, "limp": AKPS_WORST["limp"]}}  # 5 points lower
    patient_client.post(reverse("intake:questionnaire"), questionnaire_data(answers))
    assert FollowUp.objects.get().worsened == []


def test_the_patient_is_told_plainly_of_a_worsening_and_given_the_number_to_call(patient_client, schedule, clinic):
    data = questionnaire_data({**ANSWERS, "akps": AKPS_WORST})
    html = patient_client.post(reverse("intake:questionnaire"), data, follow=True).content.decode()
    assert "Down 70 since last time: more than a small change." in html
    assert "Please call us" in html and f"Call {clinic.name}" in html


def test_the_physio_sees_a_worsening_flagged_as_clearly_as_an_improvement(physio_client, patient, schedule):
    follow_up = services.follow_up_submit(schedule=schedule, due_on=TODAY, answers={**ANSWERS, "akps": AKPS_WORST})
    html = physio_client.get(follow_up.get_absolute_url()).content.decode()
    assert "meaningful worsening" in html and "meaningful improvement" in html  # AKPS down, KOOS-PF up


def test_an_unanswered_required_question_is_asked_for_and_every_answer_kept(patient_client, schedule):
    data = questionnaire_data({**ANSWERS, "akps": {**AKPS_BEST, "limp": None}})
    data.pop("intake-akps-limp")
    response = patient_client.post(reverse("intake:questionnaire"), data)
    assert response.status_code == 200 and not FollowUp.objects.exists()
    form = response.context["form"]
    assert form.errors == {"intake-akps-limp": ["Please answer this question."]}
    assert form["intake-nprs_now"].value() == "1" and form["intake-koos_pf-kpf3"].value() == "0"


def test_a_questionnaire_sent_with_no_answer_at_all_asks_for_them(patient_client, schedule):
    # An empty POST made the form unbound, and the view then read answers it never cleaned (a server error).
    response = patient_client.post(reverse("intake:questionnaire"), {})
    assert response.status_code == 200 and not FollowUp.objects.exists()
    assert response.context["form"].errors["intake-akps-limp"] == ["Please answer this question."]


def test_a_new_red_flag_in_the_safety_answers_gets_the_advice_at_once(patient_client, schedule):
    answers = {**ANSWERS, "hot_red_knee": True, "fever_or_unwell": True}
    response = patient_client.post(reverse("intake:questionnaire"), questionnaire_data(answers), follow=True)
    follow_up = FollowUp.objects.get()
    assert follow_up.flag_level == "emergency" and follow_up.is_urgent
    assert "septic_arthritis_signs" in {flag["code"] for flag in follow_up.red_flags}
    assert follow_up.safety_answers["hot_red_knee"] is True
    html = response.content.decode()
    assert "Please go to A&amp;E now." in html and patient_client.get(reverse("my_page")).status_code == 200


def test_flags_the_intake_already_had_are_not_raised_again(patient, physio, schedule):
    schedule.patient.intakes.update(answers={**schedule.patient.intakes.get().answers, "hot_red_knee": True})
    answers = {**ANSWERS, "hot_red_knee": True}
    follow_up = services.follow_up_submit(schedule=schedule, due_on=TODAY, answers=answers)
    assert follow_up.red_flags == []


def test_sending_twice_stores_one_questionnaire(schedule):
    first = services.follow_up_submit(schedule=schedule, due_on=TODAY, answers=ANSWERS)
    assert services.follow_up_submit(schedule=schedule, due_on=TODAY, answers=ANSWERS) == first
    assert OutcomeResponse.objects.filter(follow_up__isnull=False).count() == 3


def test_a_questionnaire_replaced_by_a_newer_one_is_refused(schedule, clock):
    clock.move_to(NOON + timedelta(days=14), tick=False)
    with pytest.raises(services.FollowUpRefused, match="replaced by a newer one"):
        services.follow_up_submit(schedule=schedule, due_on=TODAY, answers=ANSWERS)


def test_a_stopped_schedule_takes_no_answers(schedule, patient, physio):
    services.follow_up_schedule_stop(patient=patient, by=physio)
    schedule.refresh_from_db()
    with pytest.raises(services.FollowUpRefused, match="stopped"):
        services.follow_up_submit(schedule=schedule, due_on=TODAY, answers=ANSWERS)


def test_without_a_due_questionnaire_the_page_says_so(patient_client, patient):
    response = patient_client.get(reverse("intake:questionnaire"))
    assert "No questionnaire right now" in response.content.decode()
    assert patient_client.post(reverse("intake:questionnaire"), questionnaire_data()).status_code == 200
    assert not FollowUp.objects.exists()


def test_the_safety_questions_are_left_out_when_the_schedule_says_so(patient_client, patient, physio, intake):
    services.follow_up_schedule_set(
        patient=patient, by=physio, instruments=["akps"], every_weeks=2, start=TODAY, safety_questions=False
    )
    fields = patient_client.get(reverse("intake:questionnaire")).context["form"].fields
    assert not any(name.removeprefix("intake-") in SAFETY_BOOLS for name in fields)
    assert all(name.startswith("intake-akps-") for name in fields)


def test_another_patient_cannot_see_a_patients_answered_questionnaire(schedule, other_patient_client):
    follow_up = services.follow_up_submit(schedule=schedule, due_on=TODAY, answers=ANSWERS)
    assert other_patient_client.get(reverse("intake:questionnaire_done", args=[follow_up.pk])).status_code == 404


# --- the physio reads it ------------------------------------------------------------------------------------------


@pytest.fixture
def answered(schedule):
    return services.follow_up_submit(
        schedule=schedule, due_on=TODAY, answers={**ANSWERS, "calf_pain_swelling_redness": True}
    )


def test_the_physio_sees_the_change_since_the_previous_questionnaire_against_the_mic(physio_client, answered):
    response = physio_client.get(answered.get_absolute_url())
    reports = {report.measure.code: report for report in response.context["outcomes"]}
    akps = reports["akps"].rows[0]
    assert (akps.previous, akps.value, akps.change.delta, akps.change.meaningful) == (70, 100, 30, True)
    html = response.content.decode()
    assert "meaningful improvement" in html and "Minimal important change: 10 points" in html
    assert "New red flags" in html and "What to do" in html
    assert "Is your calf painful, swollen or red?" in html
    assert AuditEvent.objects.filter(action="view", target_type="followup", target_id=answered.pk).exists()


def test_the_physio_marks_a_follow_up_reviewed(physio_client, answered, physio):
    physio_client.post(reverse("intake:follow_up_reviewed", args=[answered.patient_id, answered.pk]))
    answered.refresh_from_db()
    assert answered.reviewed_by == physio and answered.reviewed_at == NOON


@pytest.mark.parametrize(("role", "status"), [("front_desk", 403), ("other_clinic_physio", 404), ("patient", 403)])
def test_only_the_clinics_physios_read_follow_ups(as_role, role, status, answered):
    assert as_role(role).get(answered.get_absolute_url()).status_code == status
    url = reverse("intake:follow_up_reviewed", args=[answered.patient_id, answered.pk])
    assert as_role(role).post(url).status_code == status
    answered.refresh_from_db()
    assert answered.reviewed_at is None


def test_a_follow_up_of_another_patient_is_not_found(physio_client, answered, other_patient):
    url = reverse("intake:follow_up", args=[other_patient.pk, answered.pk])
    assert physio_client.get(url).status_code == 404


def test_the_scores_chart_shows_intake_and_follow_ups(answered, patient):
    chart = scores_figure_for(patient, chart_id="s")
    assert chart.table.headings == ("Date", "KOOS-PF", "AKPS")
    assert chart.table.rows == (("1 Nov", "60", "70"), ("1 Dec", "100", "100"))


def test_only_the_newest_follow_up_of_each_instrument_is_marked_the_latest(schedule, clock, patient, physio):
    """The clinic's outcomes compare the intake with it (OutcomeResponse.latest_follow_up)."""
    first = services.follow_up_submit(schedule=schedule, due_on=TODAY, answers=ANSWERS)
    clock.move_to(NOON + timedelta(days=14), tick=False)
    pain_only = services.follow_up_schedule_set(
        patient=patient,
        by=physio,
        instruments=["nprs"],
        every_weeks=2,
        start=TODAY + timedelta(days=14),
        safety_questions=False,
    )
    second = services.follow_up_submit(schedule=pain_only, due_on=TODAY + timedelta(days=14), answers=ANSWERS)
    latest = OutcomeResponse.objects.filter(latest_follow_up=True)
    assert sorted(latest.values_list("instrument", "follow_up")) == [
        ("akps", first.pk),
        ("koos_pf", first.pk),
        ("nprs", second.pk),
    ]


def test_the_patient_page_says_a_questionnaire_is_due_until_it_is_answered(physio_client, patient, schedule):
    page = reverse("patient_detail", args=[patient.pk])
    assert "Due since 1 Dec" in physio_client.get(page).content.decode()
    services.follow_up_submit(schedule=schedule, due_on=TODAY, answers=ANSWERS)
    shown = physio_client.get(page).content.decode()
    assert "Due since" not in shown and "Next due 15 Dec 2026" in shown


def test_the_patient_page_says_a_missed_questionnaire_is_due_once_the_next_falls_due(
    client, physio, patient, schedule, clock
):
    services.follow_up_submit(schedule=schedule, due_on=TODAY, answers=ANSWERS)
    clock.move_to(NOON + timedelta(days=30), tick=False)
    client.force_login(physio.user)  # signed in on the day
    assert "Due since 29 Dec" in client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
