"""The migrations themselves. The suite's test databases are made from the models (`--no-migrations`, pyproject.toml),
so here every migration is applied to an empty database of its own (on SQLite in `make test`, on PostgreSQL in CI) and
unapplied back to empty (in CI) (`.ci/run` passes `--migrations`, so the whole suite there runs on a migrated schema
too). The move of the portal's models from the clinic app keeps their rows both ways, and the models agree with the
migrations."""

import importlib
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.apps import apps as installed_apps
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

ALIAS = "migrated"
# Migrations that make nothing in the database, only in the project's state: their tables are another app's.
BEFORE_THE_MOVE = [("clinic", "0005_portal_preferences_calendar_feeds_reminders")]
AFTER_THE_MOVE = [("portal", "0002_tables_renamed")]


@pytest.fixture
def project_migrations(settings):
    """The project's migrations, which `--no-migrations` hides from the rest of the suite."""
    settings.MIGRATION_MODULES = getattr(importlib.import_module(settings.SETTINGS_MODULE), "MIGRATION_MODULES", {})


@pytest.fixture
def empty_database(django_db_setup, django_db_blocker, project_migrations, tmp_path):
    """A connection to a database of its own without a single table, on the suite's engine: a SQLite file, or a
    PostgreSQL database beside the test database (dropped afterwards). Not the test database: no test transaction
    around it, as around `manage.py migrate`."""
    default = connections["default"]
    postgresql = default.vendor == "postgresql"
    name = f"{default.settings_dict['NAME']}_{ALIAS}" if postgresql else ":memory:"
    with django_db_blocker.unblock():
        if postgresql:
            _run_outside_any_database(default, "DROP DATABASE IF EXISTS {}", "CREATE DATABASE {}", name=name)
        connections.settings[ALIAS] = {**default.settings_dict, "NAME": name}
        try:
            yield connections[ALIAS]
        finally:
            connections[ALIAS].close()
            del connections[ALIAS]
            del connections.settings[ALIAS]
            if postgresql:
                _run_outside_any_database(default, "DROP DATABASE IF EXISTS {}", name=name)


def _run_outside_any_database(connection, *statements, name):
    with connection._nodb_cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.format(connection.ops.quote_name(name)))


def migrate(connection, targets):
    """Apply or unapply migrations until `targets` (an app with None: none of its migrations), as `migrate` does."""
    MigrationExecutor(connection).migrate(targets)


def models_at(connection, targets):
    """The models as the migrations up to `targets` have them (historical models)."""
    return MigrationExecutor(connection).loader.project_state(targets).apps


def test_models_and_migrations_agree(db, project_migrations):
    output = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=output)
    assert "No changes detected" in output.getvalue()


def test_every_migration_applies_to_an_empty_database(empty_database):
    leaves = MigrationExecutor(empty_database).loader.graph.leaf_nodes()
    migrate(empty_database, leaves)
    assert not MigrationExecutor(empty_database).migration_plan(leaves), "left unapplied"
    # Every model has its table and columns, under the names the models give them.
    with empty_database.cursor() as cursor:
        tables = set(empty_database.introspection.table_names(cursor))
        models = model_tables()
        missing = [table for table in models if table not in tables] + [
            f"{table}.{column}"
            for table, columns in models.items()
            if table in tables
            for column in _missing_columns(empty_database, cursor, table, columns)
        ]
    assert not missing


# Unapplying takes Django twice as long as applying (it copies the project's state before each step back): CI's
# PostgreSQL run does it, `make test` leaves it out.
@pytest.mark.thorough
def test_every_migration_unapplies_back_to_an_empty_database(empty_database, settings):
    leaves = MigrationExecutor(empty_database).loader.graph.leaf_nodes()
    migrate(empty_database, leaves)
    migrate(empty_database, [(app, None) for app in {app for app, _ in leaves}])
    with empty_database.cursor() as cursor:
        # What is left is the record of migrations and the cache, which clinic 0007 makes and leaves (no model's).
        left = set(empty_database.introspection.table_names(cursor))
    assert left == {"django_migrations", settings.CACHES["default"]["LOCATION"]}


def model_tables() -> dict[str, set[str]]:
    """The table and columns of every model the project's apps and the installed packages make in the database."""
    return {
        model._meta.db_table: {field.column for field in model._meta.local_concrete_fields}
        for model in installed_apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _missing_columns(connection, cursor, table, columns) -> list[str]:
    return sorted(columns - {column.name for column in connection.introspection.get_table_description(cursor, table)})


def test_moving_the_portal_models_to_the_portal_app_keeps_their_rows_both_ways(empty_database):
    migrate(empty_database, BEFORE_THE_MOVE)
    rows = _portal_rows_made(models_at(empty_database, BEFORE_THE_MOVE))
    migrate(empty_database, AFTER_THE_MOVE)
    assert _portal_rows(models_at(empty_database, AFTER_THE_MOVE), "portal") == rows
    migrate(empty_database, BEFORE_THE_MOVE)
    assert _portal_rows(models_at(empty_database, BEFORE_THE_MOVE), "clinic") == rows


def _portal_rows_made(models) -> dict:
    """A patient's portal preferences, calendar addresses (one revoked) and reminders sent, in the clinic app's
    models as they were before the move."""
    clinic = models.get_model("clinic", "Clinic").objects.using(ALIAS).create(name="Riverside", slug="riverside")
    patient = (
        models.get_model("clinic", "Patient")
        .objects.using(ALIAS)
        .create(clinic=clinic, first_name="Emma", last_name="Clarke", date_of_birth=date(1990, 5, 4))
    )
    models.get_model("clinic", "PortalPreferences").objects.using(ALIAS).create(patient=patient, email_reminders=False)
    feeds = models.get_model("clinic", "CalendarFeed").objects.using(ALIAS)
    feeds.create(patient=patient, token="revoked", revoked_at="2026-11-01T09:00:00Z")
    feeds.create(patient=patient, token="in-use")
    reminders = models.get_model("clinic", "ReminderSent").objects.using(ALIAS)
    reminders.create(patient=patient, kind="session", for_date=date(2026, 11, 2))
    reminders.create(patient=patient, kind="questionnaire", for_date=date(2026, 11, 3))
    return _portal_rows(models, "clinic")


def _portal_rows(models, app) -> dict:
    def rows(name, *fields):
        return sorted(models.get_model(app, name).objects.using(ALIAS).values_list("patient__last_name", *fields))

    return {
        "preferences": rows("PortalPreferences", "email_reminders"),
        "calendar feeds": rows("CalendarFeed", "token", "revoked_at"),
        "reminders": rows("ReminderSent", "kind", "for_date"),
    }


BEFORE_THE_LOGO_MOVE = [("clinic", "0008_clinic_logo"), ("plans", "0006_plan_more_exercises_reason")]
AFTER_THE_LOGO_MOVE = [("plans", "0007_logo_moves_to_clinic")]


def test_the_handout_logo_becomes_the_clinics_own_and_goes_back(empty_database):
    migrate(empty_database, BEFORE_THE_LOGO_MOVE)
    before = models_at(empty_database, BEFORE_THE_LOGO_MOVE)
    clinics = before.get_model("clinic", "Clinic").objects.using(ALIAS)
    settings = before.get_model("plans", "HandoutSettings").objects.using(ALIAS)
    settings.create(clinic=clinics.create(name="With a logo", slug="logo"), logo="clinic-logos/clinic-1/a.png")
    settings.create(clinic=clinics.create(name="Without", slug="none"), paper_size="letter")

    migrate(empty_database, AFTER_THE_LOGO_MOVE)
    after = models_at(empty_database, AFTER_THE_LOGO_MOVE).get_model("clinic", "Clinic").objects.using(ALIAS)
    assert dict(after.values_list("name", "logo")) == {"With a logo": "clinic-logos/clinic-1/a.png", "Without": ""}

    migrate(empty_database, BEFORE_THE_LOGO_MOVE)
    settings = models_at(empty_database, BEFORE_THE_LOGO_MOVE).get_model("plans", "HandoutSettings").objects
    back = settings.using(ALIAS).values_list("clinic__name", "logo", "paper_size")
    assert sorted(back) == [("With a logo", "clinic-logos/clinic-1/a.png", "a4"), ("Without", "", "letter")]


BEFORE_THE_UNREAD_COUNT = [("clinic", "0010_patient_unread_messages"), ("portal", "0004_notices")]
AFTER_THE_UNREAD_COUNT = [("portal", "0005_patient_unread_messages")]


def test_the_messages_waiting_for_the_staff_are_counted_on_each_patient(empty_database):
    migrate(empty_database, BEFORE_THE_UNREAD_COUNT)
    before = models_at(empty_database, BEFORE_THE_UNREAD_COUNT)
    clinic = before.get_model("clinic", "Clinic").objects.using(ALIAS).create(name="Clinic", slug="clinic")
    patients = before.get_model("clinic", "Patient").objects.using(ALIAS)
    messages = before.get_model("portal", "Message").objects.using(ALIAS)
    born = date(1990, 1, 1)
    waiting, answered, _quiet = (
        patients.create(clinic=clinic, first_name=name, last_name="Runner", date_of_birth=born, sex_at_birth="female")
        for name in ("Waiting", "Answered", "Quiet")
    )
    messages.create(patient=waiting, from_patient=True, body="Can I run?")
    messages.create(patient=waiting, from_patient=True, body="And tomorrow?")
    messages.create(patient=waiting, from_patient=False, body="Not read by the patient: not the staff's to read.")
    messages.create(patient=answered, from_patient=True, body="Read.", read_at=datetime(2026, 1, 1, tzinfo=UTC))

    migrate(empty_database, AFTER_THE_UNREAD_COUNT)
    after = models_at(empty_database, AFTER_THE_UNREAD_COUNT).get_model("clinic", "Patient").objects.using(ALIAS)
    assert dict(after.values_list("first_name", "unread_messages")) == {"Waiting": 2, "Answered": 0, "Quiet": 0}


BEFORE_THE_OUTCOME_COUNTS = [
    ("plans", "0009_planned_sessions_planned_run_minutes"),
    ("intake", "0007_patient_intake_rank"),
]
AFTER_THE_OUTCOME_COUNTS = [("plans", "0010_outcome_counts")]


def test_the_outcome_counts_are_filled_in_for_the_plans_and_follow_ups_already_there(empty_database):
    migrate(empty_database, BEFORE_THE_OUTCOME_COUNTS)
    models = models_at(empty_database, BEFORE_THE_OUTCOME_COUNTS)

    def objects(app, name):
        return models.get_model(app, name).objects.using(ALIAS)

    def at(day: int, hour: int = 10):
        return datetime(2026, 9, day, hour, tzinfo=UTC)

    clinic = objects("clinic", "Clinic").create(name="Clinic", slug="clinic")
    user = objects("clinic", "User").create(email="physio@example.com", password="!")
    physio = objects("clinic", "StaffMember").create(user=user, clinic=clinic, role="physiotherapist")
    patient = objects("clinic", "Patient").create(
        clinic=clinic,
        physio=physio,
        first_name="Ann",
        last_name="Lee",
        date_of_birth=date(1990, 1, 1),
        sex_at_birth="female",
    )
    intake = objects("intake", "Intake").create(patient=patient, status="submitted", submitted_at=at(1))
    assessment = objects("intake", "Assessment").create(
        intake=intake,
        status="confirmed",
        created_by=physio,
        confirmed_by=physio,
        confirmed_at=at(2),
        as_of=date(2026, 9, 2),
    )

    def plan(issued_on: int | None, *revisions_on: int):
        made = objects("plans", "Plan").create(
            patient=patient, assessment=assessment, created_by=physio, draft_saved_by=physio, start=date(2026, 9, 2),
            weeks=12, content={},
        )  # fmt: skip
        for number, day in enumerate((issued_on, *revisions_on) if issued_on else (), start=1):
            revision = objects("plans", "PlanRevision").create(
                plan=made, number=number, kind="issued", content={}, inputs={}, reason="Issued", created_at=at(day),
                builder_version="test",
            )  # fmt: skip
            made.current_revision, made.status = revision, "ended"
        made.save()
        return made

    second, first, draft = plan(20), plan(2, 9), plan(None)  # made in that order, issued first to last
    objects("plans", "PlannedSession").bulk_create(
        objects("plans", "PlannedSession").model(plan=first, day=date(2026, 9, day)) for day in (3, 5, 10, 12)
    )
    log = objects("plans", "SessionLog").model
    objects("plans", "SessionLog").bulk_create(
        [
            log(plan=first, revision=first.current_revision, session_date=date(2026, 9, 3), pain_during_max=1,
                traffic_light="green"),
            log(plan=first, revision=first.current_revision, session_date=date(2026, 9, 5), pain_during_max=6,
                traffic_light="red", level=7, planned_run_min=30),  # red: not the milestone
            log(plan=first, revision=first.current_revision, session_date=date(2026, 9, 10), pain_during_max=2,
                traffic_light="amber", level=7, planned_run_min=30, completed=False, duration_min=30),  # the milestone
            log(plan=first, revision=first.current_revision, session_date=date(2026, 9, 12), pain_during_max=1,
                traffic_light="green", level=8, planned_run_min=35),
        ]
    )  # fmt: skip
    schedule = objects("intake", "FollowUpSchedule").create(
        patient=patient, instruments=["koos_pf", "akps"], every_weeks=4, start=date(2026, 10, 1), created_by=physio
    )
    response = objects("intake", "OutcomeResponse")
    response.create(
        patient=patient, intake=intake, instrument="koos_pf", value=40, answered=1, of=1, completed_at=at(1)
    )
    for day, instruments in ((10, ("koos_pf", "akps")), (20, ("koos_pf",))):
        answered = objects("intake", "FollowUp").create(
            schedule=schedule, patient=patient, due_on=date(2026, 9, day), completed_at=at(day)
        )
        for code in instruments:
            response.create(patient=patient, follow_up=answered, instrument=code, value=day, answered=1, of=1,
                            completed_at=at(day))  # fmt: skip

    migrate(empty_database, AFTER_THE_OUTCOME_COUNTS)
    after = models_at(empty_database, AFTER_THE_OUTCOME_COUNTS)
    plans = after.get_model("plans", "Plan").objects.using(ALIAS)
    fields = ("issued_at", "first_for_patient", "sessions_planned", "sessions_logged", "runs_logged", "red_runs")
    assert (
        plans.get(pk=first.pk).__dict__.items()
        >= {
            **dict(zip(fields, (at(2), True, 4, 4, 3, 1), strict=True)),
            "milestone_on": date(2026, 9, 10),
        }.items()
    )
    assert (
        plans.get(pk=second.pk).__dict__.items()
        >= {
            **dict(zip(fields, (at(20), False, 0, 0, 0, 0), strict=True)),
            "milestone_on": None,
        }.items()
    )
    assert plans.get(pk=draft.pk).__dict__.items() >= {"issued_at": None, "first_for_patient": False}.items()
    latest = after.get_model("intake", "OutcomeResponse").objects.using(ALIAS).filter(latest_follow_up=True)
    assert sorted(latest.values_list("instrument", "value")) == [("akps", 10), ("koos_pf", 20)]
