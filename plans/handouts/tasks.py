"""Background work of the plans app: rendering PDF handouts and batches, and sweeping up print jobs left behind.

The render tasks are thin: claim the job (plans.handouts.services), render it through the service, and turn what
went wrong into a retry (a passing failure: the database or storage out of reach, with exponential backoff) or a
reason the front desk reads (anything else, never retried). They acknowledge their message only once done and
reject it when their worker dies, so the broker delivers it again and the same task id reclaims its job.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.template import TemplateDoesNotExist, TemplateSyntaxError

from clinic.file_store import STORE_UNREACHABLE, FileStoreUnavailable
from clinic.tasks import BrokerTolerantTask
from plans.handouts import services as handout_services
from plans.handouts.content import HandoutError
from plans.handouts.warmup import warm_up
from plans.models import Handout, HandoutBatch, PrintJob

logger = logging.getLogger(__name__)

# Passing failures: the database or the file store out of reach (a folder's OSError, an S3 service's errors:
# clinic.file_store). Retried; anything else is not.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError, FileStoreUnavailable, *STORE_UNREACHABLE)

TOOK_TOO_LONG = (
    "Making it took too long, so it was stopped. Press Try again; if it happens again, tell your administrator."
)
MISSING_FILE = "A file it needs (a picture, or the handout's stylesheet) is missing. Tell your administrator."
TEMPLATE_BROKEN = "The handout's template has an error. Tell your administrator."
UNEXPECTED = "Something went wrong while making it. Press Try again; if it happens again, tell your administrator."
KEPT_FAILING = "The print service could not reach the database or file storage. Press Try again in a few minutes."


# Without a worker (the embedded default) tasks run in the web process. A render takes seconds, so the print click
# would wait for it with nothing on screen: it runs on a thread of its own instead, and the page answers at once and
# shows the job's progress, as with a worker. One thread: renders run one after the other.
_render_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="runback-render")


def _render_outside_the_request(task, kwargs: dict) -> None:
    try:
        task.apply(kwargs=kwargs)
    except Exception:
        logger.exception("Print job %s %s failed on the render thread", task.job_model.__name__, kwargs)
    finally:
        connections.close_all()  # this thread's own database connections


@worker_process_init.connect
def warm_up_the_renderer(**_) -> None:
    """Each worker process renders the sample handout as it starts (plans.handouts.warmup), so the first job it takes
    is no slower than the next. A failure here is logged and never stops the worker: the jobs report their own."""
    try:
        seconds = warm_up()
    except Exception:
        logger.exception("Warming the handout renderer up failed; the first handout will take longer")
    else:
        logger.info("Handout renderer warmed up in %.1f s", seconds)


class PrintJobTask(BrokerTolerantTask):
    """A render task: a job the broker could not take stays queued, and a job left failing is marked so.

    With the broker unreachable the job keeps `dispatched_at` empty, which the print queue shows and the sweeper picks
    up once Redis is back. Each task sets `job_model` and `job_kwarg`.
    """

    job_model: type[PrintJob]
    job_kwarg: str

    def delay_on_commit(self, *args, **kwargs):
        if settings.CELERY_TASK_ALWAYS_EAGER and settings.HANDOUT_RENDER_THREAD:

            def hand_over():
                self.dispatched(args, kwargs)  # taken by the thread: the queue must not call the print service away
                _render_thread.submit(_render_outside_the_request, self, kwargs)

            transaction.on_commit(hand_over)
            return None
        return super().delay_on_commit(*args, **kwargs)

    def broker_unreachable(self, args, kwargs):
        logger.warning(
            "Print job %s %s stays queued for the sweeper", self.job_model.__name__, (kwargs or {}).get(self.job_kwarg)
        )
        return None

    def dispatched(self, args, kwargs) -> None:
        handout_services.print_job_dispatched(self.job_model, pk=(kwargs or {}).get(self.job_kwarg))

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries used up on a passing failure: mark the job failed, if the database is back to take it."""
        job = self.job_model(pk=kwargs.get(self.job_kwarg), task_id=task_id)
        try:
            handout_services.print_job_fail(job, KEPT_FAILING)
        except TRANSIENT_ERRORS:
            logger.warning("Print job %s %s left rendering for the sweeper", self.job_model.__name__, job.pk)


@contextmanager
def failures_become_reasons(job: PrintJob):
    """Passing failures go on to Celery's retry; everything else marks the job failed with a reason."""
    try:
        yield
    except FileNotFoundError:  # an OSError, but one that waiting will not mend
        logger.exception("Print job %s %s: a file is missing", type(job).__name__, job.pk)
        handout_services.print_job_fail(job, MISSING_FILE)
    except TRANSIENT_ERRORS:
        raise
    except SoftTimeLimitExceeded:
        handout_services.print_job_fail(job, TOOK_TOO_LONG)
    except HandoutError as error:
        handout_services.print_job_fail(
            job, f"The handout could not be made: {error}. Ask the physiotherapist to check the plan."
        )
    except (TemplateSyntaxError, TemplateDoesNotExist):
        logger.exception("Print job %s %s: handout template error", type(job).__name__, job.pk)
        handout_services.print_job_fail(job, TEMPLATE_BROKEN)
    except Exception:
        logger.exception("Print job %s %s failed", type(job).__name__, job.pk)
        handout_services.print_job_fail(job, UNEXPECTED)


RENDER_OPTIONS = {
    "bind": True,
    "base": PrintJobTask,
    "ignore_result": True,  # the job's row holds the outcome
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": settings.HANDOUT_MAX_ATTEMPTS - 1,
}


@shared_task(
    name="plans.render_handout",
    job_model=Handout,
    job_kwarg="handout_id",
    soft_time_limit=settings.HANDOUT_SOFT_TIME_LIMIT,
    time_limit=settings.HANDOUT_TIME_LIMIT,
    **RENDER_OPTIONS,
)
def render_handout_task(self, *, handout_id: int) -> str:
    handout = handout_services.print_job_claim(Handout, pk=handout_id, task_id=self.request.id)
    if handout is None:
        return "not claimed"
    with failures_become_reasons(handout):
        handout_services.handout_render(handout=handout)
    return "done"


@shared_task(
    name="plans.render_handout_batch",
    job_model=HandoutBatch,
    job_kwarg="batch_id",
    soft_time_limit=settings.HANDOUT_BATCH_SOFT_TIME_LIMIT,
    time_limit=settings.HANDOUT_BATCH_TIME_LIMIT,
    **RENDER_OPTIONS,
)
def render_handout_batch_task(self, *, batch_id: int) -> str:
    batch = handout_services.print_job_claim(HandoutBatch, pk=batch_id, task_id=self.request.id)
    if batch is None:
        return "not claimed"
    with failures_become_reasons(batch):
        handout_services.handout_batch_render(batch=batch)
    return "done"


@shared_task(name="plans.sweep_print_jobs", ignore_result=True)
def sweep_print_jobs_task() -> dict[str, int]:
    return handout_services.print_jobs_sweep()
