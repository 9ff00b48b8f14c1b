"""Settings for the test suite: the real settings plus what makes tests fast and isolated."""

from clinic.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
# Files in memory, unless the run is against an S3-compatible server (RUNBACK_S3_BUCKET: .ci/run starts moto_server and
# runs the suite on it, as a clinic running several machines would store them).
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": FILE_STORAGE if RUNBACK_S3_BUCKET else {"BACKEND": "django.core.files.storage.InMemoryStorage"},  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks in-process; the tests marked `worker` switch to the real broker and worker.
CELERY_TASK_ALWAYS_EAGER = True
HANDOUT_RENDER_THREAD = False  # renders in line, so a test reads their result at once
DEMO_OUTCOME_HISTORIES = False  # seed_demo without them, but in tests/portal/test_demo_outcomes.py
# Serve static files from the source folders, as in development: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Lock-out is switched on only by the tests about it (tests/clinic/test_lockout.py); force_login and
# client.login elsewhere must not depend on it.
AXES_ENABLED = False
# The page cache in each test process's memory, emptied before every test (tests/conftest.py), even with REDIS_URL:
# a test never reads what another rendered (SQLite numbers rows again after a rollback, frozen clocks repeat times).
CACHES = {
    **CACHES,  # noqa: F405
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "runback-test-pages"},
}
