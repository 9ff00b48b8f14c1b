"""The calendar feed: an iCalendar (RFC 5545) of the plan's sessions at a secret address, no sign-in, nothing clinical
in it, and an address the patient (or staff) can stop and replace."""

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from plans import services as plan_services
from portal.ical import MAX_LINE_OCTETS
from portal.models import CalendarFeed
from tests.plans.plan_factories import RUNNER_INTAKE, day_of, issued_plan, move_to, sessions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "shipped_library_for_the_module")]


@pytest.fixture
def plan(patient):
    patient.clinic.name = "Riverside Physio, Kingston; first floor"  # a comma and a semicolon to escape
    patient.clinic.save()
    return issued_plan(patient, answers=RUNNER_INTAKE)


@pytest.fixture
def feed_url(patient_client, plan):
    patient_client.post(reverse("portal_calendar_new"))
    patient_client.logout()
    return CalendarFeed.objects.get().get_absolute_url()


def unfolded(body: str) -> list[str]:
    """The content lines, continuation lines joined back (RFC 5545 §3.1)."""
    lines = []
    for line in body.split("\r\n")[:-1]:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def events(lines: list[str]) -> list[dict]:
    found, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return found


def test_the_feed_is_a_calendar_of_the_plans_sessions_without_signing_in(client, feed_url, plan):
    response = client.get(feed_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    lines = unfolded(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT")
    planned = [s for s in sessions(plan.current_revision.content) if s["kind"] != "rest"]
    found = events(lines)
    assert len(found) == len(planned)
    assert [e["DTSTART;VALUE=DATE"] for e in found] == [s["date"].replace("-", "") for s in planned]
    assert all("DTSTAMP" in e and e["DTSTAMP"].endswith("Z") for e in found)


def test_each_session_has_a_unique_uid_stable_for_its_day(client, feed_url, plan, frozen):
    before = {e["DTSTART;VALUE=DATE"]: e["UID"] for e in events(unfolded(client.get(feed_url).content.decode()))}
    assert len(set(before.values())) == len(before)
    run = sessions(plan.current_revision.content, "run")[0]
    move_to(frozen, day_of(run))
    plan_services.session_log_create(plan=plan, by=plan.patient.user, session_date=day_of(run), pain_during_max=8)
    after = {e["DTSTART;VALUE=DATE"]: e["UID"] for e in events(unfolded(client.get(feed_url).content.decode()))}
    assert {day: uid for day, uid in after.items() if day in before} == {
        day: uid for day, uid in before.items() if day in after
    }
    assert len(after) < len(before)  # the red run turned the next run into a rest day


def test_summaries_say_the_session_and_nothing_clinical(client, feed_url, plan):
    body = client.get(feed_url).content.decode()
    summaries = [e["SUMMARY"] for e in events(unfolded(body))]
    run = sessions(plan.current_revision.content, "run")[0]["run"]
    assert f"Run: {run['repeats']} × (walk {run['walk_min']} + run {run['run_min']})" in summaries
    assert "Strength exercises" in summaries
    for word in ("pain", "patellofemoral", "hip", "weakness", "diagnos", plan.patient.last_name.lower()):
        assert word not in body.lower(), word


def test_lines_are_folded_at_75_octets_and_text_is_escaped(client, feed_url):
    body = client.get(feed_url).content.decode()
    assert all(len(line.encode("utf-8")) <= MAX_LINE_OCTETS for line in body.split("\r\n"))
    lines = unfolded(body)
    assert "X-WR-CALNAME:Runback plan · Riverside Physio\\, Kingston\\; first floor" in lines
    description = events(lines)[0]["DESCRIPTION"]
    assert description.startswith("Riverside Physio\\, Kingston\\; first floor · your return-to-run plan.")
    assert any(line.startswith(" ") for line in body.split("\r\n"))  # the long descriptions were folded


def test_fetching_the_feed_is_audited_without_an_account(client, feed_url, patient):
    client.get(feed_url)
    event = AuditEvent.objects.get(action="download")
    assert (event.patient_id, event.target_type, event.actor) == (patient.pk, "calendarfeed", None)


def test_a_patient_without_an_issued_plan_gets_an_empty_calendar(client, patient_client, patient):
    patient_client.post(reverse("portal_calendar_new"))
    body = client.get(CalendarFeed.objects.get().get_absolute_url()).content.decode()
    assert body.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" not in body


def test_an_unknown_address_is_not_found(client, feed_url):
    assert client.get(reverse("calendar_feed", args=["not-a-real-token"])).status_code == 404


def test_the_patient_revokes_the_address_and_it_answers_404(client, patient_client, feed_url, patient):
    patient_client.force_login(patient.user)
    patient_client.post(reverse("portal_calendar_revoke"))
    patient_client.logout()
    assert client.get(feed_url).status_code == 404
    feed = CalendarFeed.objects.get()
    assert feed.revoked_by == patient.user and not feed.is_active


def test_a_new_address_replaces_the_old_one(client, patient_client, feed_url, patient):
    patient_client.force_login(patient.user)
    patient_client.post(reverse("portal_calendar_new"))
    patient_client.logout()
    new = CalendarFeed.objects.active().get()
    assert new.get_absolute_url() != feed_url
    assert client.get(feed_url).status_code == 404
    assert client.get(new.get_absolute_url()).status_code == 200


def test_the_address_is_long_and_random(feed_url, patient):
    tokens = {CalendarFeed.objects.create(patient=patient, revoked_at=timezone.now()).token for _ in range(3)}
    assert len(tokens) == 3 and all(len(token) >= 43 for token in tokens)


@pytest.mark.parametrize("role", ["physio", "front_desk"])
def test_clinic_staff_can_stop_a_patients_address(as_role, role, client, feed_url, patient):
    response = as_role(role).post(reverse("patient_calendar_revoke", args=[patient.pk]))
    assert response.status_code == 302
    as_role("anonymous")
    assert client.get(feed_url).status_code == 404


@pytest.mark.parametrize(("role", "status"), [("other_clinic_physio", 404), ("patient", 403)])
def test_others_cannot_stop_a_patients_address(as_role, role, status, feed_url, patient):
    assert as_role(role).post(reverse("patient_calendar_revoke", args=[patient.pk])).status_code == status
    assert CalendarFeed.objects.active().exists()


def test_the_settings_page_shows_the_address_to_copy(patient_client, feed_url, patient):
    patient_client.force_login(patient.user)
    html = patient_client.get(reverse("portal_settings")).content.decode()
    assert CalendarFeed.objects.get().link in html and 'data-copy-target="#calendar-link"' in html


def test_the_settings_page_adds_the_plan_to_a_calendar_in_one_tap(patient_client, feed_url, patient):
    patient_client.force_login(patient.user)
    html = patient_client.get(reverse("portal_settings")).content.decode()
    token = CalendarFeed.objects.get().token
    assert f'href="webcal://testserver/calendar/{token}.ics"' in html
    assert f"https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Ftestserver%2Fcalendar%2F{token}.ics" in html
