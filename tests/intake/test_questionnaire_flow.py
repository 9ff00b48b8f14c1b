"""Filling in the questionnaire through the link: saving every step, moving back and forth, resuming elsewhere,
checking and sending."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clinic.models import AuditEvent, PatientStatus
from intake import services
from intake.models import Intake, IntakeStatus, OutcomeResponse
from tests.factories import PatientFactory
from tests.intake.factories import REQUIRED_INTAKE, fill_in, form_data


@pytest.fixture
def draft(invite, unlock):
    unlock(invite)
    return Intake.objects.get(invite=invite)


def test_next_saves_the_step_and_moves_on(client, draft, step_url):
    answers = {"patient.height_cm": "168", "patient.weight_kg": "61,5", "flow.postpartum_within_24m": False}
    response = client.post(step_url("about"), form_data(answers))
    assert response.url == step_url("running")
    draft.refresh_from_db()
    assert draft.patient_answers == {"height_cm": 168, "weight_kg": 61.5}
    assert draft.postpartum_within_24m is False
    assert draft.current_step == "running"


def test_answers_typed_are_saved_as_they_are_typed_without_moving_on(client, draft, step_url):
    answers = {"patient.height_cm": "168", "patient.weight_kg": "61,5", "move": "autosave"}
    response = client.post(step_url("about"), form_data(answers))
    assert response.status_code == 200 and response.json()["saved"] is True and response.json()["unsaved"] == 0
    draft.refresh_from_db()
    assert draft.patient_answers == {"height_cm": 168, "weight_kg": 61.5}
    assert draft.current_step == "about"  # nothing is required yet, and the patient stays where they are
    assert AuditEvent.objects.filter(detail="step about saved while typing").exists()


def test_saving_while_typing_keeps_the_valid_answers_and_counts_the_others(client, draft, step_url):
    answers = {"patient.height_cm": "1680", "patient.weight_kg": "61", "move": "autosave"}
    response = client.post(step_url("about"), form_data(answers))
    assert response.json()["unsaved"] == 1
    draft.refresh_from_db()
    assert draft.patient_answers == {"weight_kg": 61}


def test_saving_while_typing_after_sending_is_refused(client, draft, step_url):
    Intake.objects.filter(pk=draft.pk).update(status=IntakeStatus.SUBMITTED)
    response = client.post(step_url("about"), form_data({"patient.height_cm": "168", "move": "autosave"}))
    assert response.status_code in (302, 409)
    draft.refresh_from_db()
    assert draft.patient_answers.get("height_cm") is None


def test_step_pages_save_while_typing_and_warn_before_leaving(client, draft, step_url):
    page = client.get(step_url("about")).content.decode()
    assert "data-autosave" in page and "data-warn-unsaved" in page and 'aria-live="polite"' in page


def test_invalid_answers_keep_the_valid_ones_and_show_what_was_typed(client, draft, step_url):
    answers = {"patient.height_cm": "1700", "patient.weight_kg": "61", "flow.postpartum_within_24m": False}
    response = client.post(step_url("about"), form_data(answers))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please enter a whole number from 120 to 220." in page
    assert 'value="1700"' in page
    draft.refresh_from_db()
    assert draft.patient_answers == {"weight_kg": 61}
    assert draft.postpartum_within_24m is False
    assert draft.current_step == "about"


def test_an_answer_typed_wrongly_later_does_not_wipe_the_saved_one(client, draft, step_url):
    client.post(step_url("about"), form_data({"patient.height_cm": "168", "flow.postpartum_within_24m": False}))
    client.post(step_url("about"), form_data({"patient.height_cm": "tall", "flow.postpartum_within_24m": False}))
    draft.refresh_from_db()
    assert draft.patient_answers == {"height_cm": 168}


def test_required_answers_are_asked_for_on_next_with_a_message_beside_each(client, draft, step_url):
    response = client.post(step_url("knee"), form_data({"intake.side": "left", "intake.symptom_weeks": "6"}))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["intake-pain_locations"] == ["Please tick at least one."]
    assert form.errors["intake-onset"] == ["Please answer this question."]
    draft.refresh_from_db()
    assert draft.answers == {"side": "left", "symptom_weeks": 6}


def test_back_saves_and_goes_back_even_with_required_answers_missing(client, draft, step_url):
    response = client.post(step_url("knee"), form_data({"intake.side": "both"}, move="back"))
    assert response.url == step_url("running")
    draft.refresh_from_db()
    assert draft.answers == {"side": "both"}


def test_back_stays_put_when_an_answer_is_invalid_so_nothing_typed_is_lost(client, draft, step_url):
    response = client.post(step_url("running"), form_data({"intake.runs_per_week": "40"}, move="back"))
    assert response.status_code == 200
    assert 'value="40"' in response.content.decode()


def test_back_and_forward_show_every_saved_answer_again(client, draft, step_url):
    client.post(step_url("about"), form_data({"patient.height_cm": "168", "flow.postpartum_within_24m": False}))
    running = {"intake.runs_per_week": "4", "intake.recent_changes": ["hills", "new_shoes"], "intake.goal": "10k"}
    client.post(step_url("running"), form_data(running, move="back"))
    about = client.get(step_url("about")).content.decode()
    assert 'value="168"' in about
    page = client.get(step_url("running"))
    assert page.context["form"].initial == {
        "intake-runs_per_week": 4,
        "intake-recent_changes": ["hills", "new_shoes"],
        "intake-goal": "10k",
    }
    assert 'value="hills" checked' in page.content.decode().replace('data-knee-region="hills"', "")


def test_resume_on_a_new_device_after_the_session_is_gone(client, invite, draft, step_url, unlock):
    client.post(step_url("about"), form_data({"patient.height_cm": "168", "flow.postpartum_within_24m": False}))
    client.post(step_url("running"), form_data({"intake.runs_per_week": "3"}))
    phone = Client()  # a new device: no session at all
    assert phone.get(step_url("knee")).url == invite.get_absolute_url()
    response = unlock(invite, device=phone)
    assert response is phone
    resumed = phone.get(invite.get_absolute_url())
    assert resumed.url == step_url("knee")
    assert 'value="3"' in phone.get(step_url("running")).content.decode()


def test_the_baby_step_appears_only_after_saying_yes(client, draft, step_url):
    client.post(step_url("about"), form_data({"flow.postpartum_within_24m": False}))
    assert client.get(step_url("baby")).url == step_url("running")  # where the patient is
    response = client.post(step_url("about"), form_data({"flow.postpartum_within_24m": True}))
    assert client.get(step_url("baby")).status_code == 200
    assert response.url == step_url("running")


def test_the_safety_step_moves_on_to_the_baby_step_when_it_applies(client, draft, step_url):
    client.post(step_url("about"), form_data({"flow.postpartum_within_24m": True}))
    safety = {f"intake.{key}": value for key, value in REQUIRED_INTAKE.items() if isinstance(value, bool)}
    assert client.post(step_url("safety"), form_data(safety)).url == step_url("baby")


def test_patients_recorded_male_are_not_asked_about_giving_birth(client, clinic, physio, unlock):
    patient = PatientFactory(clinic=clinic, sex_at_birth="male", first_name="Tom")
    invite = services.invite_create(patient=patient, by=physio)
    unlock(invite)
    page = client.get(invite.get_absolute_url(), follow=True)
    assert "flow-postpartum_within_24m" not in page.content.decode()
    assert [step.title for step, _ in page.context["steps"]][:4] == [
        "About you",
        "Your running",
        "Your knee",
        "Safety questions",
    ]


def test_a_birth_date_in_the_future_or_over_two_years_ago_is_questioned(client, draft, step_url):
    client.post(step_url("about"), form_data({"flow.postpartum_within_24m": True}))
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(step_url("baby"), form_data({"intake.postpartum.delivery_date": future}))
    assert "in the future" in response.content.decode()
    long_ago = (timezone.localdate() - timedelta(days=800)).isoformat()
    response = client.post(step_url("baby"), form_data({"intake.postpartum.delivery_date": long_ago}))
    assert "more than 24 months ago" in response.content.decode()
    draft.refresh_from_db()
    assert "postpartum" not in draft.answers


def test_a_tampered_answer_code_is_refused(client, draft, step_url):
    response = client.post(step_url("knee"), form_data({"intake.side": "middle"}))
    assert "intake-side" in response.context["form"].errors
    draft.refresh_from_db()
    assert "side" not in draft.answers


def test_review_lists_answers_with_labels_and_change_links(client, draft, step_url):
    fill_in(draft)
    page = client.get(step_url("review")).content.decode()
    assert "Around or behind the kneecap" in page and "around_kneecap</dd>" not in page
    assert f'href="{step_url("knee")}?from=review"' in page
    assert "Send my answers" in page and "data-submit-once" in page


def test_change_from_the_review_returns_to_the_review(client, draft, step_url):
    fill_in(draft)
    page = client.get(step_url("knee") + "?from=review").content.decode()
    assert 'value="review"' in page
    data = form_data({**{f"intake.{k}": v for k, v in REQUIRED_INTAKE.items() if k in ("side", "onset")}})
    data.update({"intake-pain_locations": ["outer_knee"], "intake-swelling": "none", "intake-locking": "never"})
    data.update({"intake-giving_way": "never", "intake-kneecap_dislocation": "no", "intake-night_pain": "no"})
    data["move"] = "review"
    assert client.post(step_url("knee"), data).url == step_url("review")


def test_review_names_what_is_still_missing(client, draft, step_url):
    response = client.post(step_url("review"), {"move": "send"})
    page = response.content.decode()
    assert "Please answer these before sending" in page
    assert "Which knee hurts?" in page
    assert Intake.objects.get().status == IntakeStatus.DRAFT


def test_sending_submits_scores_and_moves_the_patient_along(client, draft, step_url, invite):
    fill_in(draft)
    response = client.post(step_url("review"), {"move": "send"})
    assert response.url.endswith("/done/")
    draft.refresh_from_db()
    assert draft.status == IntakeStatus.SUBMITTED and draft.submitted_at is not None
    assert {r.instrument for r in OutcomeResponse.objects.filter(intake=draft)} == {"nprs", "koos_pf", "akps"}
    draft.patient.refresh_from_db()
    assert draft.patient.status == PatientStatus.INTAKE_RECEIVED
    assert AuditEvent.objects.filter(target_type="intake", detail="intake submitted").count() == 1


def test_a_double_click_on_send_makes_one_intake(client, draft, step_url):
    fill_in(draft)
    first = client.post(step_url("review"), {"move": "send"})
    second = client.post(step_url("review"), {"move": "send"})
    assert first.url == second.url
    assert Intake.objects.filter(status=IntakeStatus.SUBMITTED).count() == 1
    assert OutcomeResponse.objects.count() == 3


def test_submitting_twice_through_the_service_changes_nothing(draft):
    fill_in(draft)
    first = services.intake_submit(intake=draft)
    again = services.intake_submit(intake=draft)
    assert (again.pk, again.submitted_at) == (first.pk, first.submitted_at)
    assert OutcomeResponse.objects.count() == 3


def test_a_submitted_intake_cannot_be_changed_through_the_link(client, draft, step_url):
    fill_in(draft)
    client.post(step_url("review"), {"move": "send"})
    response = client.post(step_url("about"), form_data({"patient.height_cm": "199"}))
    assert response.url.endswith("/done/")
    draft.refresh_from_db()
    assert "height_cm" not in draft.patient_answers
    with pytest.raises(services.IntakeClosed):
        services.intake_save_step(intake=draft, step="about", answers={"patient.height_cm": 199})


def test_answering_no_to_the_birth_question_drops_earlier_baby_answers_on_submit(client, draft, step_url):
    fill_in(draft, {**REQUIRED_INTAKE, "postpartum": {"delivery_date": "2026-10-06"}}, postpartum_within_24m=False)
    services.intake_submit(intake=draft)
    draft.refresh_from_db()
    assert "postpartum" not in draft.answers


def test_free_text_is_length_limited_and_escaped(client, draft, step_url):
    script = "<script>alert('knee')</script>"
    response = client.post(step_url("knee"), form_data({"flow.note": "x" * 1001}, move="back"))
    assert "Please keep this to 1,000 characters." in response.content.decode()
    client.post(step_url("knee"), form_data({"flow.note": script}, move="back"))
    page = client.get(step_url("review")).content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(&#x27;knee&#x27;)&lt;/script&gt;" in page


def test_step_pages_are_phone_friendly_native_inputs(client, draft, step_url):
    about = client.get(step_url("about")).content.decode()
    assert 'inputmode="numeric"' in about and 'inputmode="decimal"' in about
    knee = client.get(step_url("knee")).content.decode()
    assert knee.count("<fieldset") >= 8 and "<legend" in knee
    assert 'data-knee-region="back_of_knee"' in knee and 'type="checkbox"' in knee
    pain = client.get(step_url("pain")).content.decode()
    assert "data-attribution>The knee activities questions come from the kneecap part of the Knee injury" in pain
    for page in (about, knee, pain):
        assert " style=" not in page and "<style" not in page and " onclick=" not in page
        assert "<script>" not in page


def test_progress_shows_the_step_number_and_names(client, draft, step_url):
    page = client.get(step_url("running")).content.decode()
    assert "Step 2 of 7" in page
    assert 'aria-current="step">Your running</li>' in page


def test_each_saved_step_is_in_the_audit_trail_without_the_answers(client, draft, step_url):
    client.post(step_url("knee"), form_data({"intake.side": "left"}, move="back"))
    event = AuditEvent.objects.get(action="change", target_type="intake")
    assert (event.detail, event.actor_label) == ("step knee", "Patient via secure link")


@pytest.mark.parametrize("step", ["about", "knee", "activities"])
def test_step_pages_use_a_fixed_number_of_queries(client, draft, step_url, step, django_assert_num_queries):
    fill_in(draft)
    # The request's savepoint, the session, the link with its patient, clinic and intake, the savepoint released:
    # the intake is neither fetched again nor locked (it is the link's for good), the patient and clinic neither.
    with django_assert_num_queries(4):
        response = client.get(step_url(step))
    assert response.status_code == 200
