"""The physio's examination form: generated from the schema's `findings`, every finding "not assessed" until recorded,
bad values kept and explained, a colleague's newer save never silently overwritten, and every save audited."""

import re

import pytest
from django import forms
from django.urls import reverse

from clinic.models import AuditEvent
from intake import services
from intake.examination_labels import GROUPS, NONE_TENDER, NOT_ASSESSED, QUESTIONS, anchor_for, field_anchor
from intake.forms import ExaminationForm, findings_fields
from intake.models import Examination
from intake.schema import BOOL, CHOICE, FINDINGS, INT, MULTI, NUMBER, OBJECT
from tests.intake.factories import (
    POSTPARTUM_WELL,
    REQUIRED_INTAKE,
    ConfirmedAssessmentFactory,
    ExaminationFactory,
    SubmittedIntakeFactory,
    vignette,
)
from tests.roles import CLINICAL_PAGE_ROLES


def _leaf_paths(spec, prefix="findings"):
    """Every answerable field of the case format's findings, worked out independently of the form."""
    paths = set()
    for member in spec.fields:
        path = f"{prefix}.{member.key}"
        paths |= _leaf_paths(member, path) if member.kind == OBJECT else {path}
    return paths


def _url(intake):
    return reverse("intake:examination", args=[intake.patient_id, intake.pk])


def _post(version=0, **values):
    """POST data for the form from findings paths without the 'findings.' prefix ('sl_squat.knee_valgus')."""
    data = {"version": version}
    for path, value in values.items():
        name = "findings-" + path.replace(".", "-")
        data[name] = {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value
    return data


@pytest.fixture
def intake(patient):
    return SubmittedIntakeFactory(patient=patient)


# --- Generated from the schema -----------------------------------------------------------------------------------


def test_examination_form_has_one_field_for_every_findings_field():
    form = ExaminationForm()
    assert {q.path for q in form.questions.values()} == _leaf_paths(FINDINGS)
    assert len(form.questions) == len(_leaf_paths(FINDINGS)) == len(findings_fields())


def test_examination_labels_cover_every_findings_field_exactly_once():
    grouped = [question.path for group in GROUPS for question in group.questions]
    assert sorted(grouped) == sorted(_leaf_paths(FINDINGS))
    assert len(grouped) == len(set(grouped))
    assert set(QUESTIONS) == _leaf_paths(FINDINGS)


@pytest.mark.parametrize(("path", "spec"), findings_fields(), ids=lambda value: value if isinstance(value, str) else "")
def test_examination_field_follows_the_schema_kind_codes_and_range(path, spec):
    field = ExaminationForm().fields["findings-" + path.removeprefix("findings.").replace(".", "-")]
    assert not field.required
    if spec.kind == BOOL:
        assert [code for code, _ in field.choices] == ["", "true", "false"]
        assert field.choices[0][1] == NOT_ASSESSED
    elif spec.kind == CHOICE:
        assert [code for code, _ in field.choices] == ["", *spec.choices]
    elif spec.kind == MULTI:
        assert {code for code, _ in field.choices} == {NONE_TENDER, *spec.choices}
    elif spec.kind == INT:
        assert isinstance(field, forms.IntegerField)
        assert (field.min_value, field.max_value) == (spec.min, spec.max)
    else:
        assert spec.kind == NUMBER
        assert isinstance(field, forms.FloatField)
        assert (field.min_value, field.max_value) == (spec.min, spec.max)


def test_every_findings_field_has_an_anchor_on_the_page(physio_client, intake):
    page = physio_client.get(_url(intake)).content.decode()
    for path in _leaf_paths(FINDINGS):
        assert f'id="{field_anchor(path)}"' in page, path
    assert f'id="{anchor_for("findings.readiness")}"' in page


# --- Not assessed by default -------------------------------------------------------------------------------------


def test_examination_page_starts_every_finding_as_not_assessed(physio_client, intake):
    page = physio_client.get(_url(intake)).content.decode()
    checked = re.findall(
        r'<input class="btn-check" type="radio" name="[^"]+" id="[^"]+" value="([^"]*)"[^>]* checked>', page
    )
    yes_no_and_choices = [q for q in QUESTIONS.values() if q.spec.kind in (BOOL, CHOICE)]
    assert checked == [""] * len(yes_no_and_choices)
    assert 'type="checkbox"' in page and " checked>" not in page.split('type="checkbox"', 1)[1].split("</fieldset>")[0]
    assert not re.search(r'name="findings-sl_bridge_reps"[^>]*value=', page)


def test_saving_an_empty_examination_stores_no_finding(physio_client, intake, physio):
    response = physio_client.post(_url(intake), _post())
    assert response.status_code == 302
    examination = Examination.objects.get(intake=intake)
    assert examination.findings == {}
    assert (examination.examined_by, examination.version) == (physio, 1)


def test_examination_yes_no_findings_are_three_way(physio_client, intake):
    physio_client.post(_url(intake), _post(effusion=True, trendelenburg=False, **{"gait.overstride": True}))
    examination = Examination.objects.get(intake=intake)
    assert examination.findings == {"effusion": True, "trendelenburg": False, "gait": {"overstride": True}}
    physio_client.post(_url(intake), _post(version=1, effusion="", trendelenburg=False))
    examination.refresh_from_db()
    assert examination.findings == {"trendelenburg": False}  # back to "not assessed": absent, gait object dropped


def test_examination_stores_findings_as_the_case_format_does(physio_client, intake):
    values = {
        "sl_squat.knee_valgus": True,
        "sl_squat.pain_nprs": "4",
        "hip_abductor_strength": "reduced",
        "side_lying_abduction_reps": "11",
        "dra_fingers": "1,5",
        "tenderness": ["patellar_facets", "inferior_pole"],
        "readiness.hop_in_place_10": False,
        "pelvic_floor_check": "not_done",
    }
    physio_client.post(_url(intake), _post(**values))
    assert Examination.objects.get(intake=intake).findings == {
        "sl_squat": {"knee_valgus": True, "pain_nprs": 4},
        "hip_abductor_strength": "reduced",
        "side_lying_abduction_reps": 11,
        "dra_fingers": 1.5,
        "tenderness": ["patellar_facets", "inferior_pole"],
        "readiness": {"hop_in_place_10": False},
        "pelvic_floor_check": "not_done",
    }


def test_examination_nothing_tender_is_an_empty_list_not_a_missing_answer(physio_client, intake):
    physio_client.post(_url(intake), _post(tenderness=[NONE_TENDER]))
    examination = Examination.objects.get(intake=intake)
    assert examination.findings == {"tenderness": []}
    page = physio_client.get(_url(intake)).content.decode()
    assert re.search(r'value="none" autocomplete="off" checked>', page)


def test_examination_nothing_tender_with_a_tender_site_is_refused(physio_client, intake):
    response = physio_client.post(_url(intake), _post(tenderness=[NONE_TENDER, "inferior_pole"]))
    assert response.status_code == 200
    assert "Tick either “Nothing tender” or the tender sites." in response.content.decode()
    assert not Examination.objects.exists()


def test_examination_shows_saved_findings_again(physio_client, intake, physio):
    ExaminationFactory(intake=intake, examined_by=physio, findings={"effusion": False, "sl_bridge_reps": 14})
    page = physio_client.get(_url(intake)).content.decode()
    assert re.search(r'name="findings-effusion" id="[^"]+" value="false" autocomplete="off" checked>', page)
    assert re.search(r'name="findings-sl_bridge_reps" value="14"', page)


# --- Bad values --------------------------------------------------------------------------------------------------


def test_examination_out_of_range_value_is_explained_and_keeps_the_rest(physio_client, intake):
    data = _post(sl_bridge_reps="140", effusion=True, quad_strength="reduced", **{"gait.cadence_spm": "90"})
    response = physio_client.post(_url(intake), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a whole number from 0 to 100." in page
    assert "Please enter a whole number from 100 to 240." in page
    assert "Please check the values listed here" in page
    assert re.search(r'name="findings-sl_bridge_reps" value="140"', page)
    assert re.search(r'name="findings-effusion" id="[^"]+" value="true" autocomplete="off" checked>', page)
    assert re.search(r'name="findings-quad_strength" id="[^"]+" value="reduced" autocomplete="off" checked>', page)
    assert 'aria-invalid="true"' in page
    assert not Examination.objects.exists()  # nothing half-saved


def test_the_physio_records_the_side_range_of_motion_and_notes_beside_the_findings(physio_client, intake):
    details = {
        "details-side": "right",
        "details-knee_flexion_left": "145",
        "details-knee_flexion_right": "130",
        "details-knee_extension_right": "-5",
        "details-notes": "Crepitus on the right on deep squat.",
    }
    physio_client.post(_url(intake), {**_post(effusion=False), **details})
    examination = Examination.objects.get(intake=intake)
    assert (examination.side, examination.knee_flexion_left, examination.knee_flexion_right) == ("right", 145, 130)
    assert (examination.knee_extension_left, examination.knee_extension_right) == (None, -5)
    assert examination.notes == "Crepitus on the right on deep squat." and examination.findings == {"effusion": False}
    page = physio_client.get(reverse("intake:assessment", args=[intake.patient_id, intake.pk])).content.decode()
    assert "From the examination" in page and "Crepitus on the right" in page and "right 130°" in page


def test_a_range_of_motion_out_of_reach_is_refused_and_everything_kept(physio_client, intake):
    data = {**_post(effusion=True), "details-knee_flexion_left": "400", "details-notes": "Kept"}
    page = physio_client.post(_url(intake), data).content.decode()
    assert "Ensure this value is less than or equal to 170." in page
    assert 'value="400"' in page and "Kept</textarea>" in page and not Examination.objects.exists()


def test_a_changed_note_is_a_change_of_the_examination(intake, physio):
    first = services.examination_save(intake=intake, findings={}, version=0, by=physio, details={"notes": "A"})
    saved = services.examination_save(intake=intake, findings={}, version=1, by=physio, details={"notes": "B"})
    assert first.changed == ["notes"] and saved.changed == ["notes"] and saved.examination.version == 2


def test_examination_refuses_an_answer_that_is_not_offered(physio_client, intake):
    response = physio_client.post(_url(intake), _post(foot_posture="flat", effusion=True))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Examination.objects.exists()


# --- Two physios at once -----------------------------------------------------------------------------------------


def test_concurrent_edit_is_refused_with_the_typed_values_kept(physio_client, intake, physio, colleague_physio):
    examination = ExaminationFactory(intake=intake, examined_by=physio, findings={"effusion": False})
    # Ben saves while Alice's form (loaded at version 1) is still open.
    services.examination_save(
        intake=intake, findings={"effusion": True, "calf_tight": True}, version=1, by=colleague_physio
    )
    response = physio_client.post(_url(intake), _post(version=1, effusion=False, quad_tight=True))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ben Adeyemi saved this examination" in page and "Nothing of yours has been saved" in page
    assert re.search(r'name="findings-quad_tight" id="[^"]+" value="true" autocomplete="off" checked>', page)
    assert re.search(r'name="findings-effusion" id="[^"]+" value="false" autocomplete="off" checked>', page)
    assert 'name="version" value="2"' in page
    examination.refresh_from_db()
    assert examination.findings == {"effusion": True, "calf_tight": True}  # Ben's save stands
    # The differences are listed, theirs beside Alice's.
    assert "<td>Present</td><td>Absent</td>" in page
    assert "<td>Tight</td><td>Not assessed</td>" in page


def test_saving_again_after_a_conflict_keeps_the_physios_values(physio_client, intake, physio, colleague_physio):
    ExaminationFactory(intake=intake, examined_by=physio, findings={"effusion": False})
    services.examination_save(intake=intake, findings={"effusion": True}, version=1, by=colleague_physio)
    physio_client.post(_url(intake), _post(version=1, effusion=False))
    response = physio_client.post(_url(intake), _post(version=2, effusion=False))
    assert response.status_code == 302
    examination = Examination.objects.get(intake=intake)
    assert (examination.findings, examination.version, examination.updated_by) == ({"effusion": False}, 3, physio)


def test_a_new_form_cannot_overwrite_an_examination_saved_meanwhile(physio_client, intake, colleague_physio):
    services.examination_save(intake=intake, findings={"effusion": True}, version=0, by=colleague_physio)
    response = physio_client.post(_url(intake), _post(version=0, effusion=False))
    assert response.status_code == 200
    assert Examination.objects.get(intake=intake).findings == {"effusion": True}


def test_examination_save_changes_nothing_when_nothing_changed(intake, physio):
    services.examination_save(intake=intake, findings={"effusion": True}, version=0, by=physio)
    saved = services.examination_save(intake=intake, findings={"effusion": True}, version=1, by=physio)
    assert (saved.created, saved.changed, saved.examination.version) == (False, [], 1)


# --- Audit -------------------------------------------------------------------------------------------------------


def test_examination_save_records_the_changed_field_names_only(physio_client, intake):
    physio_client.post(_url(intake), _post(effusion=True, sl_bridge_reps="14", **{"sl_squat.knee_valgus": True}))
    created = AuditEvent.objects.get(action="create", target_type="examination")
    assert created.detail == "effusion, sl_bridge_reps, sl_squat.knee_valgus"
    physio_client.post(_url(intake), _post(version=1, effusion=False, sl_bridge_reps="14"))
    changed = AuditEvent.objects.get(action="change", target_type="examination")
    assert changed.detail == "effusion, sl_squat.knee_valgus"
    assert "14" not in created.detail + changed.detail and "true" not in changed.detail.lower()


def test_examination_page_view_is_audited(physio_client, intake):
    physio_client.get(_url(intake))
    assert AuditEvent.objects.filter(action="view", patient_id=intake.patient_id, detail="examination").exists()


def test_save_and_assess_goes_on_to_the_assessment(physio_client, intake):
    response = physio_client.post(_url(intake), {**_post(effusion=False), "then": "assess"})
    assert response.url == reverse("intake:assessment", args=[intake.patient_id, intake.pk])


# --- Layout ------------------------------------------------------------------------------------------------------


def test_postnatal_tests_open_after_a_birth(physio_client, patient):
    intake = SubmittedIntakeFactory(patient=patient, answers={**REQUIRED_INTAKE, "postpartum": POSTPARTUM_WELL})
    page = physio_client.get(_url(intake)).content.decode()
    assert '<details class="card exam-group" id="exam-readiness" open>' in page


def test_postnatal_tests_start_folded_without_a_birth(physio_client, intake):
    page = physio_client.get(_url(intake)).content.decode()
    assert '<details class="card exam-group" id="exam-readiness">' in page


def test_postnatal_tests_open_when_one_is_recorded(physio_client, intake, physio):
    ExaminationFactory(intake=intake, examined_by=physio, findings={"readiness": {"hop_in_place_10": True}})
    page = physio_client.get(_url(intake)).content.decode()
    assert '<details class="card exam-group" id="exam-readiness" open>' in page


# --- Who may examine ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), CLINICAL_PAGE_ROLES)
def test_examination_page_per_role(role, expected, intake, as_role):
    client = as_role(role)
    assert client.get(_url(intake)).status_code == expected
    response = client.post(_url(intake), _post(effusion=True))
    assert response.status_code == (302 if expected == 200 else expected)
    assert Examination.objects.exists() == (expected == 200)
    if role == "anonymous":
        assert response.url.startswith(reverse("login"))


def test_examination_of_another_patients_intake_is_not_found(physio_client, intake, other_patient):
    response = physio_client.get(reverse("intake:examination", args=[other_patient.pk, intake.pk]))
    assert response.status_code == 404


def test_examination_of_an_unsent_intake_goes_back_to_its_answers(physio_client, patient):
    draft = SubmittedIntakeFactory(patient=patient, status="draft", submitted_at=None)
    response = physio_client.get(_url(draft))
    assert response.url == draft.get_absolute_url()
    assert not Examination.objects.exists()


# --- Links -------------------------------------------------------------------------------------------------------


def test_patient_page_offers_examine_and_assess_per_submitted_intake(physio_client, intake):
    page = physio_client.get(intake.patient.get_absolute_url()).content.decode()
    assert f'href="{_url(intake)}"' in page
    assert f'href="{reverse("intake:assessment", args=[intake.patient_id, intake.pk])}"' in page


def test_patient_page_shows_the_front_desk_neither_examine_nor_assess(desk_client, intake):
    page = desk_client.get(intake.patient.get_absolute_url()).content.decode()
    assert "/examination/" not in page and "/assessment/" not in page
    assert ">Examine<" not in page and ">Assess<" not in page


def test_patient_page_links_the_latest_decided_assessment(physio_client, intake, physio):
    assessment = ConfirmedAssessmentFactory(intake=intake, created_by=physio)
    page = physio_client.get(intake.patient.get_absolute_url()).content.decode()
    assert f'href="{assessment.get_absolute_url()}">confirmed' in page


def test_intake_review_page_links_to_examination_and_assessment(physio_client, intake):
    page = physio_client.get(intake.get_absolute_url()).content.decode()
    assert f'href="{_url(intake)}">Examine</a>' in page
    assert f'href="{reverse("intake:assessment", args=[intake.patient_id, intake.pk])}">Assess</a>' in page


@pytest.mark.parametrize("findings", [{}, vignette("postpartum-10-weeks-override-12-week-gate")["findings"]])
def test_examination_page_uses_a_fixed_number_of_queries(
    findings, physio_client, intake, physio, django_assert_num_queries
):
    ExaminationFactory(intake=intake, examined_by=physio, findings=findings)
    with django_assert_num_queries(8):
        assert physio_client.get(_url(intake)).status_code == 200
