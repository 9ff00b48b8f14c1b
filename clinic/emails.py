"""E-mails to patients go out in their clinic's name: the clinic as the sender's name (from Runback's own sending
address, which the mail server is allowed to send from) and the clinic's address for replies."""

from email.utils import formataddr, parseaddr

from django.conf import settings

from clinic.models import Clinic


def clinic_sender(clinic: Clinic) -> dict:
    """`from_email` and `reply_to` arguments for an EmailMessage sent on behalf of `clinic`."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    sender = {"from_email": formataddr((clinic.name, address))}
    if clinic.email:
        sender["reply_to"] = [clinic.email]
    return sender
