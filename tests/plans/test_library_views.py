"""The exercise library pages: who may see and change what, the forms, pictures and the list's query count."""

import io

import pytest
from django.urls import reverse

from plans.models import Exercise
from tests.plans.library_factories import ExerciseFactory, ShippedExerciseFactory, picture_upload

VALID_EXERCISE = {
    "name": "Banded monster walk",
    "slug": "",
    "kind": "strength",
    "level": "3",
    "categories": ["HIP_ABD"],
    "target_muscles": "gluteus medius\ngluteus minimus",
    "instructions": "Put a band around your ankles.\nWalk forwards and out.\nKeep the band tight.",
    "cues": "Toes forwards.\nStay low.",
    "equipment": "resistance band",
    "sets": "3",
    "reps": "10",
    "hold_s": "",
    "minutes": "",
    "rest_s": "60",
    "per_week": "3",
    "progressions": [],
    "regressions": [],
    "contraindications": [],
    "notes": "",
    "video_url": "",
    "figure": "",
}


@pytest.fixture
def own_exercise(clinic):
    return ExerciseFactory(clinic=clinic, slug="our_bridge", name="Our bridge")


@pytest.fixture
def foreign_exercise(other_clinic):
    return ExerciseFactory(clinic=other_clinic, slug="their_bridge", name="Their bridge")


@pytest.fixture
def shipped(db):
    return ShippedExerciseFactory(slug="glute_bridge", name="Glute bridge")


def test_library_lists_shipped_and_own_exercises_but_not_another_clinics(
    desk_client, own_exercise, foreign_exercise, shipped
):
    response = desk_client.get(reverse("exercise_list"))
    assert [e.slug for e in response.context["page"].object_list] == ["glute_bridge", "our_bridge"]
    page = response.content.decode()
    assert 'role="img"' in page and "<title>Glute bridge</title>" in page
    assert "Their bridge" not in page


def test_library_filters_by_category_kind_and_search(physio_client, clinic):
    ShippedExerciseFactory(name="Clamshell", categories=["HIP_ER", "HIP_ABD"], target_muscles=["gluteus medius"])
    ShippedExerciseFactory(name="Calf stretch", kind="stretch", categories=["STRETCH_CALF"], target_muscles=["calf"])
    ShippedExerciseFactory(name="Hamstring curl", categories=["HIP_EXT"], target_muscles=["hamstrings"])

    def names(**query):
        return [e.name for e in physio_client.get(reverse("exercise_list"), query).context["page"].object_list]

    assert names(category="HIP_ABD") == ["Clamshell"]
    assert names(kind="stretch") == ["Calf stretch"]
    assert names(q="medius") == ["Clamshell"]
    assert names(q="calf STRETCH") == ["Calf stretch"]


def test_library_filters_own_exercises_and_hides_deactivated_ones_until_asked(physio_client, clinic, shipped):
    ExerciseFactory(clinic=clinic, name="Active own")
    ExerciseFactory(clinic=clinic, name="Retired own", is_active=False)

    def names(**query):
        return [e.name for e in physio_client.get(reverse("exercise_list"), query).context["page"].object_list]

    assert names(source="clinic") == ["Active own"]
    assert names(source="clinic", inactive="on") == ["Active own", "Retired own"]
    assert names(source="shipped") == ["Glute bridge"]


def test_library_ignores_unknown_filter_values(physio_client, shipped):
    response = physio_client.get(reverse("exercise_list"), {"category": "<script>", "kind": "nope"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1


@pytest.mark.parametrize("count", [1, 20])
def test_library_list_uses_a_fixed_number_of_queries(count, physio_client, clinic, django_assert_num_queries):
    ShippedExerciseFactory.create_batch(count)
    ExerciseFactory.create_batch(count, clinic=clinic, image=picture_upload())
    # request savepoint, session, user, membership with clinic, count, page, savepoint release
    with django_assert_num_queries(7):
        response = physio_client.get(reverse("exercise_list"))
    assert len(response.context["page"].object_list) == min(2 * count, 24)


def test_exercise_detail_shows_everything_a_clinician_needs(desk_client, clinic, shipped):
    harder = ShippedExerciseFactory(slug="single_leg_bridge", name="Single-leg bridge", level=3)
    exercise = ExerciseFactory(
        clinic=clinic,
        name="Our bridge",
        progressions=["single_leg_bridge"],
        regressions=["glute_bridge"],
        contraindications=["painful_kneeling"],
        equipment=["mat"],
        video_url="https://video.example/bridge",
        notes="Use a firm mat.",
    )
    page = desk_client.get(exercise.get_absolute_url()).content.decode()
    assert "<title>Our bridge</title>" in page
    assert "Lift your hips." in page and "Squeeze your buttocks." in page
    assert "3 × 10 · rest 60 s · 3 times a week" in page
    assert "Hip extensor strength" in page and "Kneeling while kneeling hurts" in page
    assert f'href="{harder.get_absolute_url()}"' in page and f'href="{shipped.get_absolute_url()}"' in page
    assert 'href="https://video.example/bridge" rel="noopener noreferrer"' in page
    assert "Use a firm mat." in page


def test_exercise_detail_shows_an_uploaded_picture_instead_of_the_drawing(desk_client, clinic):
    exercise = ExerciseFactory(clinic=clinic, image=picture_upload())
    page = desk_client.get(exercise.get_absolute_url()).content.decode()
    assert reverse("exercise_image", args=[exercise.slug]) in page
    assert "<svg" not in page.split("<main", 1)[1]


def test_front_desk_sees_no_edit_buttons(desk_client, own_exercise):
    page = desk_client.get(own_exercise.get_absolute_url()).content.decode()
    assert reverse("exercise_edit", args=[own_exercise.slug]) not in page
    assert "Copy for our clinic" not in page


def test_physio_may_copy_but_not_edit_a_shipped_exercise(physio_client, shipped):
    page = physio_client.get(shipped.get_absolute_url()).content.decode()
    assert "Copy for our clinic" in page
    assert reverse("exercise_edit", args=[shipped.slug]) not in page
    assert physio_client.get(reverse("exercise_edit", args=[shipped.slug])).status_code == 404


@pytest.mark.parametrize("url_name", ["exercise_detail", "exercise_edit", "exercise_deactivate", "exercise_image"])
def test_exercise_of_another_clinic_is_not_found(url_name, physio_client, foreign_exercise):
    foreign_exercise.image = picture_upload()
    foreign_exercise.save()
    assert physio_client.get(reverse(url_name, args=[foreign_exercise.slug])).status_code == 404


def test_physio_adds_an_exercise_and_its_code_is_made_from_the_name(physio_client, physio, shipped):
    data = {**VALID_EXERCISE, "regressions": ["glute_bridge"], "contraindications": ["painful_kneeling"]}
    response = physio_client.post(reverse("exercise_create"), data)
    exercise = Exercise.objects.get(name="Banded monster walk")
    assert response.url == exercise.get_absolute_url()
    assert (exercise.clinic, exercise.created_by, exercise.slug) == (physio.clinic, physio, "banded_monster_walk")
    assert exercise.instructions == ["Put a band around your ankles.", "Walk forwards and out.", "Keep the band tight."]
    assert (exercise.categories, exercise.regressions) == (["HIP_ABD"], ["glute_bridge"])
    assert exercise.as_spec().dosage.summary() == "3 × 10 · rest 60 s · 3 times a week"


def test_new_exercise_named_like_a_shipped_one_gets_a_free_code(physio_client, shipped):
    physio_client.post(reverse("exercise_create"), {**VALID_EXERCISE, "name": "Glute bridge"})
    assert Exercise.objects.get(clinic__isnull=False).slug == "glute_bridge_2"


def test_exercise_form_refuses_a_code_that_shadows_the_shipped_library(physio_client, shipped):
    response = physio_client.post(reverse("exercise_create"), {**VALID_EXERCISE, "slug": "glute_bridge"})
    assert response.context["form"].errors["slug"] == ["The shipped library already uses this code; choose another."]
    assert not Exercise.objects.filter(clinic__isnull=False).exists()


def test_exercise_form_with_errors_keeps_what_was_typed(physio_client):
    data = {**VALID_EXERCISE, "instructions": "", "video_url": "http://video.example/x", "level": "9"}
    response = physio_client.post(reverse("exercise_create"), data)
    assert set(response.context["form"].errors) == {"instructions", "video_url", "level"}
    assert response.context["form"].errors["video_url"] == ["Use a secure link starting with https://."]
    page = response.content.decode()
    assert 'value="Banded monster walk"' in page and "Toes forwards." in page
    assert not Exercise.objects.exists()


def test_exercise_form_refuses_impact_without_the_pelvic_floor_contraindication(physio_client):
    response = physio_client.post(reverse("exercise_create"), {**VALID_EXERCISE, "impact": "on"})
    assert "must list pelvic_floor_symptoms" in response.context["form"].errors["contraindications"][0]


def test_exercise_form_offers_links_only_to_the_visible_active_library(physio_client, shipped, foreign_exercise):
    ShippedExerciseFactory(slug="retired", is_active=False)
    choices = dict(physio_client.get(reverse("exercise_create")).context["form"].fields["progressions"].choices)
    assert set(choices) == {"glute_bridge"}


def test_exercise_form_refuses_a_link_to_another_clinics_exercise(physio_client, foreign_exercise):
    response = physio_client.post(reverse("exercise_create"), {**VALID_EXERCISE, "progressions": ["their_bridge"]})
    assert "progressions" in response.context["form"].errors


def test_exercise_form_refuses_broken_drawing_data(physio_client):
    response = physio_client.post(reverse("exercise_create"), {**VALID_EXERCISE, "figure": '{"view": "top"}'})
    assert any("view must be one of" in e for e in response.context["form"].errors["figure"])


@pytest.mark.parametrize(
    "figure",
    [
        '{"view": "side", "moving": [["trunk"]]}',
        '{"view": "side", "props": [{"type": []}]}',
        "1" * 5000,  # more digits than Python's parser takes
        "[" * 100_000 + "]" * 100_000,  # deeper than Python's parser goes
    ],
)
def test_exercise_form_refuses_drawing_data_of_the_wrong_type_beside_the_field(physio_client, figure):
    response = physio_client.post(reverse("exercise_create"), {**VALID_EXERCISE, "figure": figure})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["figure"]
    assert not Exercise.objects.exists()


def test_copying_a_shipped_exercise_prefills_the_form(physio_client, shipped):
    form = physio_client.get(reverse("exercise_create"), {"copy": "glute_bridge"}).context["form"]
    assert form.initial["name"] == "Glute bridge"
    assert form.initial["figure"] == shipped.figure
    assert "slug" not in form.initial


def test_copying_another_clinics_exercise_is_not_found(physio_client, foreign_exercise):
    assert physio_client.get(reverse("exercise_create"), {"copy": "their_bridge"}).status_code == 404


def test_physio_edits_an_own_exercise_but_its_code_stays(physio_client, own_exercise):
    data = {**VALID_EXERCISE, "name": "Our better bridge", "slug": "hacked_code"}
    response = physio_client.post(reverse("exercise_edit", args=["our_bridge"]), data)
    own_exercise.refresh_from_db()
    assert response.url == own_exercise.get_absolute_url()
    assert (own_exercise.name, own_exercise.slug) == ("Our better bridge", "our_bridge")


def test_editing_another_clinics_exercise_changes_nothing(physio_client, foreign_exercise):
    response = physio_client.post(reverse("exercise_edit", args=["their_bridge"]), VALID_EXERCISE)
    assert response.status_code == 404
    foreign_exercise.refresh_from_db()
    assert foreign_exercise.name == "Their bridge"


def test_front_desk_cannot_add_or_change_exercises(desk_client, own_exercise):
    assert desk_client.post(reverse("exercise_create"), VALID_EXERCISE).status_code == 403
    assert desk_client.post(reverse("exercise_deactivate", args=["our_bridge"])).status_code == 403
    own_exercise.refresh_from_db()
    assert own_exercise.is_active


def test_physio_deactivates_after_confirming_and_can_reactivate(physio_client, own_exercise):
    url = reverse("exercise_deactivate", args=["our_bridge"])
    assert "Deactivate Our bridge?" in physio_client.get(url).content.decode()
    physio_client.post(url)
    own_exercise.refresh_from_db()
    assert not own_exercise.is_active
    physio_client.post(reverse("exercise_reactivate", args=["our_bridge"]))
    own_exercise.refresh_from_db()
    assert own_exercise.is_active


def test_deactivating_another_clinics_exercise_is_not_found(physio_client, foreign_exercise):
    assert physio_client.post(reverse("exercise_deactivate", args=["their_bridge"])).status_code == 404
    assert physio_client.post(reverse("exercise_reactivate", args=["their_bridge"])).status_code == 404
    foreign_exercise.refresh_from_db()
    assert foreign_exercise.is_active


def test_uploaded_picture_is_re_encoded_and_served_only_through_the_view(physio_client, own_exercise):
    data = {**VALID_EXERCISE, "image": picture_upload("holiday.png", size=(3000, 1500))}
    physio_client.post(reverse("exercise_edit", args=["our_bridge"]), data)
    own_exercise.refresh_from_db()
    assert own_exercise.image.name.startswith(f"exercise-images/clinic-{own_exercise.clinic_id}/")
    assert "holiday" not in own_exercise.image.name
    response = physio_client.get(reverse("exercise_image", args=["our_bridge"]))
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    from PIL import Image

    with own_exercise.image.open("rb") as file:
        stored = file.read()
    assert response.content == stored
    with Image.open(io.BytesIO(stored)) as picture:
        assert picture.size == (1600, 800)


def test_patient_of_the_clinic_may_fetch_the_picture_but_not_the_pages(patient_client, own_exercise):
    own_exercise.image = picture_upload()
    own_exercise.save()
    assert patient_client.get(reverse("exercise_image", args=["our_bridge"])).status_code == 200
    assert patient_client.get(own_exercise.get_absolute_url()).status_code == 403


def test_replacing_a_picture_removes_the_old_file(physio_client, own_exercise, django_capture_on_commit_callbacks):
    physio_client.post(reverse("exercise_edit", args=["our_bridge"]), {**VALID_EXERCISE, "image": picture_upload()})
    own_exercise.refresh_from_db()
    first = own_exercise.image.name
    with django_capture_on_commit_callbacks(execute=True):
        physio_client.post(
            reverse("exercise_edit", args=["our_bridge"]), {**VALID_EXERCISE, "image": picture_upload("b.png")}
        )
    own_exercise.refresh_from_db()
    assert own_exercise.image.name != first
    assert not own_exercise.image.storage.exists(first)


def test_removing_a_picture_is_offered_only_when_there_is_one(physio_client, own_exercise, caplog):
    assert "remove_image" not in physio_client.get(reverse("exercise_edit", args=["our_bridge"])).content.decode()
    own_exercise.image = picture_upload()
    own_exercise.save()
    assert 'name="remove_image"' in physio_client.get(reverse("exercise_edit", args=["our_bridge"])).content.decode()
    assert "Could not resolve form field" not in caplog.text


def test_clearing_a_picture_goes_back_to_the_drawing(physio_client, own_exercise):
    own_exercise.image = picture_upload()
    own_exercise.save()
    physio_client.post(reverse("exercise_edit", args=["our_bridge"]), {**VALID_EXERCISE, "remove_image": "on"})
    own_exercise.refresh_from_db()
    assert not own_exercise.image


def test_upload_that_is_not_a_picture_is_refused_and_nothing_is_stored(physio_client, own_exercise):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("bridge.png", b"<?php echo 'hi'; ?>", content_type="image/png")
    response = physio_client.post(reverse("exercise_edit", args=["our_bridge"]), {**VALID_EXERCISE, "image": fake})
    assert "image" in response.context["form"].errors
    own_exercise.refresh_from_db()
    assert not own_exercise.image


def test_exercise_names_and_steps_are_escaped(desk_client, clinic):
    exercise = ExerciseFactory(clinic=clinic, name="<script>alert(1)</script>", instructions=["<b>bold</b>"])
    page = desk_client.get(exercise.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_staff_navigation_links_to_the_library(desk_client):
    page = desk_client.get(reverse("patient_list")).content.decode()
    assert f'href="{reverse("exercise_list")}">Exercise library</a>' in page
