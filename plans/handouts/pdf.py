"""A safe WeasyPrint renderer: HTML in, PDF bytes out, with nothing fetched but our own static files.

Handouts carry text typed by people (patient names, notes, a clinic's own exercises). Django's autoescaping keeps
that text from ever becoming markup; this module makes sure the markup we do write cannot reach anything but the
project's static files and `data:` URLs either:

- The document's base URL is `DOCUMENT_BASE_URL`, an origin under the reserved `.invalid` top-level domain
  (RFC 6761) that can never resolve. `{% static %}` paths resolve against it, and `StaticOnlyURLFetcher` maps that
  origin's `STATIC_URL` folder onto the static directories on disk: no request ever leaves the process.
- Every other URL (`file:`, `http(s):` to any host, `ftp:`, a path escaping the static folders with `..`, or a
  symlink in a static folder pointing outside it) is refused with an ordinary exception: WeasyPrint logs it and
  renders on without the resource, so a stray reference costs an image, never the handout. Refusals are recorded
  and logged with the query string and fragment cut off (they may carry tokens).
"""

import gc
import logging
import mimetypes
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from weasyprint import CSS, HTML
from weasyprint.document import Document, Page
from weasyprint.logger import LOGGER as WEASYPRINT_LOGGER
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from plans.handouts.html_parsing import keep_character_classes

logger = logging.getLogger(__name__)
keep_character_classes()  # WeasyPrint's HTML parser rebuilt a regular expression for every run of text

# Reserved by RFC 6761: no DNS server will ever answer for it, and the fetcher never asks one.
DOCUMENT_BASE_URL = "https://runback.invalid/"

_URL_IN_TEXT = re.compile(r"\b(?:[a-zA-Z][a-zA-Z0-9+.-]*):[^\s'\"]+")


def redact_url(url: str) -> str:
    """A URL fit for logs: no query string or fragment, and a `data:` URL shortened to its media type."""
    if url.startswith("data:"):
        return url.split(",", 1)[0][:60] + ",…"
    return url.split("#", 1)[0].split("?", 1)[0]


class RefusedURL(ValueError):
    """A URL the renderer will not fetch. Not a `FatalURLFetchingError`: the document renders without it."""


def static_roots() -> list[Path]:
    """The directories static files may be served from: the finders' folders and `STATIC_ROOT`, resolved."""
    locations = [
        Path(storage.location)
        for finder in finders.get_finders()
        for storage in getattr(finder, "storages", {}).values()
    ]
    if settings.STATIC_ROOT:
        locations.append(Path(settings.STATIC_ROOT))  # collected (and, in production, hashed) names
    return [location.resolve() for location in locations if location.is_dir()]


class StaticOnlyURLFetcher(URLFetcher):
    """Serves `data:` URLs and the project's static files; refuses everything else. Records what it was asked."""

    def __init__(self):
        # Only `data:` may ever reach urllib (through super().fetch); static files are read here from disk.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)
        # An absolute STATIC_URL (a CDN) stays as it is: its files are still read from disk, never downloaded.
        self.static_prefix = urljoin(DOCUMENT_BASE_URL, settings.STATIC_URL)
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(redact_url(url))
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.static_file(url)
        if path is None:
            self.refused.append(redact_url(url))
            logger.warning("PDF renderer refused to fetch %s", redact_url(url))
            raise RefusedURL(f"not a static file of this project: {redact_url(url)}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    def static_file(self, url: str) -> Path | None:
        """The file a static URL names, if it is a regular file really inside a static directory."""
        if not url.startswith(self.static_prefix):
            return None
        relative = unquote(urlsplit(url).path[len(urlsplit(self.static_prefix).path) :])
        parts = relative.split("/")
        if not relative or "\\" in relative or "\x00" in relative or any(p in ("", ".", "..") for p in parts):
            return None
        for root in static_roots():
            try:
                # resolve() follows symlinks: a link pointing out of the static directory fails the check below.
                candidate = root.joinpath(*parts).resolve(strict=True)
            except (OSError, RuntimeError):
                continue
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        return None


class _RedactURLs(logging.Filter):
    """WeasyPrint's own log lines name the resources it failed to load; cut their query strings too."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(
                _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), a) if isinstance(a, str) else a for a in record.args
            )
        return True


@contextmanager
def _redacted_weasyprint_logs() -> Iterator[None]:
    log_filter = _RedactURLs()
    WEASYPRINT_LOGGER.addFilter(log_filter)
    try:
        yield
    finally:
        WEASYPRINT_LOGGER.removeFilter(log_filter)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a render: WeasyPrint allocates about a million objects for a handout, which
    sets off collections that walk the whole heap again and again (about a tenth of the render). What the render left
    is collected once it is over, by the next collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    page_count: int
    fetched: tuple[str, ...]  # every URL the document asked for while rendering, redacted
    refused: tuple[str, ...]  # the ones refused (the document rendered without them)


# One font configuration and one parsed copy of each stylesheet per process. WeasyPrint keeps the fonts of
# `@font-face` rules in the font configuration, decoded once (woff2 decoding is a good part of a cold render); the
# stylesheets are parsed with it. Pango and Fontconfig are not thread-safe, so renders take turns.
_render_lock = threading.Lock()


@cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@lru_cache(maxsize=8)
def _stylesheet(url: str, modified: float) -> CSS:
    # Keyed by the file's modification time too, so an edited stylesheet is read again without a restart.
    return CSS(url=url, url_fetcher=StaticOnlyURLFetcher(), font_config=_font_config())


def stylesheet(path: str) -> CSS:
    """The parsed static stylesheet at `path` (e.g. "css/handout.css"), its fonts in the shared configuration."""
    url = urljoin(DOCUMENT_BASE_URL, static(path))
    file = StaticOnlyURLFetcher().static_file(url)
    if file is None:
        raise FileNotFoundError(f"no static stylesheet {path}")
    return _stylesheet(url, file.stat().st_mtime)


def render_pdf(html: str, *, stylesheets: Sequence[str] = ()) -> RenderedPdf:
    """Render an HTML document to PDF with the static-only fetcher.

    `stylesheets` are static paths, applied as if linked from the document. Static URLs in the document
    (`{% static %}`) resolve against `DOCUMENT_BASE_URL`. Stylesheets and document share one `FontConfiguration`, so
    `@font-face` fonts are the ones the layout measures with and the PDF embeds.
    """
    with laying_out(stylesheets) as layout:
        return layout.pdf(layout.document(html).pages)


class Layout:
    """Lays HTML documents out with the static-only fetcher and the given stylesheets, then prints chosen pages of
    them as one PDF. Made by `laying_out`, which holds the renderer for the whole job."""

    def __init__(self, stylesheets: Sequence[CSS]):
        self.fetcher = StaticOnlyURLFetcher()
        self.stylesheets = stylesheets
        self.first: Document | None = None

    def document(self, html: str) -> Document:
        """The document laid out in pages. The PDF takes its metadata from the first document laid out."""
        document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=self.fetcher).render(
            font_config=_font_config(), stylesheets=self.stylesheets
        )
        self.first = self.first or document
        return document

    def pdf(self, pages: Sequence[Page], *, title: str = "") -> RenderedPdf:
        """The pages, in this order, as one PDF. Links between them resolve by their anchors' names."""
        combined = self.first.copy(list(pages))
        if title:
            combined.metadata.title = title
        return RenderedPdf(
            pdf=combined.write_pdf(),
            page_count=len(combined.pages),
            fetched=tuple(self.fetcher.requested),
            refused=tuple(self.fetcher.refused),
        )


@contextmanager
def laying_out(stylesheets: Sequence[str] = ()) -> Iterator[Layout]:
    """A `Layout` with these static stylesheets, for as long as the renderer is held (renders take turns)."""
    with _render_lock, _gc_paused(), _redacted_weasyprint_logs():
        yield Layout([stylesheet(path) for path in stylesheets])
