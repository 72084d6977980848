"""What the requeue job does (portal.requeue_pending_work, every 20 seconds from beat).

Three ways work can be waiting without a message on its way to a worker, each put right here:
1. taken by a worker that disappeared (portal.worker_presence) — its message goes back on the queue;
2. recorded but never published (PendingTask rows: Redis was down when a request queued it, or
   the process died between its commit and the publish) — published now, oldest first;
3. a check, preview or summary table still waiting after STALE_AFTER although its message was
   published (a message lost inside Redis, e.g. a restart without persistence) — queued again.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.models import PendingTask
from portal.queueing import broker_recently_failed, publish_pending, send

logger = logging.getLogger("portal.recovery")

STALE_AFTER = datetime.timedelta(minutes=5)
# A row nobody tried to publish yet may belong to a request that committed a moment ago and is
# publishing it right now; after this long it was surely abandoned.
UNTRIED_GRACE = datetime.timedelta(minutes=1)
BATCH = 500


def requeue_pending_work(*, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    counts = {"orphaned": 0}
    # First, and needing Redis only: a task of a vanished worker comes back even while the
    # database steps below fail.
    try:
        from portal.worker_presence import restore_orphaned_messages

        counts["orphaned"] = restore_orphaned_messages()
    except Exception:  # a broker that is not Redis (eager, memory) or unreachable: nothing to restore
        logger.warning("orphaned messages not checked", exc_info=True)
    counts["recorded"] = publish_recorded_tasks(now=now)
    counts.update(requeue_stale_work(now=now))
    return counts


def publish_recorded_tasks(*, now: datetime.datetime) -> int:
    """Publish the PendingTask rows that are due; stop once the broker fails (trying the rest
    would only cost a timeout each); a row that fails for another reason (a task name no longer
    registered, logged) does not hold up the rest. Each row is locked while it is published, so
    two runs of the job at once never send one twice."""
    due = PendingTask.objects.filter(Q(attempts__gt=0) | Q(created_at__lt=now - UNTRIED_GRACE))
    sent = 0
    for pk in list(due.order_by("created_at", "pk").values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            pending = PendingTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if pending is None:  # published by another run meanwhile
                continue
            if publish_pending(pending):
                sent += 1
            elif broker_recently_failed():
                break
    return sent


def requeue_stale_work(*, now: datetime.datetime) -> dict:
    """Queue again the checks, previews and summary tables still waiting after STALE_AFTER."""
    from cases.enums import ValidationState
    from cases.models import Upload
    from review.models import Batch

    before = now - STALE_AFTER
    waiting = (ValidationState.PENDING, ValidationState.RUNNING)
    counts = {"checks": 0, "previews": 0, "summary_tables": 0}
    for upload_id in Upload.objects.filter(validation_state__in=waiting, uploaded_at__lt=before).values_list("pk", flat=True):
        counts["checks"] += send("cases.check_upload", upload_id)
    for upload_id in Upload.objects.filter(preview_state__in=waiting, uploaded_at__lt=before).values_list("pk", flat=True):
        counts["previews"] += send("cases.render_preview", upload_id)
    for batch_id in Batch.objects.filter(generation_state__in=waiting, created_at__lt=before).values_list("pk", flat=True):
        counts["summary_tables"] += send("review.generate_summary_tables", batch_id)
    return counts
