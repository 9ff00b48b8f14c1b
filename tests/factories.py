"""Factories for the test cast. Tests build what they need with these, never with seed files."""

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import AuditAction, AuditEvent, Clinic, Patient, SexAtBirth, StaffMember, StaffRole

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


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator app: the user has two-factor sign-in."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True


class RecoveryCodesFactory(factory.django.DjangoModelFactory):
    """A user's recovery codes; `codes` (default two) are the tokens to create."""

    class Meta:
        model = StaticDevice
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = "Recovery codes"
    confirmed = True

    @factory.post_generation
    def codes(obj, create, extracted, **kwargs):
        for code in extracted if extracted is not None else ["abcd2345", "efgh6723"]:
            StaticToken.objects.create(device=obj, token=code)


def current_code(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows right now."""
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


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
