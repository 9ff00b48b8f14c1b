"""Accounts move to django-allauth.

1. The cache table allauth's rate limits and used-code markers live in (settings.CACHES: the database cache).
2. Everyone's two-factor sign-in carries over, so nobody has to set it up again: each confirmed django-otp authenticator
   app (TOTPDevice) becomes an allauth TOTP authenticator with the same secret, and its unused recovery codes
   (StaticToken) become allauth recovery codes that still work once each. Both are stored encrypted
   (clinic.accounts.encrypt); django-otp kept them readable. django-otp's tables, which held them in clear, are then
   dropped, and its migration records removed (django-otp is no longer installed).

An authenticator that allauth cannot run as it is (a step other than 30 s, other than 6 digits, a start time other
than 0; Runback never made one) is left out, logged by user id: that person sets it up again.
"""

import base64
import datetime
import logging
import secrets

from django.core.management import call_command
from django.db import migrations
from django.utils import timezone

logger = logging.getLogger("clinic.accounts")

OTP_TABLES = ["otp_static_statictoken", "otp_static_staticdevice", "otp_totp_totpdevice"]
OTP_APPS = ["otp_static", "otp_totp", "otp_email", "otp_hotp"]
ALLAUTH_TOTP_STEP, ALLAUTH_TOTP_DIGITS = 30, 6


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def carry_over_otp_devices(apps, schema_editor):
    """django-otp's confirmed authenticator apps and recovery codes, as allauth authenticators (encrypted)."""
    from clinic.accounts import encrypt

    connection = schema_editor.connection
    tables = set(connection.introspection.table_names())
    if "otp_totp_totpdevice" not in tables:
        return
    Authenticator = apps.get_model("mfa", "Authenticator")
    has_timestamps = "created_at" in {
        column.name for column in connection.introspection.get_table_description(connection.cursor(), "otp_totp_totpdevice")
    }
    timestamps = ", created_at, last_used_at" if has_timestamps else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, user_id, key, step, t0, digits{timestamps} FROM otp_totp_totpdevice "  # noqa: S608
            "WHERE confirmed ORDER BY id"
        )
        devices = cursor.fetchall()
    carried = set()
    for row in devices:
        device_id, user_id, key, step, t0, digits = row[:6]
        created_at, last_used_at = (row[6], row[7]) if has_timestamps else (None, None)
        if user_id in carried:
            continue  # allauth keeps one authenticator app per account: the first one set up
        if (step, t0, digits) != (ALLAUTH_TOTP_STEP, 0, ALLAUTH_TOTP_DIGITS):
            logger.warning("Authenticator app of user %s not carried over (step, start or digits differ)", user_id)
            continue
        try:
            secret = base64.b32encode(bytes.fromhex(key)).decode("ascii")
        except ValueError:
            logger.warning("Authenticator app of user %s not carried over (its key is not readable)", user_id)
            continue
        Authenticator.objects.create(
            user_id=user_id,
            type="totp",
            data={"secret": encrypt(secret)},
            created_at=_aware(created_at) or timezone.now(),
            last_used_at=_aware(last_used_at),
        )
        carried.add(user_id)
    if "otp_static_statictoken" in tables:
        _carry_over_recovery_codes(connection, Authenticator, carried, encrypt)


def _aware(moment):
    """A timestamp as the database gave it back: SQLite's are naive, and in UTC (as Django writes them)."""
    if moment is None or not timezone.is_naive(moment):
        return moment
    return timezone.make_aware(moment, datetime.UTC)


def _carry_over_recovery_codes(connection, Authenticator, users, encrypt):
    """Each user's unused recovery codes, as allauth's "migrated codes": they work once each, as before. The seed
    allauth would make new codes from is set too (it is not used while migrated codes are there)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT device.user_id, token.token FROM otp_static_statictoken token "
            "JOIN otp_static_staticdevice device ON device.id = token.device_id "
            "WHERE device.confirmed ORDER BY token.id"
        )
        rows = cursor.fetchall()
    codes_by_user = {}
    for user_id, token in rows:
        if user_id in users:
            codes_by_user.setdefault(user_id, []).append(token.strip().lower())
    for user_id, codes in codes_by_user.items():
        Authenticator.objects.create(
            user_id=user_id,
            type="recovery_codes",
            data={
                "seed": encrypt(secrets.token_hex(40)),
                "used_mask": 0,
                "migrated_codes": [encrypt(code) for code in codes],
            },
        )


def drop_otp_tables(apps, schema_editor):
    """django-otp's tables held the secrets and recovery codes in clear: once carried over, they go."""
    connection = schema_editor.connection
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in OTP_TABLES:
            if table in existing:
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
        if "django_migrations" in existing:
            cursor.execute(
                "DELETE FROM django_migrations WHERE app IN (%s, %s, %s, %s)", OTP_APPS
            )


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0006_portal_models_moved_to_portal"),
        ("mfa", "0003_authenticator_type_uniq"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
        migrations.RunPython(carry_over_otp_devices, migrations.RunPython.noop),
        migrations.RunPython(drop_otp_tables, migrations.RunPython.noop),
    ]

