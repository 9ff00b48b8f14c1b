"""Writes for clinics, staff and patients, and the patients' portal accounts, preferences and calendar feeds. The
views and `seed_demo` both go through these."""

from allauth.account.forms import default_token_generator as reset_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinic import tasks
from clinic.accounts import has_two_factor
from clinic.emails import link_works_until, patient_email
from clinic.models import Clinic, Patient, StaffMember
from clinic.pictures import save_with_picture
from clinic.site import site_url

User = get_user_model()


# A logo is shown at most 70 mm wide on a handout's cover and 48 px high on a page: 600 pixels are plenty, and keep
# every PDF and e-mail small.
LOGO_MAX_SIDE = 600


@transaction.atomic
def clinic_save(*, clinic: Clinic) -> Clinic:
    """Save a clinic (validated by its form). A new logo is re-encoded (no metadata, upright, at most LOGO_MAX_SIDE
    pixels) under the clinic's own folder; the one it replaces is deleted once this commits."""
    previous = Clinic.objects.filter(pk=clinic.pk).values_list("logo", flat=True).first() or "" if clinic.pk else ""
    if clinic.pk is None and clinic.logo:
        logo, clinic.logo = clinic.logo, None
        clinic.save()  # the logo's folder is named by the clinic's id
        clinic.logo = logo
    return save_with_picture(clinic, field="logo", previous=previous, max_side=LOGO_MAX_SIDE)


@transaction.atomic
def staff_member_create(
    *, clinic: Clinic, email: str, first_name: str, last_name: str, role: str, password: str | None = None
) -> StaffMember:
    user = User.objects.create_user(email=email, password=password, first_name=first_name, last_name=last_name)
    member = StaffMember(user=user, clinic=clinic, role=role)
    member.full_clean()
    member.save()
    return member


def patient_create(*, clinic: Clinic, by: StaffMember, **fields) -> Patient:
    patient = Patient(clinic=clinic, **fields)
    patient.full_clean()
    patient.save()
    return patient


def patient_update(*, patient: Patient, by: StaffMember, **fields) -> Patient:
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.full_clean()
    patient.save()
    return patient


def patient_move_along(*, patient: Patient, to: str, from_statuses: tuple[str, ...]) -> bool:
    """Move the patient to status `to`, but only from one of `from_statuses`: a later stage of the pathway is never
    undone by an earlier event (a follow-up questionnaire does not take a patient off their plan)."""
    moved = Patient.objects.filter(pk=patient.pk, status__in=from_statuses).update(status=to, updated_at=timezone.now())
    if moved:
        patient.status = to
    return bool(moved)


# --- The patient portal ---------------------------------------------------------------------------------------


class PortalAccountRefused(Exception):
    """A portal account cannot be made or invited, with the reason in words staff and patients read."""


def _email_taken(email: str, *, apart_from=None) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=getattr(apart_from, "pk", None)).exists()


@transaction.atomic
def portal_account_create(*, patient: Patient, email: str, password: str) -> User:
    """The patient's own portal account, made by the patient after their intake (the date-of-birth check passed):
    signed in with `email` and `password`, linked to the record, reminders on by default."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.user_id is not None:
        raise PortalAccountRefused("You already have a portal account: sign in with it.")
    if _email_taken(email):
        raise PortalAccountRefused("This e-mail address already belongs to a Runback account.")
    user = User.objects.create_user(
        email=email, password=password, first_name=patient.first_name, last_name=patient.last_name
    )
    _link_account(patient, user)
    return user


def _link_account(patient: Patient, user) -> None:
    patient.user = user
    patient.save(update_fields=["user", "updated_at"])


@transaction.atomic
def portal_invite(*, patient: Patient, by: StaffMember):
    """Invite the patient to the portal: their account (made now, without a password, from the record's e-mail
    address, if they have none yet) gets an e-mail with a link to set the password. Refused without an e-mail
    address, or when the address belongs to someone else's account."""
    patient = Patient.objects.select_for_update(of=("self",)).select_related("user").get(pk=patient.pk)
    user = patient.user
    if user is None:
        if not patient.email:
            raise PortalAccountRefused("There is no e-mail address on the record: add one, then invite the patient.")
        if _email_taken(patient.email):
            raise PortalAccountRefused(
                "The record's e-mail address already belongs to another Runback account: check it with the patient."
            )
        user = User.objects.create_user(
            email=patient.email, password=None, first_name=patient.first_name, last_name=patient.last_name
        )
        _link_account(patient, user)
    if not user.is_active:
        raise PortalAccountRefused("The patient's portal account has been switched off in the admin.")
    tasks.send_portal_invite_task.delay_on_commit(user_id=user.pk)
    return user


def first_sign_in_pending(user) -> bool:
    """True while a portal account has never had a password nor a second factor: only then may the welcome link
    set its first password and sign it in."""
    return user.is_active and not user.has_usable_password() and not has_two_factor(user)


class WelcomeTokenGenerator(PasswordResetTokenGenerator):
    """The token of the portal's welcome link. Its own salt, so a password reset token (which anyone reading the
    patient's mail can ask for) is no welcome token, nor the other way round; and it holds only while the first
    sign-in is pending. Setting the password changes the hash the token is made from, so it works once."""

    key_salt = "clinic.services.WelcomeTokenGenerator"

    def check_token(self, user, token):
        return user is not None and first_sign_in_pending(user) and super().check_token(user, token)


welcome_token_generator = WelcomeTokenGenerator()


def portal_invite_send_email(*, user) -> bool:
    """E-mail a portal account its set-password link, in the name of the patient's clinic; no health data. The link
    works once, until the password is set, for PASSWORD_RESET_TIMEOUT. An account that has never had a password
    gets the welcome link (which signs it in); any other gets a password reset link, which signs nobody in, so a
    second factor is never skipped."""
    patient = user.patient_record
    if patient is None or not user.is_active:
        return False
    first_sign_in = first_sign_in_pending(user)
    if first_sign_in:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        path = reverse("portal_welcome", args=[uid, welcome_token_generator.make_token(user)])
    else:
        key = reset_token_generator.make_token(user)
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})
    context = {
        "first_name": patient.first_name,
        "clinic": patient.clinic,
        "link": f"{site_url()}{path}",
        "login_link": f"{site_url()}{reverse('account_login')}",
        "has_password": not first_sign_in,
        "works_until": link_works_until(),
    }
    patient_email(templates="clinic/email/portal_invite", context=context, to=user.email, clinic=patient.clinic).send()
    return True
