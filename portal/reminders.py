"""Reminder e-mails to patients with a portal account: on the morning of each day their plan has a session, and
when a follow-up questionnaire falls due.

Sent on the morning of the day, not the evening before: the e-mail can only say "you have a session planned today",
and an evening log can still change tomorrow (a red session turns the next run into a rest day, reference §9.3 P4),
so the morning reads the schedule after the last log. The beat task runs daily at settings.REMINDER_TIME.

Each reminder is claimed as a `ReminderSent` row (one per patient, kind and day) before its e-mail is dispatched,
so running the task twice sends nothing twice; the e-mail task claims the row's `sent_at` the same way.
The e-mails carry no health details: the clinic's name, that something is planned or due, and a link.
"""

from datetime import date

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clinic.emails import patient_email
from clinic.models import Patient
from clinic.site import site_url
from intake.selectors import due_follow_ups
from plans.selectors import patients_with_session_on
from portal import tasks
from portal.models import ReminderKind, ReminderSent


def reminder_recipients():
    """Patients who get reminders: an active portal account whose password is set (not just invited), and
    reminders not turned off (they are on unless the patient turned them off)."""
    return Patient.objects.filter(user__isnull=False, user__is_active=True).exclude(
        Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX) | Q(portal_preferences__email_reminders=False)
    )


def due_reminders(*, today: date) -> list[tuple[int, str, date]]:
    """(patient id, kind, day) of every reminder due today: a session planned today, a questionnaire due."""
    recipients = reminder_recipients().values_list("pk", flat=True)
    due = [(patient_id, ReminderKind.SESSION, today) for patient_id in patients_with_session_on(recipients, today)]
    due += [
        (item.schedule.patient_id, ReminderKind.QUESTIONNAIRE, item.due_on)
        for item in due_follow_ups(patient_ids=recipients, today=today)
    ]
    return due


@transaction.atomic
def reminders_queue(*, today: date) -> list[ReminderSent]:
    """Claim today's reminders not claimed before, and send each one's e-mail once the claim is committed."""
    claimed = []
    for patient_id, kind, day in due_reminders(today=today):
        reminder, created = ReminderSent.objects.get_or_create(patient_id=patient_id, kind=kind, for_date=day)
        if created:
            claimed.append(reminder)
            tasks.send_reminder_task.delay_on_commit(reminder_id=reminder.pk)
    return claimed


SUBJECTS = {
    ReminderKind.SESSION: "Your plan today",
    ReminderKind.QUESTIONNAIRE: "A short questionnaire is ready for you",
}


def reminder_send(*, reminder_id: int) -> bool:
    """E-mail one claimed reminder, unless it went out already or the patient has since turned reminders off. The
    row's `sent_at` is claimed first; an error while sending gives it back, so a retry can send it."""
    reminder = ReminderSent.objects.select_related("patient__clinic", "patient__user").filter(pk=reminder_id).first()
    if reminder is None or not reminder_recipients().filter(pk=reminder.patient_id).exists():
        return False
    if not ReminderSent.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(sent_at=timezone.now()):
        return False  # sent already, or another worker is sending it
    try:
        _email(reminder).send()
    except Exception:
        ReminderSent.objects.filter(pk=reminder.pk).update(sent_at=None)
        raise
    return True


def _email(reminder: ReminderSent) -> EmailMultiAlternatives:
    patient = reminder.patient
    context = {
        "kind": reminder.kind,
        "first_name": patient.first_name,
        "clinic": patient.clinic,
        "subject": SUBJECTS[reminder.kind],
        "link": _site_link("my_page" if reminder.kind == ReminderKind.SESSION else "intake:questionnaire"),
        "settings_link": _site_link("portal_settings"),
    }
    return patient_email(
        templates="portal/email/reminder", context=context, to=patient.user.email, clinic=patient.clinic
    )


def _site_link(name: str) -> str:
    return f"{site_url()}{reverse(name)}"
