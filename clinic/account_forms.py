"""allauth's forms in Runback's words, with what Runback adds: an e-mail address refused beside its field when it is
longer than any address can be (before anything is looked up or counted), wrong codes and old passwords counted
toward the lock-out, a locked-out account refused before a code is even checked, codes typed as people type them
("abcd-2345", " 123 456 "), and every refusal keyed by the field it is about (the form fuzzing checks it)."""

import re

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, validate_email

from clinic.lockout import EMAIL_MAX_LENGTH, is_locked_out

CODE_MAX_LENGTH = 20
WRONG_PASSKEY = "That passkey didn't work. Try again, or use another way to sign in."
# What a passkey's answer may hold that fido2 cannot read: it is refused as a wrong passkey, never a server error.
UNREADABLE = (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError, RecursionError)


def normalise_code(code: str) -> str:
    """Codes as people type them: spaces and dashes don't matter, nor does case (recovery codes carried over from
    django-otp were shown as "abcd-2345")."""
    return re.sub(r"[\s-]", "", code).lower()


def _password_widget(field: forms.Field, autocomplete: str, *, autofocus: bool = False) -> None:
    field.help_text = ""
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs["autocomplete"] = autocomplete
    if autofocus:
        field.widget.attrs["autofocus"] = True


def _code_field(field: forms.Field, *, label: str, help_text: str) -> None:
    field.label, field.help_text, field.max_length = label, help_text, CODE_MAX_LENGTH
    field.widget.attrs.update(
        {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
    )
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs["maxlength"] = str(CODE_MAX_LENGTH)
    field.validators.append(MaxLengthValidator(CODE_MAX_LENGTH))


def _refuse_if_locked_out(request, user, field_error: str) -> None:
    """Before a code is checked: a locked-out account gets the lock-out page (axes' middleware shows it when the
    request says so), whatever the code."""
    if request is not None and user is not None and is_locked_out(request, user):
        request.axes_locked_out = True
        raise ValidationError(field_error, code="locked_out")


# --- Signing in -------------------------------------------------------------------------------------------------


class SignInForm(account_forms.LoginForm):
    """E-mail address and password. Refusals are shown beside the password (which of the two was wrong is never
    said); an address longer than any e-mail address is refused beside itself before anything is looked up."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.CharField(
            label="E-mail address",
            strip=True,
            widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True, "spellcheck": "false"}),
        )
        self.fields["password"].label = "Password"
        _password_widget(self.fields["password"], "current-password")
        self.order_fields(["login", "password"])

    def clean_login(self):
        login = self.cleaned_data["login"]
        # The lock-out keeps the address in a column of 255 characters, and no e-mail address is longer than 254.
        if len(login) > EMAIL_MAX_LENGTH:
            raise ValidationError(
                f"An e-mail address has at most {EMAIL_MAX_LENGTH} characters: check the one you typed.",
                code="max_length",
            )
        validate_email(login)
        return login.lower()

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            self.add_error("password", error)
            return self.cleaned_data


class SignInCodeForm(mfa_forms.AuthenticateForm):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(
            self.fields["code"],
            label="Code",
            help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        )

    def clean_code(self):
        from allauth.core import context

        _refuse_if_locked_out(context.request, self.user, "Too many unsuccessful attempts.")
        self.cleaned_data["code"] = normalise_code(self.cleaned_data["code"])
        return super().clean_code()


class ReauthenticateCodeForm(mfa_forms.ReauthenticateForm):
    """Confirming who it is with a code (two-factor sign-in on)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(
            self.fields["code"],
            label="Code",
            help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        )

    def clean_code(self):
        from allauth.core import context

        _refuse_if_locked_out(context.request, self.user, "Too many unsuccessful attempts.")
        self.cleaned_data["code"] = normalise_code(self.cleaned_data["code"])
        return super().clean_code()


class ReauthenticateForm(account_forms.ReauthenticateForm):
    """Confirming who it is with the password (two-factor sign-in off); a wrong one counts toward the lock-out."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = "Your password"
        _password_widget(self.fields["password"], "current-password", autofocus=True)


# --- Passwords --------------------------------------------------------------------------------------------------


class ChangePasswordForm(account_forms.ChangePasswordForm):
    """The old password is checked through `authenticate`, so a wrong one counts toward the lock-out (a stolen session
    cannot guess it without limit) and a locked-out account is refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = "Current password"
        _password_widget(self.fields["oldpassword"], "current-password", autofocus=True)
        self.fields["password1"].label = "New password"
        self.fields["password2"].label = "The new password again"
        _password_widget(self.fields["password2"], "new-password")
        self.fields["password1"].widget.attrs.pop("placeholder", None)

    def clean_oldpassword(self):
        from allauth.core import context

        old_password = self.cleaned_data.get("oldpassword", "")
        if authenticate(context.request, email=self.user.get_username(), password=old_password) is None:
            raise ValidationError("That isn't your current password.", code="enter_current_password")
        return old_password


class SetPasswordForm(account_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "Choose a password"
        self.fields["password1"].widget.attrs.pop("placeholder", None)
        self.fields["password2"].label = "The same password again"
        _password_widget(self.fields["password2"], "new-password")


class ResetPasswordForm(account_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "E-mail address"
        self.fields["email"].max_length = EMAIL_MAX_LENGTH
        self.fields["email"].widget.attrs.pop("placeholder", None)
        self.fields["email"].widget.attrs["autofocus"] = True


class ResetPasswordKeyForm(account_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "New password"
        self.fields["password1"].widget.attrs.pop("placeholder", None)
        self.fields["password2"].label = "The new password again"
        _password_widget(self.fields["password2"], "new-password")


# --- Setting up two-factor sign-in and passkeys ---------------------------------------------------------------


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    """The set-up's confirmation code. The key being set up stays the same when the page is loaded again, so a QR
    code already scanned keeps working."""

    def __init__(self, *args, **kwargs):
        from allauth.core import context

        scanned = context.request.session.get(SECRET_SESSION_KEY)
        super().__init__(*args, **kwargs)
        if scanned and not self.is_bound:
            self.secret = context.request.session[SECRET_SESSION_KEY] = scanned
        _code_field(self.fields["code"], label="6-digit code from the app", help_text="")
        self.fields["code"].widget.attrs["inputmode"] = "numeric"

    def clean_code(self):
        from allauth.core import context

        from clinic.accounts import record_second_factor_set_up

        self.cleaned_data["code"] = normalise_code(self.cleaned_data["code"])
        try:
            code = super().clean_code()
            record_second_factor_set_up(context.request, "totp")
            return code
        except ValidationError as error:
            if error.code == "incorrect_code":
                raise ValidationError(
                    "That code didn't match. Type the newest code the app shows, and check your phone sets its "
                    "time automatically.",
                    code="incorrect_code",
                ) from error
            raise


class PasskeyAnswerField(forms.JSONField):
    """The passkey's answer, as the browser sends it (JSON in a hidden field). JSON nested too deep for Python to read
    is refused like any other JSON that isn't one."""

    widget = forms.HiddenInput

    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": "…"}) from error


class AddPasskeyForm(webauthn_forms.AddWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credential"] = PasskeyAnswerField()
        self.fields["name"].label = "Name"
        self.fields["name"].max_length = 60
        self.fields["name"].help_text = "So you can tell your passkeys apart, e.g. “Work laptop”."
        self.fields["name"].widget.attrs["maxlength"] = "60"
        passwordless = self.fields.get("passwordless")
        if passwordless is not None:
            passwordless.label = "Also use it to sign in without a password"
            passwordless.help_text = "Your device then asks for its PIN, fingerprint or face each time."
            passwordless.initial = True

    def clean(self):
        from allauth.core import context

        from clinic.accounts import record_second_factor_set_up

        try:
            cleaned = super().clean()
        except ValidationError as error:
            self.add_error("credential", error)
        except UNREADABLE:
            self.add_error("credential", WRONG_PASSKEY)
        else:
            if cleaned.get("credential") is not None and not self.errors:
                record_second_factor_set_up(context.request, "webauthn")
        return self.cleaned_data


class _PasskeyAnswer:
    """A passkey's answer (the hidden `credential` field): anything fido2 cannot read is a wrong passkey."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credential"] = PasskeyAnswerField()

    def clean_credential(self):
        try:
            return super().clean_credential()
        except ValidationError as error:
            raise ValidationError(WRONG_PASSKEY, code="incorrect_code") from error
        except UNREADABLE as error:
            raise ValidationError(WRONG_PASSKEY, code="incorrect_code") from error


class PasskeyForm(_PasskeyAnswer, webauthn_forms.AuthenticateWebAuthnForm):
    """The second step of signing in with a passkey instead of a code."""

    def clean_credential(self):
        from allauth.core import context

        from clinic.lockout import record_failed_code

        _refuse_if_locked_out(context.request, self.user, "Too many unsuccessful attempts.")
        try:
            return super().clean_credential()
        except ValidationError:
            record_failed_code(context.request, self.user)
            raise


class ReauthenticatePasskeyForm(_PasskeyAnswer, webauthn_forms.ReauthenticateWebAuthnForm):
    pass


class PasskeySignInForm(_PasskeyAnswer, webauthn_forms.LoginWebAuthnForm):
    """Signing in with a passkey alone (it must verify the person: PIN, fingerprint or face)."""


class RenamePasskeyForm(webauthn_forms.EditWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "Name"
        self.fields["name"].max_length = 60
        self.fields["name"].widget.attrs["maxlength"] = "60"
