"""The safe renderer: the fetcher serves our static files and data: URLs only, and refusals never stop a render."""

import logging
import os
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
import tinyhtml5
from django.conf import settings as django_settings
from tinyhtml5 import inputstream

from plans.handouts.html_parsing import BUGGY_VERSION
from plans.handouts.pdf import DOCUMENT_BASE_URL, RefusedURL, StaticOnlyURLFetcher, redact_url, render_pdf, stylesheet
from tests.plans.pdftext import pdf_fonts, pdf_pages

STATIC = DOCUMENT_BASE_URL + "static/"
HANDOUT_CSS = Path(django_settings.BASE_DIR) / "static" / "css" / "handout.css"


def test_fetcher_serves_a_static_file_from_disk():
    fetcher = StaticOnlyURLFetcher()
    response = fetcher.fetch(STATIC + "css/handout.css")
    assert (response.read(), response.content_type) == (HANDOUT_CSS.read_bytes(), "text/css")
    assert (fetcher.requested, fetcher.refused) == ([STATIC + "css/handout.css"], [])


def test_fetcher_serves_a_data_url():
    response = StaticOnlyURLFetcher().fetch("data:text/plain;base64,aGVsbG8=")
    assert (response.read(), response.content_type) == (b"hello", "text/plain")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///" + str(HANDOUT_CSS).lstrip("/"),  # even our own files, when named by path
        DOCUMENT_BASE_URL + "etc/passwd",  # what "/static/../../etc/passwd" becomes once joined to the base URL
        STATIC + "%2e%2e/%2e%2e/etc/passwd",  # the same escape, percent-encoded so URL joining keeps it
        STATIC + "css/..%2F..%2F..%2Fetc%2Fpasswd",
        STATIC + "css/",  # a directory
        STATIC + "css/missing.css",
        DOCUMENT_BASE_URL + "media/handouts/7.pdf",  # uploads are not static files
        "http://runback.invalid/static/css/handout.css",  # our prefix, the wrong scheme
        "http://127.0.0.1:9/private",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/logo.png",
        "ftp://example.com/file.txt",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_everything_but_static_files_and_data(url):
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [redact_url(url)]


def test_fetcher_refuses_a_symlink_in_a_static_folder_that_points_outside(tmp_path, settings):
    static_dir, outside = tmp_path / "static", tmp_path / "private"
    static_dir.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("not for handouts")
    (static_dir / "ok.txt").write_text("fine")
    os.symlink(outside / "secret.txt", static_dir / "secret.txt")
    settings.STATICFILES_DIRS = [static_dir]
    fetcher = StaticOnlyURLFetcher()

    assert fetcher.fetch(STATIC + "ok.txt").read() == b"fine"
    with pytest.raises(RefusedURL):
        fetcher.fetch(STATIC + "secret.txt")
    assert fetcher.refused == [STATIC + "secret.txt"]


def test_fetcher_serves_collected_files_from_static_root(tmp_path, settings):
    # In production `{% static %}` names hashed copies that exist only in STATIC_ROOT.
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "handout.0123abcd.css").write_text("p { color: black }")
    settings.STATIC_ROOT = tmp_path
    assert StaticOnlyURLFetcher().fetch(STATIC + "css/handout.0123abcd.css").read() == b"p { color: black }"


def test_refusal_is_logged_as_a_warning_without_the_query_string(caplog):
    with caplog.at_level(logging.WARNING, logger="plans.handouts.pdf"), pytest.raises(RefusedURL) as refusal:
        StaticOnlyURLFetcher().fetch("https://tracker.example/pixel.png?patient=emma&token=s3cret#top")
    assert [r.getMessage() for r in caplog.records] == [
        "PDF renderer refused to fetch https://tracker.example/pixel.png"
    ]
    assert "s3cret" not in str(refusal.value)


def test_redact_url_shortens_data_urls():
    assert redact_url("data:image/png;base64," + "A" * 5000) == "data:image/png;base64,…"


def test_render_goes_on_without_a_refused_resource():
    rendered = render_pdf(
        '<p>Before</p><img src="file:///etc/passwd" alt=""><img src="http://127.0.0.1:9/x.png" alt=""><p>After</p>'
    )
    assert rendered.refused == ("file:///etc/passwd", "http://127.0.0.1:9/x.png")
    assert rendered.page_count == 1
    assert pdf_pages(rendered.pdf)[0].split() == ["Before", "After"]


def test_render_keeps_query_strings_out_of_weasyprint_logs(caplog):
    with caplog.at_level(logging.DEBUG):
        rendered = render_pdf('<img src="https://tracker.example/a.png?token=s3cret" alt="">')
    assert rendered.refused == ("https://tracker.example/a.png",)
    messages = [record.getMessage() for record in caplog.records]
    assert "Failed to load image at 'https://tracker.example/a.png': RefusedURL: not a static file" in " ".join(
        messages
    )
    assert not [m for m in messages if "s3cret" in m]


def test_relative_static_urls_resolve_through_the_fetcher():
    rendered = render_pdf('<link rel="stylesheet" href="/static/css/handout.css"><p>Styled</p>')
    assert rendered.fetched[0] == STATIC + "css/handout.css"
    assert rendered.refused == ()


def test_stylesheet_fonts_come_through_the_fetcher_and_are_embedded(tmp_path, settings):
    (tmp_path / "test.css").write_text(
        '@font-face { font-family: "Test Sans"; src: url("fonts/source-sans-3-latin-700-normal.woff2"); }'
        'p { font-family: "Test Sans"; }'
    )
    settings.STATICFILES_DIRS = [tmp_path, Path(django_settings.BASE_DIR) / "static"]  # the font is in the second
    rendered = render_pdf("<p>Bold face</p>", stylesheets=["test.css"])
    assert pdf_fonts(rendered.pdf) == {"Test-Sans-Bold"}  # not a fallback such as DejaVu


def test_stylesheet_is_parsed_once_until_its_file_changes(tmp_path, settings):
    css = tmp_path / "test.css"
    css.write_text("p { color: black }")
    settings.STATICFILES_DIRS = [tmp_path]
    first = stylesheet("test.css")
    assert stylesheet("test.css") is first
    css.write_text("p { color: navy }")
    os.utime(css, (css.stat().st_atime, css.stat().st_mtime + 1))
    assert stylesheet("test.css") is not first


def test_stylesheet_must_be_a_static_file():
    with pytest.raises(FileNotFoundError, match=r"no static stylesheet css/missing\.css"):
        stylesheet("css/missing.css")


# --- tinyhtml5's cache of character classes (plans.handouts.html_parsing) --------------------------------------------

PARSED = """<!DOCTYPE html><html lang="en"><head><title>A &amp; B</title></head><body>
<p class='a "b"' data-x=unquoted>Fish &amp; chips &lt;3 &copy; &#x27;quoted&#39;<br>line two</p>
<!-- a comment --><table><tr><td>1 Dec
R Run</td></tr></table><img src="data:image/svg+xml;base64,PHN2Zz4=" alt='x'></body></html>"""


def parsed(html: str) -> bytes:
    return ElementTree.tostring(tinyhtml5.parse(html, namespace_html_elements=False))


def test_the_installed_html_parser_is_the_version_whose_cache_the_workaround_mends():
    # A new tinyhtml5 may have the fix (drop html_parsing) or not (raise BUGGY_VERSION): either way, decide.
    assert tinyhtml5.__version__ == BUGGY_VERSION


def test_the_html_parser_finds_its_character_classes_in_its_cache():
    inputstream.characters_until_regex.clear()
    parsed(PARSED)
    keys = list(inputstream.characters_until_regex)
    assert keys and not any(isinstance(characters, re.Pattern) for characters, _ in keys)  # none stored under its regex


def test_the_html_parser_parses_alike_with_and_without_the_cache(monkeypatch):
    with_cache = parsed(PARSED)
    stream = inputstream.HTMLUnicodeInputStream
    monkeypatch.setattr(stream, "chars_until", stream.chars_until.__wrapped__)
    monkeypatch.setattr(inputstream, "characters_until_regex", {})
    assert parsed(PARSED) == with_cache
    assert b"Fish &amp; chips &lt;3 &#169; 'quoted'<br />line two" in with_cache
