"""Runback's own system checks: what must be true before a server starts."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import Error, Warning, register

# Not the staticfiles tag: `collectstatic` runs those checks, and it is the command this one asks for.
SERVER_START = "runback_server_start"


@register(SERVER_START)
def static_files_collected(app_configs, **kwargs) -> list[Error]:
    """In production the pages name static files by their hashed names, read from the manifest `collectstatic`
    writes: without it every page is a server error. Refuse to start instead, saying what to run."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    manifest = Path(settings.STATIC_ROOT) / staticfiles_storage.manifest_name
    if manifest.exists():
        return []
    return [
        Error(
            f"The static files are not collected: {manifest} is missing, so every page would fail.",
            hint="Run `python manage.py collectstatic --noinput` (the Docker image does it when it is built).",
            id="runback.E001",
        )
    ]


@register()
def site_url_set_in_production(app_configs, **kwargs) -> list[Warning]:
    """Links written with no request behind them (the daily reminders sent by Celery beat) need SITE_URL."""
    if settings.DEBUG or settings.SITE_URL:
        return []
    return [
        Warning(
            "SITE_URL is not set: pages and the e-mails they send use the address of the request, but the daily "
            "reminders have no request and cannot link to the portal.",
            hint="Set SITE_URL to the address patients use, e.g. https://physio.example.org.",
            id="runback.W001",
        )
    ]
