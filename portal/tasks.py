"""Background work of the portal: the daily reminders (beat) and their e-mails, and the notices of a new message or
a plan issued or changed.

The task names are the contract with workers and queued messages: they keep the names they had when the
reminders lived in the clinic app.
"""

from celery import shared_task
from django.utils import timezone

from clinic.tasks import EmailTask
from portal import notices, reminders


@shared_task(name="clinic.queue_reminders")
def queue_reminders_task() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): claim today's reminders and send their e-mails. Safe to run again."""
    return len(reminders.reminders_queue(today=timezone.localdate()))


@shared_task(name="clinic.send_reminder", base=EmailTask)
def send_reminder_task(*, reminder_id: int) -> bool:
    return reminders.reminder_send(reminder_id=reminder_id)


@shared_task(name="portal.send_notice", base=EmailTask)
def send_notice_task(*, notice_id: int) -> bool:
    return notices.notice_send(notice_id=notice_id)
