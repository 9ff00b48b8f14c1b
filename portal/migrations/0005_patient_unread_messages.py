"""The clinicians' patient list sorts on Patient.unread_messages (clinic 0010), kept from now on by the portal's
services: here it is counted for the messages already waiting, in one UPDATE whatever the clinic's size. Unread by
the staff: from the patient, not read yet (portal.models.MessageQuerySet.unread_by_staff when this was written)."""

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery


def count_unread_messages(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated, not necessarily the default one
    patients = apps.get_model("clinic", "Patient").objects.using(db)
    messages = apps.get_model("portal", "Message").objects.using(db)
    unread = messages.filter(from_patient=True, read_at__isnull=True)
    counts = unread.filter(patient=OuterRef("pk")).order_by().values("patient").annotate(count=Count("pk"))
    patients.filter(pk__in=unread.values("patient")).update(unread_messages=Subquery(counts.values("count")))


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0010_patient_unread_messages"),
        ("portal", "0004_notices"),
    ]

    operations = [migrations.RunPython(count_unread_messages, migrations.RunPython.noop)]
