from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from clinic import services
from clinic.forms import PhoneField
from clinic.models import AuditEvent, Clinic, Patient, StaffMember, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class StaffMemberInline(admin.TabularInline):
    model = StaffMember
    autocomplete_fields = ["user"]
    extra = 0


class ClinicAdminForm(forms.ModelForm):
    phone = PhoneField(help_text="Shown to patients with urgent advice, so it must reach a person.")

    class Meta:
        model = Clinic
        fields = ["name", "slug", "phone", "email", "address", "logo", "require_staff_2fa"]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    form = ClinicAdminForm
    list_display = ["name", "phone", "email", "require_staff_2fa"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StaffMemberInline]

    def save_model(self, request, obj, form, change):
        services.clinic_save(clinic=obj)  # the logo checked by the form, re-encoded here


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "clinic", "role"]
    list_filter = ["clinic", "role"]
    list_select_related = ["user", "clinic"]
    autocomplete_fields = ["user"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "clinic", "physio", "status"]
    list_filter = ["clinic", "status"]
    list_select_related = ["clinic", "physio__user"]
    search_fields = ["first_name", "last_name"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["physio"]

    def has_delete_permission(self, request, obj=None):
        # Patients are erased through the audited data-rights page (clinic/data_rights.py), never here.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin page to look, never to add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit trail is never edited, not even by administrators."""

    list_display = ["at", "actor_label", "action", "target_type", "target_id", "patient_id", "clinic", "ip_address"]
    list_filter = ["clinic", "action", "target_type"]
    search_fields = ["actor_label"]
    date_hierarchy = "at"


# Runback signs in by the account's own address (User.email); allauth's separate address book stays unused.
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    """Authenticator apps, recovery codes and passkeys: an administrator can see who has which and delete one (a lost
    phone), never what they hold (encrypted secrets, the passkey's public key)."""

    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = ["user", "type", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
