"""The patient's portal: today's session and its timer, logging in a few taps with its refusals, the traffic light
in plain words, the next-morning question, the whole plan, and who may use any of it."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from clinic.models import AuditEvent
from plans import services
from plans.models import PlanAlert, SessionLog
from portal.pages import PortalPlan
from tests.plans.plan_factories import (
    RUNNER_INTAKE,
    TODAY,
    day_of,
    issued_plan,
    move_to,
    postpartum_answers,
    sessions,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]

# The portal home: the session, user, staff role and patient record; the request's savepoint and its release; the
# plan, its logs and their revisions, the exercises it names, the audit entry; the follow-up schedule; the scores;
# the plan's printed handouts; the messages from the clinic not read yet.
HOME_QUERIES = 15
ALL_WELL = {
    "completed": "true",
    "pain_during_max": "2",
    "pain_escalated": "false",
    "limp": "false",
    "swelling": "false",
}


@pytest.fixture
def runner_plan(patient):
    """An issued plan of a runner: a strength session today, walk/run from the first week."""
    return issued_plan(patient, answers=RUNNER_INTAKE)


LOAD_OR_REST = ("run", "impact", "rest")


def first_run(plan):
    return sessions(plan.current_revision.content, "run")[0]


def log_url(day):
    return reverse("portal_log", args=[day])


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- home ---------------------------------------------------------------------------------------------------------


def test_home_without_a_plan_says_so_with_the_clinic_phone(patient_client, patient):
    html = page(patient_client, reverse("my_page"))
    assert "hasn't shared a plan with you yet" in html
    assert f'href="tel:{patient.clinic.phone.replace(" ", "")}"' in html


def test_home_shows_todays_strength_session_with_its_exercises_and_doses(patient_client, runner_plan):
    today = runner_plan.current_revision.content["weeks"][0]["sessions"][0]
    assert today["kind"] == "strength"
    response = patient_client.get(reverse("my_page"))
    session = response.context["page"].today
    assert (session.kind, session.day) == ("strength", TODAY)
    assert [line.code for line in session.exercises] == [entry["code"] for entry in today["exercises"]]
    html = response.content.decode()
    for line in session.exercises:
        assert line.name in html and line.dose in html
    assert "How to do it" in html  # the steps, folded


def test_home_shows_a_run_with_the_interval_timer_and_its_plain_list(patient_client, runner_plan, frozen):
    run = first_run(runner_plan)
    move_to(frozen, day_of(run))
    html = page(patient_client, reverse("my_page"))
    walk, jog, repeats = run["run"]["walk_min"], run["run"]["run_min"], run["run"]["repeats"]
    assert f"{repeats} × (walk {walk} + run {jog})" in html
    assert f'data-intervals="walk:{walk * 60} run:{jog * 60}' in html
    assert f'data-rounds="{repeats}"' in html
    assert 'aria-live="assertive"' in html and "data-timer-ui hidden" in html  # the clock only with JavaScript
    assert html.count(f"<li>Walk {walk} min</li>") == repeats  # the plan is readable without it
    assert "js/portal.js" in html


def test_home_on_a_rest_day_says_rest(patient_client, runner_plan, frozen):
    rest = sessions(runner_plan.current_revision.content, "rest")[0]
    move_to(frozen, day_of(rest))
    response = patient_client.get(reverse("my_page"))
    assert response.context["page"].today is None
    assert "Rest day" in response.content.decode() and response.context["log_form"] is None


def test_home_shows_the_week_ahead_and_where_the_patient_stands(patient_client, runner_plan):
    response = patient_client.get(reverse("my_page"))
    portal = response.context["page"]
    assert [day.day for day in portal.week_ahead] == [TODAY + timedelta(days=n) for n in range(1, 8)]
    assert (portal.progress.week, portal.progress.weeks) == (1, 14)
    html = response.content.decode()
    assert '<progress class="portal-progress" max="14" value="1"' in html
    assert 'aria-current="step"' in html and "You are here" in html


def test_home_charts_have_text_alternatives_and_data_tables(patient_client, runner_plan, frozen):
    run = first_run(runner_plan)
    move_to(frozen, day_of(run))
    services.session_log_create(
        plan=runner_plan, by=runner_plan.patient.user, session_date=day_of(run), pain_during_max=3
    )
    html = page(patient_client, reverse("my_page"))
    for title in ("Pain during sessions and the next morning", "Running minutes per week"):
        assert f">{title}</title>" in html
        assert f"<caption>{title}" in html
    assert html.count('role="img"') >= 2 and "<desc" in html
    assert '<div class="visually-hidden">' in html and '<th scope="row">' in html


def test_home_offers_the_quick_log_form_until_today_is_logged(patient_client, runner_plan):
    response = patient_client.get(reverse("my_page"))
    assert response.context["log_form"] is not None
    assert f'action="{log_url(TODAY)}"' in response.content.decode()
    patient_client.post(log_url(TODAY), ALL_WELL)
    response = patient_client.get(reverse("my_page"))
    assert response.context["log_form"] is None
    assert "What it means for your plan" in response.content.decode()


def test_home_lists_recent_sessions_not_logged(patient_client, runner_plan, frozen):
    move_to(frozen, TODAY + timedelta(days=2))
    to_log = patient_client.get(reverse("my_page")).context["page"].to_log
    assert [day.day for day in to_log] == [
        day_of(s)
        for s in sessions(runner_plan.current_revision.content)
        if s["kind"] != "rest" and day_of(s) < TODAY + timedelta(days=2)
    ]


def test_home_asks_about_the_knee_the_morning_after(patient_client, runner_plan, frozen):
    run = first_run(runner_plan)
    move_to(frozen, day_of(run))
    patient_client.post(log_url(day_of(run)), ALL_WELL)
    move_to(frozen, day_of(run) + timedelta(days=1))
    response = patient_client.get(reverse("my_page"))
    assert response.context["page"].morning_log.session_date == day_of(run)
    html = response.content.decode()
    assert "How is your knee this morning?" in html
    assert reverse("portal_morning", args=[day_of(run)]) in html


def test_home_view_is_audited(patient_client, patient, runner_plan):
    patient_client.get(reverse("my_page"))
    event = AuditEvent.objects.filter(patient_id=patient.pk, action="view").latest("pk")
    assert (event.target_type, event.target_id, event.detail) == ("patient", patient.pk, "portal home")
    assert event.actor == patient.user


# --- logging ------------------------------------------------------------------------------------------------------


def test_log_a_session_in_a_few_taps_then_see_the_light_in_plain_words(patient_client, runner_plan, frozen):
    run = first_run(runner_plan)
    move_to(frozen, day_of(run))
    response = patient_client.post(log_url(day_of(run)), ALL_WELL)
    assert response.status_code == 302 and response.url == reverse("portal_session", args=[day_of(run)])
    log = SessionLog.objects.get()
    assert (log.pain_during_max, log.traffic_light, log.logged_by) == (2, "green", runner_plan.patient.user)
    assert not log.logged_for_patient_by_staff
    html = page(patient_client, response.url)
    assert "Green: next time you repeat level" in html  # two green sessions before moving up (P2)
    assert "Tomorrow morning, record your pain and stiffness" in html
    assert AuditEvent.objects.filter(action="create", target_type="sessionlog", target_id=log.pk).exists()


def test_a_red_log_gives_the_rest_advice_and_says_what_changed(patient_client, runner_plan, frozen):
    run = first_run(runner_plan)
    move_to(frozen, day_of(run))
    response = patient_client.post(log_url(day_of(run)), {**ALL_WELL, "pain_during_max": "7"}, follow=True)
    html = response.content.decode()
    assert "Red: rest on" in html
    assert "Stop for today and rest your knee" in html
    assert "rest instead of walk" in html  # the change in the schedule, in words
    assert "Call " in html  # and the clinic's number


def test_a_red_log_on_a_day_without_running_says_one_thing_and_tells_the_physio(patient_client, runner_plan, frozen):
    day = day_of(next(s for s in sessions(runner_plan.current_revision.content) if s["kind"] not in LOAD_OR_REST))
    move_to(frozen, day)
    response = patient_client.post(log_url(day), {**ALL_WELL, "pain_during_max": "7"}, follow=True)
    html = response.content.decode()
    assert "Red: stop these exercises for today and rest; your next run is " in html
    assert "Stop for today and rest your knee" in html
    assert "rest instead of walk" in html  # the next run skipped for rest (reference §9.3 P4), in words
    assert "Nothing changed in your plan" not in html and "goes on as it was" not in html
    alert = PlanAlert.objects.get()
    assert (alert.code, alert.log, alert.reviewed_at) == ("red_logged", SessionLog.objects.get(), None)


def test_a_red_session_logged_by_staff_for_the_patient_raises_no_alert(runner_plan, physio, frozen):
    run = first_run(runner_plan)
    move_to(frozen, day_of(run))
    services.session_log_create(plan=runner_plan, by=physio.user, session_date=day_of(run), pain_during_max=7)
    assert not PlanAlert.objects.exists()


def test_log_with_an_unanswered_question_keeps_every_answer(patient_client, runner_plan):
    data = {key: value for key, value in ALL_WELL.items() if key != "swelling"}
    data["pain_during_max"] = "4"
    response = patient_client.post(log_url(TODAY), data)
    assert response.status_code == 200 and not SessionLog.objects.exists()
    form = response.context["form"]
    assert form.errors == {"swelling": ["Please answer this question."]}
    html = response.content.decode()
    assert 'value="4" checked' in html  # the pain tapped is still tapped
    assert "Your other answers are kept" in html


def test_a_comment_logged_with_the_session_is_shown_to_the_patient_and_the_physio(
    patient_client, runner_plan, physio, client
):
    comment = "Knee felt tight on the hill.\nFine after stretching."
    patient_client.post(log_url(TODAY), {**ALL_WELL, "comment": f"  {comment}  "})
    log = SessionLog.objects.get()
    assert log.comment == comment  # kept as written, without the spaces around it
    assert "Knee felt tight on the hill.<br>Fine after stretching." in page(
        patient_client, reverse("portal_session", args=[TODAY])
    )
    client.force_login(physio.user)
    assert f"<q>{comment}</q>" in page(client, runner_plan.get_absolute_url())  # beside the session in the list
    assert "Knee felt tight on the hill.<br>Fine after stretching." in page(client, log.get_absolute_url())


def test_a_comment_too_long_is_refused_and_every_answer_kept(patient_client, runner_plan):
    response = patient_client.post(log_url(TODAY), {**ALL_WELL, "comment": "a" * 1001})
    assert response.context["form"].errors == {
        "comment": ["Please keep this under 1000 characters (it has 1001): send the rest as a message."]
    }
    assert "a" * 1001 in response.content.decode() and not SessionLog.objects.exists()


def test_log_with_an_impossible_pain_is_refused_with_a_reason(patient_client, runner_plan):
    response = patient_client.post(log_url(TODAY), {**ALL_WELL, "pain_during_max": "11"})
    assert response.context["form"].errors["pain_during_max"] == ["Please choose a number from 0 to 10."]
    assert not SessionLog.objects.exists()


@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        (1, "is in the future: log a session once it has happened"),
        (-1, "is outside the plan"),
    ],
)
def test_log_refuses_days_that_cannot_be_logged_with_the_reason(patient_client, runner_plan, offset, reason):
    day = TODAY + timedelta(days=offset)
    response = patient_client.get(log_url(day))
    assert response.context["form"] is None and reason in response.context["refused"]
    response = patient_client.post(log_url(day), ALL_WELL)
    assert reason in response.content.decode() and not SessionLog.objects.exists()


def test_log_refuses_a_rest_day(patient_client, runner_plan, frozen):
    rest = day_of(sessions(runner_plan.current_revision.content, "rest")[0])
    move_to(frozen, rest)
    response = patient_client.get(log_url(rest))
    assert "is a rest day in the plan" in response.context["refused"]


def test_log_of_a_day_already_logged_shows_that_session(patient_client, runner_plan):
    patient_client.post(log_url(TODAY), ALL_WELL)
    response = patient_client.post(log_url(TODAY), {**ALL_WELL, "pain_during_max": "8"})
    assert response.status_code == 302 and response.url == reverse("portal_session", args=[TODAY])
    assert SessionLog.objects.get().pain_during_max == 2


def test_log_of_an_earlier_day_asks_the_morning_after_too(patient_client, runner_plan, frozen):
    move_to(frozen, TODAY + timedelta(days=1))
    form = patient_client.get(log_url(TODAY)).context["form"]
    assert {"next_morning_pain", "next_morning_stiffness"} <= set(form.fields)
    response = patient_client.post(log_url(TODAY), {**ALL_WELL, "next_morning_pain": "1"})
    assert "next_morning_stiffness" in response.context["form"].errors  # both or neither
    patient_client.post(log_url(TODAY), {**ALL_WELL, "next_morning_pain": "1", "next_morning_stiffness": "0"})
    assert (SessionLog.objects.get().next_morning_pain, SessionLog.objects.get().next_morning_stiffness) == (1, 0)


def test_log_asks_about_the_pelvic_floor_only_after_a_birth(patient_client, patient, other_patient, client):
    issued_plan(patient, answers=RUNNER_INTAKE)
    form = patient_client.get(log_url(TODAY)).context["form"]
    assert "pf_symptoms" not in form.fields
    issued_plan(other_patient, answers={**postpartum_answers(20), "runs_per_week": 3, "nprs_during_run": 2})
    client.force_login(other_patient.user)
    plan = other_patient.plans.get()
    day = day_of(next(s for s in sessions(plan.current_revision.content) if s["kind"] != "rest"))
    assert day == TODAY
    assert "pf_symptoms" in client.get(log_url(day)).context["form"].fields


# --- the morning after --------------------------------------------------------------------------------------------


@pytest.fixture
def logged_yesterday(patient_client, runner_plan, frozen):
    run = first_run(runner_plan)
    move_to(frozen, day_of(run))
    patient_client.post(log_url(day_of(run)), ALL_WELL)
    move_to(frozen, day_of(run) + timedelta(days=1))
    return SessionLog.objects.get()


def test_morning_answers_no_worse_than_usual_keep_the_light(patient_client, logged_yesterday):
    url = reverse("portal_morning", args=[logged_yesterday.session_date])
    response = patient_client.post(url, {"next_morning_pain": "1", "next_morning_stiffness": "1"}, follow=True)
    logged_yesterday.refresh_from_db()
    assert (logged_yesterday.next_morning_pain, logged_yesterday.traffic_light) == (1, "green")
    assert "your morning answers are saved" in response.content.decode()


def test_morning_answers_worse_than_usual_turn_the_session_red(patient_client, logged_yesterday):
    url = reverse("portal_morning", args=[logged_yesterday.session_date])
    response = patient_client.post(url, {"next_morning_pain": "4", "next_morning_stiffness": "1"}, follow=True)
    logged_yesterday.refresh_from_db()
    assert logged_yesterday.traffic_light == "red"
    html = response.content.decode()
    assert "Your answers this morning make this session red." in html
    assert "rest instead of walk" in html


def test_after_a_birth_the_morning_asks_about_the_pelvic_floor_too_and_a_leak_turns_it_red(
    patient_client, patient, frozen
):
    plan = issued_plan(patient, answers=postpartum_answers(20))
    run = first_run(plan)
    move_to(frozen, day_of(run))
    patient_client.post(log_url(day_of(run)), ALL_WELL)
    move_to(frozen, day_of(run) + timedelta(days=1))
    page = patient_client.get(reverse("portal_session", args=[day_of(run)])).content.decode()
    assert "Since the session, have you had any of these?" in page and "Leaking urine" in page
    answers = {"next_morning_pain": "0", "next_morning_stiffness": "0", "pf_symptoms": ["leak"]}
    response = patient_client.post(reverse("portal_morning", args=[day_of(run)]), answers, follow=True)
    assert "Your answers this morning make this session red." in response.content.decode()
    assert SessionLog.objects.get().pf_symptoms == ["leak"]


def test_without_a_birth_the_morning_asks_nothing_of_the_pelvic_floor(patient_client, logged_yesterday):
    page = patient_client.get(reverse("portal_session", args=[logged_yesterday.session_date])).content.decode()
    assert "How stiff is your knee this morning?" in page and "Since the session" not in page


def test_morning_answers_missing_one_are_refused_and_nothing_changes(patient_client, logged_yesterday):
    url = reverse("portal_morning", args=[logged_yesterday.session_date])
    response = patient_client.post(url, {"next_morning_pain": "3"})
    assert response.context["morning_form"].errors == {"next_morning_stiffness": ["Please answer this question."]}
    assert 'value="3" checked' in response.content.decode()
    logged_yesterday.refresh_from_db()
    assert logged_yesterday.next_morning_pain is None


def test_morning_answers_twice_are_refused_with_the_reason(patient_client, logged_yesterday):
    url = reverse("portal_morning", args=[logged_yesterday.session_date])
    patient_client.post(url, {"next_morning_pain": "1", "next_morning_stiffness": "1"})
    response = patient_client.post(url, {"next_morning_pain": "6", "next_morning_stiffness": "6"}, follow=True)
    assert "already recorded" in response.content.decode()
    logged_yesterday.refresh_from_db()
    assert logged_yesterday.next_morning_pain == 1


def test_morning_answers_the_same_evening_are_refused(patient_client, runner_plan):
    patient_client.post(log_url(TODAY), ALL_WELL)
    response = patient_client.post(
        reverse("portal_morning", args=[TODAY]), {"next_morning_pain": "1", "next_morning_stiffness": "1"}, follow=True
    )
    assert "has not come yet" in response.content.decode()
    assert SessionLog.objects.get().next_morning_pain is None


# --- the whole plan -----------------------------------------------------------------------------------------------


def test_plan_page_shows_the_calendar_and_exercises_without_library_links(patient_client, runner_plan):
    html = page(patient_client, reverse("portal_plan"))
    assert "Week by week" in html and 'aria-current="date"' in html
    assert reverse("exercise_detail", args=[runner_plan.current_revision.content["programme"][0]["code"]]) not in html


# --- who may use the portal ---------------------------------------------------------------------------------------

PORTAL_PAGES = ["my_page", "portal_plan", "portal_settings"]


@pytest.mark.parametrize("name", PORTAL_PAGES)
@pytest.mark.parametrize("role", ["physio", "front_desk", "other_clinic_physio"])
def test_staff_cannot_use_portal_pages(as_role, name, role):
    assert as_role(role).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_another_patient_cannot_reach_a_patients_logged_session(runner_plan, other_patient_client):
    services.session_log_create(plan=runner_plan, by=runner_plan.patient.user, session_date=TODAY, pain_during_max=2)
    assert other_patient_client.get(reverse("portal_session", args=[TODAY])).status_code == 404
    response = other_patient_client.post(
        reverse("portal_morning", args=[TODAY]), {"next_morning_pain": "9", "next_morning_stiffness": "9"}
    )
    assert response.status_code == 404
    assert other_patient_client.post(log_url(TODAY), ALL_WELL).status_code == 404
    assert SessionLog.objects.get().next_morning_pain is None


def test_an_impossible_date_in_the_address_is_not_found(patient_client, runner_plan):
    assert patient_client.get("/me/sessions/2026-02-30/").status_code == 404


@pytest.mark.parametrize("logged", [1, 6])
def test_home_query_count_does_not_grow_with_the_sessions_logged(
    patient_client, runner_plan, frozen, django_assert_num_queries, logged
):
    days = [day_of(s) for s in sessions(runner_plan.current_revision.content) if s["kind"] != "rest"][:logged]
    for day in days:
        move_to(frozen, day)
        services.session_log_create(plan=runner_plan, by=runner_plan.patient.user, session_date=day, pain_during_max=1)
        runner_plan.refresh_from_db()
    move_to(frozen, days[-1] + timedelta(days=1))
    with django_assert_num_queries(HOME_QUERIES):
        patient_client.get(reverse("my_page"))


def test_the_patients_pages_carry_their_clinics_name_not_runbacks(patient_client, runner_plan, clinic):
    page = patient_client.get(reverse("my_page")).content.decode()
    brand = page[page.index('class="navbar-brand') : page.index("</a>", page.index('class="navbar-brand'))]
    assert clinic.name in brand and "Runback" not in brand
    assert f"· {clinic.name}</title>" in page


def test_the_running_chart_waits_for_a_plan_with_runs_in_it():
    def page(*minutes):
        view = SimpleNamespace(calendar=[SimpleNamespace(planned_minutes=m) for m in minutes])
        return PortalPlan(None, view, None, [], None, [], None, [], None)

    assert not page(0, 0, 0).runs_planned and page(0, 5, 10).runs_planned
