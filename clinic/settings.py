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
    "allauth",
    "allauth.account",
    "allauth.mfa",
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
    # allauth: the request context its flows read, and the answer to "confirm it's you first" (re-authentication).
    "allauth.account.middleware.AccountMiddleware",
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
                "portal.context_processors.unread_messages",
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
    # First: refuses a locked-out e-mail address + client address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # allauth's: signs in by e-mail address (Runback has no usernames); Django's ModelBackend underneath.
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts, two-factor sign-in, passkeys and re-authentication: django-allauth (README "Security"), with Runback's
# rules in clinic/accounts.py. Nobody signs themselves up: staff accounts come from the admin, patients' from their
# clinic's invitation or after their intake.
ACCOUNT_ADAPTER = "clinic.accounts.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "clinic.account_forms.SignInForm",
    "reauthenticate": "clinic.account_forms.ReauthenticateForm",
    "change_password": "clinic.account_forms.ChangePasswordForm",
    "set_password": "clinic.account_forms.SetPasswordForm",
    "reset_password": "clinic.account_forms.ResetPasswordForm",
    "reset_password_from_key": "clinic.account_forms.ResetPasswordKeyForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Addresses are set by the clinic (staff) or proven by the link the patient was sent; allauth sends no checks of its
# own, and a reset asked for an unknown address sends nothing (no mail to strangers, no hint who has an account).
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_PREVENT_ENUMERATION = True
# Sessions last SESSION_COOKIE_AGE whatever the browser does with its windows (no "remember me" box).
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False  # a reset link never signs in: the second factor is still asked for
# How long the sign-in waits between the password and the second factor before the password must be given again.
ACCOUNT_LOGIN_TIMEOUT = env.int("SIGN_IN_CODE_WAIT_SECONDS", default=5 * 60)
# Sensitive actions (patient export and erasure; two-factor and passkey changes) ask "confirm it's you" again when
# it was last confirmed longer ago than this. With two-factor sign-in on, only the second factor confirms.
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("REAUTH_WINDOW_MINUTES", default=10) * 60
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Every form that checks a secret is rate-limited (on top of the lock-out below). "key" is the e-mail address typed
# (or the account), "ip" the client address, "user" the signed-in account. Failed sign-ins are slowed per client
# address over a minute and an hour (one password tried across many accounts), and per account from any address
# (one account tried from many); AXES_FAILURE_LIMIT stays the lower bound for one address and one client, so its
# lock-out page is what a person typing wrong sees first.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,30/h/ip,10/15m/key",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}

MFA_ADAPTER = "clinic.accounts.MFAAdapter"
MFA_FORMS = {
    "authenticate": "clinic.account_forms.SignInCodeForm",
    "reauthenticate": "clinic.account_forms.ReauthenticateCodeForm",
    "activate_totp": "clinic.account_forms.ActivateTOTPForm",
    "add_webauthn": "clinic.account_forms.AddPasskeyForm",
    "authenticate_webauthn": "clinic.account_forms.PasskeyForm",
    "reauthenticate_webauthn": "clinic.account_forms.ReauthenticatePasskeyForm",
    "login_webauthn": "clinic.account_forms.PasskeySignInForm",
    "edit_webauthn": "clinic.account_forms.RenamePasskeyForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Passkeys sign in on their own (with the device's PIN or biometrics: user verification is required for that).
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# The name authenticator apps show beside the account; codes of 6 digits every 30 s, one step of clock drift either
# way (as django-otp accepted, so migrated authenticators keep working on slightly wrong phone clocks).
MFA_TOTP_ISSUER = "Runback"
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10
MFA_RECOVERY_CODES_SHOW_ONCE = True  # shown once when made; afterwards only new ones can be generated
MFA_ALLOW_UNVERIFIED_EMAIL = True  # see ACCOUNT_EMAIL_VERIFICATION: addresses are the clinic's to vouch for
MFA_TRUST_ENABLED = False  # no "trust this browser": every sign-in asks for the second factor
# The key TOTP secrets and recovery-code seeds are encrypted with in the database (clinic.accounts.MFAAdapter).
# Unset, one is derived from SECRET_KEY; SECRET_KEY and SECRET_KEY_FALLBACKS are tried when decrypting too, so a key
# rotation keeps them readable. Losing the key that encrypted them makes those authenticators unusable.
MFA_ENCRYPTION_KEY = env.str("MFA_ENCRYPTION_KEY", default="")
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# allauth keeps its rate limits and the codes already used (no code works twice) in the default cache, which must be
# shared by every web process: the database, which every process already reaches (created by `migrate`, clinic 0007).
# The pages' own cache is below, with REDIS_URL.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "runback_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

# Lock-out after repeated failed sign-ins (django-axes), per e-mail address and client address together, so one
# attacker cannot lock a whole clinic out from behind its shared address. Wrong two-factor codes, passkeys and
# re-authentication attempts count too (clinic.accounts).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_TIME", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "clinic.lockout.username_for_lockout"
AXES_CLIENT_IP_CALLABLE = "clinic.audit.client_ip"  # honours X-Forwarded-For only when BEHIND_TLS_PROXY
AXES_LOCKOUT_CALLABLE = "clinic.lockout.lockout_response"
# Never stored with a failed attempt nor logged: what was typed as an address, password or code.
AXES_SENSITIVE_PARAMETERS = [
    "login",
    "username",
    "email",
    "ip_address",
    "code",
    "credential",
    "oldpassword",
    "password1",
    "password2",
    "new_password1",
    "new_password2",
]

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
# The file store of uploads and rendered handouts. Embedded default: the folder MEDIA_ROOT, which serves one machine.
# With RUNBACK_S3_BUCKET set, a bucket on any S3-compatible service (AWS, MinIO, Ceph, …), shared by every web and
# worker machine. Files are private either way: never served by URL, always streamed through a view that checks who
# asks. Credentials come from the environment as boto3 reads them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or the
# machine's role), never from this file.
RUNBACK_S3_BUCKET = env.str("RUNBACK_S3_BUCKET", default="")
if RUNBACK_S3_BUCKET:
    from botocore.config import Config as S3ClientConfig

    FILE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": RUNBACK_S3_BUCKET,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,  # unset: AWS itself
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": env.str("RUNBACK_S3_PREFIX", default=""),  # a folder in the bucket, e.g. one per clinic site
            # "path" (bucket in the path) suits MinIO and most self-hosted services; AWS takes either.
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="path"),
            "default_acl": None,  # the bucket's own policy: keep the bucket private
            "file_overwrite": False,  # a name taken gets a suffix, as on disk
            "querystring_auth": True,  # nothing is linked to, but a URL made by mistake would still need signing
            # Fail fast when the service is down: the render task retries (plans.handouts.tasks), a page says so.
            "client_config": S3ClientConfig(
                connect_timeout=env.int("AWS_S3_CONNECT_TIMEOUT", default=5),
                read_timeout=env.int("AWS_S3_READ_TIMEOUT", default=30),
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }
else:
    FILE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": FILE_STORAGE,
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
# A clinic's own exercise pictures: largest upload accepted, and the size they are stored at (clinic.pictures).
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

# What pages derive from records that do not change, e.g. a plan revision's calendar, charts and programme
# (clinic.page_cache): with REDIS_URL in Redis, shared by every process, giving up after half a second so that Redis
# being down never holds a page up (the page is then computed afresh); without it, in each process's memory. Values
# are made for one day (their keys name the date).
PAGE_CACHE_SECONDS = 24 * 60 * 60
# The clinic's outcomes (plans.outcomes) are counted again at most this often; in between, physios get the figures
# as last counted, with the time they were counted. Not clinical: how fresh a report over months needs to be.
OUTCOMES_RECOUNT_MINUTES = env.int("OUTCOMES_RECOUNT_MINUTES", default=10)
CACHES["pages"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "runback-pages",
        "TIMEOUT": PAGE_CACHE_SECONDS,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "runback-pages",
        "TIMEOUT": PAGE_CACHE_SECONDS,
        "OPTIONS": {"MAX_ENTRIES": 500},
    }
)
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
# Each worker process renders a sample handout as it starts (plans.handouts.warmup, about a second) before it reports
# for work; Celery's default 4 s for that report would kill a process warming up on a busy machine.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 30
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
# seed_demo builds patients' histories for the outcomes page (portal.demo_outcomes) through the services, session by
# session: a few seconds; the test suite leaves them out but where it tests them.
DEMO_OUTCOME_HISTORIES = env.bool("DEMO_OUTCOME_HISTORIES", default=True)
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
    # Just after midnight, before the reminders: sessions not logged by the end of the day after them are not counted
    # (plans.progression.catch_up_missed), so the day's reminder names the session the plan now holds.
    "plans.catch_up_missed_sessions": {
        "task": "plans.catch_up_missed_sessions",
        "schedule": crontab(hour=0, minute=30),
    },
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
