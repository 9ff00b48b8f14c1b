"""What the plans app holds about a patient, for their data rights (composed in `clinic/data_rights.py`): plans with
their drafts, the revisions the patient was given, logged sessions and the alerts they raised.

A new model of this app that holds a patient's data belongs in MODELS and in each function below
(`tests/clinic/test_data_rights.py` fails for a patient-owned model that no app lists).
"""

from clinic.models import Patient
from clinic.personal_data import REMOVED_TEXT, StoredFile, anonymising, export_record
from plans.models import PF_SYMPTOM_LABELS, Plan, PlanAlert, PlanRevision, SessionLog

MODELS = (Plan, PlanRevision, SessionLog, PlanAlert)


def export(patient: Patient) -> dict:
    """Everything the plans app holds about `patient`, oldest first, as JSON-ready data."""
    plans = Plan.objects.filter(patient=patient).select_related("created_by__user", "draft_saved_by__user")
    revisions = PlanRevision.objects.filter(plan__patient=patient).select_related("created_by__user")
    logs = SessionLog.objects.filter(plan__patient=patient).select_related("logged_by")
    alerts = PlanAlert.objects.filter(plan__patient=patient).select_related("reviewed_by__user")
    return {
        "plans": [export_record(plan) for plan in plans.order_by("created_at", "pk")],
        "plan_revisions": [export_record(revision) for revision in revisions.order_by("plan_id", "number")],
        "session_logs": [
            {
                **export_record(log),
                "pf_symptom_labels": [PF_SYMPTOM_LABELS.get(code, code) for code in log.pf_symptoms],
            }
            for log in logs.order_by("plan_id", "session_date")
        ],
        "plan_alerts": [export_record(alert) for alert in alerts.order_by("raised_at", "pk")],
    }


def stored_files(patient: Patient) -> list[StoredFile]:
    """Plans store no files of their own (handout PDFs are rendered on request)."""
    return []


def anonymise(patient: Patient) -> None:
    """Replace the one free text of a plan, the physio's note for the patient, in the draft and in every revision
    the patient was given. Everything else in a plan is built or computed, and stays."""
    Plan.objects.filter(patient=patient).exclude(note_for_patient="").update(note_for_patient=REMOVED_TEXT)
    with anonymising():
        # Revisions refuse changes through their own manager (and on PostgreSQL a trigger refuses them outside
        # `anonymising`); the base manager is the one way round, for this one field.
        PlanRevision._base_manager.filter(plan__patient=patient).exclude(note_for_patient="").update(
            note_for_patient=REMOVED_TEXT
        )


def erase(patient: Patient) -> None:
    """Delete the patient's plans, and with them their revisions, logged sessions and alerts. Runs before the
    intake's erasure: a plan keeps its assessment from being deleted on its own."""
    Plan.objects.filter(patient=patient).delete()
