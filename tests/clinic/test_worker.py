import pytest

from clinic.tasks import worker_health_task
from tests.factories import ClinicFactory


@pytest.mark.worker
def test_task_travels_through_redis_to_a_real_worker_and_back(real_worker):
    ClinicFactory.create_batch(2)
    result = worker_health_task.delay()
    # The worker answers from its own process and connection, so seeing our rows proves the round trip.
    assert result.get(timeout=30) == {"database": "postgresql", "clinics": 2}
