"""The address patients and staff reach Runback at, for the links Runback writes (e-mails, intake links, calendar
addresses): SITE_URL when it is set; otherwise the address the browser used for the request being answered, so a
clinic serving on its own host gets its own links without configuring anything.

Work done in the background on behalf of a request (an invite e-mail sent by the worker) carries the request's
address with it (clinic.tasks.EmailTask). Work with no request behind it (the daily reminders of Celery beat) needs
SITE_URL: `manage.py check` warns when it is missing in production (runback.W001).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_request_site: ContextVar[str | None] = ContextVar("runback_request_site", default=None)


def site_url() -> str:
    """The scheme and host links start with, without a trailing slash."""
    site = settings.SITE_URL or _request_site.get()
    if not site:
        raise ImproperlyConfigured("Set SITE_URL: links written outside a request need the address patients use.")
    return site


def request_site() -> str | None:
    """The address of the request being answered, if any, to hand on to background work."""
    return settings.SITE_URL or _request_site.get()


@contextmanager
def serving(site: str | None):
    """Write links with `site` (a request's address handed on to background work) while the block runs."""
    token = _request_site.set(site)
    try:
        yield
    finally:
        _request_site.reset(token)


class SiteFromRequestMiddleware:
    """Links written while answering a request use the address the browser used (when SITE_URL is not set). The
    host is one ALLOWED_HOSTS accepts, so a forged Host header cannot put another address into a link."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with serving(f"{request.scheme}://{request.get_host()}"):
            return self.get_response(request)
