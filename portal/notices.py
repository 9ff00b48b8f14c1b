"""E-mail notices to patients with a portal account: a new message from the clinic, and their plan issued or changed
by their physiotherapist. The e-mail says only that something new waits and links to it: the clinic's name, never
what the message says nor anything about the plan or their health. Patients turn notices off in the portal's
settings (PortalPreferences.email_notices).

A message notice goes out for the first message of the clinic's the patient has not read yet; while that one waits
unread, the messages after it send none (she has been told, and reads them together). A plan notice goes out for
each revision a physiotherapist makes (plans.signals.plan_revised). Each notice is claimed as a `NoticeSent` row
when it is due, and its e-mail is sent once the claim is committed; sending claims the row's `sent_at` first, as the
reminders do, so a retried task never sends it twice.
"""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clinic.emails import patient_email
from clinic.models import Patient
from clinic.site import site_url
from plans.models import PlanRevision, RevisionKind
from portal import tasks
from portal.models import Message, NoticeKind, NoticeSent


def notice_recipients():
    """Patients who get notices: an active portal account whose password is set (not just invited), and notices
    not turned off (they are on unless the patient turned them off)."""
    return Patient.objects.filter(user__isnull=False, user__is_active=True).exclude(
        Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX) | Q(portal_preferences__email_notices=False)
    )


def gets_notices(patient_id: int) -> bool:
    return notice_recipients().filter(pk=patient_id).exists()


def notice_queue(*, patient: Patient, kind: str) -> NoticeSent | None:
    """Claim a notice for the patient and send its e-mail once the transaction commits; None for a patient who
    gets no notices."""
    if not gets_notices(patient.pk):
        return None
    notice = NoticeSent.objects.create(patient=patient, kind=kind)
    tasks.send_notice_task.delay_on_commit(notice_id=notice.pk)
    return notice


def message_notice(message: Message) -> NoticeSent | None:
    """The notice of a message from the clinic, unless an earlier one still waits unread (she has been told)."""
    unread = Message.objects.filter(patient_id=message.patient_id).unread_by_patient().exclude(pk=message.pk)
    if message.from_patient or unread.exists():
        return None
    return notice_queue(patient=message.patient, kind=NoticeKind.MESSAGE)


def plan_notice(sender, *, revision: PlanRevision, **kwargs) -> NoticeSent | None:
    """The notice of a revision a physiotherapist made (the receiver of plans.signals.plan_revised): the plan is
    new the first time it is issued, changed after that."""
    first = revision.kind == RevisionKind.ISSUED and revision.number == 1
    return notice_queue(
        patient=revision.plan.patient, kind=NoticeKind.PLAN_ISSUED if first else NoticeKind.PLAN_CHANGED
    )


SUBJECTS = {
    NoticeKind.MESSAGE: "A new message from {clinic}",
    NoticeKind.PLAN_ISSUED: "Your plan from {clinic} is ready",
    NoticeKind.PLAN_CHANGED: "Your plan from {clinic} has changed",
}
LINKS = {
    NoticeKind.MESSAGE: "portal_messages",
    NoticeKind.PLAN_ISSUED: "portal_plan",
    NoticeKind.PLAN_CHANGED: "portal_plan",
}


def notice_send(*, notice_id: int) -> bool:
    """E-mail one claimed notice, unless it went out already or the patient has since turned notices off. The
    row's `sent_at` is claimed first; an error while sending gives it back, so a retry can send it."""
    notice = NoticeSent.objects.select_related("patient__clinic", "patient__user").filter(pk=notice_id).first()
    if notice is None or not gets_notices(notice.patient_id):
        return False
    if not NoticeSent.objects.filter(pk=notice.pk, sent_at__isnull=True).update(sent_at=timezone.now()):
        return False  # sent already, or another worker is sending it
    try:
        _email(notice).send()
    except Exception:
        NoticeSent.objects.filter(pk=notice.pk).update(sent_at=None)
        raise
    return True


def _email(notice: NoticeSent) -> EmailMultiAlternatives:
    patient = notice.patient
    context = {
        "kind": notice.kind,
        "first_name": patient.first_name,
        "clinic": patient.clinic,
        "subject": SUBJECTS[notice.kind].format(clinic=patient.clinic.name),
        "link": f"{site_url()}{reverse(LINKS[notice.kind])}",
        "settings_link": f"{site_url()}{reverse('portal_settings')}",
    }
    return patient_email(templates="portal/email/notice", context=context, to=patient.user.email, clinic=patient.clinic)
