from django.contrib import admin
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from clinic import account_views, views
from clinic.converters import IsoDateConverter

register_converter(IsoDateConverter, "isodate")

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
    path("accounts/login/", account_views.SignInView.as_view(), name="login"),
    path("accounts/login/code/", account_views.sign_in_code, name="sign_in_code"),
    path("accounts/confirm/", account_views.reauth, name="reauth"),
    path("accounts/security/", account_views.account_security, name="account_security"),
    path("accounts/security/two-factor/", account_views.two_factor_setup, name="two_factor_setup"),
    path("accounts/security/two-factor/off/", account_views.two_factor_disable, name="two_factor_disable"),
    path("accounts/security/recovery-codes/", account_views.recovery_codes, name="recovery_codes"),
    path(
        "accounts/security/recovery-codes/new/",
        account_views.recovery_codes_regenerate,
        name="recovery_codes_regenerate",
    ),
    # Before Django's own, so wrong old passwords count toward the lock-out.
    path("accounts/password_change/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/", include("django.contrib.auth.urls")),
    # The admin signs in through the same two steps and lock-out as everyone else, never a password-only form.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
]

handler500 = "clinic.views.server_error"

admin.site.site_header = "Runback administration"
admin.site.site_title = "Runback"
