"""Fuzzing the exercise library's forms through their pages: a clinic's own exercise (with pictures that are not
pictures, broken drawing data and links to exercises it may not see) and the filters above the list. No server
error, and every refusal is keyed by the field it is about. (tests/fuzzing.py says what is sent.)"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from plans.forms import ExerciseFilterForm
from tests.fuzzing import FORMS, fuzz_form, load_page, post_data, rolled_back
from tests.plans.library_factories import ExerciseFactory, picture_upload


def _image(image_format: str, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (12, 8)).save(buffer, format=image_format)
    return buffer.getvalue()


PNG = _image("PNG")
# Files a picture field may be sent: real pictures in formats we take and formats we don't, cut-off and fake ones.
UPLOADS = st.sampled_from(
    [
        ("picture.png", PNG),
        ("picture.jpg", _image("JPEG")),
        ("picture.gif", _image("GIF", "P")),
        ("picture.bmp", _image("BMP")),
        ("cut.png", PNG[: len(PNG) // 2]),
        ("picture.png", b"GIF89a" + bytes(20)),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("empty.png", b""),
    ]
) | st.tuples(st.text(max_size=30).map(lambda name: f"{name}.png"), st.binary(max_size=200))


def _upload(name_and_content) -> SimpleUploadedFile:
    name, content = name_and_content
    return SimpleUploadedFile(name or "file", content, content_type="image/png")


@pytest.fixture
def new_exercise_page(physio_client):
    return load_page(physio_client, reverse("exercise_create"))


@FORMS
@given(data=st.data())
def test_exercise_form_adding(data, physio_client, new_exercise_page):
    fuzz_form(data, physio_client, new_exercise_page, extra={"image": UPLOADS.map(_upload)})


@pytest.fixture
def edit_exercise_page(physio_client, clinic):
    exercise = ExerciseFactory(clinic=clinic, image=picture_upload())
    return load_page(physio_client, reverse("exercise_edit", args=[exercise.slug]))


@FORMS
@given(data=st.data())
def test_exercise_form_editing(data, physio_client, edit_exercise_page):
    fuzz_form(data, physio_client, edit_exercise_page, extra={"image": UPLOADS.map(_upload)}, keep_shown=True)


@FORMS
@given(data=st.data())
def test_library_filters_ignore_what_they_do_not_understand(data, desk_client):
    query = data.draw(post_data(ExerciseFilterForm(), extra={"page": st.text(max_size=10)}))
    response = rolled_back(lambda: desk_client.get(reverse("exercise_list"), query))
    assert response.status_code == 200
