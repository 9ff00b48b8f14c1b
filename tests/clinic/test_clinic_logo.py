"""A clinic's logo: uploaded in the clinic's admin page (checked by its content, re-encoded small), served at an
address naming the stored file, and shown on its patients' pages, e-mails and handouts beside its name."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from clinic import services
from clinic.models import Clinic
from intake import services as intake_services
from tests.html_forms import form_data
from tests.plans.library_factories import picture_upload

pytestmark = pytest.mark.django_db


def upload_in_admin(admin_client, clinic, picture):
    change = reverse("admin:clinic_clinic_change", args=[clinic.pk])
    data = form_data(admin_client.get(change).content.decode(), containing="slug")
    return admin_client.post(change, {**data, "logo": picture})


@pytest.fixture
def clinic_with_logo(clinic):
    clinic.logo = picture_upload("logo.png", size=(120, 40))
    return services.clinic_save(clinic=clinic)


def test_the_admin_saves_a_logo_reencoded_small_in_the_clinics_folder(admin_client, clinic):
    response = upload_in_admin(admin_client, clinic, picture_upload("logo.png", size=(2400, 800)))
    assert response.status_code == 302
    clinic.refresh_from_db()
    folder, _, name = clinic.logo.name.rpartition("/")
    assert folder == f"clinic-logos/clinic-{clinic.pk}" and name != "logo.png"  # a random name, given on re-encoding
    with clinic.logo.open("rb") as logo, Image.open(logo) as image:
        assert image.size == (600, 200)


def test_replacing_the_logo_deletes_the_old_file(admin_client, clinic, django_capture_on_commit_callbacks):
    upload_in_admin(admin_client, clinic, picture_upload("first.png"))
    clinic.refresh_from_db()
    first = clinic.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        upload_in_admin(admin_client, clinic, picture_upload("second.png"))
    clinic.refresh_from_db()
    assert clinic.logo.name != first and not clinic.logo.storage.exists(first)


def test_a_logo_that_is_not_a_picture_is_refused(admin_client, clinic):
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = upload_in_admin(admin_client, clinic, fake)
    assert response.status_code == 200 and "Upload a valid image." in response.content.decode()
    clinic.refresh_from_db()
    assert not clinic.logo


def test_a_new_clinic_created_with_a_logo_stores_it_in_its_own_folder():
    clinic = Clinic(name="Northside Physio", slug="northside", phone="020 7946 0999")
    clinic.logo = picture_upload("logo.png")
    services.clinic_save(clinic=clinic)
    assert clinic.logo.name.startswith(f"clinic-logos/clinic-{clinic.pk}/")


def test_the_logo_is_served_to_anyone_at_its_address(client, clinic_with_logo):
    response = client.get(clinic_with_logo.logo_url())
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=2592000, immutable"
    with clinic_with_logo.logo.open("rb") as stored:
        assert response.content == stored.read()


@pytest.mark.parametrize("name", ["old.png", "..%2Fsecret.png"])
def test_any_other_name_for_the_logo_is_not_found(client, clinic_with_logo, name):
    assert (
        client.get(reverse("clinic_logo", args=[clinic_with_logo.pk, "x.png"]).replace("x.png", name)).status_code
        == 404
    )


def test_a_clinic_without_a_logo_has_none_to_serve(client, clinic):
    assert clinic.logo_url() == ""
    assert client.get(reverse("clinic_logo", args=[clinic.pk, "logo.png"])).status_code == 404


def test_the_portal_shows_the_clinics_logo_beside_its_name(patient_client, clinic_with_logo):
    page = patient_client.get(reverse("my_page")).content.decode()
    assert f'<img src="{clinic_with_logo.logo_url()}" alt="" height="32">' in page
    assert "Riverside Physio" in page


def test_the_intake_link_shows_the_clinics_logo(client, patient, physio, clinic_with_logo):
    invite = intake_services.invite_create(patient=patient, by=physio)
    assert clinic_with_logo.logo_url() in client.get(invite.get_absolute_url()).content.decode()


def test_without_a_logo_patient_pages_show_the_name_alone(patient_client, clinic):
    page = patient_client.get(reverse("my_page")).content.decode()
    assert "clinic-logo" not in page and "Riverside Physio" in page


def test_e_mails_to_patients_open_with_the_logo_at_its_full_address(
    physio_client, patient, clinic_with_logo, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        physio_client.post(reverse("intake:invite_create", args=[patient.pk]))
    (message,) = mailoutbox
    html = message.alternatives[0][0]
    assert f'<img src="http://testserver{clinic_with_logo.logo_url()}" alt="Riverside Physio"' in html
    assert "clinic-logos" not in message.body  # the plain-text e-mail has no picture
