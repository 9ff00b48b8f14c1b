"""Plans migration 0007: each clinic's handout logo becomes the clinic's own logo (the same stored file), and goes back
to the handout settings when the migration is reversed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import ClinicFactory

BEFORE = [("plans", "0006_plan_more_exercises_reason")]
AFTER = [("plans", "0007_logo_moves_to_clinic")]


def migrate_to(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_handout_logo_becomes_the_clinics_and_back():
    with_logo, without = ClinicFactory(name="With a logo"), ClinicFactory(name="Without")
    try:
        old = migrate_to(BEFORE)
        old.get_model("plans", "HandoutSettings").objects.create(clinic_id=with_logo.pk, logo="clinic-logos/a.png")
        old.get_model("plans", "HandoutSettings").objects.create(clinic_id=without.pk, paper_size="letter")

        new = migrate_to(AFTER)
        logos = dict(new.get_model("clinic", "Clinic").objects.values_list("name", "logo"))
        assert logos == {"With a logo": "clinic-logos/a.png", "Without": ""}

        old = migrate_to(BEFORE)
        settings = old.get_model("plans", "HandoutSettings").objects
        assert dict(settings.values_list("clinic__name", "logo")) == {
            "With a logo": "clinic-logos/a.png",
            "Without": "",
        }
        assert settings.get(clinic_id=without.pk).paper_size == "letter"
    finally:
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
