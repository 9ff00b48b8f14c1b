import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

application = get_wsgi_application()

# A production server without its collected static files would answer every page with an error: refuse to start.
from clinic.checks import static_files_collected  # noqa: E402  (needs the settings loaded above)

if problems := static_files_collected(None):
    raise ImproperlyConfigured(f"{problems[0].msg} {problems[0].hint}")
