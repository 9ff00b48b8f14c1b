"""Background work of the clinic app: thin wrappers around services, dispatched on commit or by beat."""

from smtplib import SMTPException

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from clinic import reminders, services
from clinic.models import Clinic

EMAIL_RETRY = {"autoretry_for": (SMTPException, OSError), "retry_backoff": True, "max_retries": 5}


@shared_task(name="clinic.worker_health")
def worker_health_task() -> dict:
    """Answer from the worker with what it can reach, so operators (and CI) can see the round trip works."""
    return {"database": connection.vendor, "clinics": Clinic.objects.count()}


@shared_task(name="clinic.queue_reminders")
def queue_reminders_task() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): claim today's reminders and send their e-mails. Safe to run again."""
    return len(reminders.reminders_queue(today=timezone.localdate()))


@shared_task(name="clinic.send_reminder", **EMAIL_RETRY)
def send_reminder_task(*, reminder_id: int) -> bool:
    return reminders.reminder_send(reminder_id=reminder_id)


@shared_task(name="clinic.send_portal_invite", **EMAIL_RETRY)
def send_portal_invite_task(*, user_id: int) -> bool:
    user = get_user_model().objects.filter(pk=user_id).first()
    return user is not None and services.portal_invite_send_email(user=user)
