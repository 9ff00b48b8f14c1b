"""Factories for the test cast. Tests build what they need with these, never with seed files."""

from datetime import date

import factory
from django.contrib.auth import get_user_model

from clinic.models import Clinic, Patient, SexAtBirth, StaffMember, StaffRole

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
