from allauth.account import views as account
from allauth.mfa.base import views as mfa
from allauth.mfa.recovery_codes import views as recovery_codes
from allauth.mfa.totp import views as totp
from allauth.mfa.webauthn import views as webauthn
from django.contrib import admin
from django.urls import include, path, re_path, register_converter
from django.views.generic import RedirectView

from clinic import account_views, views
from clinic.converters import IsoDateConverter

register_converter(IsoDateConverter, "isodate")

account_urls = [
    path("login/", account.login, name="account_login"),
    path("logout/", account.logout, name="account_logout"),
    path("inactive/", account.account_inactive, name="account_inactive"),
    path("reauthenticate/", account.reauthenticate, name="account_reauthenticate"),
    path("password/change/", account.password_change, name="account_change_password"),
    path("password/set/", account.password_set, name="account_set_password"),
    path("password/reset/", account.password_reset, name="account_reset_password"),
    path("password/reset/done/", account.password_reset_done, name="account_reset_password_done"),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        account.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path("password/reset/key/done/", account.password_reset_from_key_done, name="account_reset_password_from_key_done"),
    # Two-factor sign-in and passkeys: the security page, the sign-in's second step, confirming with a code.
    path("security/", account_views.SecurityView.as_view(), name="mfa_index"),
    path("2fa/authenticate/", mfa.authenticate, name="mfa_authenticate"),
    path("2fa/reauthenticate/", mfa.reauthenticate, name="mfa_reauthenticate"),
    path("2fa/totp/activate/", totp.activate_totp, name="mfa_activate_totp"),
    path("2fa/totp/deactivate/", account_views.DeactivateTOTPView.as_view(), name="mfa_deactivate_totp"),
    path("2fa/recovery-codes/", recovery_codes.view_recovery_codes, name="mfa_view_recovery_codes"),
    path("2fa/recovery-codes/generate/", recovery_codes.generate_recovery_codes, name="mfa_generate_recovery_codes"),
    path("2fa/passkeys/", webauthn.list_webauthn, name="mfa_list_webauthn"),
    path("2fa/passkeys/add/", webauthn.add_webauthn, name="mfa_add_webauthn"),
    path("2fa/passkeys/reauthenticate/", webauthn.reauthenticate_webauthn, name="mfa_reauthenticate_webauthn"),
    path("2fa/passkeys/<int:pk>/remove/", account_views.RemovePasskeyView.as_view(), name="mfa_remove_webauthn"),
    path("2fa/passkeys/<int:pk>/edit/", webauthn.edit_webauthn, name="mfa_edit_webauthn"),
    path("2fa/passkeys/login/", webauthn.login_webauthn, name="mfa_login_webauthn"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("patients/", views.patient_list, name="patient_list"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/<int:pk>/", views.patient_detail, name="patient_detail"),
    path("patients/<int:pk>/edit/", views.patient_edit, name="patient_edit"),
    path("patients/<int:pk>/audit/", views.patient_audit, name="patient_audit"),
    path("patients/<int:pk>/data-rights/", views.patient_data_rights, name="patient_data_rights"),
    path("patients/<int:pk>/export/", views.patient_export, name="patient_export"),
    path("patients/<int:pk>/portal/invite/", views.portal_invite, name="portal_invite"),
    path("welcome/<uidb64>/<token>/", account_views.WelcomeView.as_view(), name="portal_welcome"),
    # Each app's pages (the URL names are global: templates and tests name them alone).
    path("", include("portal.urls")),
    path("library/", include("plans.library.urls")),
    path("", include("intake.urls")),
    path("", include("plans.urls")),
    path("", include("plans.handouts.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("clinics/<int:pk>/logo/<str:name>", views.clinic_logo, name="clinic_logo"),
    # Accounts on django-allauth: only the pages Runback uses (no sign-up, no e-mail management, no sign-in codes by
    # e-mail), with Runback's forms, templates and rules (clinic/accounts.py, clinic/account_views.py).
    path("accounts/", include(account_urls)),
    # The names signing in and out had before allauth, kept for templates and tests: the very same pages.
    path("accounts/login/", account.login, name="login"),
    path("accounts/logout/", account.logout, name="logout"),
    # The admin signs in through the same two steps and lock-out as everyone else, never a password-only form.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", admin.site.urls),
]

handler500 = "clinic.views.server_error"

admin.site.site_header = "Runback administration"
admin.site.site_title = "Runback"
