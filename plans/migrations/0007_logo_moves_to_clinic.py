"""The logo is the clinic's, shown on its patients' pages and e-mails as well as its handouts: each clinic's handout
logo moves to `Clinic.logo` (the same stored file), and back when this migration is reversed."""

from django.db import migrations

def logos_to_clinics(apps, schema_editor):
    db = schema_editor.connection.alias
    settings = apps.get_model("plans", "HandoutSettings").objects.using(db)
    clinics = apps.get_model("clinic", "Clinic").objects.using(db)
    for clinic_id, logo in settings.exclude(logo="").values_list("clinic_id", "logo"):
        clinics.filter(pk=clinic_id).update(logo=logo)


def logos_to_handout_settings(apps, schema_editor):
    db = schema_editor.connection.alias
    settings = apps.get_model("plans", "HandoutSettings").objects.using(db)
    clinics = apps.get_model("clinic", "Clinic").objects.using(db)
    for clinic_id, logo in clinics.exclude(logo="").values_list("pk", "logo"):
        settings.update_or_create(clinic_id=clinic_id, defaults={"logo": logo})


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0008_clinic_logo"),
        ("plans", "0006_plan_more_exercises_reason"),
    ]

    operations = [
        migrations.RunPython(logos_to_clinics, logos_to_handout_settings),
        migrations.RemoveField(model_name="handoutsettings", name="logo"),
    ]
