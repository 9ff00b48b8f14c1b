"""A patient's data rights: an export of everything Runback holds about them, anonymisation and erasure.

The clinic's own records (the patient and their portal account) are handled here. Every app that holds patient
data says what it holds in its own `data_rights.py` and registers it from its AppConfig.ready()
(`data_rights.register(...)`), so this lower floor never imports the apps above it. The module has five names:

- `MODELS`: its models that hold a patient's data (`tests/clinic/test_data_rights.py` fails for a patient-owned
  model that no app lists);
- `export(patient) -> dict`: its records as JSON-ready data, its section of patient.json;
- `stored_files(patient) -> list[StoredFile]`: its files in storage (handout PDFs), added to the archive;
- `anonymise(patient)`: remove identity and free text, keep the clinical data;
- `erase(patient)`: delete its records.

Anonymisation and erasure each run in one transaction (the request's, and their own when called outside one);
files are deleted from storage only once the erasure has committed.
"""

import json
import shutil
import zipfile
from dataclasses import dataclass
from datetime import date
from tempfile import SpooledTemporaryFile
from types import ModuleType

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from clinic import accounts
from clinic.file_store import STORE_UNREACHABLE, FileStoreUnavailable
from clinic.models import Patient, PatientStatus, StaffMember, User
from clinic.personal_data import StoredFile, export_record, storage_delete_on_commit

# Each app's section of patient.json, in the order the apps are installed (they register as they start). Erasure
# runs through them in reverse, so an app whose records refer to another app's (plans to assessments) comes after
# it in INSTALLED_APPS and is erased before it.
APPS: dict[str, ModuleType] = {}


def register(section: str, module: ModuleType) -> None:
    """Add an app's data rights (its `data_rights` module) as `section` of the export."""
    APPS[section] = module


EXPORT_FORMAT = "runback-patient-export"
EXPORT_FORMAT_VERSION = 1
# An archive is built in memory up to this size and spills to a temporary file beyond it, so a patient with many
# handout PDFs never holds the web process's memory. patient.json alone is tens of kilobytes for a typical
# patient (a few intakes and assessments, a plan with its revisions); handouts are 100-300 kB each.
EXPORT_SPOOL_MAX_MEMORY = 8 * 1024 * 1024

# Anonymisation keeps the year of birth (ages stay right to within half a year, for the clinical rules that read
# them) and sets the day to 1 July, the middle of the year.
ANONYMISED_BIRTH_MONTH, ANONYMISED_BIRTH_DAY = 7, 1
ANONYMISED_FIRST_NAME = "Anonymised"


class DataRightsAction(models.TextChoices):
    ANONYMISE = "anonymise", "Anonymise: keep the clinical records without anything that identifies the patient"
    ERASE = "erase", "Erase: delete the patient and everything Runback holds about them"


class DataRightsReason(models.TextChoices):
    """Why a record was anonymised or erased. Only the code goes into the audit trail, never a name or a note."""

    PATIENT_REQUEST = "patient_request", "The patient asked for it"
    CONSENT_WITHDRAWN = "consent_withdrawn", "The patient withdrew their consent"
    RETENTION_ENDED = "retention_ended", "The clinic's retention period for the records has ended"
    CREATED_IN_ERROR = "created_in_error", "The record was created in error or is a duplicate"


# --- Export ---------------------------------------------------------------------------------------------------


def _stored_files(patient: Patient) -> list[StoredFile]:
    return [stored for module in APPS.values() for stored in module.stored_files(patient)]


def _patient_record(patient: Patient) -> dict:
    clinic = patient.clinic
    return {
        **export_record(patient, exclude=("clinic", "user")),
        "clinic": {"name": clinic.name, "phone": clinic.phone, "email": clinic.email, "address": clinic.address},
    }


def _account_record(user: User | None) -> dict | None:
    if user is None:
        return None
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": user.is_active,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "two_factor_sign_in": accounts.has_two_factor(user),
    }


def patient_export_data(
    patient: Patient, *, by: StaffMember, files: list[StoredFile] = (), missing: list[StoredFile] = ()
) -> dict:
    """Everything Runback holds about `patient` as JSON-ready data: the contents of patient.json. `files` are the
    stored files in the archive beside it; `missing`, those whose records name a file storage no longer has."""
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now(),
        "exported_by": str(by),
        "patient": _patient_record(patient),
        "portal_account": _account_record(patient.user),
        **{section: module.export(patient) for section, module in APPS.items()},
        "files": [stored.archive_name for stored in files],
        "files_missing": [stored.archive_name for stored in missing],
    }


def record_counts(patient: Patient) -> list[tuple[str, int]]:
    """How many records of each kind Runback holds about the patient, for the data rights page."""
    counts = []
    for module in APPS.values():
        for kind, records in module.export(patient).items():
            counts.append((kind.replace("_", " ").capitalize(), len(records)))
    return counts


@dataclass(frozen=True)
class ExportArchive:
    file: SpooledTemporaryFile
    filename: str
    file_count: int  # stored files included besides patient.json and README.txt


def patient_export_archive(*, patient: Patient, by: StaffMember) -> ExportArchive:
    """A ZIP archive of patient.json, a README.txt explaining it, and the patient's stored files under their own
    folders. Read inside the caller's transaction, so every part shows the same moment. A file storage has lost is
    listed as missing rather than failing the whole export. A file store out of reach (S3 down or too slow) raises
    `FileStoreUnavailable`: the files are most likely there, so an archive without them would be incomplete, not a
    true export; nothing is changed, and the export can be asked for again."""
    archive = SpooledTemporaryFile(max_size=EXPORT_SPOOL_MAX_MEMORY)  # noqa: SIM115 - handed to the response
    try:
        file_count = _write_export_archive(archive, patient=patient, by=by)
    except STORE_UNREACHABLE as error:  # first: botocore's timeouts are OSErrors too
        archive.close()
        raise FileStoreUnavailable("could not read the patient's stored files") from error
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    day = timezone.localdate().isoformat()
    # The file name carries the record number only: names end up in download folders and browser histories.
    return ExportArchive(archive, f"runback-patient-{patient.pk}-{day}.zip", file_count)


def _write_export_archive(archive: SpooledTemporaryFile, *, patient: Patient, by: StaffMember) -> int:
    """Write the export's ZIP into `archive`; the number of stored files it holds."""
    files, missing = [], []
    for stored in _stored_files(patient):
        (files if stored.storage.exists(stored.name) else missing).append(stored)
    data = patient_export_data(patient, by=by, files=files, missing=missing)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(
            "README.txt",
            render_to_string("clinic/data_rights/export_readme.txt", {"data": data, "patient": patient}),
        )
        zipped.writestr("patient.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
        for stored in files:
            with stored.storage.open(stored.name, "rb") as source, zipped.open(stored.archive_name, "w") as target:
                shutil.copyfileobj(source, target)
    return len(files)


# --- Anonymisation and erasure --------------------------------------------------------------------------------


def anonymised_birth_date(born: date, *, today: date) -> date:
    return min(date(born.year, ANONYMISED_BIRTH_MONTH, ANONYMISED_BIRTH_DAY), today)


@transaction.atomic
def patient_anonymise(*, patient: Patient) -> Patient:
    """Keep the patient's clinical records without their identity: names, the day and month of birth, contact
    details and every free text are replaced, the portal account is unlinked and closed, links stop working, and
    the patient is discharged (nobody can be contacted about an anonymous record)."""
    for module in APPS.values():
        module.anonymise(patient)
    account = patient.user
    patient.first_name = ANONYMISED_FIRST_NAME
    patient.last_name = f"patient {patient.pk}"
    patient.date_of_birth = anonymised_birth_date(patient.date_of_birth, today=timezone.localdate())
    patient.email = ""
    patient.phone = ""
    patient.user = None
    patient.status = PatientStatus.DISCHARGED
    patient.anonymised_at = timezone.now()
    patient.save()
    if account is not None:
        _close_account(account)
    return patient


def _close_account(user: User) -> None:
    """Deactivate a former patient's account and remove what identifies them (signing in is impossible after)."""
    user.is_active = False
    user.email = f"anonymised-{user.pk}@anonymised.invalid"  # unique, and an address that can never exist
    user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.save()
    accounts.sign_in_data_remove(user=user)


@transaction.atomic
def patient_erase(*, patient: Patient) -> None:
    """Delete the patient, everything every app holds about them and their portal account; their stored files go
    once the transaction commits. The audit trail stays: its entries name records by number, never the patient."""
    files = _stored_files(patient)
    for module in reversed(APPS.values()):
        module.erase(patient)
    account = patient.user
    patient.delete()
    if account is not None and account.staff_member is None and not account.is_superuser:
        account.delete()
    storage_delete_on_commit(files)
