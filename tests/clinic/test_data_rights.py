"""A patient's data rights: the export archive, anonymisation and erasure (clinic/data_rights.py and each app's
data_rights.py), on SQLite and on PostgreSQL with its "decided is final" trigger."""

import io
import json
import zipfile
from datetime import date
from urllib.parse import unquote

import pytest
from allauth.mfa.models import Authenticator
from botocore.exceptions import ConnectTimeoutError
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, models, transaction
from django.urls import reverse
from django.utils import timezone

from clinic import data_rights
from clinic.models import AuditAction, AuditEvent, Patient, PatientStatus, User
from clinic.personal_data import REMOVED_TEXT, StoredFile, anonymising
from intake.assessment.engine import assess
from intake.models import (
    Assessment,
    AssessmentStatus,
    Examination,
    Intake,
    IntakeInvite,
    IntakeStatus,
    OutcomeResponse,
)
from intake.schema import validate_case
from plans import services as plans_services
from plans.models import Plan, PlanAlert, PlanRevision, SessionLog
from tests.factories import AuditEventFactory, AuthenticatorAppFactory
from tests.intake.factories import (
    ConfirmedAssessmentFactory,
    ExaminationFactory,
    InviteFactory,
    OutcomeResponseFactory,
    intake_from_vignette,
    vignette,
)
from tests.plans.plan_factories import draft_plan, load_shipped_library, postpartum_answers
from tests.roles import CLINICAL_PAGE_ROLES

CASE = "postpartum-10-weeks-override-12-week-gate"
AS_OF = date(2026, 12, 1)
# Free texts that name the patient, as real notes do: none of them may survive anonymisation.
NOTE = "Emma says the knee is worse since the move to Leeds."
OVERRIDE_REASON = "Emma's GP cleared her; all tests passed."
CAUSE_NOTE = "Emma's valgus is obvious on the step-down."
REFERRAL_NOTE = "Emma Clarke referred to Dr Patel, pelvic health."
ERASE = {"action": "erase", "reason": "patient_request", "confirm_name": "Emma Clarke"}
ANONYMISE = {**ERASE, "action": "anonymise"}


@pytest.fixture
def records(patient, physio):
    """Everything the intake can hold about the cast's patient: a link, a submitted intake with a note, an outcome
    response, an examination, a confirmed assessment (with an override and notes), a referral and a draft."""
    invite = InviteFactory(patient=patient, created_by=physio)
    intake = intake_from_vignette(patient, CASE)
    intake.invite, intake.note = invite, NOTE
    intake.save()
    case = vignette(CASE)
    outcome = OutcomeResponseFactory(intake=intake, answers={"limp": "none"})
    examination = ExaminationFactory(intake=intake, findings=case["findings"], examined_by=physio, notes=NOTE)
    overrides = {"under_12_weeks_postpartum": OVERRIDE_REASON}
    result = assess(validate_case(intake.as_case(findings=case["findings"], as_of=AS_OF)), overrides=overrides)
    decided = {"examination": examination, "examination_version": 1, "findings": case["findings"], "as_of": AS_OF}
    confirmed = ConfirmedAssessmentFactory(
        intake=intake,
        created_by=physio,
        overrides=overrides,
        engine_result=result,
        confirmed_causes=[{"code": "dynamic_knee_valgus", "origin": "engine", "note": CAUSE_NOTE}],
        rejected_causes=[{"code": "training_load_error", "note": CAUSE_NOTE}],
        **decided,
    )
    referred = ConfirmedAssessmentFactory(
        intake=intake,
        created_by=physio,
        status=AssessmentStatus.REFERRED,
        referral_note=REFERRAL_NOTE,
        engine_result=result,
        **decided,
    )
    draft = Assessment.objects.create(intake=intake, created_by=physio, overrides=overrides)
    return {
        "invite": invite,
        "intake": intake,
        "outcome": outcome,
        "examination": examination,
        "assessments": [confirmed, referred, draft],
        "plan": _plan_with_a_logged_session(patient, physio),
    }


def _plan_with_a_logged_session(patient, physio) -> Plan:
    """An issued plan after a birth (with its own assessment) whose note names the patient, and a session the
    patient logged through their portal account with a pelvic floor symptom, which raises an alert and holds
    running and impact (an automatic revision, reference §8 RF19)."""
    load_shipped_library()
    plan = draft_plan(patient, as_of=timezone.localdate(), answers=postpartum_answers(20))
    plans_services.plan_draft_update(plan=plan, by=physio, expected_version=plan.draft_version, note_for_patient=NOTE)
    plans_services.plan_issue(plan=plan, by=physio)
    plan.refresh_from_db()
    plans_services.session_log_create(
        plan=plan, by=patient.user, session_date=plan.start, pain_during_max=1, pf_symptoms=["leak"], comment=NOTE
    )
    plan.refresh_from_db()
    return plan


def _data_rights_url(patient):
    return reverse("patient_data_rights", args=[patient.pk])


def _export_url(patient):
    return reverse("patient_export", args=[patient.pk])


def _downloaded(response) -> bytes:
    """The body of a response, read to the end as a browser would; the test client then closes the response (and
    the archive's temporary file with it) as the server does once a download is sent."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def _archive(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(_downloaded(response)))


def _exported(response) -> dict:
    return json.loads(_archive(response).read("patient.json"))


@pytest.fixture
def confirmed_physio(physio_client, reauthenticated):
    return reauthenticated(physio_client)


# --- Who may ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), CLINICAL_PAGE_ROLES)
@pytest.mark.parametrize("url", [_data_rights_url, _export_url])
def test_data_rights_pages_are_for_the_clinics_physiotherapists(url, role, status, as_role, patient, reauthenticated):
    client = as_role(role)
    if role != "anonymous":
        reauthenticated(client)
    response = client.get(url(patient))
    _downloaded(response)
    assert response.status_code == status
    if role == "anonymous":
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url", [_data_rights_url, _export_url])
def test_data_rights_ask_for_the_password_again_first(url, physio_client, patient):
    response = physio_client.get(url(patient))
    assert unquote(response.url) == f"{reverse('account_reauthenticate')}?next={url(patient)}"
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("role", ["front_desk", "patient", "other_clinic_physio"])
def test_erasure_refused_to_others_erases_nothing(role, as_role, patient, reauthenticated):
    response = reauthenticated(as_role(role)).post(_data_rights_url(patient), ERASE)
    assert response.status_code in (403, 404)
    assert Patient.objects.filter(pk=patient.pk).exists()


# --- Export -------------------------------------------------------------------------------------------------------


def test_export_is_a_zip_with_a_readme_and_patient_json(confirmed_physio, patient, records):
    response = confirmed_physio.get(_export_url(patient))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="runback-patient-{patient.pk}-')
    assert "Clarke" not in response["Content-Disposition"]
    archive = _archive(response)
    assert sorted(archive.namelist()) == ["README.txt", "patient.json"]
    readme = archive.read("README.txt").decode()
    assert "patient.json" in readme and "Riverside Physio" in readme


def test_export_holds_the_patient_and_their_portal_account(confirmed_physio, patient, records):
    AuthenticatorAppFactory(user=patient.user)
    data = _exported(confirmed_physio.get(_export_url(patient)))
    assert (data["format"], data["format_version"]) == ("runback-patient-export", 1)
    person = data["patient"]
    assert (person["first_name"], person["last_name"], person["date_of_birth"]) == ("Emma", "Clarke", "1991-10-10")
    assert (person["sex_at_birth"], person["sex_at_birth_label"]) == ("female", "Female")
    assert person["physio"] == "Alice Morgan"
    assert person["clinic"]["name"] == "Riverside Physio"
    account = data["portal_account"]
    assert (account["email"], account["is_active"], account["two_factor_sign_in"]) == (patient.user.email, True, True)
    assert "password" not in account


def test_export_holds_every_intake_record_with_answers_versions_and_snapshots(confirmed_physio, patient, records):
    data = _exported(confirmed_physio.get(_export_url(patient)))["intake"]
    assert [invite["id"] for invite in data["intake_invites"]] == [records["invite"].pk]
    assert data["intake_invites"][0]["state"] == "submitted"
    intake = next(each for each in data["intakes"] if each["id"] == records["intake"].pk)
    assert intake["answers"] == vignette(CASE)["intake"]
    assert intake["note"] == NOTE
    assert {"step": "Your knee", "question": "Which knee hurts?", "answer": "Right"} in intake["answers_in_words"]
    (outcome,) = data["outcome_responses"]
    assert (outcome["instrument"], outcome["instrument_label"]) == ("akps", "AKPS")
    assert (outcome["instrument_version"], outcome["answers"]) == ("1.0", {"limp": "none"})
    (examination,) = data["examinations"]
    assert examination["findings"] == vignette(CASE)["findings"]
    assert examination["examined_by"] == "Alice Morgan"
    assert len(examination["findings_in_words"]) > 10
    confirmed, referred, draft = (each for each in data["assessments"] if each["intake_id"] == records["intake"].pk)
    assert confirmed["engine_result"] == records["assessments"][0].engine_result
    assert confirmed["findings"] == vignette(CASE)["findings"]
    assert (confirmed["as_of"], confirmed["status_label"]) == ("2026-12-01", "Confirmed")
    assert confirmed["condition_label"] == "Patellofemoral pain (runner's knee)"
    assert confirmed["confirmed_cause_labels"] == ["Dynamic knee valgus"]
    assert confirmed["examination_id"] == records["examination"].pk
    assert (referred["status"], referred["referral_note"]) == ("referred", REFERRAL_NOTE)
    assert draft["status"] == "draft"


def test_export_holds_the_plans_revisions_logged_sessions_and_alerts(confirmed_physio, patient, records):
    data = _exported(confirmed_physio.get(_export_url(patient)))["plans"]
    (plan,) = data["plans"]
    assert (plan["id"], plan["status"], plan["status_label"]) == (records["plan"].pk, "issued", "Issued")
    assert (plan["note_for_patient"], plan["assessment_id"]) == (NOTE, records["plan"].assessment_id)
    issued, held = data["plan_revisions"]
    assert (issued["number"], issued["kind"], issued["note_for_patient"]) == (1, "issued", NOTE)
    assert (held["number"], held["kind"], held["changes"][0]["rule"]) == (2, "automatic", "RF19")
    assert held["content"] == records["plan"].current_revision.content
    (log,) = data["session_logs"]
    assert (log["pain_during_max"], log["pf_symptoms"], log["pf_symptom_labels"]) == (1, ["leak"], ["Leaking urine"])
    assert (log["logged_by"], log["comment"]) == (str(patient.user), NOTE)
    (alert,) = data["plan_alerts"]
    assert (alert["code"], alert["rule"]) == ("pelvic_floor_symptoms", "RF19")


def test_export_never_holds_secrets(confirmed_physio, patient, records):
    text = _archive(confirmed_physio.get(_export_url(patient))).read("patient.json").decode()
    assert records["invite"].nonce not in text
    assert records["invite"].token not in text
    assert patient.user.password not in text
    assert not {"nonce", "token", "password", "secret", "key"} & set(_keys(json.loads(text)))


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_export_writes_dates_as_iso_text(confirmed_physio, patient, records):
    data = _exported(confirmed_physio.get(_export_url(patient)))
    assert date.fromisoformat(data["patient"]["date_of_birth"])
    assert data["intake"]["intakes"][0]["submitted_at"].startswith("2026-12-01T")


def test_export_of_a_patient_without_records_or_account(confirmed_physio, clinic):
    bare = Patient.objects.create(clinic=clinic, first_name="Ann", last_name="Lee", date_of_birth=date(1990, 1, 2))
    data = _exported(confirmed_physio.get(_export_url(bare)))
    assert data["portal_account"] is None
    assert all(records == [] for records in data["intake"].values())


def test_export_is_audited_without_patient_data(confirmed_physio, patient, physio):
    _downloaded(confirmed_physio.get(_export_url(patient)))
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.patient_id, event.actor, event.detail) == (patient.pk, physio.user, "archive with 0 files")


def test_export_archive_carries_the_patients_stored_files(monkeypatch, patient, physio):
    default_storage.save("handouts/7.pdf", ContentFile(b"%PDF-1.7 handout"))
    handout = StoredFile("handouts/plan-1-revision-1.pdf", default_storage, "handouts/7.pdf")
    monkeypatch.setattr(data_rights.APPS["intake"], "stored_files", lambda patient: [handout])
    archive = data_rights.patient_export_archive(patient=patient, by=physio)
    with archive.file:
        zipped = zipfile.ZipFile(archive.file)
        assert zipped.read("handouts/plan-1-revision-1.pdf") == b"%PDF-1.7 handout"
        assert json.loads(zipped.read("patient.json"))["files"] == ["handouts/plan-1-revision-1.pdf"]
        assert "handouts/plan-1-revision-1.pdf" in zipped.read("README.txt").decode()
    assert archive.file_count == 1


@pytest.mark.parametrize("failing", ["exists", "open"])
def test_export_with_the_file_store_out_of_reach_says_so_and_loses_nothing(
    monkeypatch, confirmed_physio, patient, failing
):
    """S3 down or too slow (botocore's errors, not a missing file): no archive short of the patient's files, a page
    saying to try again (503), nothing audited as exported; the stored file is still there afterwards."""
    default_storage.save("handouts/7.pdf", ContentFile(b"%PDF-1.7 handout"))
    handout = StoredFile("handouts/plan-1-revision-1.pdf", default_storage, "handouts/7.pdf")
    monkeypatch.setattr(data_rights.APPS["plans"], "stored_files", lambda patient: [handout])

    def store_down(*args, **kwargs):
        raise ConnectTimeoutError(endpoint_url="http://127.0.0.1:9/runback")

    with monkeypatch.context() as store:
        store.setattr(default_storage, failing, store_down)
        response = confirmed_physio.get(_export_url(patient))
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert response["Content-Type"].startswith("text/html")
    assert "could not be reached just now" in page and "Nothing is lost" in page
    assert reverse("patient_data_rights", args=[patient.pk]) in page
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    # the store is back: the same link gives the whole export
    assert _archive(confirmed_physio.get(_export_url(patient))).read("handouts/plan-1-revision-1.pdf") == (
        b"%PDF-1.7 handout"
    )


def test_export_lists_a_file_storage_has_lost_instead_of_failing(monkeypatch, patient, physio):
    lost = StoredFile("handouts/plan-1-revision-1.pdf", default_storage, "handouts/gone.pdf")
    monkeypatch.setattr(data_rights.APPS["plans"], "stored_files", lambda patient: [lost])
    archive = data_rights.patient_export_archive(patient=patient, by=physio)
    with archive.file:
        zipped = zipfile.ZipFile(archive.file)
        data = json.loads(zipped.read("patient.json"))
        assert (data["files"], data["files_missing"]) == ([], ["handouts/plan-1-revision-1.pdf"])
        assert "no longer has them" in zipped.read("README.txt").decode()
        assert zipped.namelist() == ["README.txt", "patient.json"]
    assert archive.file_count == 0


# --- The form -----------------------------------------------------------------------------------------------------


def test_data_rights_page_shows_what_is_held_and_both_choices(confirmed_physio, patient, records):
    page = confirmed_physio.get(_data_rights_url(patient)).content.decode()
    assert "Assessments: 4" in page and "Intakes: 2" in page and "Plans: 1" in page and "Session logs: 1" in page
    assert 'value="anonymise"' in page and 'value="erase"' in page
    assert _export_url(patient) in page


def test_erasing_needs_the_patients_name_typed(confirmed_physio, patient, records):
    response = confirmed_physio.post(_data_rights_url(patient), {**ERASE, "confirm_name": "Emma Clark"})
    assert response.context["form"].errors == {
        "confirm_name": ["That isn't the patient's name as recorded. Type it exactly as shown."]
    }
    assert 'value="Emma Clark"' in response.content.decode()
    assert Intake.objects.filter(patient=patient).exists()


def test_data_rights_page_shows_a_name_holding_markup_as_text(confirmed_physio, patient):
    # Anyone at the front desk can name a patient; the name must never become markup on the physio's page.
    patient.last_name = '<meta http-equiv="refresh" content="0;url=https://evil.test">'
    patient.save()
    page = confirmed_physio.get(_data_rights_url(patient)).content.decode()
    assert "<meta http-equiv" not in page
    assert "Type “Emma &lt;meta http-equiv=&quot;refresh&quot;" in page


def test_name_is_compared_without_case_or_extra_spaces(confirmed_physio, patient):
    confirmed_physio.post(_data_rights_url(patient), {**ERASE, "confirm_name": "  emma   CLARKE "})
    assert not Patient.objects.filter(pk=patient.pk).exists()


@pytest.mark.parametrize("missing", ["action", "reason", "confirm_name"])
def test_erasing_needs_an_action_a_reason_and_the_name(missing, confirmed_physio, patient):
    response = confirmed_physio.post(_data_rights_url(patient), {**ERASE, missing: ""})
    assert list(response.context["form"].errors) == [missing]
    assert Patient.objects.filter(pk=patient.pk).exists()


# --- Erasure ------------------------------------------------------------------------------------------------------


def test_erasure_deletes_the_patient_everything_they_own_and_their_account(confirmed_physio, patient, records):
    AuthenticatorAppFactory(user=patient.user)
    user_pk = patient.user.pk
    # On PostgreSQL, decided assessments and plan revisions are final rows guarded by triggers.
    assert (Assessment.objects.decided().count(), PlanRevision.objects.count()) == (3, 2)
    response = confirmed_physio.post(_data_rights_url(patient), ERASE)
    assert response.url == reverse("patient_list")
    assert not Patient.objects.filter(pk=patient.pk).exists()
    for model in (
        IntakeInvite,
        Intake,
        OutcomeResponse,
        Examination,
        Assessment,
        Plan,
        PlanRevision,
        SessionLog,
        PlanAlert,
    ):
        assert not model.objects.exists(), model.__name__
    assert not User.objects.filter(pk=user_pk).exists()
    assert not Authenticator.objects.exists()


def test_erasure_leaves_other_patients_alone(confirmed_physio, patient, other_patient, records):
    kept = ConfirmedAssessmentFactory(intake__patient=other_patient)
    confirmed_physio.post(_data_rights_url(patient), ERASE)
    assert Assessment.objects.get() == kept
    assert other_patient.user.is_active and User.objects.filter(pk=other_patient.user.pk).exists()


def test_erasure_is_audited_by_reason_and_earlier_entries_stay(confirmed_physio, patient, physio, records):
    earlier = AuditEventFactory(patient=patient)
    confirmed_physio.post(_data_rights_url(patient), {**ERASE, "reason": "retention_ended"})
    erased = AuditEvent.objects.get(action=AuditAction.ERASE)
    assert (erased.patient_id, erased.actor, erased.detail) == (patient.pk, physio.user, "reason: retention_ended")
    assert AuditEvent.objects.filter(pk=earlier.pk).exists()
    trail = " ".join(str(event.__dict__) for event in AuditEvent.objects.all())
    assert "Emma" not in trail and "Clarke" not in trail


def test_erasure_deletes_stored_files_only_after_commit(monkeypatch, patient, django_capture_on_commit_callbacks):
    default_storage.save("handouts/8.pdf", ContentFile(b"%PDF"))
    handout = StoredFile("handouts/plan-1-revision-1.pdf", default_storage, "handouts/8.pdf")
    monkeypatch.setattr(data_rights.APPS["intake"], "stored_files", lambda patient: [handout])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        data_rights.patient_erase(patient=patient)
    assert default_storage.exists("handouts/8.pdf")
    for callback in callbacks:
        callback()
    assert not default_storage.exists("handouts/8.pdf")


def test_failed_erasure_changes_nothing(monkeypatch, confirmed_physio, patient, records):
    def broken(patient):
        raise RuntimeError("storage unreachable")

    monkeypatch.setattr(data_rights.APPS["intake"], "stored_files", broken)
    with pytest.raises(RuntimeError):
        confirmed_physio.post(_data_rights_url(patient), ERASE)
    assert Patient.objects.filter(pk=patient.pk).exists()
    assert (Assessment.objects.count(), Plan.objects.count()) == (4, 1)
    assert not AuditEvent.objects.filter(action=AuditAction.ERASE).exists()


def test_staff_account_linked_as_a_portal_account_is_kept(patient, front_desk):
    patient.user = front_desk.user
    patient.save()
    data_rights.patient_erase(patient=patient)
    assert User.objects.filter(pk=front_desk.user.pk).exists()


# --- Anonymisation ------------------------------------------------------------------------------------------------


@pytest.fixture
def anonymised(confirmed_physio, patient, records):
    response = confirmed_physio.post(_data_rights_url(patient), ANONYMISE)
    assert response.url == patient.get_absolute_url()
    return Patient.objects.get(pk=patient.pk)


def test_anonymising_replaces_identity_and_keeps_the_year_of_birth(anonymised):
    assert anonymised.full_name == f"Anonymised patient {anonymised.pk}"
    assert anonymised.date_of_birth == date(1991, 7, 1)
    assert (anonymised.email, anonymised.phone, anonymised.user) == ("", "", None)
    assert (anonymised.status, anonymised.is_anonymised) == (PatientStatus.DISCHARGED, True)


def test_anonymising_closes_and_clears_the_portal_account(patient, records, confirmed_physio, client):
    AuthenticatorAppFactory(user=patient.user)
    user = patient.user
    confirmed_physio.post(_data_rights_url(patient), ANONYMISE)
    user.refresh_from_db()
    assert (user.is_active, user.first_name, user.last_name, user.has_usable_password()) == (False, "", "", False)
    assert "Clarke" not in user.email and user.email.endswith(".invalid")
    assert not Authenticator.objects.filter(user=user).exists()
    client.logout()
    assert not client.login(username=user.email, password="correct horse battery staple")


def test_anonymising_stops_every_link(anonymised, records):
    invite = IntakeInvite.objects.get()
    assert invite.sent_to == ""
    assert IntakeInvite.from_token(records["invite"].token) is None


def test_anonymising_replaces_every_free_text_and_keeps_the_clinical_data(anonymised, records):
    intake = Intake.objects.get(pk=records["intake"].pk)
    assert intake.note == REMOVED_TEXT
    assert intake.answers == vignette(CASE)["intake"]
    assert Examination.objects.get().findings == vignette(CASE)["findings"]
    assert Examination.objects.get().notes == REMOVED_TEXT
    confirmed, referred, draft = Assessment.objects.filter(intake=intake).order_by("pk")
    assert confirmed.overrides == {"under_12_weeks_postpartum": REMOVED_TEXT}
    assert confirmed.confirmed_causes == [{"code": "dynamic_knee_valgus", "origin": "engine", "note": REMOVED_TEXT}]
    assert confirmed.rejected_causes == [{"code": "training_load_error", "note": REMOVED_TEXT}]
    assert referred.referral_note == REMOVED_TEXT
    assert draft.overrides == {"under_12_weeks_postpartum": REMOVED_TEXT}
    flag = next(f for f in confirmed.engine_result["red_flags"] if f["code"] == "under_12_weeks_postpartum")
    assert (flag["overridden"], flag["override_reason"]) == (True, REMOVED_TEXT)
    original = records["assessments"][0].engine_result
    assert {**confirmed.engine_result, "red_flags": original["red_flags"]} == original
    stored = " ".join(str(a.__dict__) for a in Assessment.objects.all()) + str(intake.__dict__)
    assert "Emma" not in stored


def test_anonymising_replaces_the_note_and_the_comments_in_the_plan_and_keeps_the_plan(anonymised, records):
    plan = Plan.objects.get()
    assert plan.note_for_patient == REMOVED_TEXT
    assert [revision.note_for_patient for revision in plan.revisions.all()] == [REMOVED_TEXT, REMOVED_TEXT]
    assert plan.current_revision.content == records["plan"].current_revision.content
    log = SessionLog.objects.get()
    assert (log.pf_symptoms, log.comment) == (["leak"], REMOVED_TEXT)


def test_anonymising_is_audited_by_reason(anonymised, physio):
    event = AuditEvent.objects.get(action=AuditAction.ANONYMISE)
    assert (event.patient_id, event.actor, event.detail) == (anonymised.pk, physio.user, "reason: patient_request")


def test_anonymised_record_offers_erasure_only(anonymised, confirmed_physio):
    page = confirmed_physio.get(_data_rights_url(anonymised)).content.decode()
    assert 'value="anonymise"' not in page and 'value="erase"' in page
    response = confirmed_physio.post(_data_rights_url(anonymised), {**ANONYMISE, "confirm_name": anonymised.full_name})
    assert list(response.context["form"].errors) == ["action"]
    confirmed_physio.post(_data_rights_url(anonymised), {**ERASE, "confirm_name": anonymised.full_name})
    assert not Patient.objects.exists()


def test_anonymised_patient_page_says_so_and_offers_no_edit_or_link(anonymised, confirmed_physio):
    page = confirmed_physio.get(anonymised.get_absolute_url()).content.decode()
    assert "This record was anonymised on" in page
    assert reverse("patient_edit", args=[anonymised.pk]) not in page
    assert reverse("intake:invite_create", args=[anonymised.pk]) not in page


def test_anonymised_record_keeps_its_details(anonymised, desk_client):
    response = desk_client.post(reverse("patient_edit", args=[anonymised.pk]), {"first_name": "Emma"})
    assert response.url == anonymised.get_absolute_url()
    assert Patient.objects.get(pk=anonymised.pk).first_name == "Anonymised"


def test_no_link_is_sent_for_an_anonymised_record(anonymised, desk_client):
    links = IntakeInvite.objects.count()
    response = desk_client.post(reverse("intake:invite_create", args=[anonymised.pk]))
    assert response.url == anonymised.get_absolute_url()
    assert IntakeInvite.objects.count() == links


@pytest.mark.parametrize(
    "method, url_name, args", [("post", "intake:staff_start", ()), ("get", "intake:staff_step", ("knee",))]
)
def test_no_answers_are_collected_on_behalf_of_an_anonymised_record(
    method, url_name, args, anonymised, confirmed_physio
):
    drafts = Intake.objects.filter(status=IntakeStatus.DRAFT).count()
    response = getattr(confirmed_physio, method)(reverse(url_name, args=[anonymised.pk, *args]))
    assert response.url == anonymised.get_absolute_url()
    assert Intake.objects.filter(status=IntakeStatus.DRAFT).count() == drafts


def test_patients_cannot_be_deleted_from_the_admin_only_erased_through_data_rights(admin_client, patient):
    response = admin_client.get(reverse("admin:clinic_patient_delete", args=[patient.pk]))
    assert response.status_code == 403
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_anonymised_birth_date_is_never_in_the_future():
    assert data_rights.anonymised_birth_date(date(2026, 3, 9), today=date(2026, 4, 1)) == date(2026, 4, 1)
    assert data_rights.anonymised_birth_date(date(1980, 12, 31), today=date(2026, 4, 1)) == date(1980, 7, 1)


# --- The database's own guard on final records (PostgreSQL) -------------------------------------------------------


@pytest.mark.postgresql_trigger
def test_database_refuses_free_text_changes_outside_anonymisation(records):
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        Assessment.objects.decided().update(referral_note="rewritten")


@pytest.mark.postgresql_trigger
def test_database_refuses_clinical_changes_even_while_anonymising(records):
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic(), anonymising():
        Assessment.objects.decided().update(findings={})


@pytest.mark.postgresql_trigger
def test_database_refuses_changes_to_a_plan_revision_but_its_note_while_anonymising(records):
    revisions = PlanRevision._base_manager.filter(plan=records["plan"])
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        revisions.update(note_for_patient=REMOVED_TEXT)
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic(), anonymising():
        revisions.update(content={})
    with anonymising():
        revisions.update(note_for_patient=REMOVED_TEXT)
    assert {revision.note_for_patient for revision in revisions} == {REMOVED_TEXT}


@pytest.mark.postgresql_trigger
def test_anonymising_never_outlives_its_block(records):
    with anonymising():
        Assessment.objects.decided().update(referral_note=REMOVED_TEXT)
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        Assessment.objects.decided().update(referral_note="again")


# --- Every patient-owned model is covered ---------------------------------------------------------------------------


def _patient_owned_models() -> set[type[models.Model]]:
    """Models with a chain of foreign keys to Patient (AuditEvent keeps a plain number on purpose)."""
    owned = {Patient}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            if model in owned:
                continue
            if any(
                field.many_to_one or field.one_to_one
                for field in model._meta.concrete_fields
                if field.related_model in owned
            ):
                owned.add(model)
                grew = True
    return owned - {Patient}


def test_every_patient_owned_model_is_covered_by_an_apps_data_rights():
    covered = {model for module in data_rights.APPS.values() for model in module.MODELS}
    missing = _patient_owned_models() - covered
    assert not missing, f"add to an app's data_rights.py: {sorted(model.__name__ for model in missing)}"
