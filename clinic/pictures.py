"""A clinic's own pictures (its logo, its exercises'): checked by their content, then re-encoded before they are
stored.

Re-encoding drops camera metadata (EXIF, GPS) and anything hidden beside the pixels, turns photos upright and
shrinks them to a sensible size. Only JPEG, PNG and WebP are accepted, whatever the file's name says.
"""

import base64
import io
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps

EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
SAVE_OPTIONS = {"JPEG": {"quality": 85, "optimize": True}, "PNG": {"optimize": True}, "WEBP": {"quality": 85}}
NOT_A_PICTURE = "This file is not a picture we can use. Please choose a JPEG, PNG or WebP picture."


def validate_picture(file) -> None:
    """Refuse a new upload that is too large or is not really a JPEG, PNG or WebP picture."""
    if getattr(file, "_committed", False):
        return  # already stored, so it was checked (and re-encoded) when it came in
    limit = settings.EXERCISE_IMAGE_MAX_BYTES
    if file.size > limit:
        raise ValidationError(f"The picture is larger than {filesizeformat(limit)}. Please choose a smaller one.")
    image_format, (width, height) = _inspect(file)
    if image_format not in EXTENSIONS:
        raise ValidationError(NOT_A_PICTURE)
    if width * height > settings.EXERCISE_IMAGE_MAX_PIXELS:
        raise ValidationError("The picture has too many pixels. Please choose a smaller one.")


def reencode_picture(file, *, max_side: int | None = None) -> ContentFile:
    """A clean copy of a validated picture: same format, upright, at most `max_side` pixels wide and high
    (EXERCISE_IMAGE_MAX_SIDE unless given)."""
    file.seek(0)
    with Image.open(file) as original:
        image_format = original.format
        image = ImageOps.exif_transpose(original)
        side = max_side or settings.EXERCISE_IMAGE_MAX_SIDE
        image.thumbnail((side, side))
        if image_format == "JPEG" and image.mode != "RGB":
            image = image.convert("RGB")
        output = io.BytesIO()
        image.save(output, format=image_format, **SAVE_OPTIONS[image_format])
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}{EXTENSIONS[image_format]}")


def content_type_for(name: str) -> str:
    return next((kind for ext, kind in CONTENT_TYPES.items() if name.lower().endswith(ext)), "application/octet-stream")


def _inspect(file) -> tuple[str | None, tuple[int, int]]:
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image_format, size = image.format, image.size
                image.verify()
    # Not an image, a truncated or corrupt one, or a decompression bomb.
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise ValidationError(NOT_A_PICTURE) from error
    finally:
        file.seek(0)
    return image_format, size


def image_data_url(file) -> str:
    """A stored picture as a `data:` URL, to embed in a PDF without the renderer fetching anything."""
    with file.open("rb") as stored:
        data = stored.read()
    return f"data:{content_type_for(file.name)};base64,{base64.b64encode(data).decode('ascii')}"


def save_with_picture(instance, *, field: str, previous: str, max_side: int | None = None):
    """Save `instance` (already validated), re-encoding a newly uploaded picture in `field` first; the picture it
    replaces (stored as `previous`) is deleted once the save commits."""
    picture = getattr(instance, field)
    if picture and not picture._committed:
        setattr(instance, field, reencode_picture(picture.file, max_side=max_side))
    instance.save()
    stored = getattr(instance, field)
    if previous and previous != stored.name:
        storage = stored.storage
        transaction.on_commit(lambda: storage.delete(previous))
    return instance
