"""The Exercise model: codes, links, video links and pictures are checked; the builder gets specs."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from PIL import Image

from clinic.pictures import reencode_picture, validate_picture
from plans.library.exercises import default_library, validate_library
from plans.models import Exercise
from plans.selectors import exercise_library_for_clinic
from tests.factories import ClinicFactory
from tests.plans.library_factories import ExerciseFactory, ShippedExerciseFactory, picture_upload


def _errors(exercise) -> dict:
    with pytest.raises(ValidationError) as error:
        exercise.full_clean()
    return error.value.message_dict


def test_clinic_exercise_may_not_shadow_a_shipped_code(db):
    ShippedExerciseFactory(slug="glute_bridge")
    exercise = ExerciseFactory.build(clinic=ClinicFactory(), slug="glute_bridge")
    assert _errors(exercise)["slug"] == ["The shipped library already uses this code; choose another."]


def test_clinic_exercise_code_is_unique_within_the_clinic(db):
    first = ExerciseFactory(slug="our_bridge")
    duplicate = ExerciseFactory.build(clinic=first.clinic, slug="our_bridge")
    assert "Your clinic already has an exercise with this code." in str(_errors(duplicate))


def test_two_clinics_may_use_the_same_code(db):
    ExerciseFactory(slug="our_bridge")
    ExerciseFactory.build(clinic=ClinicFactory(), slug="our_bridge").full_clean()


def test_shipped_codes_are_unique_in_the_database(db):
    ShippedExerciseFactory(slug="glute_bridge")
    with pytest.raises(IntegrityError):
        ShippedExerciseFactory(slug="glute_bridge")


@pytest.mark.parametrize("slug", ["Glute-Bridge", "1bridge", "new", "x" * 61])
def test_code_must_be_lower_snake_case_and_not_reserved(db, slug):
    assert "slug" in _errors(ExerciseFactory.build(clinic=ClinicFactory(), slug=slug))


def test_links_must_name_the_visible_active_library(db):
    clinic = ClinicFactory()
    ShippedExerciseFactory(slug="glute_bridge")
    ShippedExerciseFactory(slug="retired", is_active=False)
    ExerciseFactory(slug="elsewhere")  # another clinic's
    exercise = ExerciseFactory.build(
        clinic=clinic, slug="ours", progressions=["glute_bridge", "elsewhere"], regressions=["retired", "ours"]
    )
    errors = _errors(exercise)
    assert errors["progressions"] == ["Links to unknown exercise elsewhere."]
    assert errors["regressions"] == ["Links to unknown exercise retired.", "Links to itself."]


def test_an_exercise_cannot_be_both_harder_and_easier(db):
    ShippedExerciseFactory(slug="glute_bridge")
    exercise = ExerciseFactory.build(
        clinic=ClinicFactory(), progressions=["glute_bridge"], regressions=["glute_bridge"]
    )
    assert "cannot be both harder and easier" in _errors(exercise)["regressions"][0]


def test_codes_inside_the_lists_are_checked(db):
    exercise = ExerciseFactory.build(
        clinic=ClinicFactory(), categories=["HIP_ABD", "YOGA"], contraindications=["sore_toe"]
    )
    errors = _errors(exercise)
    assert errors["categories"] == ["Unknown category YOGA."]
    assert errors["contraindications"] == ["Unknown contraindication sore_toe."]


def test_impact_exercise_must_be_ruled_out_by_pelvic_floor_symptoms(db):
    exercise = ExerciseFactory.build(clinic=ClinicFactory(), impact=True)
    assert "pelvic_floor_symptoms" in _errors(exercise)["contraindications"][0]
    exercise.contraindications = ["pelvic_floor_symptoms"]
    exercise.full_clean()


@pytest.mark.parametrize("url", ["http://video.example.com/x", "javascript:alert(1)", "ftp://files.example.com/x"])
def test_video_link_must_be_https(db, url):
    exercise = ExerciseFactory.build(clinic=ClinicFactory(), video_url=url)
    assert "video_url" in _errors(exercise)


def test_https_video_link_is_accepted(db):
    ExerciseFactory.build(clinic=ClinicFactory(), video_url="https://videos.example.com/bridge").full_clean()


def test_broken_figure_is_refused(db):
    exercise = ExerciseFactory.build(clinic=ClinicFactory(), figure={"view": "side"})
    assert any("Figure: start pose is missing" in e for e in _errors(exercise)["figure"])


@pytest.mark.parametrize(
    ("image_format", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_jpeg_png_and_webp_pictures_are_accepted(image_format, content_type, settings):
    validate_picture(picture_upload(f"p.{image_format.lower()}", image_format, content_type=content_type))


@pytest.mark.parametrize(
    "upload",
    [
        lambda: picture_upload("animated.gif", "GIF", content_type="image/gif"),
        lambda: picture_upload("bitmap.png", "BMP", content_type="image/png"),  # the name lies
        lambda: SimpleUploadedFile("script.png", b"<script>alert(1)</script>", content_type="image/png"),
        lambda: SimpleUploadedFile("cut.png", picture_upload().read()[:60], content_type="image/png"),
    ],
    ids=["gif", "bmp-named-png", "not-an-image", "truncated"],
)
def test_pictures_are_checked_by_their_content(upload):
    with pytest.raises(ValidationError, match="JPEG, PNG or WebP"):
        validate_picture(upload())


def test_oversized_picture_is_refused(settings):
    settings.EXERCISE_IMAGE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="larger than 100"):
        validate_picture(picture_upload(size=(200, 200)))


def test_picture_with_too_many_pixels_is_refused(settings):
    settings.EXERCISE_IMAGE_MAX_PIXELS = 1000
    with pytest.raises(ValidationError, match="too many pixels"):
        validate_picture(picture_upload(size=(50, 50)))


def test_model_checks_a_new_upload(db):
    exercise = ExerciseFactory.build(clinic=ClinicFactory(), image=picture_upload("a.gif", "GIF"))
    assert "image" in _errors(exercise)


def test_reencoding_drops_metadata_and_turns_photos_upright():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "Secret camera"
    Image.new("RGB", (40, 20), (10, 200, 30)).save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("phone.jpg", buffer.getvalue(), content_type="image/jpeg")
    clean = reencode_picture(upload)
    assert clean.name.endswith(".jpg") and "phone" not in clean.name
    with Image.open(clean) as image:
        assert image.size == (20, 40)
        assert not image.getexif()


def test_as_spec_round_trips_every_shipped_exercise():
    for spec in default_library():
        exercise = Exercise(slug=spec.slug, **Exercise.fields_from_spec(spec))
        assert exercise.as_spec() == spec
        assert exercise.as_spec().figure == spec.figure


def test_library_for_a_clinic_is_shipped_and_own_active_exercises(db, django_assert_num_queries):
    clinic = ClinicFactory()
    ShippedExerciseFactory(slug="glute_bridge", progressions=["single_leg_bridge"])
    ShippedExerciseFactory(slug="single_leg_bridge", is_active=False, regressions=["glute_bridge"])
    ExerciseFactory(clinic=clinic, slug="our_bridge", regressions=["glute_bridge"])
    ExerciseFactory(clinic=clinic, slug="our_retired", is_active=False)
    ExerciseFactory(slug="their_bridge")
    with django_assert_num_queries(1):
        library = exercise_library_for_clinic(clinic=clinic)
    assert [spec.slug for spec in library] == ["glute_bridge", "our_bridge"]
    assert library[0].progressions == ()  # the deactivated target is dropped
    assert library[1].regressions == ("glute_bridge",)
    assert validate_library(library) == []


def test_only_an_impact_exercise_names_an_impact_ladder_step(db):
    exercise = ExerciseFactory.build(clinic=ClinicFactory(), impact=False, impact_step=5)
    assert _errors(exercise)["impact_step"] == ["Only an impact exercise has an impact step."]


def test_an_impact_step_is_a_rung_of_the_ladder(db):
    exercise = ExerciseFactory.build(
        clinic=ClinicFactory(), impact=True, impact_step=9, contraindications=["pelvic_floor_symptoms"]
    )
    assert _errors(exercise)["impact_step"] == ["Impact step must be one of 4, 5, 6, 7, 8 (reference §4.4)."]


def test_a_clinics_impact_exercise_joins_its_rung_of_the_ladder(db):
    clinic = ClinicFactory()
    ExerciseFactory(
        clinic=clinic, slug="skipping", impact=True, impact_step=5, contraindications=["pelvic_floor_symptoms"]
    )
    spec = next(spec for spec in exercise_library_for_clinic(clinic=clinic) if spec.slug == "skipping")
    assert spec.impact_step == 5
