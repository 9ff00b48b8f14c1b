"""A rendered PDF read back with poppler's `pdftotext` and `pdfinfo`: the PDF itself, not the HTML it came from."""

import os
import re
import shutil
import subprocess

import pytest


def _poppler(command: list[str], pdf: bytes) -> str:
    if not shutil.which(command[0]):
        reason = f"needs {command[0]} (Debian/Ubuntu: apt-get install poppler-utils)"
        # CI installs poppler and sets this, so the PDF checks cannot quietly skip there.
        if os.environ.get("RUNBACK_REQUIRE_POPPLER"):
            pytest.fail(f"RUNBACK_REQUIRE_POPPLER is set but this test {reason}", pytrace=False)
        pytest.skip(reason)
    return subprocess.run(command, input=pdf, capture_output=True, check=True).stdout.decode()


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace collapsed to single spaces."""
    text = _poppler(["pdftotext", "-", "-"], pdf)
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def pdf_info(pdf: bytes) -> dict[str, str]:
    """pdfinfo's fields: "Pages", "Page size" ("612 x 792 pts (letter)"), "Title", …"""
    return dict(re.findall(r"^([^:\n]+):\s+(.*)$", _poppler(["pdfinfo", "-"], pdf), re.MULTILINE))


def pdf_fonts(pdf: bytes) -> set[str]:
    """The names of the fonts embedded in the PDF, without their subset prefix ("ABCDEF+")."""
    lines = _poppler(["pdffonts", "-"], pdf).splitlines()[2:]
    return {line.split()[0].split("+", 1)[-1] for line in lines}


def pdf_images(pdf: bytes) -> list[tuple[int, int, int]]:
    """(page, width, height) of each raster image in the PDF."""
    lines = _poppler(["pdfimages", "-list", "-"], pdf).splitlines()[2:]
    return [(int(page), int(width), int(height)) for page, _, _, width, height, *_ in map(str.split, lines)]
