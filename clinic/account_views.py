"""Signing in (password, then a code for users with two-factor sign-in), two-factor set-up, and re-authentication.

Every page here is for the signed-in user's own account, whatever their role, except the two sign-in steps.
"""

import django_otp
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_static.models import StaticDevice

from clinic import services, two_factor
from clinic.access import mark_reauthenticated, reauth_required
from clinic.forms import (
    CodeForm,
    CountedPasswordChangeForm,
    PasswordConfirmForm,
    ReauthForm,
    SetupCodeForm,
    SignInForm,
)
from clinic.lockout import is_locked_out, lockout_response

# The recovery codes just issued, kept in the session only until the page showing them has been seen once.
NEW_RECOVERY_CODES_KEY = "runback_new_recovery_codes"


class SignInView(auth_views.LoginView):
    """Step one: e-mail address and password. Users with two-factor sign-in go on to the code page."""

    authentication_form = SignInForm

    def dispatch(self, request, *args, **kwargs):
        # Signed-in users go to their home page, never to `next`: a page they may not see (the admin, for
        # non-administrators) would send them back here in a loop.
        if request.user.is_authenticated:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.has_two_factor(user):
            return super().form_valid(form)
        two_factor.start_pending_sign_in(self.request, user=user, next_url=self.get_success_url())
        return redirect("sign_in_code")


@never_cache
@sensitive_post_parameters("code")
def sign_in_code(request):
    """Step two: the code. Until it is right the session is anonymous, so it opens no other page."""
    if request.user.is_authenticated:
        return redirect("home")
    user, pending = two_factor.pending_sign_in(request)
    if user is None:
        messages.info(request, "Please sign in again: the code page waits only a few minutes after your password.")
        return redirect("login")
    if is_locked_out(request, user):
        return lockout_response(request)
    form = CodeForm(request.POST or None, request=request, user=user)
    if form.is_valid():
        two_factor.finish_sign_in(request, user=user, device=form.device, backend=pending["backend"])
        if isinstance(form.device, StaticDevice):
            _warn_about_recovery_codes_left(request)
        return redirect(pending["next"])
    return render(request, "registration/sign_in_code.html", {"form": form})


def _warn_about_recovery_codes_left(request):
    left = two_factor.recovery_codes_left(request.user)
    messages.warning(
        request,
        f"You signed in with a recovery code, which now can't be used again. You have {left} left; "
        "if you've lost your phone, generate new codes and set up your authenticator again.",
    )


@login_required
def account_security(request):
    user = request.user
    return render(
        request,
        "clinic/account_security.html",
        {
            "authenticator": two_factor.authenticator_for(user),
            "recovery_codes_left": two_factor.recovery_codes_left(user),
            "clinic_requires_two_factor": two_factor.clinic_requires_two_factor(user),
        },
    )


@never_cache
@login_required
def two_factor_setup(request):
    """Scan a QR code (or type the key), confirm with a code, then see the recovery codes once."""
    user = request.user
    if two_factor.authenticator_for(user) is not None:
        messages.info(request, "Two-factor sign-in is already on for your account.")
        return redirect("account_security")
    device = two_factor.unconfirmed_authenticator(user)
    form = SetupCodeForm(request.POST or None)
    if form.is_valid():
        if django_otp.verify_token(user, device.persistent_id, two_factor.normalise_code(form.cleaned_data["code"])):
            request.session[NEW_RECOVERY_CODES_KEY] = two_factor.two_factor_enable(user=user, device=device)
            django_otp.login(request, device)
            messages.success(request, "Two-factor sign-in is on. From now on you'll be asked for a code.")
            return redirect("recovery_codes")
        form.add_error(
            "code",
            "That code didn't match. Type the newest code the app shows, and check your phone sets its time "
            "automatically.",
        )
    return render(
        request,
        "clinic/two_factor_setup.html",
        {
            "form": form,
            "qr_code": two_factor.qr_code_svg(device),
            "manual_key": two_factor.manual_entry_key(device),
            "clinic_requires_two_factor": two_factor.clinic_requires_two_factor(user),
        },
    )


@never_cache
@login_required
def recovery_codes(request):
    """The recovery codes just issued, shown this once; afterwards only new ones can be generated."""
    codes = request.session.pop(NEW_RECOVERY_CODES_KEY, None)
    if codes is None:
        return redirect("account_security")
    return render(
        request,
        "clinic/recovery_codes.html",
        {"codes": [two_factor.display_recovery_code(code) for code in codes]},
    )


@never_cache
@reauth_required
def recovery_codes_regenerate(request):
    if two_factor.authenticator_for(request.user) is None:
        return redirect("account_security")
    if request.method == "POST":
        request.session[NEW_RECOVERY_CODES_KEY] = two_factor.recovery_codes_regenerate(user=request.user)
        messages.success(request, "New recovery codes are ready. The old ones no longer work.")
        return redirect("recovery_codes")
    return render(request, "clinic/recovery_codes_regenerate.html", {"code_count": two_factor.RECOVERY_CODE_COUNT})


@never_cache
@sensitive_post_parameters("password")
@login_required
def two_factor_disable(request):
    user = request.user
    if two_factor.authenticator_for(user) is None:
        return redirect("account_security")
    if two_factor.clinic_requires_two_factor(user):
        raise PermissionDenied("Your clinic requires two-factor sign-in for its staff, so it can't be turned off.")
    form = PasswordConfirmForm(request.POST or None, request=request)
    if form.is_valid():
        two_factor.two_factor_disable(user=user)
        request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
        messages.success(request, "Two-factor sign-in is off. You'll sign in with your password only.")
        return redirect("account_security")
    return render(request, "clinic/two_factor_disable.html", {"form": form})


@never_cache
@sensitive_post_parameters("password", "code")
@login_required
def reauth(request):
    """The confirm page of `reauth_required`: the password again, and a code with two-factor sign-in."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    form = ReauthForm(request.POST or None, request=request)
    if form.is_valid():
        mark_reauthenticated(request)
        return redirect(next_url or "home")
    return render(request, "registration/reauth.html", {"form": form, "next": next_url})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, whose wrong old passwords count toward the lock-out like the confirm page's."""

    form_class = CountedPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class WelcomeView(auth_views.PasswordResetConfirmView):
    """An invited patient sets their first password from the e-mailed link (a one-time token of its own,
    `services.welcome_token_generator`, for accounts that have never had a password nor a second factor), then
    lands on their portal signed in. A wrong, used or expired link says what to do instead."""

    template_name = "clinic/portal_welcome.html"
    token_generator = services.welcome_token_generator
    success_url = reverse_lazy("my_page")
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.patient_record is not None else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["clinic"] = self.user.patient_record.clinic if self.user else None
        return context

    def form_valid(self, form):
        # The token already refuses an account with a second factor; should one appear all the same, the password
        # is set but the sign-in goes through both steps like any other.
        if two_factor.has_two_factor(self.user):
            self.post_reset_login = False
            super().form_valid(form)
            messages.success(self.request, "Your password is set. Sign in with it and the code from your app.")
            return redirect("login")
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Welcome to your portal.")
        return response
