"""Handing work to the Celery workers without letting a broker outage break the request.

The request's data is already committed when tasks are queued (on commit). If Redis is down the
task is logged as not queued and the request still succeeds; the periodic `requeue_pending_work`
job picks up what was left (checks, previews, summary tables), and mails are best effort.
"""

import logging

from django.db import transaction

logger = logging.getLogger("portal.queueing")


def enqueue(task, *args) -> bool:
    """Queue `task(*args)` now; False (logged) when the broker cannot be reached."""
    try:
        task.apply_async(args=args)
    except Exception:  # kombu/redis raise several types for an unreachable broker
        logger.warning("task %s%r not queued: the broker is unavailable", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Queue `task(*args)` once the current transaction commits (never for work rolled back)."""
    transaction.on_commit(lambda: enqueue(task, *args))
