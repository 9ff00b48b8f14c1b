from django.db import migrations

# A decided assessment stays final, with one exception: anonymising the patient (clinic.personal_data.anonymising)
# replaces the free text written into it (override reasons, cause notes, the referral note, and the override
# reasons the engine's result repeats). The trigger lets such an update through only while the transaction-local
# setting runback.anonymising is on, and only when every other column is unchanged. Deleting was never refused.
FREE_TEXT_COLUMNS = "ARRAY['overrides', 'confirmed_causes', 'rejected_causes', 'referral_note', 'engine_result']"

DECIDED_IS_FINAL_BUT_ANONYMISABLE = f"""
CREATE OR REPLACE FUNCTION intake_assessment_decided_is_final() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        RETURN NEW;
    END IF;
    IF current_setting('runback.anonymising', true) = 'on'
       AND to_jsonb(NEW) - {FREE_TEXT_COLUMNS} = to_jsonb(OLD) - {FREE_TEXT_COLUMNS} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a confirmed or referred assessment cannot be changed';
END;
$$ LANGUAGE plpgsql;
"""

DECIDED_IS_FINAL = """
CREATE OR REPLACE FUNCTION intake_assessment_decided_is_final() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'draft' THEN
        RAISE EXCEPTION 'a confirmed or referred assessment cannot be changed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def allow_anonymisation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DECIDED_IS_FINAL_BUT_ANONYMISABLE)


def refuse_every_change(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DECIDED_IS_FINAL)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_examination_assessment"),
    ]

    operations = [
        migrations.RunPython(allow_anonymisation, refuse_every_change),
    ]
