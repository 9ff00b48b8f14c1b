import pytest
from django.core.management import CommandError, call_command

from clinic.models import Clinic, Patient, StaffMember


def test_seed_demo_is_idempotent_and_prints_logins(db, capsys, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Clinic.objects.count(), StaffMember.objects.count(), Patient.objects.count())
    call_command("seed_demo")
    assert (Clinic.objects.count(), StaffMember.objects.count(), Patient.objects.count()) == counts
    output = capsys.readouterr().out
    assert "physio@demo.runback.test" in output and "desk@demo.runback.test" in output


def test_seed_demo_builds_two_physios_front_desk_and_patients_in_different_states(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    assert StaffMember.objects.filter(role="physiotherapist").count() == 2
    assert StaffMember.objects.filter(role="front_desk").count() == 1
    assert Patient.objects.values("status").distinct().count() > 1


def test_seed_demo_refuses_in_production_mode(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
