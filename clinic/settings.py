"""Runback settings, driven by environment variables (see .env.example for every one).

With no variables at all Runback runs embedded: SQLite in the project folder, Celery tasks executed in-process,
e-mail printed to the console and DEBUG on. DATABASE_URL and REDIS_URL switch to PostgreSQL and a Redis broker.
With DEBUG off the settings fail closed: no SECRET_KEY or ALLOWED_HOSTS means no start.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for development; real deployments set the environment itself.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# True when a TLS-terminating proxy in front sets X-Forwarded-Proto and X-Forwarded-For.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)

# The address patients and staff use, e.g. https://physio.example.org. Unset: links use the address of the request
# being answered (clinic.site); the daily reminders, sent with no request, need it set.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

# Patient intake links: how many days an invite stays valid, and how many wrong dates of birth lock it.
INTAKE_INVITE_DAYS = env.int("INTAKE_INVITE_DAYS", default=14)
INTAKE_DOB_MAX_ATTEMPTS = env.int("INTAKE_DOB_MAX_ATTEMPTS", default=5)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "clinic",
    "intake",
    "plans",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (CSRF, the views): an oversized upload is refused unread.
    "clinic.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "clinic.site.SiteFromRequestMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinic.middleware.NotFoundPageMiddleware",
    "csp.middleware.CSPMiddleware",
    "clinic.middleware.PermissionsPolicyMiddleware",
    "clinic.middleware.StaffTwoFactorMiddleware",
    # Last, as django-axes requires: it turns a lock-out flagged during the view into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Workers and web processes close connections after each task/request unless told otherwise.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Every request is one transaction: a failure half-way leaves no half-written records.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "clinic.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sensitive actions (patient export, erasure) ask for the password again when it was last given longer ago.
REAUTH_WINDOW = timedelta(minutes=env.int("REAUTH_WINDOW_MINUTES", default=10))

# Two-factor sign-in (django-otp): the name authenticator apps show beside the account.
OTP_TOTP_ISSUER = "Runback"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows TOTP secrets or recovery codes

# Lock-out after repeated failed sign-ins (django-axes), per e-mail address and client address together, so one
# attacker cannot lock a whole clinic out from behind its shared address. Wrong 2FA codes count too.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_TIME", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "clinic.lockout.username_for_lockout"
AXES_CLIENT_IP_CALLABLE = "clinic.audit.client_ip"  # honours X-Forwarded-For only when BEHIND_TLS_PROXY
AXES_LOCKOUT_CALLABLE = "clinic.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Request bodies beyond this are refused before a view runs (form posts are small; uploads have their own cap).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400
# A clinic's own exercise pictures: largest upload accepted, and the size they are stored at (plans.library.images).
EXERCISE_IMAGE_MAX_BYTES = env.int("EXERCISE_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
EXERCISE_IMAGE_MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
EXERCISE_IMAGE_MAX_SIDE = 1600
# The largest request body accepted at all, files included (clinic.middleware.RequestSizeLimitMiddleware): the
# largest form with a file, an exercise with its picture, plus room for its other fields and the multipart framing.
REQUEST_MAX_BYTES = EXERCISE_IMAGE_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Runback <no-reply@runback.localhost>")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: with REDIS_URL a real broker and worker; without it, tasks run in-process (the embedded default).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60
CELERY_TASK_TRACK_STARTED = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Publishing a task from a web request gives up quickly when the broker is down (the page must not hang): at most
# 2 s to connect and two quick retries. Callers that must not fail then keep the work in the database for later
# (handouts: plans.handouts.tasks, swept up by the beat schedule below).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}

# Phone numbers typed without a country code belong to this country (ISO 3166 code, e.g. GB, IE, AU).
PHONE_REGION = env.str("PHONE_REGION", default="GB")

# PDF handouts (plans.handouts.tasks). A render gets a soft time limit (then it is marked failed, "took too long")
# and a hard one (the worker process is killed). A handout renders in about a second; a batch renders each of its
# handouts.
HANDOUT_SOFT_TIME_LIMIT = env.int("HANDOUT_SOFT_TIME_LIMIT", default=60)
# Without a worker, renders run on a thread of the web process so the print click answers at once
# (plans.handouts.tasks); the test suite runs them in line to check their result.
HANDOUT_RENDER_THREAD = env.bool("HANDOUT_RENDER_THREAD", default=True)
HANDOUT_TIME_LIMIT = env.int("HANDOUT_TIME_LIMIT", default=90)
# Handouts in one batch: a batch is laid out whole before it is written, about 17 MB a handout on top of the worker's
# 85 MB (10 handouts of 7 pages: 70 pages, 9 s, 260 MB peak; 20: 420 MB), so with two worker processes it stays well
# within a small server's memory.
HANDOUT_BATCH_MAX = env.int("HANDOUT_BATCH_MAX", default=10)
HANDOUT_BATCH_SOFT_TIME_LIMIT = env.int("HANDOUT_BATCH_SOFT_TIME_LIMIT", default=300)
HANDOUT_BATCH_TIME_LIMIT = env.int("HANDOUT_BATCH_TIME_LIMIT", default=360)
# Renders started for one request before it is marked failed, whatever restarted them: a retry after a passing
# failure (database or storage unreachable; with exponential backoff), the broker redelivering after the worker
# died mid-render, or the sweeper after a render got stuck. A job that kills its worker stops there.
HANDOUT_MAX_ATTEMPTS = env.int("HANDOUT_MAX_ATTEMPTS", default=5)
# A job handed to the broker but still waiting after this long is sent again (its message may be lost), and the
# print queue tells the front desk the print service may be down.
HANDOUT_REDISPATCH_AFTER = timedelta(seconds=env.int("HANDOUT_REDISPATCH_AFTER_SECONDS", default=300))
# A batch's combined PDF (several patients' pages) is deleted this many days after it was made.
HANDOUT_BATCH_KEEP_DAYS = env.int("HANDOUT_BATCH_KEEP_DAYS", default=7)

# Periodic tasks, run by `celery -A clinic beat` (the compose `beat` service). Times are in TIME_ZONE.
# Patients' reminders go out on the morning of the day (portal.reminders says why), at REMINDER_TIME.
REMINDER_TIME = env.str("REMINDER_TIME", default="07:30")
try:
    _reminder_hour, _reminder_minute = (int(part) for part in REMINDER_TIME.split(":"))
    REMINDER_SCHEDULE = crontab(hour=_reminder_hour, minute=_reminder_minute)
except ValueError as error:
    raise ImproperlyConfigured(f"REMINDER_TIME must be a time of day as HH:MM, not {REMINDER_TIME!r}.") from error
CELERY_BEAT_SCHEDULE = {
    "patient-reminders": {"task": "clinic.queue_reminders", "schedule": REMINDER_SCHEDULE},
    # Handouts the broker never got (it was down) or a dead worker left behind (plans.handouts.services).
    "plans.sweep_print_jobs": {"task": "plans.sweep_print_jobs", "schedule": 60.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes announces its configuration at every start; keep its warnings (lock-outs) only. WeasyPrint logs each
    # rendering step and fontTools each font it decodes: keep their warnings and errors (a resource that failed).
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

if not DEBUG:
    # Production behind TLS; `manage.py check --deploy` reports nothing with these.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain HTTP inside the network
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Features no page of Runback uses are switched off for every page (clinic.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
# No inline script or style anywhere: JavaScript and CSS come from our own static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
