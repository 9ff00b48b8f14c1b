"""Fuzzing the exercise library's forms through their pages: a clinic's own exercise (with pictures that are not
pictures, broken drawing data and links to exercises it may not see) and the filters above the list. No server
error, and every refusal is keyed by the field it is about. (tests/fuzzing.py says what is sent.)"""

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from plans.library.exercises import default_library
from plans.library.forms import ExerciseFilterForm
from tests.fuzzing import (
    FEW_EXAMPLES,
    FORMS,
    assert_rejections_name_fields,
    fuzz_page,
    json_values,
    pages,
    post_data,
    rolled_back,
    with_a_value_replaced,
)
from tests.plans.library_factories import ExerciseFactory, picture_upload
from tests.plans.test_library_views import VALID_EXERCISE


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
PICTURE = {"image": UPLOADS.map(lambda upload: SimpleUploadedFile(upload[0] or "file", upload[1], "image/png"))}


def _adding_an_exercise(fixture):
    return fixture("physio_client"), reverse("exercise_create"), {"extra": PICTURE}


def _editing_an_exercise(fixture):
    exercise = ExerciseFactory(clinic=fixture("clinic"), image=picture_upload())
    return (
        fixture("physio_client"),
        reverse("exercise_edit", args=[exercise.slug]),
        {"extra": PICTURE, "keep_shown": True},
    )


form_page = pages([_adding_an_exercise, _editing_an_exercise])


def test_form(form_page):
    fuzz_page(form_page)


SHIPPED_FIGURES = [spec.figure for spec in default_library() if spec.figure]


@settings(FORMS, max_examples=FEW_EXAMPLES)
@given(figure=json_values() | with_a_value_replaced(SHIPPED_FIGURES))
def test_drawing_data(figure, physio_client):
    """A valid exercise with any drawing data: saved, or refused beside the drawing data."""
    values = {**VALID_EXERCISE, "figure": json.dumps(figure, ensure_ascii=False)}
    response = rolled_back(lambda: physio_client.post(reverse("exercise_create"), values))
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert_rejections_name_fields(response.context["form"])
        assert list(response.context["form"].errors) == ["figure"]


@FORMS
@given(data=st.data())
def test_library_filters_ignore_what_they_do_not_understand(data, desk_client):
    query = data.draw(post_data(ExerciseFilterForm(), extra={"page": st.text(max_size=10)}))
    response = rolled_back(lambda: desk_client.get(reverse("exercise_list"), query))
    assert response.status_code == 200
