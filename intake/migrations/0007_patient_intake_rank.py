"""The clinicians' patient list sorts on Patient.intake_rank and shows Patient.intake_flag_level (clinic 0008), kept
from now on by the intake's services: here they are filled in for the intakes already waiting for review, in one
UPDATE whatever the clinic's size. The ranks are the ones intake.selectors.INTAKE_RANKS gave when this was written:
an unreviewed intake ranks 1 without a red flag, 2 to 5 with one (caution, refer before running, urgent,
emergency); 0 when nothing waits."""

from django.db import migrations
from django.db.models import Case, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

UNFLAGGED_INTAKE_RANK = 1
INTAKE_RANKS = {"caution": 2, "refer_before_run": 3, "urgent": 4, "emergency": 5}


def rank_waiting_intakes(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated, not necessarily the default one
    patients = apps.get_model("clinic", "Patient").objects.using(db)
    intakes = apps.get_model("intake", "Intake").objects.using(db)
    rank = Case(
        *(When(flag_level=level, then=Value(value)) for level, value in INTAKE_RANKS.items()),
        default=Value(UNFLAGGED_INTAKE_RANK),
    )
    waiting = (
        intakes.filter(patient=OuterRef("pk"), status="submitted", reviewed_at__isnull=True)
        .annotate(rank=rank)
        .order_by("-rank", "-submitted_at")
    )
    patients.filter(intakes__status="submitted", intakes__reviewed_at__isnull=True).update(
        intake_rank=Coalesce(Subquery(waiting.values("rank")[:1]), Value(0)),
        intake_flag_level=Coalesce(Subquery(waiting.values("flag_level")[:1]), Value("")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0009_patient_intake_rank"),
        ("intake", "0006_examination_side_range_of_motion_notes"),
    ]

    operations = [migrations.RunPython(rank_waiting_intakes, migrations.RunPython.noop)]
