"""Exercises for tests: a clinic's own (ExerciseFactory) or the shipped library's (ShippedExerciseFactory)."""

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from plans.library.exercises import default_library
from plans.models import Exercise
from tests.factories import ClinicFactory

BRIDGE_FIGURE = next(spec.figure for spec in default_library() if spec.slug == "glute_bridge")


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise

    clinic = factory.SubFactory(ClinicFactory)
    slug = factory.Sequence(lambda n: f"clinic_exercise_{n}")
    name = factory.Sequence(lambda n: f"Clinic exercise {n}")
    kind = "strength"
    categories = factory.LazyFunction(lambda: ["HIP_EXT"])
    target_muscles = factory.LazyFunction(lambda: ["gluteus maximus"])
    instructions = factory.LazyFunction(lambda: ["Lie down.", "Lift your hips.", "Lower slowly."])
    cues = factory.LazyFunction(lambda: ["Squeeze your buttocks."])
    sets = 3
    reps = 10
    rest_s = 60
    figure = factory.LazyFunction(lambda: dict(BRIDGE_FIGURE))


class ShippedExerciseFactory(ExerciseFactory):
    clinic = None
    slug = factory.Sequence(lambda n: f"shipped_exercise_{n}")
    name = factory.Sequence(lambda n: f"Shipped exercise {n}")
    library_version = "2026.11.1"


def picture_upload(name="picture.png", image_format="PNG", size=(40, 30), content_type="image/png"):
    """A real, small picture as a browser would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)
