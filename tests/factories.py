"""Factories for the test cast. Tests build what they need with these, never with seed files."""

import time
from datetime import date

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth import get_user_model

from clinic.accounts import decrypt, encrypt
from clinic.models import AuditAction, AuditEvent, Clinic, Patient, SexAtBirth, StaffMember, StaffRole
from tests.passkeys import stored_credential

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Riverside Physio {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    phone = "020 7946 0001"
    email = "hello@clinic.test"


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = StaffRole.PHYSIOTHERAPIST


class PhysioFactory(StaffMemberFactory):
    role = StaffRole.PHYSIOTHERAPIST


class FrontDeskFactory(StaffMemberFactory):
    role = StaffRole.FRONT_DESK


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    first_name = factory.Faker("first_name_female")
    last_name = factory.Faker("last_name")
    date_of_birth = date(1991, 5, 4)
    sex_at_birth = SexAtBirth.FEMALE
    email = factory.Sequence(lambda n: f"patient{n}@example.test")
    physio = None


class PortalPatientFactory(PatientFactory):
    """A patient with their own portal account."""

    user = factory.SubFactory(UserFactory)


class AuthenticatorAppFactory(factory.django.DjangoModelFactory):
    """A set-up authenticator app (allauth's TOTP authenticator, its secret encrypted): the user has two-factor
    sign-in. `secret` (base32) is the key the app was given."""

    class Meta:
        model = Authenticator
        exclude = ["secret"]

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.TOTP
    secret = factory.LazyFunction(generate_totp_secret)
    data = factory.LazyAttribute(lambda o: {"secret": encrypt(o.secret)})


class PasskeyFactory(factory.django.DjangoModelFactory):
    """A passkey (allauth's WebAuthn authenticator) made by a software device (tests/passkeys.py)."""

    class Meta:
        model = Authenticator

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.WEBAUTHN
    data = factory.LazyAttribute(lambda o: {"name": "Work laptop", "credential": stored_credential(o.user)})


def recovery_codes_for(user) -> list[str]:
    """New recovery codes for `user` (replacing any), as allauth shows them once."""
    Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).delete()
    return RecoveryCodes.activate(user).get_unused_codes()


def current_code(authenticator: Authenticator, *, at: float | None = None) -> str:
    """The code the user's authenticator app shows right now (or at the time `at`)."""
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time() if at is None else at) // 30))


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    clinic = factory.SelfAttribute("patient.clinic")
    patient_id = factory.SelfAttribute("patient.pk")
    actor_label = "Alice Morgan (Physiotherapist)"
    action = AuditAction.VIEW
    target_type = "patient"
    target_id = factory.SelfAttribute("patient.pk")
    ip_address = "203.0.113.7"

    class Params:
        patient = factory.SubFactory(PatientFactory)
