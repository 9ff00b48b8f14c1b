"""Two-factor sign-in with django-otp: an authenticator app (TOTP) and one-time recovery codes (static tokens).

A user has two-factor sign-in when they have a confirmed TOTP device; their recovery codes live on a static device
beside it. The sign-in code page and the re-authentication page both verify codes through `verify_code`.
"""

import logging
import re
import time
from base64 import b32encode
from xml.etree import ElementTree

import django_otp
import qrcode
from django.contrib.auth import login
from django.db import transaction
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathFillImage

from clinic.models import User

# Account security events, by user id only (never an address or a name).
logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"

# Sign-in between the password and the code: who, with which backend, where to go next, since when.
PENDING_SIGN_IN_KEY = "runback_pending_sign_in"
# How long the code page waits after a correct password before the password must be given again.
PENDING_SIGN_IN_SECONDS = 5 * 60

TOTP_CODE = re.compile(r"\d{6}")


def authenticator_for(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, or None when two-factor sign-in is off."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def has_two_factor(user: User) -> bool:
    return django_otp.user_has_device(user)


def clinic_requires_two_factor(user: User) -> bool:
    member = user.staff_member
    return member is not None and member.clinic.require_staff_2fa


def normalise_code(code: str) -> str:
    """Codes as people type them: spaces and dashes (recovery codes are shown as 'abcd-efgh') don't matter."""
    return re.sub(r"[\s-]", "", code).lower()


def _devices_for_code(user: User, code: str):
    """Six digits go to the authenticator app, anything else to the recovery codes, so a mistyped code never
    counts against the other device's throttle."""
    model = TOTPDevice if TOTP_CODE.fullmatch(code) else StaticDevice
    return model.objects.devices_for_user(user, confirmed=True)


def verify_code(user: User, code: str):
    """The confirmed device that accepts `code` (consuming it), or None."""
    code = normalise_code(code)
    for device in _devices_for_code(user, code):
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def code_throttled(user: User, code: str) -> bool:
    """True while django-otp's own back-off (doubling after each wrong code) refuses to check this kind of code."""
    return any(not device.verify_is_allowed()[0] for device in _devices_for_code(user, normalise_code(code)))


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def unconfirmed_authenticator(user: User) -> TOTPDevice:
    """The authenticator being set up: reused while unconfirmed, so reloading the page keeps the scanned QR code."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


@transaction.atomic
def two_factor_enable(*, user: User, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator (its code was checked) and issue the first recovery codes, returned once."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    logger.info("Two-factor sign-in turned on for user %s", user.pk)
    return recovery_codes_regenerate(user=user)


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace every recovery code of `user` with new ones; the old ones stop working at once."""
    StaticDevice.objects.devices_for_user(user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    logger.info("New recovery codes issued for user %s", user.pk)
    return codes


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    TOTPDevice.objects.devices_for_user(user).delete()
    StaticDevice.objects.devices_for_user(user).delete()
    logger.info("Two-factor sign-in turned off for user %s", user.pk)


def display_recovery_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def manual_entry_key(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no style attributes, sized by CSS)."""
    image = qrcode.make(device.config_url, image_factory=SvgPathFillImage, border=2)
    svg = image.get_image()
    # Sized by the page's stylesheet rather than in millimetres; named for screen readers.
    del svg.attrib["width"], svg.attrib["height"]
    svg.set("class", "qr-code")
    svg.set("role", "img")
    svg.set("aria-label", "QR code to scan with your authenticator app")
    # The tree holds only qrcode's own path data: nothing a user typed ends up in the markup.
    return mark_safe(ElementTree.tostring(svg, encoding="unicode"))  # noqa: S308


# --- The sign-in between password and code --------------------------------------------------------------------


def start_pending_sign_in(request, *, user: User, next_url: str) -> None:
    """Remember a correct password without signing in: the session stays anonymous until the code is right."""
    request.session.cycle_key()
    request.session[PENDING_SIGN_IN_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "next": next_url,
        "since": int(time.time()),
    }


def pending_sign_in(request) -> tuple[User, dict] | tuple[None, None]:
    """The user who gave a correct password and owes a code, with the pending data; (None, None) when expired."""
    pending = request.session.get(PENDING_SIGN_IN_KEY)
    if not pending or time.time() - pending["since"] > PENDING_SIGN_IN_SECONDS:
        request.session.pop(PENDING_SIGN_IN_KEY, None)
        return None, None
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    return (user, pending) if user is not None else (None, None)


def finish_sign_in(request, *, user: User, device, backend: str) -> None:
    """Sign in for real and mark the session as verified by `device`."""
    request.session.pop(PENDING_SIGN_IN_KEY, None)
    login(request, user, backend=backend)
    django_otp.login(request, device)
    if isinstance(device, StaticDevice):
        logger.info("User %s signed in with a recovery code", user.pk)
