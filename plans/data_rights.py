"""What the plans app holds about a patient, for their data rights (composed in `clinic/data_rights.py`): plans with
their drafts, the revisions the patient was given (and the days with a session in the current one), logged sessions and
the alerts they raised, and the PDF handouts printed of them.

A handout's PDF prints the patient's name and the physio's note, and a batch (several handouts printed together)
prints several patients': the patient's own handout files go into their export; a batch never does (it holds other
patients' pages), but it is deleted with its file when a patient in it is anonymised or erased.

A new model of this app that holds a patient's data belongs in MODELS and in each function below
(`tests/clinic/test_data_rights.py` fails for a patient-owned model that no app lists).
"""

from clinic.models import Patient
from clinic.personal_data import REMOVED_TEXT, StoredFile, anonymising, export_record, storage_delete_on_commit
from plans.models import (
    PF_SYMPTOM_LABELS,
    Handout,
    HandoutBatch,
    Plan,
    PlanAlert,
    PlannedSession,
    PlanRevision,
    SessionLog,
)
from plans.services import plan_history_changed

MODELS = (Plan, PlanRevision, PlannedSession, SessionLog, PlanAlert, Handout)


def _handouts(patient: Patient):
    return Handout.objects.filter(revision__plan__patient=patient).select_related("revision", "requested_by")


def export(patient: Patient) -> dict:
    """Everything the plans app holds about `patient`, oldest first, as JSON-ready data."""
    plans = Plan.objects.filter(patient=patient).select_related("created_by__user", "draft_saved_by__user")
    revisions = PlanRevision.objects.filter(plan__patient=patient).select_related("created_by__user")
    planned = PlannedSession.objects.filter(plan__patient=patient).order_by("plan_id", "day")
    logs = SessionLog.objects.filter(plan__patient=patient).select_related("logged_by")
    alerts = PlanAlert.objects.filter(plan__patient=patient).select_related("reviewed_by__user")
    return {
        "plans": [export_record(plan) for plan in plans.order_by("created_at", "pk")],
        "plan_revisions": [export_record(revision) for revision in revisions.order_by("plan_id", "number")],
        "planned_sessions": [export_record(session) for session in planned],
        "session_logs": [
            {
                **export_record(log),
                "pf_symptom_labels": [PF_SYMPTOM_LABELS.get(code, code) for code in log.pf_symptoms],
            }
            for log in logs.order_by("plan_id", "session_date")
        ],
        "plan_alerts": [export_record(alert) for alert in alerts.order_by("raised_at", "pk")],
        "handouts": [
            {**export_record(handout), "plan_id": handout.revision.plan_id, "revision_number": handout.revision.number}
            for handout in _handouts(patient).order_by("revision_id", "paper")
        ],
    }


def stored_files(patient: Patient) -> list[StoredFile]:
    """The patient's handout PDFs, named in the export by plan, revision and paper."""
    return [
        StoredFile(
            f"handouts/plan-{handout.revision.plan_id}-revision-{handout.revision.number}-{handout.paper}.pdf",
            handout.file.storage,
            handout.file.name,
        )
        for handout in _handouts(patient).exclude(file="")
    ]


def _forget_printed_copies(patient: Patient, *, handouts: bool) -> None:
    """Delete the batches holding the patient's pages (and, with `handouts`, their own handouts), files once the
    transaction commits. Handouts of a plan can always be printed again."""
    batches = HandoutBatch.objects.containing_patient(patient.pk)
    files = [
        StoredFile(f"handouts/batch-{batch.pk}.pdf", batch.file.storage, batch.file.name)
        for batch in batches.exclude(file="")
    ]
    HandoutBatch.objects.filter(pk__in=[batch.pk for batch in batches]).delete()
    if handouts:
        files += stored_files(patient)
        _handouts(patient).delete()
    storage_delete_on_commit(files)


def anonymise(patient: Patient) -> None:
    """Replace the free texts of a plan, the physio's note for the patient (in the draft and in every revision the
    patient was given) and the patient's comments on their logged sessions, and delete the printed handouts (they
    carry the name and the note). Everything else in a plan is built or computed, and stays."""
    Plan.objects.filter(patient=patient).exclude(note_for_patient="").update(note_for_patient=REMOVED_TEXT)
    SessionLog.objects.filter(plan__patient=patient).exclude(comment="").update(comment=REMOVED_TEXT)
    plan_history_changed(Plan.objects.filter(patient=patient).values("pk"))
    with anonymising():
        # Revisions refuse changes through their own manager (and on PostgreSQL a trigger refuses them outside
        # `anonymising`); the base manager is the one way round, for this one field.
        PlanRevision._base_manager.filter(plan__patient=patient).exclude(note_for_patient="").update(
            note_for_patient=REMOVED_TEXT
        )
    # The printed PDFs carry the name and the note: they go (a handout printed again is anonymised too).
    _forget_printed_copies(patient, handouts=True)


def erase(patient: Patient) -> None:
    """Delete the patient's plans, and with them their revisions, planned sessions, logged sessions and alerts. Runs
    before the intake's erasure: a plan keeps its assessment from being deleted on its own. Their handouts go with
    them (their files are among `stored_files`), and so do the batches their pages were printed in."""
    _forget_printed_copies(patient, handouts=False)
    Plan.objects.filter(patient=patient).delete()
