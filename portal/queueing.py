"""Handing work to the Celery workers without letting a broker outage slow down or lose it.

Work is first recorded as a PendingTask row in the same transaction as the data it works on (an
outbox): rolled back together, or committed together, so committed work cannot be lost. After the
commit the message is published once, on a connection of its own with a half-second connect and
socket timeout and no retries, and the row is deleted. With Redis down the publish fails within
half a second, the request still succeeds, and the row waits for the requeue job
(`portal.requeue_pending_work`, every 20 seconds), which publishes it once the broker is back.

Why a connection of its own: the shared producer pool retries the connection for the whole
connect timeout, and the Redis result backend retries its subscription 20 times (19 s); a
request must not wait for either. Messages are published with ignore_result: nothing in a
request waits for the result of queued work.
"""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.utils import timezone

from portal.models import PendingTask

logger = logging.getLogger("portal.queueing")

# Seconds to reach Redis before giving up. After a failure this process does not try again for
# RETRY_AFTER_SECONDS (the rows wait for the requeue job), so a request that queues many tasks (a
# forward moves every case of the list) pays the timeout once, not once per task.
PUBLISH_TIMEOUT_SECONDS = 0.5
RETRY_AFTER_SECONDS = 5.0
_broker_down_until = 0.0


def enqueue_on_commit(task, *args) -> None:
    """Record `task(*args)` in the current transaction and queue it once that commits (never for
    work rolled back). Outside a transaction the row commits at once and the task is queued now."""
    pending = PendingTask.objects.create(name=task.name, args=list(args))
    transaction.on_commit(lambda: publish_pending(pending, task=task))


def enqueue(task, *args) -> bool:
    """Record `task(*args)` and queue it now (for work not tied to a transaction being written).
    False (logged; the row stays for the requeue job) when the broker cannot be reached."""
    pending = PendingTask.objects.create(name=task.name, args=list(args))
    return publish_pending(pending, task=task)


def publish_pending(pending: PendingTask, *, task=None) -> bool:
    """Publish one recorded task; delete its row once the broker took it, else count the attempt."""
    if send(task or pending.name, *pending.args):
        PendingTask.objects.filter(pk=pending.pk).delete()
        return True
    PendingTask.objects.filter(pk=pending.pk).update(attempts=pending.attempts + 1, last_attempt_at=timezone.now())
    return False


def broker_recently_failed() -> bool:
    """Whether a publish from this process found the broker unreachable in the last few seconds."""
    return time.monotonic() < _broker_down_until


def send(task, *args) -> bool:
    """Publish `task(*args)` (a task or its registered name) once, with the short timeout and no
    retry; False (logged) when the broker cannot be reached. Not recorded: for work whose own
    state already says it is waiting (the requeue job's checks, previews and tables)."""
    global _broker_down_until
    from portal.celery import app

    name = task if isinstance(task, str) else task.name
    if not app.conf.task_always_eager and broker_recently_failed():
        logger.warning("task %s%r not queued: the broker failed a moment ago", name, args)
        return False
    # Always this app's registry (a shared task follows whichever app is current); every name the
    # code sends is registered (tests/portal/test_task_registry.py).
    if name not in app.tasks:
        logger.error("task %s%r not queued: no such task is registered", name, args)
        return False
    task = app.tasks[name]
    try:
        if app.conf.task_always_eager:  # embedded default and ordinary tests: runs here and now
            task.apply_async(args=args)
            return True
        options = {**(app.conf.broker_transport_options or {}), "max_retries": 0,
                   "socket_timeout": PUBLISH_TIMEOUT_SECONDS, "socket_connect_timeout": PUBLISH_TIMEOUT_SECONDS}
        with app.connection_for_write(connect_timeout=PUBLISH_TIMEOUT_SECONDS, transport_options=options) as connection:
            task.apply_async(args=args, connection=connection, retry=False, ignore_result=True)
    except Exception:  # kombu/redis raise several types for an unreachable broker
        if not app.conf.task_always_eager:
            _broker_down_until = time.monotonic() + RETRY_AFTER_SECONDS
        logger.warning("task %s%r not queued (broker unavailable) or failed in-process", name, args, exc_info=True)
        return False
    return True
