"""The audit trail: one call per thing worth recording. Views call `record`; services may too (with `actor`)."""

from django.conf import settings

from clinic.models import AuditAction, AuditEvent, Patient

PATIENT_ACTOR_LABEL = "The patient (portal account)"


def client_ip(request) -> str | None:
    """The client's address; behind a trusted TLS proxy, the last address it appended to X-Forwarded-For."""
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def patient_of(record) -> Patient:
    """The patient a record belongs to: the patient, or the `patient` of one of their records."""
    return record if isinstance(record, Patient) else record.patient


def record(request, *, patient: Patient, action: str, target=None, detail: str = "", actor=None) -> AuditEvent:
    """Record that the request's user (or `actor`, outside a request) did `action` on `target` of `patient`.

    `target` is a model instance (its type and id are recorded) or None for the patient record itself.
    `detail` must not contain patient data: say "paper=a4", never a name or an answer.
    """
    target = target if target is not None else patient
    return _event(
        request,
        clinic_id=patient.clinic_id,
        patient_id=patient.pk,
        action=action,
        target_type=target._meta.model_name,
        target_id=target.pk,
        detail=detail,
        actor=actor,
    )


def record_for_clinic(request, *, clinic, action: str, target_type: str, detail: str = "") -> AuditEvent:
    """Record that the request's user did `action` with the clinic's records as a whole, not one patient's: a table
    of the clinic's outcomes downloaded, say. The event is in the clinic's trail (the admin), in no patient's.
    `detail` must not contain patient data."""
    return _event(request, clinic_id=clinic.pk, patient_id=None, action=action, target_type=target_type, detail=detail)


def _event(request, *, clinic_id, patient_id, action, target_type, target_id=None, detail, actor=None) -> AuditEvent:
    user = actor if actor is not None else getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    return AuditEvent.objects.create(
        clinic_id=clinic_id,
        patient_id=patient_id,
        actor=user,
        actor_label=_label(user, request),
        action=AuditAction(action),
        target_type=target_type,
        target_id=target_id,
        detail=detail[:200],
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:200] if request is not None else ""),
    )


def _label(user, request) -> str:
    if user is None:
        # An anonymous visitor can only act through a signed link (the intake invite).
        return "Patient via secure link" if request is not None else "System"
    member = user.staff_member
    if member is None and user.patient_record is not None:
        # The event's patient_id says who; a name here would outlive the patient's erasure or anonymisation.
        return PATIENT_ACTOR_LABEL
    role = member.get_role_display() if member else "Administrator"
    return f"{user.get_full_name() or user.email} ({role})"


def events_for_patient(patient: Patient):
    return AuditEvent.objects.filter(clinic_id=patient.clinic_id, patient_id=patient.pk).select_related("actor")
