from datetime import date

import pytest
from django.urls import reverse

from clinic.models import Patient, PatientStatus
from tests.factories import PatientFactory, PhysioFactory
from tests.intake.factories import SubmittedIntakeFactory

VALID_PATIENT = {
    "first_name": "Nina",
    "last_name": "Brook",
    "date_of_birth": "1993-04-02",
    "sex_at_birth": "female",
    "email": "nina@example.test",
    "phone": "07700 900123",
    "physio": "",
}


def test_front_desk_adds_a_patient_to_their_clinic(desk_client, front_desk, physio):
    response = desk_client.post(reverse("patient_create"), {**VALID_PATIENT, "physio": physio.pk})
    patient = Patient.objects.get(last_name="Brook")
    assert response.url == reverse("patient_detail", args=[patient.pk])
    assert (patient.clinic, patient.physio, patient.status) == (front_desk.clinic, physio, PatientStatus.NEW)


def test_a_phone_number_is_written_one_way_whatever_way_it_was_typed(desk_client):
    desk_client.post(reverse("patient_create"), {**VALID_PATIENT, "phone": "07700900123"})
    assert Patient.objects.get().phone == "+44 7700 900123"


@pytest.mark.parametrize("phone", ["abc", "123", "0770090012345678"])
def test_a_phone_that_cannot_be_a_number_is_refused_and_everything_kept(desk_client, phone):
    response = desk_client.post(reverse("patient_create"), {**VALID_PATIENT, "phone": phone})
    assert "Enter a phone number" in response.context["form"].errors["phone"][0]
    page = response.content.decode()
    assert f'value="{phone}"' in page and 'value="Nina"' in page and not Patient.objects.exists()


@pytest.mark.parametrize(
    "same",
    [
        {"first_name": "NINA", "last_name": "brook", "email": "", "phone": ""},  # name and date of birth
        {"first_name": "Anna", "date_of_birth": "1990-01-01", "phone": ""},  # the e-mail address
        {"first_name": "Anna", "date_of_birth": "1990-01-01", "email": "", "phone": "+44 7700 900 123"},  # the phone
    ],
)
def test_a_patient_who_may_be_on_record_is_not_added_twice_unasked(desk_client, clinic, same):
    existing = PatientFactory(
        clinic=clinic,
        first_name="Nina",
        last_name="Brook",
        date_of_birth=date(1993, 4, 2),
        email="nina@example.test",
        phone="+44 7700 900123",
    )
    response = desk_client.post(reverse("patient_create"), {**VALID_PATIENT, **same})
    page = response.content.decode()
    assert response.status_code == 200 and Patient.objects.count() == 1
    assert "This may be a patient already on record" in page and existing.get_absolute_url() in page
    assert 'name="different_person"' in page
    # Said once, beside the box, not again as an error of the whole form.
    assert response.context["form"].errors == {
        "different_person": ["Open the record above if it is this patient, or tick the box to add them anyway."]
    }


def test_a_different_person_with_the_same_details_is_added_once_confirmed(desk_client, clinic):
    PatientFactory(clinic=clinic, first_name="Nina", last_name="Brook", date_of_birth=date(1993, 4, 2))
    response = desk_client.post(reverse("patient_create"), {**VALID_PATIENT, "different_person": "on"})
    assert response.status_code == 302 and Patient.objects.filter(last_name="Brook").count() == 2


def test_another_clinics_patient_is_not_a_duplicate(desk_client, foreign_patient):
    data = {**VALID_PATIENT, "email": foreign_patient.email or "x@example.test", "phone": ""}
    foreign_patient.email = data["email"]
    foreign_patient.save()
    assert desk_client.post(reverse("patient_create"), data).status_code == 302


def test_editing_a_patient_does_not_find_them_a_duplicate_of_themselves(physio_client, patient):
    data = {**VALID_PATIENT, "first_name": patient.first_name, "last_name": patient.last_name, "email": patient.email}
    data["date_of_birth"] = patient.date_of_birth.isoformat()
    assert physio_client.post(reverse("patient_edit", args=[patient.pk]), data).status_code == 302


def test_patient_form_with_future_birth_date_keeps_what_was_typed(desk_client):
    response = desk_client.post(reverse("patient_create"), {**VALID_PATIENT, "date_of_birth": "2999-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"date_of_birth": ["The date of birth cannot be in the future."]}
    page = response.content.decode()
    assert 'value="Nina"' in page and 'value="nina@example.test"' in page
    assert not Patient.objects.exists()


def test_patient_form_requires_names_with_a_message_per_field(desk_client):
    response = desk_client.post(reverse("patient_create"), {**VALID_PATIENT, "first_name": "", "last_name": ""})
    assert set(response.context["form"].errors) == {"first_name", "last_name"}


def test_patient_form_refuses_a_physio_of_another_clinic(desk_client, other_physio):
    response = desk_client.post(reverse("patient_create"), {**VALID_PATIENT, "physio": other_physio.pk})
    assert "physio" in response.context["form"].errors
    assert not Patient.objects.exists()


def test_patient_form_refuses_front_desk_as_treating_physio(desk_client, front_desk):
    response = desk_client.post(reverse("patient_create"), {**VALID_PATIENT, "physio": front_desk.pk})
    assert "physio" in response.context["form"].errors


def test_editing_a_patient_saves_the_change(physio_client, patient):
    data = {**VALID_PATIENT, "first_name": patient.first_name, "last_name": "Clarke-Jones"}
    physio_client.post(reverse("patient_edit", args=[patient.pk]), data)
    patient.refresh_from_db()
    assert patient.last_name == "Clarke-Jones"
    assert patient.date_of_birth == date(1993, 4, 2)


def test_editing_a_patient_of_another_clinic_changes_nothing(physio_client, foreign_patient):
    response = physio_client.post(reverse("patient_edit", args=[foreign_patient.pk]), VALID_PATIENT)
    assert response.status_code == 404
    foreign_patient.refresh_from_db()
    assert foreign_patient.last_name == "Foreign"


def test_physio_home_lists_only_their_own_patients_by_default(physio_client, physio, colleague_physio, clinic):
    mine = PatientFactory(clinic=clinic, physio=physio, last_name="Mine")
    PatientFactory(clinic=clinic, physio=colleague_physio, last_name="Colleagues")
    response = physio_client.get(reverse("patient_list"))
    assert list(response.context["page"].object_list) == [mine]


def test_physio_can_widen_the_list_to_the_whole_clinic(physio_client, physio, colleague_physio, clinic):
    PatientFactory(clinic=clinic, physio=physio, last_name="Adams")
    PatientFactory(clinic=clinic, physio=colleague_physio, last_name="Baker")
    response = physio_client.get(reverse("patient_list"), {"scope": "clinic"})
    assert [p.last_name for p in response.context["page"].object_list] == ["Adams", "Baker"]


def test_front_desk_sees_every_patient_of_the_clinic_and_none_of_another(desk_client, clinic, foreign_patient):
    PatientFactory(clinic=clinic, last_name="Adams")
    response = desk_client.get(reverse("patient_list"))
    assert [p.last_name for p in response.context["page"].object_list] == ["Adams"]


def test_patient_search_matches_first_and_last_name_words(desk_client, clinic):
    PatientFactory(clinic=clinic, first_name="Emma", last_name="Clarke")
    PatientFactory(clinic=clinic, first_name="Emily", last_name="Stone")
    response = desk_client.get(reverse("patient_list"), {"q": "emma clar"})
    assert [p.first_name for p in response.context["page"].object_list] == ["Emma"]


@pytest.mark.parametrize("search", ["14/03/1990", "1990-03-14", "14 March 1990", "emma@EXAMPLE", "07700 900 456"])
def test_patient_search_finds_by_date_of_birth_email_or_phone(desk_client, clinic, search):
    PatientFactory(
        clinic=clinic,
        first_name="Emma",
        date_of_birth=date(1990, 3, 14),
        email="emma@example.test",
        phone="+44 7700 900456",
    )
    PatientFactory(clinic=clinic, first_name="Emily", date_of_birth=date(1991, 3, 14), email="em@x.test", phone="")
    response = desk_client.get(reverse("patient_list"), {"q": search})
    assert [p.first_name for p in response.context["page"].object_list] == ["Emma"]


def test_the_list_shows_what_tells_two_namesakes_apart(desk_client, clinic):
    PatientFactory(clinic=clinic, first_name="Emma", email="emma@example.test", phone="+44 7700 900456")
    page = desk_client.get(reverse("patient_list")).content.decode()
    assert "emma@example.test" in page and "+44 7700 900456" in page


def test_patient_list_filters_by_status(desk_client, clinic):
    PatientFactory(clinic=clinic, last_name="New")
    PatientFactory(clinic=clinic, last_name="Gone", status=PatientStatus.DISCHARGED)
    response = desk_client.get(reverse("patient_list"), {"status": "discharged"})
    assert [p.last_name for p in response.context["page"].object_list] == ["Gone"]


def test_patient_list_ignores_an_unknown_status_instead_of_failing(desk_client, clinic):
    PatientFactory(clinic=clinic)
    response = desk_client.get(reverse("patient_list"), {"status": "<script>"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1


def test_patient_list_is_paginated_and_keeps_filters_in_page_links(desk_client, clinic):
    PatientFactory.create_batch(30, clinic=clinic, first_name="Ann")
    response = desk_client.get(reverse("patient_list"), {"q": "ann"})
    assert len(response.context["page"].object_list) == 25
    assert "q=ann&amp;page=2" in response.content.decode()


@pytest.mark.parametrize("count", [1, 30])
def test_patient_list_uses_a_fixed_number_of_queries(count, physio_client, physio, clinic, django_assert_num_queries):
    patients = PatientFactory.create_batch(count, clinic=clinic, physio=physio)
    for patient, level in zip(patients, ["urgent", "", "caution"] * count, strict=False):
        SubmittedIntakeFactory(patient=patient, flag_level=level)  # the intake order and badges come in the same query
    # request savepoint, session, user, membership with clinic, count, page with physios and intakes, savepoint release
    with django_assert_num_queries(7):
        response = physio_client.get(reverse("patient_list"))
    assert response.status_code == 200
    assert response.context["page"].object_list[0].intake_flag_level == "urgent"


@pytest.mark.parametrize("count", [1, 30])
def test_the_whole_clinic_list_uses_a_fixed_number_of_queries(
    count, physio_client, physio, colleague_physio, clinic, django_assert_num_queries
):
    for n in range(count):
        PatientFactory(clinic=clinic, physio=[physio, colleague_physio, None][n % 3])
    # As "my patients": the physiotherapists' names come in the page's own query.
    with django_assert_num_queries(7):
        response = physio_client.get(reverse("patient_list"), {"scope": "clinic"})
    assert len(response.context["rows"]) == min(count, 25)


def test_each_row_links_to_the_patients_page_and_gives_their_birthday_in_words(desk_client, clinic):
    patient = PatientFactory(
        clinic=clinic, first_name="Emma", last_name="Clarke", date_of_birth=date(1990, 3, 4), status="on_plan"
    )
    html = desk_client.get(reverse("patient_list")).content.decode()
    assert f'<a href="{patient.get_absolute_url()}">Clarke, Emma</a>' in html
    assert "<td>4 Mar 1990</td>" in html
    assert '<span class="badge status-on_plan">On a plan</span></td>' in html


def test_the_whole_clinic_list_names_each_patients_physiotherapist(physio_client, physio, colleague_physio, clinic):
    nameless = PhysioFactory(clinic=clinic, user__first_name="", user__last_name="")
    PatientFactory(clinic=clinic, physio=physio, last_name="Adams")
    PatientFactory(clinic=clinic, physio=colleague_physio, last_name="Baker")
    PatientFactory(clinic=clinic, physio=nameless, last_name="Clark")
    PatientFactory(clinic=clinic, physio=None, last_name="Dunn")
    PatientFactory(clinic=clinic, physio=physio, last_name="Evans")
    response = physio_client.get(reverse("patient_list"), {"scope": "clinic"})
    # As each physio's account names them (User.__str__): the e-mail address of one without a name.
    expected = ["Alice Morgan", "Ben Adeyemi", nameless.user.email, "Not assigned", "Alice Morgan"]
    assert [row["physio"] for row in response.context["rows"]] == expected
    assert "<td>Ben Adeyemi</td>" in response.content.decode()


def test_my_patients_are_listed_with_me_as_their_physiotherapist(physio_client, physio, clinic):
    PatientFactory(clinic=clinic, physio=physio)
    response = physio_client.get(reverse("patient_list"))
    assert [row["physio"] for row in response.context["rows"]] == [str(physio)]
    assert "<td>Alice Morgan</td>" in response.content.decode()


@pytest.mark.parametrize("scope", ["mine", "clinic"])
def test_the_list_shows_what_people_typed_as_text(scope, physio_client, physio, clinic):
    physio.user.first_name = "<b>x</b>"
    physio.user.save()
    PatientFactory(clinic=clinic, physio=physio, first_name="<script>alert(1)</script>", phone="<i>0</i>")
    html = physio_client.get(reverse("patient_list"), {"scope": scope}).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt; Morgan" in html
    assert "<i>0</i>" not in html


@pytest.mark.parametrize(
    ("level", "badge"),
    [
        ("emergency", '<span class="badge flag-emergency">Emergency flag</span>'),
        ("urgent", '<span class="badge flag-urgent">Urgent flag</span>'),
        ("refer_before_run", '<span class="badge flag-refer_before_run">Refer before running</span>'),
        ("caution", '<span class="badge flag-caution">Caution</span>'),
        ("", '<span class="badge badge-new-intake">New intake</span>'),
    ],
)
def test_the_physios_list_shows_the_badge_of_each_waiting_intake_beside_the_status(
    level, badge, physio_client, physio, clinic
):
    SubmittedIntakeFactory(patient=PatientFactory(clinic=clinic, physio=physio), flag_level=level)
    PatientFactory(clinic=clinic, physio=physio, last_name="Nothing-waits")
    html = physio_client.get(reverse("patient_list")).content.decode()
    assert f"</span> {badge}" in html
    assert html.count('class="badge flag-') + html.count('class="badge badge-new-intake"') == 1


def test_patient_detail_shows_the_record(desk_client, patient):
    response = desk_client.get(reverse("patient_detail", args=[patient.pk]))
    assert patient.full_name in response.content.decode()


def test_patient_names_are_escaped(desk_client, clinic):
    patient = PatientFactory(clinic=clinic, first_name="<script>alert(1)</script>")
    page = desk_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_patient_sees_their_own_page(patient_client, patient):
    response = patient_client.get(reverse("my_page"))
    assert response.context["patient"] == patient


def test_physio_of_other_clinic_is_not_assignable_in_the_form_choices(desk_client, other_physio, physio):
    response = desk_client.get(reverse("patient_create"))
    choices = list(response.context["form"].fields["physio"].queryset)
    assert choices == [physio]


def test_patients_age_is_counted_from_the_birthday(clinic):
    patient = PatientFactory.build(clinic=clinic, date_of_birth=date(1990, 6, 15))
    assert patient.age_on(date(2026, 6, 14)) == 35
    assert patient.age_on(date(2026, 6, 15)) == 36


def test_inactive_physio_is_not_offered(desk_client, clinic, physio):
    PhysioFactory(clinic=clinic, user__is_active=False)
    response = desk_client.get(reverse("patient_create"))
    assert list(response.context["form"].fields["physio"].queryset) == [physio]
