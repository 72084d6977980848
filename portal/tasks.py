import os
import time
from pathlib import Path

from celery import shared_task
from django.db import connection

import portal.logging  # noqa: F401  (connects the task log signals in the worker)
import portal.worker_presence  # noqa: F401  (the worker's presence heartbeat, read by the requeue job)
from cases.models import Campaign


@shared_task(name="portal.worker_heartbeat")
def worker_heartbeat() -> dict:
    """Answers from a worker with what it can reach: proves broker, worker and database wiring."""
    import socket

    return {"host": socket.gethostname(), "database": connection.vendor, "campaigns": Campaign.objects.count()}


@shared_task(name="portal.drill_slow_task", acks_late=True, reject_on_worker_lost=True)
def drill_slow_task(marker_dir: str, seconds: float = 30.0) -> dict:
    """For the failure drill (tests/portal/test_failure_drills.py) only: a long task that must
    survive its worker being killed. Records each start (with the worker's pid) in `marker_dir`,
    works for `seconds`, then marks itself done. Safe to run twice: a run that finds the done
    marker returns at once."""
    folder = Path(marker_dir)
    done = folder / "done"
    if done.exists():
        return {"pid": os.getpid(), "already_done": True}
    with open(folder / "starts", "a") as starts:
        starts.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
    done.write_text(str(os.getpid()))
    return {"pid": os.getpid(), "already_done": False}


@shared_task(name="portal.requeue_pending_work")
def requeue_pending_work() -> dict:
    """Send again work whose message never reached a worker or whose worker died (beat, every
    20 seconds; settings.CELERY_BEAT_SCHEDULE). Every task is idempotent. See portal/recovery.py."""
    from portal.recovery import requeue_pending_work as requeue

    return requeue()
