import datetime
import os
import time
from pathlib import Path

from celery import shared_task
from django.db import connection

import portal.logging  # noqa: F401  (connects the task log signals in the worker)
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


STALE_AFTER = datetime.timedelta(minutes=5)


@shared_task(name="portal.requeue_pending_work")
def requeue_pending_work() -> dict:
    """Queue again the checks, previews and summary tables still waiting after a few minutes: their
    first message was lost (broker down when queued, or a worker gone). Every task is idempotent."""
    from django.utils import timezone

    from cases.enums import ValidationState
    from cases.models import Upload
    from cases.tasks import check_upload_task, render_preview_task
    from portal.queueing import enqueue
    from review.models import Batch
    from review.tasks import generate_summary_tables_task

    before = timezone.now() - STALE_AFTER
    waiting = (ValidationState.PENDING, ValidationState.RUNNING)
    counts = {"checks": 0, "previews": 0, "summary_tables": 0}
    for upload_id in Upload.objects.filter(validation_state__in=waiting, uploaded_at__lt=before).values_list("pk", flat=True):
        counts["checks"] += enqueue(check_upload_task, upload_id)
    for upload_id in Upload.objects.filter(preview_state__in=waiting, uploaded_at__lt=before).values_list("pk", flat=True):
        counts["previews"] += enqueue(render_preview_task, upload_id)
    for batch_id in Batch.objects.filter(generation_state__in=waiting, created_at__lt=before).values_list("pk", flat=True):
        counts["summary_tables"] += enqueue(generate_summary_tables_task, batch_id)
    return counts
