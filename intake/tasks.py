"""Background work of the intake: thin wrappers around services, dispatched on commit."""

from celery import shared_task

from clinic.tasks import EmailTask
from intake import services
from intake.models import IntakeInvite


@shared_task(name="intake.send_invite_email", base=EmailTask)
def send_invite_email_task(*, invite_id: int) -> bool:
    invite = IntakeInvite.objects.select_related("patient__clinic").filter(pk=invite_id).first()
    return invite is not None and services.invite_send_email(invite=invite)
