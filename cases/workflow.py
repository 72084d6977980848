"""The one way a case changes status: `transition_case`."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.deadlines import holder_of, stage_window
from cases.enums import TRANSITIONS, CaseStatus, Tier, forward_receiver
from cases.models import Case, CaseTransition
from cases.refusals import Refused
from cases.rules import ensure_campaign_open, may_act_for_tier


class TransitionRefused(Refused):
    """A move the table, the actor's role or the deadline does not allow; the message says why, in Chinese."""


def transition_case(
    case: Case, *, to: str, actor, reason: str = "", now: datetime.datetime | None = None,
) -> CaseTransition:
    """Move `case` to status `to`.

    Invariants: the campaign is not closed; the move is in TRANSITIONS; `actor` holds the acting role of the move's tier over
    this case; the tier's stage is still open for the case's organisation (extensions counted);
    a reason is given where the move needs one.
    Side effects, in order: locks the case row (two staff acting at once serialise here), saves the
    new status (and `submitted_at` on submission), writes a CaseTransition audit row, and after
    commit queues the notification mail and, on submission, the near-duplicate indexing. Returns
    the audit row; `case` is updated in place.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related(
            "campaign", "enterprise__association__parent__parent"
        ).get(pk=case.pk)
        ensure_campaign_open(locked.campaign, error=TransitionRefused)
        move = TRANSITIONS.get((locked.status, to))
        if move is None:
            raise TransitionRefused(
                _("This case is now “%(status)s”, so it cannot become “%(target)s”. Reload the page to see its current state.")
                % {"status": CaseStatus(locked.status).label, "target": CaseStatus(to).label}
            )
        if move.receiver is not None and move.receiver != forward_receiver(move.actor, locked.enterprise.association.path):
            # A forward goes to the next tier above the case's association: its county, or — for an
            # association above county level — its city or the province; never past one that exists.
            raise TransitionRefused(
                _("This case goes from “%(status)s” to the %(receiver)s above its association, not to “%(target)s”.")
                % {"status": CaseStatus(locked.status).label,
                   "receiver": Tier(forward_receiver(move.actor, locked.enterprise.association.path)).label,
                   "target": CaseStatus(to).label}
            )
        if not may_act_for_tier(actor, locked, move.actor):
            raise TransitionRefused(_("Only %(tier)s of this case may do this.") % {"tier": Tier(move.actor).label})
        if move.reason_required and not reason:
            raise TransitionRefused(_("Give the reason for this decision: it is recorded and shown to the enterprise."))
        if move.deadline is not None:
            window = stage_window(locked.campaign, move.deadline, now=now, **holder_of(locked, move.deadline))
            if window.deadline_passed:
                raise TransitionRefused(
                    _("The %(tier)s stage closed at %(closes)s (Beijing time). Ask the provincial center to extend the deadline if needed.")
                    % {"tier": Tier(move.deadline).label, "closes": window.closes_text}
                )
        from_status = locked.status
        locked.status = to
        fields = ["status", "updated_at"]
        if to == CaseStatus.SUBMITTED:
            locked.submitted_at = now
            fields.append("submitted_at")
        locked.save(update_fields=fields)
        record = CaseTransition.objects.create(
            case=locked, from_status=from_status, to_status=to, actor=actor, reason=reason
        )
        _queue_notification(record.pk)  # recorded in this transaction, published after the commit
        if to == CaseStatus.SUBMITTED:
            _queue_similarity(locked.pk)
    case.status, case.submitted_at, case.updated_at = locked.status, locked.submitted_at, locked.updated_at
    return record


def _queue_notification(transition_id: int) -> None:
    from cases.tasks import notify_transition

    from portal.queueing import enqueue_on_commit

    enqueue_on_commit(notify_transition, transition_id)


def _queue_similarity(case_id: int) -> None:
    """A submitted case is compared with every other case (issue 19), in a worker after the commit."""
    from cases.tasks import index_case_similarity_task

    from portal.queueing import enqueue_on_commit

    enqueue_on_commit(index_case_similarity_task, case_id)
