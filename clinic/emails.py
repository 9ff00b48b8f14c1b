"""E-mails to patients: written from templates (a subject, a plain-text body and an HTML one) and sent in their
clinic's name, the clinic as the sender's name (from Runback's own sending address, which the mail server may send
from) and the clinic's address for replies."""

from datetime import date, timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.models import Clinic
from clinic.site import request_site


def link_works_until() -> date:
    """The last day a password link made now works (welcome and reset links alike: PASSWORD_RESET_TIMEOUT)."""
    return timezone.localdate() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def clinic_sender(clinic: Clinic) -> dict:
    """`from_email` and `reply_to` arguments for an e-mail sent on behalf of `clinic`."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    sender = {"from_email": formataddr((clinic.name, address))}
    if clinic.email:
        sender["reply_to"] = [clinic.email]
    return sender


def patient_email(*, templates: str, context: dict, to: str, clinic: Clinic) -> EmailMultiAlternatives:
    """The e-mail of `<templates>_subject.txt`, `<templates>.txt` and `<templates>.html`, to one patient. The HTML
    one opens with the clinic's logo (`clinic/email/_logo.html`) when it has one and Runback knows its address."""
    site = request_site()
    logo_src = f"{site}{clinic.logo_url()}" if site and clinic.logo else ""
    context = {**context, "clinic": clinic, "clinic_logo_src": logo_src}
    message = EmailMultiAlternatives(
        subject=render_to_string(f"{templates}_subject.txt", context).strip(),
        body=render_to_string(f"{templates}.txt", context),
        to=[to],
        **clinic_sender(clinic),
    )
    message.attach_alternative(render_to_string(f"{templates}.html", context), "text/html")
    return message
