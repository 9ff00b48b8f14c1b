"""The settings' two modes, checked in fresh interpreters so each sees only its own environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k9$Vq2!xLr7@pT4^mW8&zN1*bH6%cJ3#dF5(gS0)yU-aE_iO+oP=lK~"


def run(code_or_args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, check=False)


def test_no_variables_means_sqlite_in_process_tasks_console_email_and_debug():
    result = run(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, s.DEBUG)"
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "True",
    ]


def test_database_and_redis_urls_switch_to_services():
    result = run(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "False", "redis://127.0.0.1:6379/0"]


def test_production_refuses_to_start_without_a_secret_key():
    result = run("import django; django.setup()", DEBUG="False", ALLOWED_HOSTS="clinic.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run("import django; django.setup()", DEBUG="False", SECRET_KEY=STRONG_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "clinic.example",
    "SITE_URL": "https://clinic.example",
}


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> str:
    """The static files collected once, as a deployment does before it starts the server (5 s of CPU: WhiteNoise
    compresses every file twice, so the tests that need them are `thorough`, run by CI)."""
    folder = str(tmp_path_factory.mktemp("staticfiles"))
    result = run(["manage.py", "collectstatic", "--noinput"], STATIC_ROOT=folder, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.thorough
def test_production_settings_pass_the_deployment_checklist(collected_static):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], STATIC_ROOT=collected_static, **PRODUCTION
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_reminder_time_sets_when_beat_sends_the_reminders():
    result = run(
        "import django; django.setup(); from django.conf import settings as s; "
        "entry = s.CELERY_BEAT_SCHEDULE['patient-reminders']; "
        "print(entry['task'], sorted(entry['schedule'].hour), sorted(entry['schedule'].minute))",
        REMINDER_TIME="06:45",
    )
    assert result.stdout.split() == ["clinic.queue_reminders", "[6]", "[45]"]


def test_a_reminder_time_that_is_not_a_time_of_day_refuses_to_start():
    result = run("import django; django.setup()", REMINDER_TIME="7am")
    assert result.returncode != 0
    assert "REMINDER_TIME must be a time of day as HH:MM" in result.stderr


def test_production_without_collected_static_files_refuses_to_start(tmp_path):
    empty = str(tmp_path / "staticfiles")
    server = run("import clinic.wsgi", STATIC_ROOT=empty, **PRODUCTION)
    assert server.returncode != 0
    assert "The static files are not collected" in server.stderr and "collectstatic --noinput" in server.stderr
    check = run(["manage.py", "check"], STATIC_ROOT=empty, **PRODUCTION)
    assert check.returncode != 0 and "runback.E001" in check.stderr


@pytest.mark.thorough
def test_production_starts_once_the_static_files_are_collected(collected_static):
    server = run("import clinic.wsgi; print('up')", STATIC_ROOT=collected_static, **PRODUCTION)
    assert (server.returncode, server.stdout.strip()) == (0, "up")
