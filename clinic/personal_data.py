"""Building blocks of the patients' data rights, shared by every app's `data_rights.py` (composed in
`clinic/data_rights.py`): a record of a model instance for the export, the placeholder that replaces free text on
anonymisation, and `anonymising()`, the one way a final record (a decided assessment) may still be changed.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.core.files.storage import Storage
from django.db import connection, models, transaction

from clinic.models import Patient, StaffMember, User

# What replaces a free text (a note, a reason) when a record is anonymised: the text may name or describe the
# patient, so none of it is kept; the placeholder shows that something was written.
REMOVED_TEXT = "[removed when the record was anonymised]"

# The PostgreSQL setting the "final record" triggers read: only inside `anonymising()` may they let a final
# record's free text be replaced (see intake/migrations/0003_assessment_anonymisable.py).
ANONYMISING_SETTING = "runback.anonymising"


def export_record(instance: models.Model, *, exclude: tuple[str, ...] = ()) -> dict:
    """Every stored field of `instance` as JSON-ready data (dates stay date objects for the JSON encoder), except
    the link to the patient (the export is all about them) and the fields in `exclude` (secrets).

    Codes are kept as stored, with `<field>_label` beside each coded field; staff and accounts are named; other
    links are given as `<field>_id`.
    """
    record = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or field.related_model is Patient:
            continue
        if field.is_relation:
            if field.related_model in (StaffMember, User):
                related = getattr(instance, field.name)
                record[field.name] = str(related) if related is not None else None
            else:
                record[field.attname] = getattr(instance, field.attname)
            continue
        value = getattr(instance, field.attname)
        record[field.name] = value.name if isinstance(value, models.fields.files.FieldFile) else value
        if field.choices:
            record[f"{field.name}_label"] = getattr(instance, f"get_{field.name}_display")()
    return record


def removed(text: str) -> str:
    """A free text as anonymisation leaves it: the placeholder when something was written, empty otherwise."""
    return REMOVED_TEXT if text else ""


@contextmanager
def anonymising():
    """Let the database replace the free text of final records within this block, and nothing else.

    On PostgreSQL the triggers that refuse changes to final records allow one while ANONYMISING_SETTING is on and
    only free-text columns differ. The setting is local to a savepoint of its own, so it never outlives the block,
    even when the block fails. (SQLite has no such triggers; the models refuse changes there, and anonymisation
    writes with queryset updates.)
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _set_anonymising("on")
        yield
        if connection.vendor == "postgresql":
            _set_anonymising("off")


def _set_anonymising(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [ANONYMISING_SETTING, value])


@dataclass(frozen=True)
class StoredFile:
    """A file a patient owns in storage (a handout PDF): exported with their data, deleted when they are erased."""

    archive_name: str  # where it goes inside the export archive, e.g. "handouts/plan-3-revision-2.pdf"
    storage: Storage
    name: str  # its name in `storage`


def storage_delete_on_commit(files: list[StoredFile]) -> None:
    """Delete the files once the transaction that removed their records has committed: a rolled-back erasure keeps
    them, and a committed one never leaves a file behind without its record."""
    for stored in files:
        transaction.on_commit(lambda stored=stored: stored.storage.delete(stored.name))
