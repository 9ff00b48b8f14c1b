"""The logo is the clinic's, shown on its patients' pages and e-mails as well as its handouts: each clinic's handout
logo moves to `Clinic.logo` (the same stored file), and back when this migration is reversed."""

from django.db import migrations

def logos_to_clinics(apps, schema_editor):
    HandoutSettings = apps.get_model("plans", "HandoutSettings")
    Clinic = apps.get_model("clinic", "Clinic")
    for clinic_id, logo in HandoutSettings.objects.exclude(logo="").values_list("clinic_id", "logo"):
        Clinic.objects.filter(pk=clinic_id).update(logo=logo)


def logos_to_handout_settings(apps, schema_editor):
    HandoutSettings = apps.get_model("plans", "HandoutSettings")
    Clinic = apps.get_model("clinic", "Clinic")
    for clinic_id, logo in Clinic.objects.exclude(logo="").values_list("pk", "logo"):
        HandoutSettings.objects.update_or_create(clinic_id=clinic_id, defaults={"logo": logo})


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0008_clinic_logo"),
        ("plans", "0006_plan_more_exercises_reason"),
    ]

    operations = [
        migrations.RunPython(logos_to_clinics, logos_to_handout_settings),
        migrations.RemoveField(model_name="handoutsettings", name="logo"),
    ]
