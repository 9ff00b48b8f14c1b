"""Accounts on django-allauth: signing in by e-mail address, two-factor sign-in (an authenticator app with recovery
codes, or a passkey), passkey sign-in, re-authentication and rate limits are allauth's; what Runback adds on top
lives here, in allauth's two adapters and a few helpers the rest of the project uses.

- Nobody signs themselves up (staff come from the admin, patients from their clinic's invitation or their intake).
- Secrets allauth stores (TOTP keys, recovery-code seeds and codes carried over from django-otp) are encrypted with
  Fernet under a key the database does not hold (`MFA_ENCRYPTION_KEY`, or one derived from `SECRET_KEY`).
- A clinic can require two-factor sign-in for its staff (`Clinic.require_staff_2fa`): they cannot remove their last
  second factor (and `clinic.middleware.StaffTwoFactorMiddleware` keeps them on the set-up pages until they have one).
- With two-factor sign-in on, "confirm it's you" takes the second factor (a code or a passkey), not the password.
- Wrong codes and passkeys join the django-axes lock-out (`clinic.lockout`), and the client address is the one the
  audit trail and axes use (X-Forwarded-For only behind a trusted proxy).
- Security events are logged by user id only: sign-ins (with how), two-factor and passkeys added or removed, new
  recovery codes, a sign-in with a recovery code, failed codes.
"""

import base64
import logging
from functools import cache
from xml.etree import ElementTree

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.account.signals import user_logged_in
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import salted_hmac

from clinic.audit import client_ip
from clinic.emails import clinic_sender, link_works_until
from clinic.models import User
from clinic.site import site_url

# Account security events, by user id only (never an address or a name).
logger = logging.getLogger("clinic.accounts")

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
ENCRYPTION_SALT = "clinic.accounts.MFAAdapter.encrypt"


# --- Who has what ----------------------------------------------------------------------------------------------


def has_two_factor(user) -> bool:
    """True when signing in as `user` takes a second factor: an authenticator app or a passkey."""
    return user.is_authenticated and Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def clinic_requires_two_factor(user) -> bool:
    member = user.staff_member
    return member is not None and member.clinic.require_staff_2fa


def session_used_second_factor(request: HttpRequest) -> bool:
    """True when this session has proved the second factor: signed in with a code or a passkey, confirmed with one,
    or set one up (which takes a code from the new app, or the new passkey)."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def recovery_codes_left(user) -> int:
    authenticator = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).first()
    return len(authenticator.wrap().get_unused_codes()) if authenticator else 0


# --- Encryption of what allauth stores -------------------------------------------------------------------------


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(salted_hmac(ENCRYPTION_SALT, "fernet", secret=secret, algorithm="sha256").digest())


@cache
def _box(key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(secret)) for secret in (key, *fallbacks)])


def encryption_box() -> MultiFernet:
    """Encrypts with MFA_ENCRYPTION_KEY, or without it with SECRET_KEY; decrypts with that key, then SECRET_KEY and each
    of SECRET_KEY_FALLBACKS: a rotated SECRET_KEY keeps every authenticator working while the old key stays among the
    fallbacks, and a dedicated key set later still reads what was encrypted before it."""
    keys = [settings.MFA_ENCRYPTION_KEY] if settings.MFA_ENCRYPTION_KEY else []
    keys += [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return _box(keys[0], tuple(keys[1:]))


def encrypt(text: str) -> str:
    return encryption_box().encrypt(text.encode()).decode("ascii")


class SecretUnreadable(Exception):
    """A stored two-factor secret that the configured keys cannot decrypt (the key changed without a fallback)."""


def decrypt(token: str) -> str:
    try:
        return encryption_box().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as error:
        raise SecretUnreadable(
            "A two-factor secret can't be decrypted: MFA_ENCRYPTION_KEY or SECRET_KEY changed without the old key "
            "in SECRET_KEY_FALLBACKS."
        ) from error


# --- allauth's adapters ----------------------------------------------------------------------------------------


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "Your e-mail address and password didn't match. Please try again.",
        "too_many_login_attempts": "Too many unsuccessful attempts: wait a few minutes, then try again.",
        "incorrect_password": "That password isn't right.",
        "enter_current_password": "That isn't your current password.",
        "invalid_password_reset": "This link no longer works: ask for a new one.",
        "rate_limited": "Too many attempts in a row: wait a minute, then try again.",
        "account_inactive": "This account has been switched off. Call your clinic.",
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request) -> str:
        return client_ip(request) or "0.0.0.0"  # noqa: S104 (a request without an address is counted together)

    def get_login_redirect_url(self, request) -> str:
        return reverse("home")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """A patient's account e-mails (the password reset) come from their clinic, as every other e-mail to them does:
        its name, reply address and phone, so that they know it is genuine. Staff e-mails stay Runback's."""
        context = {**context, "works_until": link_works_until()}
        user = context.get("user")
        patient = getattr(user, "patient", None) if user is not None else None
        if patient is None:
            return super().send_mail(template_prefix, email, context)
        message = self.render_mail(template_prefix, email, {**context, "clinic": patient.clinic})
        for name, value in clinic_sender(patient.clinic).items():
            setattr(message, name, value)
        message.send()
        return None

    def get_reset_password_from_key_url(self, key: str) -> str:
        """The link in the reset e-mail, on the site's address (SITE_URL, or the request's Host as ALLOWED_HOSTS
        vetted it)."""
        uidb36, _, token = key.partition("-")
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": uidb36, "key": token})
        return f"{site_url()}{path}"

    def pre_login(self, request, user, **kwargs):
        """Before the second step (or signing in): a new session key, so a session id planted before the password
        was given is worth nothing after."""
        response = super().pre_login(request, user, **kwargs)
        if response is None and not request.user.is_authenticated:
            request.session.cycle_key()
        return response

    def get_password_change_redirect_url(self, request) -> str:
        return reverse("mfa_index")

    def get_reauthentication_methods(self, user) -> list[dict]:
        """With two-factor sign-in on, the password alone no longer confirms who it is: the code or the passkey does
        (a stolen session cannot get past the confirmation by guessing a password)."""
        methods = super().get_reauthentication_methods(user)
        if user.is_authenticated and has_two_factor(user):
            methods = [method for method in methods if method["id"] != "reauthenticate"]
        return methods


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        # A code works once: one just used to sign in is refused when asked again a moment later.
        "incorrect_code": "That code didn't work, or was used a moment ago. Type the next 6-digit code your app "
        "shows, or an unused recovery code.",
        "cannot_delete_authenticator": "Your clinic requires two-factor sign-in for its staff, so your last "
        "authenticator app or passkey can't be removed.",
        "cannot_generate_recovery_codes": "Set up an authenticator app or a passkey first.",
    }

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)

    def get_totp_issuer(self) -> str:
        return settings.MFA_TOTP_ISSUER

    def build_totp_svg(self, url: str) -> str:
        """The otpauth:// address as an SVG QR code, sized by the stylesheet and named for screen readers (no style
        attribute: the Content Security Policy allows none)."""
        import qrcode
        from qrcode.image.svg import SvgPathFillImage

        svg = qrcode.make(url, image_factory=SvgPathFillImage, border=2).get_image()
        del svg.attrib["width"], svg.attrib["height"]
        svg.set("class", "qr-code")
        svg.set("role", "img")
        svg.set("aria-label", "QR code to scan with your authenticator app")
        return ElementTree.tostring(svg, encoding="unicode")

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        user = authenticator.user
        if authenticator.type not in SECOND_FACTORS or not clinic_requires_two_factor(user):
            return True
        others = Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exclude(pk=authenticator.pk)
        return others.exists()

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        entity = super().get_public_key_credential_rp_entity()
        return {**entity, "name": "Runback"}

    def generate_authenticator_name(self, user, type) -> str:
        count = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        return "Passkey" if count == 0 else f"Passkey {count + 1}"


# --- Audit and lock-out, through allauth's signals ----------------------------------------------------------------


@receiver(user_logged_in)
def _log_sign_in(sender, request, user, **kwargs):
    """Every sign-in, with how it was done (django-axes records it too, with the client address, in AccessLog)."""
    methods = sorted(
        {_describe(record) for record in get_authentication_records(request, user) if not record.get("reauthenticated")}
    )
    logger.info("User %s signed in (%s)", user.pk, ", ".join(methods) or "link")


def _describe(record: dict) -> str:
    if record.get("method") == "mfa":
        return "passkey" if record.get("type") == Authenticator.Type.WEBAUTHN else str(record.get("type"))
    return str(record.get("method"))


@receiver(mfa_signals.authenticator_added)
def _second_factor_added(sender, request, user, authenticator, **kwargs):
    logger.info("Two-factor sign-in: %s added for user %s", authenticator.type, user.pk)


def record_second_factor_set_up(request: HttpRequest, kind: str) -> None:
    """Setting up a second factor takes the factor itself (a code from the new app, or the new passkey): this session
    has used it (for a clinic that requires it, see `session_used_second_factor`)."""
    record_authentication(request, request.user, "mfa", type=kind, enrolled=True)


@receiver(mfa_signals.authenticator_removed)
def _second_factor_removed(sender, request, user, authenticator, **kwargs):
    logger.info("Two-factor sign-in: %s removed for user %s", authenticator.type, user.pk)


@receiver(mfa_signals.authenticator_reset)
def _recovery_codes_reset(sender, request, user, authenticator, **kwargs):
    logger.info("New recovery codes issued for user %s", user.pk)


@receiver(mfa_signals.authenticator_used)
def _second_factor_used(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        logger.info("User %s used a recovery code", user.pk)
        if request is not None:
            left = recovery_codes_left(user)
            messages.warning(
                request,
                f"You used a recovery code, which now can't be used again. You have {left} left; if you've lost "
                "your phone, generate new codes and set up your authenticator again.",
            )


@receiver(mfa_signals.authentication_failed)
def _second_factor_failed(sender, request, user, authenticator, reauthentication=False, **kwargs):
    """A wrong code counts toward the lock-out like a wrong password (clinic.lockout)."""
    from clinic.lockout import record_failed_code

    logger.info("Wrong two-factor code for user %s", user.pk)
    if request is not None:
        record_failed_code(request, user)


def sign_in_data_remove(*, user: User) -> None:
    """Remove everything allauth holds for `user`: authenticator apps, passkeys and recovery codes, and any address
    in its address book (an anonymised account, or an administrator resetting a lost phone)."""
    from allauth.account.models import EmailAddress

    Authenticator.objects.filter(user_id=user.pk).delete()
    EmailAddress.objects.filter(user_id=user.pk).delete()
    logger.info("Two-factor sign-in removed entirely for user %s", user.pk)


def sign_in_with_new_password(request: HttpRequest, user: User, *, redirect_url: str):
    """Sign in a user who has just chosen their first password (the welcome link, the portal account made after the
    intake) through allauth's sign-in, as if they had typed it: a second factor, should the account have one, is still
    asked for, and the sign-in is recorded like any other. Returns the response to send."""
    from allauth.account.internal.flows.login import perform_password_login
    from allauth.account.models import Login

    login = Login(user=user, email=user.email, redirect_url=redirect_url)
    return perform_password_login(request, {"email": user.email}, login)
