"""E-mails to patients: written from templates (a subject, a plain-text body and an HTML one) and sent in their
clinic's name, the clinic as the sender's name (from Runback's own sending address, which the mail server may send
from) and the clinic's address for replies."""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from clinic.models import Clinic


def clinic_sender(clinic: Clinic) -> dict:
    """`from_email` and `reply_to` arguments for an e-mail sent on behalf of `clinic`."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    sender = {"from_email": formataddr((clinic.name, address))}
    if clinic.email:
        sender["reply_to"] = [clinic.email]
    return sender


def patient_email(*, templates: str, context: dict, to: str, clinic: Clinic) -> EmailMultiAlternatives:
    """The e-mail of `<templates>_subject.txt`, `<templates>.txt` and `<templates>.html`, to one patient."""
    message = EmailMultiAlternatives(
        subject=render_to_string(f"{templates}_subject.txt", context).strip(),
        body=render_to_string(f"{templates}.txt", context),
        to=[to],
        **clinic_sender(clinic),
    )
    message.attach_alternative(render_to_string(f"{templates}.html", context), "text/html")
    return message
