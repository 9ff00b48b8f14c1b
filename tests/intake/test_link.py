"""The patient's side: the secure link, the date-of-birth check, and what a closed link says."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from intake import services
from intake.access import INTAKE_SESSION_KEY
from intake.models import Intake, IntakeInvite
from tests.intake.factories import fill_in


def _post_birth_date(client, invite, day, month, year):
    return client.post(invite.get_absolute_url(), {"day": day, "month": month, "year": year})


def test_link_asks_for_the_date_of_birth_before_showing_anything(client, invite):
    page = client.get(invite.get_absolute_url()).content.decode()
    assert "date of birth" in page
    assert "Hello Emma" in page
    assert "Clarke" not in page  # a forwarded link shows the first name at most
    assert invite.patient.date_of_birth.strftime("%Y") not in page


def test_correct_date_of_birth_unlocks_this_invite_and_starts_at_the_first_step(client, invite, step_url):
    response = _post_birth_date(client, invite, 4, 5, 1991)
    assert response.url == step_url("about")
    assert client.session[INTAKE_SESSION_KEY] == invite.pk
    invite.refresh_from_db()
    assert invite.opened_at is not None
    assert Intake.objects.get().invite == invite


def test_unlocking_is_recorded_in_the_audit_trail_without_patient_data(client, invite):
    _post_birth_date(client, invite, 4, 5, 1991)
    event = AuditEvent.objects.get(target_type="intakeinvite", detail="link unlocked")
    assert event.actor is None and event.actor_label == "Patient via secure link"


def test_wrong_date_of_birth_counts_an_attempt_and_says_so(client, invite):
    response = _post_birth_date(client, invite, 5, 4, 1991)
    page = response.content.decode()
    assert "does not match our records" in page
    assert "4 more times" in page
    invite.refresh_from_db()
    assert invite.failed_dob_attempts == 1
    assert INTAKE_SESSION_KEY not in client.session


def test_a_year_of_two_figures_asks_for_the_year_in_full_and_keeps_the_day_and_month(client, invite):
    response = _post_birth_date(client, invite, 4, 5, 91)
    page = response.content.decode()
    assert "Please enter the year in full, with four numbers" in page
    assert 'value="4"' in page and 'value="5"' in page
    invite.refresh_from_db()
    assert invite.failed_dob_attempts == 0


def test_a_date_that_does_not_exist_is_explained_and_not_counted(client, invite):
    response = _post_birth_date(client, invite, 31, 2, 1991)
    assert "does not exist" in response.content.decode()
    invite.refresh_from_db()
    assert invite.failed_dob_attempts == 0


def test_missing_parts_of_the_date_keep_what_was_typed(client, invite):
    response = _post_birth_date(client, invite, 4, "", 1991)
    page = response.content.decode()
    assert "Please enter your full date of birth." in page
    assert 'value="1991"' in page


def test_link_locks_after_the_allowed_wrong_attempts_and_gives_the_clinic_phone(client, invite, settings):
    settings.INTAKE_DOB_MAX_ATTEMPTS = 3
    for _ in range(2):
        _post_birth_date(client, invite, 1, 1, 1990)
    response = _post_birth_date(client, invite, 1, 1, 1990)
    assert response.status_code == 403
    page = response.content.decode()
    assert "This link is locked" in page and "020 7946 0001" in page
    invite.refresh_from_db()
    assert invite.locked_at is not None


def test_locked_link_refuses_even_the_right_date(client, invite, settings):
    settings.INTAKE_DOB_MAX_ATTEMPTS = 1
    _post_birth_date(client, invite, 1, 1, 1990)
    response = _post_birth_date(client, invite, 4, 5, 1991)
    assert response.status_code == 403
    assert INTAKE_SESSION_KEY not in client.session
    assert not Intake.objects.exists()


def test_expired_link_says_to_call_and_shows_no_patient_data(client, invite):
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        response = client.get(invite.get_absolute_url())
    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page and "020 7946 0001" in page
    assert "Emma" not in page


def test_link_still_works_just_before_it_expires(client, invite):
    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23)):
        assert client.get(invite.get_absolute_url()).status_code == 200


def test_expiry_follows_the_setting(settings, patient, physio):
    settings.INTAKE_INVITE_DAYS = 3
    invite = services.invite_create(patient=patient, by=physio)
    assert invite.expires_at - invite.created_at == timedelta(days=3)


def test_expired_link_stops_an_unlocked_session_too(client, invite, unlock, step_url):
    unlock(invite)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client.get(step_url("about"))
    assert response.status_code == 410


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.split(":")[0] + ":forged",
        lambda token: "not-a-token",
    ],
)
def test_tampered_link_is_not_found_and_shows_no_data(client, invite, tamper):
    response = client.get(reverse("intake:start", args=[tamper(invite.token)]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "This link does not work" in page
    assert "Emma" not in page and "Riverside" not in page


def test_link_with_a_valid_signature_but_an_old_nonce_does_not_work(client, invite):
    token = invite.token
    IntakeInvite.objects.filter(pk=invite.pk).update(nonce="something-else")
    assert client.get(reverse("intake:start", args=[token])).status_code == 404


def test_revoked_link_points_to_the_newer_one(client, invite, patient, physio):
    services.invite_create(patient=patient, by=physio)
    response = client.get(invite.get_absolute_url())
    assert response.status_code == 410
    assert "A newer link has been sent" in response.content.decode()


def test_new_invite_carries_the_draft_over_so_no_answer_is_lost(client, invite, unlock, patient, physio):
    unlock(invite)
    draft = services.intake_draft_for_invite(invite=invite)
    services.intake_save_step(intake=draft, step="about", answers={"patient.height_cm": 168})
    newer = services.invite_create(patient=patient, by=physio)
    draft.refresh_from_db()
    assert draft.invite == newer
    assert draft.patient_answers == {"height_cm": 168}


def test_unlocking_one_invite_does_not_open_another(client, invite, unlock, other_patient, physio):
    unlock(invite)
    other_invite = services.invite_create(patient=other_patient, by=physio)
    response = client.get(reverse("intake:step", args=[other_invite.token, "about"]))
    assert response.url == other_invite.get_absolute_url()


def test_step_without_the_date_of_birth_check_goes_to_the_check(client, invite, step_url):
    response = client.get(step_url("knee"))
    assert response.url == invite.get_absolute_url()
    assert not Intake.objects.exists()


def test_submitted_link_opened_again_says_it_was_sent_and_shows_nothing(client, invite, unlock):
    unlock(invite)
    intake = fill_in(services.intake_draft_for_invite(invite=invite))
    services.intake_submit(intake=intake)
    response = Client().get(invite.get_absolute_url())
    page = response.content.decode()
    assert "your answers have been sent" in page
    assert "Emma" not in page and "date of birth" not in page


def test_submitted_link_opened_again_repeats_where_to_get_help_now_whatever_the_answers(client, invite, unlock):
    """A patient told at the end to go to A&E may close the tab and open the link again: the page still says where
    to get help, in words that give nothing away about her answers (anyone with the link can see it)."""
    unlock(invite)
    intake = fill_in(services.intake_draft_for_invite(invite=invite))
    services.intake_submit(intake=intake)
    page = Client().get(invite.get_absolute_url()).content.decode()
    assert "go to A&amp;E or call 999" in page
    assert "thoughts of harming yourself" in page
