"""The account pages Runback adds to allauth's, or wraps: the security page with what the clinic requires, the rules
that keep a clinic's required second factor in place, and the patient's welcome link.

Signing in (password, then a code or a passkey; or a passkey alone), confirming who it is, setting up an authenticator
app, recovery codes and passkeys, and changing or resetting a password are allauth's views (clinic/urls.py), with
Runback's forms (clinic/account_forms.py), adapters (clinic/accounts.py) and templates (templates/account, mfa).
"""

from allauth.decorators import rate_limit
from allauth.mfa.base import views as mfa_views
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import views as totp_views
from allauth.mfa.webauthn import views as webauthn_views
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator

from clinic import accounts, services
from clinic.accounts import MFAAdapter

CLINIC_KEEPS_IT_ON = "Your clinic requires two-factor sign-in for its staff, so your last authenticator app or passkey "
CLINIC_KEEPS_IT_ON += "can't be removed."


class SecurityView(mfa_views.IndexView):
    """The account's security page: password, authenticator app and recovery codes, passkeys."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        authenticators = context["authenticators"]
        context.update(
            clinic_requires_two_factor=accounts.clinic_requires_two_factor(user),
            has_two_factor=accounts.has_two_factor(user),
            recovery_codes_left=accounts.recovery_codes_left(user),
            passkeys=authenticators.get(Authenticator.Type.WEBAUTHN, []),
        )
        return context


def _refuse_removing_the_last_required_factor(request, authenticator) -> None:
    if authenticator is not None and not MFAAdapter().can_delete_authenticator(authenticator):
        raise PermissionDenied(CLINIC_KEEPS_IT_ON)


class DeactivateTOTPView(totp_views.DeactivateTOTPView):
    """Turning off the authenticator app: refused (403) while the clinic requires it and it is the last second
    factor."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            authenticator = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).first()
            _refuse_removing_the_last_required_factor(request, authenticator)
        return super().dispatch(request, *args, **kwargs)


class RemovePasskeyView(webauthn_views.RemoveWebAuthnView):
    """Removing a passkey: refused (403) while the clinic requires two-factor sign-in and it is the last second
    factor."""

    def form_valid(self, form):
        _refuse_removing_the_last_required_factor(self.request, self.get_object())
        return super().form_valid(form)


@method_decorator(rate_limit(action="reset_password_from_key"), name="dispatch")
class WelcomeView(auth_views.PasswordResetConfirmView):
    """An invited patient sets their first password from the e-mailed link, then lands on their portal signed in.

    The token is one of its own (`services.welcome_token_generator`: not the password reset token), and holds only
    for an account that has never had a password nor a second factor, once, for PASSWORD_RESET_TIMEOUT. The sign-in
    afterwards goes through allauth's, so an account that has a second factor all the same is still asked for it. A
    wrong, used or expired link says what to do instead."""

    template_name = "clinic/portal_welcome.html"
    token_generator = services.welcome_token_generator
    post_reset_login = False
    success_url = reverse_lazy("my_page")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.patient_record is not None else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["clinic"] = self.user.patient_record.clinic if self.user else None
        return context

    def form_valid(self, form):
        super().form_valid(form)  # sets the password (and forgets the token)
        messages.success(self.request, "Your password is set. Welcome to your portal.")
        return accounts.sign_in_with_new_password(self.request, form.user, redirect_url=reverse("my_page"))
