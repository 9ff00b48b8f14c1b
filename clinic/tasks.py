"""Background work of the clinic app: thin wrappers around services, dispatched on commit or by beat; and the
task classes that keep pages working when the broker (Redis) cannot be reached."""

import logging
from smtplib import SMTPException

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.contrib.auth import get_user_model
from django.db import connection
from kombu.exceptions import OperationalError as BrokerUnreachable

from clinic import services
from clinic.models import Clinic
from clinic.site import request_site, serving

logger = logging.getLogger(__name__)


class BrokerTolerantTask(DjangoTask):
    """A task whose sending never turns a saved request into an error page.

    Tasks are sent after the request's transaction commits (`delay_on_commit`); publishing gives up within seconds
    when Redis is down (CELERY_BROKER_CONNECTION_TIMEOUT, CELERY_TASK_PUBLISH_RETRY_POLICY). What then happens is the
    subclass's `broker_unreachable`; `dispatched` runs after a successful send.
    """

    def apply_async(self, args=None, kwargs=None, **options):
        try:
            result = super().apply_async(args, kwargs, **options)
        except BrokerUnreachable as error:
            logger.warning("Task %s not sent: the broker is unreachable (%s)", self.name, type(error).__name__)
            return self.broker_unreachable(args, kwargs)
        self.dispatched(args, kwargs)
        return result

    def broker_unreachable(self, args, kwargs):
        return None

    def dispatched(self, args, kwargs) -> None:
        pass


class EmailTask(BrokerTolerantTask):
    """An e-mail: with the broker down it is sent from this process instead (sending needs SMTP, not Redis). Sent
    from a request, it carries the request's address, so its links point where the clinic is served (clinic.site).
    """

    autoretry_for = (SMTPException, OSError)
    retry_backoff = True
    max_retries = 5
    typing = False  # `site` is taken by __call__, not by the task's own function

    def delay_on_commit(self, *args, **kwargs):
        return super().delay_on_commit(*args, site=request_site(), **kwargs)

    def __call__(self, *args, site=None, **kwargs):
        with serving(site):
            return super().__call__(*args, **kwargs)

    def broker_unreachable(self, args, kwargs):
        # Never raise into the page that asked: a failure to send is logged, like a worker's would be.
        return self.apply(args, kwargs, throw=False)


@shared_task(name="clinic.worker_health")
def worker_health_task() -> dict:
    """Answer from the worker with what it can reach, so operators (and CI) can see the round trip works."""
    return {"database": connection.vendor, "clinics": Clinic.objects.count()}


@shared_task(name="clinic.send_portal_invite", base=EmailTask)
def send_portal_invite_task(*, user_id: int) -> bool:
    user = get_user_model().objects.filter(pk=user_id).first()
    return user is not None and services.portal_invite_send_email(user=user)
