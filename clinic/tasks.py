from celery import shared_task
from django.db import connection

from clinic.models import Clinic


@shared_task(name="clinic.worker_health")
def worker_health_task() -> dict:
    """Answer from the worker with what it can reach, so operators (and CI) can see the round trip works."""
    return {"database": connection.vendor, "clinics": Clinic.objects.count()}
