from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.deprecation import MiddlewareMixin

from clinic.accounts import clinic_requires_two_factor, has_two_factor, session_used_second_factor


class RequestSizeLimitMiddleware:
    """Refuses a request whose body is larger than settings.REQUEST_MAX_BYTES with 413, before anything reads it
    (and one whose Content-Length is not a number with 400).

    Django's own DATA_UPLOAD_MAX_MEMORY_SIZE leaves out uploaded files: a file beyond FILE_UPLOAD_MAX_MEMORY_SIZE
    is streamed to a temporary file on disk, whatever its size, and only the form refuses it afterwards. Checking
    the declared length first keeps an oversized upload off the disk. (A body without a Content-Length, as with
    chunked encoding, is read by Django as empty, so it cannot get through either.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isascii() or not declared.isdigit():
            return render(request, "400.html", status=400)  # Django itself would fail on it with a 500
        if int(declared) > settings.REQUEST_MAX_BYTES:
            limit = filesizeformat(settings.REQUEST_MAX_BYTES)
            return render(request, "413.html", {"limit": limit}, status=413)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Switches off browser features no page uses (settings.PERMISSIONS_POLICY), so injected content can't either."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class StaffTwoFactorMiddleware(MiddlewareMixin):
    """Staff of a clinic that requires two-factor sign-in (Clinic.require_staff_2fa) can use nothing but the pages that
    set it up (an authenticator app or a passkey, after confirming their password), signing out and the health check
    until this session has used a second factor. Patients are never forced."""

    REACHABLE_WITHOUT_TWO_FACTOR = {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "account_reauthenticate",
        "account_logout",
        "healthz",
    }

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not clinic_requires_two_factor(user):
            return None
        if not has_two_factor(user):
            if request.resolver_match.view_name in self.REACHABLE_WITHOUT_TWO_FACTOR:
                return None
            return redirect("mfa_index")
        if session_used_second_factor(request):
            return None
        # The session began before a second factor was set up elsewhere: sign in again, with it.
        logout(request)
        messages.info(request, "Your clinic requires two-factor sign-in: please sign in again with your code.")
        return redirect_to_login(request.get_full_path())


class NotFoundPageMiddleware:
    """Runback's own "not found" page in every set-up. With DEBUG on (the embedded default) Django would answer with
    its technical page instead, listing every URL pattern of the project to whoever mistypes an address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return render(request, "404.html", status=404)  # no URL pattern matched
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return render(request, "404.html", status=404)
        return None
