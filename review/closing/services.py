"""Writes of the campaign's close."""

from __future__ import annotations

import datetime
import shutil

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.enums import AuditAction
from cases.models import AuditEvent, Campaign, ResumableState, ResumableUpload
from cases.refusals import Refused
from cases.resumable import spool_folder
from cases.rules import can_administer
from cases.tasks import index_campaign_similarity_task
from portal.queueing import enqueue_on_commit


class ClosingRefused(Refused):
    """The campaign cannot be closed (by this user, or again); the message says why, in Chinese."""


def close_campaign(*, campaign: Campaign, actor, now: datetime.datetime | None = None) -> Campaign:
    """Close the campaign: from now on it is an archive, read-only.

    Invariants: `actor` is provincial staff; the campaign is not closed yet (the row is locked, so
    two clicks close it once). Side effects, in order: `closed_at` set (every write service then
    refuses: cases.rules.ensure_campaign_open); unfinished resumable uploads of its cases expire;
    an audit row; after commit their spool folders are removed and the near-duplicate indexing of
    its cases is queued.
    """
    now = now or timezone.now()
    if not can_administer(actor):
        raise ClosingRefused(_("Only provincial staff may close the campaign."))
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.closed_at is not None:
            raise ClosingRefused(_("This campaign was already closed on %(closed)s.")
                                 % {"closed": timezone.localtime(locked.closed_at).strftime("%Y-%m-%d %H:%M")})
        locked.closed_at = now
        locked.save(update_fields=["closed_at"])
        sessions = list(ResumableUpload.objects.filter(case__campaign=locked, state=ResumableState.OPEN))
        ResumableUpload.objects.filter(pk__in=[s.pk for s in sessions]).update(state=ResumableState.EXPIRED, updated_at=now)
        AuditEvent.objects.create(
            action=AuditAction.CAMPAIGN_CLOSED, actor=actor,
            summary=_("Campaign closed: %(campaign)s") % {"campaign": locked.title}, details={"campaign": locked.pk},
        )

        def remove_spools() -> None:
            for session in sessions:
                shutil.rmtree(spool_folder(session), ignore_errors=True)

        transaction.on_commit(remove_spools)
        # Its cases join the near-duplicate index as an earlier campaign (issue 19); a worker does it.
        enqueue_on_commit(index_campaign_similarity_task, locked.pk)
    campaign.closed_at = locked.closed_at
    return locked
