"""A real Celery worker process, started by the suite against Redis, runs a task."""

import pytest

from portal.tasks import worker_heartbeat


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_through_redis_and_reads_the_test_database(celery_worker_process):
    result = worker_heartbeat.delay()
    answer = result.get(timeout=30)
    assert result.successful()
    assert answer["database"] == "postgresql"
    assert answer["campaigns"] == 1  # the 2024 campaign of the data migration, read by the worker
    assert answer["host"]
