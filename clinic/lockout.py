"""Lock-out after repeated failed sign-ins, on top of django-axes.

Axes counts failed passwords by itself (its backend and Django's `user_login_failed` signal, which allauth's sign-in,
re-authentication and our password change all go through). Wrong two-factor codes are counted through the same
signal (clinic.accounts), so one limit covers every step of signing in and of confirming who it is.
"""

from allauth.account.internal.stagekit import clear_login
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render
from django.utils import timezone

from clinic.models import User

# The longest e-mail address (RFC 5321); axes keeps the address in a column of 255 characters.
EMAIL_MAX_LENGTH = 254


def pending_sign_in_user(request) -> User | None:
    """The user between the password and the second factor of allauth's sign-in, if any."""
    from allauth.account.internal.stagekit import unstash_login

    login = unstash_login(request, peek=True)
    return login.user if login is not None else None


def username_for_lockout(request, credentials) -> str:
    """The address attempts are counted against: e-mail addresses sign in whatever their case, so count them so.
    Cut to the longest e-mail address, so nothing longer reaches axes' records (the sign-in form refuses it first)."""
    source = credentials if credentials is not None else request.POST
    typed = source.get("email") or source.get("login") or source.get("username") or ""
    return str(typed).strip().lower()[:EMAIL_MAX_LENGTH]


def _credentials(user: User) -> dict:
    return {"username": user.get_username()}


def is_locked_out(request, user: User) -> bool:
    """True when `user` may not try another code from this client address until the cool-off has passed."""
    if not settings.AXES_ENABLED:
        return False
    return not AxesProxyHandler.is_allowed(request, _credentials(user))


def record_failed_code(request, user: User) -> None:
    """Count a wrong two-factor or re-authentication code as a failed sign-in (axes records it and may lock out)."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)


def lockout_response(request, original_response=None, credentials=None):
    """The page shown instead of the sign-in form once too many attempts failed (axes' AXES_LOCKOUT_CALLABLE)."""
    # Each further attempt during a lock-out restarts the cool-off, so it ends a full cool-off from now.
    retry_at = timezone.localtime() + get_cool_off(request)
    clinic = _known_clinic(request)
    # A sign-in waiting for its second factor ends here too: it starts again with the password, after the cool-off.
    clear_login(request)
    if request.user.is_authenticated:
        # Wrong passwords from a signed-in session (the confirm page, the password change) may be a stolen session
        # guessing: it ends here, and signing in again waits for the cool-off like everyone else.
        logout(request)
    return render(
        request,
        "registration/locked_out.html",
        {"retry_at": retry_at, "clinic": clinic},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def _known_clinic(request):
    """The clinic to call, when we already know who is signing in (never guessed from a typed address): the signed-in
    user, or the one who gave their password and owes the second factor."""
    user = request.user if request.user.is_authenticated else pending_sign_in_user(request)
    if user is None:
        return None
    record = user.staff_member or user.patient_record
    return record.clinic if record else None
