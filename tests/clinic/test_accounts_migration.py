"""The move from django-otp to allauth (clinic migration 0007): everyone's authenticator app and unused recovery codes
carry over, encrypted, so nobody sets up two-factor sign-in again; django-otp's tables, which held them in clear, go.

django-otp is no longer installed, so its tables are made here as django-otp 1.7 made them (the columns the migration
reads), with rows as it wrote them."""

import base64
import importlib
import time
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.apps import apps
from django.db import connection
from django.urls import reverse

from clinic import accounts
from tests.factories import PASSWORD, UserFactory

migration = importlib.import_module("clinic.migrations.0007_accounts_on_allauth")

KEY_HEX = "3132333435363738393031323334353637383930"  # the RFC 6238 test key, as django-otp stores keys (hex)
OTP_TABLES = """
CREATE TABLE otp_totp_totpdevice (
    id integer PRIMARY KEY, name varchar(64) NOT NULL, confirmed boolean NOT NULL, user_id bigint NOT NULL,
    key varchar(80) NOT NULL, step smallint NOT NULL, t0 bigint NOT NULL, digits smallint NOT NULL,
    tolerance smallint NOT NULL, drift smallint NOT NULL, last_t bigint NOT NULL,
    throttling_failure_timestamp timestamp with time zone NULL, throttling_failure_count integer NOT NULL,
    created_at timestamp with time zone NULL, last_used_at timestamp with time zone NULL
);
CREATE TABLE otp_static_staticdevice (
    id integer PRIMARY KEY, name varchar(64) NOT NULL, confirmed boolean NOT NULL, user_id bigint NOT NULL,
    throttling_failure_timestamp timestamp with time zone NULL, throttling_failure_count integer NOT NULL,
    created_at timestamp with time zone NULL, last_used_at timestamp with time zone NULL
);
CREATE TABLE otp_static_statictoken (
    id integer PRIMARY KEY, device_id integer NOT NULL, token varchar(16) NOT NULL
);
"""
MIGRATIONS_TABLE = (
    "CREATE TABLE django_migrations (app varchar(255) NOT NULL, name varchar(255) NOT NULL, applied timestamp NOT NULL)"
)


def code_for(key_hex: str, at: float) -> str:
    """The code an authenticator app holding the django-otp key shows at time `at`."""
    secret = base64.b32encode(bytes.fromhex(key_hex)).decode()
    return format_hotp_value(hotp_value(secret, int(at) // 30))


@pytest.fixture
def otp_tables(db):
    """django-otp's tables and its migration records. The suite's schema is made from the models (`--no-migrations`),
    without Django's table of applied migrations: then it is made here too (the columns the migration uses)."""
    with connection.cursor() as cursor:
        for statement in filter(str.strip, OTP_TABLES.split(";")):
            cursor.execute(statement)
        if "django_migrations" not in connection.introspection.table_names(cursor):
            cursor.execute(MIGRATIONS_TABLE)
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('otp_totp', '0003_add_timestamps', %s)",
            ["2025-01-01 00:00:00"],
        )


def add_totp(user_id, *, device_id, key=KEY_HEX, confirmed=True, step=30, digits=6):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice (id, name, confirmed, user_id, key, step, t0, digits, tolerance, drift, "
            "last_t, throttling_failure_count, created_at) VALUES (%s, 'Authenticator app', %s, %s, %s, %s, 0, %s, 1, "
            "0, -1, 0, %s)",
            [device_id, confirmed, user_id, key, step, digits, "2025-06-01 09:00:00"],
        )


def add_recovery_codes(user_id, codes, *, device_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO otp_static_staticdevice (id, name, confirmed, user_id, throttling_failure_count) "
            "VALUES (%s, 'Recovery codes', %s, %s, 0)",
            [device_id, True, user_id],
        )
        for n, code in enumerate(codes):
            cursor.execute(
                "INSERT INTO otp_static_statictoken (id, device_id, token) VALUES (%s, %s, %s)",
                [device_id * 100 + n, device_id, code],
            )


def migrate():
    schema_editor = SimpleNamespace(connection=connection)
    migration.carry_over_otp_devices(apps, schema_editor)
    migration.drop_otp_tables(apps, schema_editor)


def test_a_carried_over_authenticator_app_still_verifies_its_codes(otp_tables):
    user = UserFactory()
    add_totp(user.pk, device_id=1)
    migrate()
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert totp.wrap().validate_code(code_for(KEY_HEX, time.time()))
    assert not totp.wrap().validate_code("000000")


def test_the_carried_over_secret_is_stored_encrypted(otp_tables):
    user = UserFactory()
    add_totp(user.pk, device_id=1)
    migrate()
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    secret = base64.b32encode(bytes.fromhex(KEY_HEX)).decode()
    assert secret not in stored and KEY_HEX not in stored
    assert accounts.decrypt(stored) == secret


def test_carried_over_recovery_codes_work_once_each_and_are_not_stored_readable(otp_tables):
    user = UserFactory()
    add_totp(user.pk, device_id=1)
    add_recovery_codes(user.pk, ["abcd2345", "efgh6723"], device_id=1)
    migrate()
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert "abcd2345" not in str(codes.data) and "efgh6723" not in str(codes.data)
    assert codes.wrap().get_unused_codes() == ["abcd2345", "efgh6723"]
    assert codes.wrap().validate_code("abcd2345")
    assert not codes.wrap().validate_code("abcd2345")
    codes.refresh_from_db()
    assert codes.wrap().get_unused_codes() == ["efgh6723"]


def test_a_person_with_a_carried_over_app_signs_in_with_its_code(otp_tables, client):
    user = UserFactory()
    add_totp(user.pk, device_id=1)
    migrate()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code_for(KEY_HEX, time.time())})
    assert response.url == reverse("home")


def test_a_carried_over_recovery_code_signs_in_as_it_was_shown(otp_tables, client):
    user = UserFactory()
    add_totp(user.pk, device_id=1)
    add_recovery_codes(user.pk, ["abcd2345"], device_id=1)
    migrate()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": " ABCD-2345 "})
    assert response.url == reverse("home")


def test_unconfirmed_and_unusual_authenticators_are_left_out(otp_tables):
    half_set_up, eight_digits, ok = UserFactory(), UserFactory(), UserFactory()
    add_totp(half_set_up.pk, device_id=1, confirmed=False)
    add_totp(eight_digits.pk, device_id=2, digits=8)
    add_recovery_codes(eight_digits.pk, ["abcd2345"], device_id=2)
    add_totp(ok.pk, device_id=3)
    migrate()
    assert set(Authenticator.objects.values_list("user_id", flat=True)) == {ok.pk}


def test_django_otps_tables_and_migration_records_are_gone(otp_tables):
    migrate()
    assert not {"otp_totp_totpdevice", "otp_static_staticdevice", "otp_static_statictoken"} & set(
        connection.introspection.table_names()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app LIKE 'otp_%%'")
        assert cursor.fetchone()[0] == 0


def test_a_database_that_never_had_django_otp_migrates_without_it(db):
    migrate()
    assert not Authenticator.objects.exists()
