from django.db import migrations

# A plan revision stays as the patient was given it, with one exception: anonymising the patient
# (clinic.personal_data.anonymising) replaces the physio's note for the patient. The trigger lets such an update
# through only while the transaction-local setting runback.anonymising is on, and only when every other column is
# unchanged. Deleting (with the plan, on erasure) was never refused.
NEVER_CHANGES_BUT_ANONYMISABLE = """
CREATE OR REPLACE FUNCTION plans_planrevision_never_changes() RETURNS trigger AS $$
BEGIN
    IF current_setting('runback.anonymising', true) = 'on'
       AND to_jsonb(NEW) - 'note_for_patient' = to_jsonb(OLD) - 'note_for_patient' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'plan revisions are never changed';
END;
$$ LANGUAGE plpgsql;
"""

NEVER_CHANGES = """
CREATE OR REPLACE FUNCTION plans_planrevision_never_changes() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'plan revisions are never changed';
END;
$$ LANGUAGE plpgsql;
"""


def allow_anonymisation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NEVER_CHANGES_BUT_ANONYMISABLE)


def refuse_every_change(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NEVER_CHANGES)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0002_plans_revisions_session_logs"),
    ]

    operations = [
        migrations.RunPython(allow_anonymisation, refuse_every_change),
    ]
