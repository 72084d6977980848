"""Writes of the paper copies: the sender records what it posted, the receiver what arrived."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.documents.cover import paper_checklist_items
from cases.enums import AuditAction, Tier
from cases.models import AuditEvent, Case
from cases.refusals import Refused
from cases.rules import ensure_campaign_open
from review.models import Batch, PaperShipment
from review.paper.queries import may_receive, may_record_batch_paper, may_record_case_paper, receiver_of


class PaperRefused(Refused):
    """The paper copies cannot be recorded so; the message says why and what to do, in Chinese."""


def record_paper_sent(*, actor, courier: str, tracking_number: str, sent_on: datetime.date,
                      case: Case | None = None, batch: Batch | None = None,
                      now: datetime.datetime | None = None) -> PaperShipment:
    """Record the paper copies the enterprise posted for `case`, or an organisation for its
    forwarded `batch`: courier, 快递单号, the day posted.

    Invariants: exactly one of case / batch; the campaign is open; `actor` is the sender
    (may_record_case_paper / may_record_batch_paper); courier and number given; the day is not in
    the future; copies received complete are not recorded again. Side effects: the one
    PaperShipment of the case or list, created or replaced (a new posting after a receipt with
    gaps clears that receipt: the receiver checks the parcel again); an audit row.
    """
    now = now or timezone.now()
    if (case is None) == (batch is None):
        raise PaperRefused(_("Record the paper copies of one case or of one list."))
    owner = case or batch
    ensure_campaign_open(owner.campaign, error=PaperRefused)
    allowed = may_record_case_paper(actor, case) if case is not None else may_record_batch_paper(actor, batch)
    if not allowed:
        raise PaperRefused(_("Only the sender records its paper copies: the enterprise once the case is submitted, "
                             "an association, county or city once its list is forwarded."))
    courier, tracking_number = (courier or "").strip(), (tracking_number or "").strip()
    problems = []
    if not courier:
        problems.append(_("Enter the courier company (for example 中国邮政EMS or 顺丰速运)."))
    if not tracking_number:
        problems.append(_("Enter the tracking number (快递单号) printed on the waybill."))
    if sent_on is None:
        problems.append(_("Enter the day the parcel was posted."))
    elif sent_on > timezone.localdate(now):
        problems.append(_("The day posted is in the future: enter the day the parcel was handed to the courier."))
    if problems:
        raise PaperRefused(" ".join(problems))
    with transaction.atomic():
        lookup = {"case": case} if case is not None else {"batch": batch}
        # The row lock: a sender recording while the receiver marks the parcel received sees one order.
        shipment = PaperShipment.objects.select_for_update().filter(**lookup).first()
        if shipment is not None and shipment.complete:
            raise PaperRefused(_("These paper copies were received complete on %(day)s; nothing more to record.")
                               % {"day": timezone.localtime(shipment.received_at).strftime("%Y-%m-%d")})
        if shipment is None:
            shipment = PaperShipment(campaign=owner.campaign, sender_tier=Tier.ENTERPRISE if case is not None else batch.tier,
                                     **lookup)
        shipment.courier, shipment.tracking_number, shipment.sent_on = courier[:50], tracking_number[:50], sent_on
        shipment.recorded_by, shipment.recorded_at = actor, now
        shipment.received_at = shipment.received_by = shipment.complete = None
        shipment.missing_items, shipment.receipt_note = [], ""
        shipment.save()
        AuditEvent.objects.create(
            action=AuditAction.PAPER_SENT, actor=actor, case=case,
            summary=(_("Paper copies posted to %(receiver)s: %(courier)s %(number)s on %(day)s") % {
                "receiver": receiver_of(shipment), "courier": courier, "number": tracking_number, "day": sent_on.isoformat()})[:300],
            details={"paper_shipment": shipment.pk, "batch": batch.pk if batch else None},
        )
    return shipment


def record_paper_received(*, shipment: PaperShipment, actor, complete: bool, missing_items: list[str] | None = None,
                          note: str = "", now: datetime.datetime | None = None) -> PaperShipment:
    """The receiver marks the paper copies received: complete, or with the checklist's items missing.

    Invariants: the campaign is open; `actor` is the receiving tier's staff (may_receive); a receipt
    with gaps names at least one missing item of the checklist (cases.documents.cover) or says what
    in the note; a complete one names none. Side effects: received_at/by, complete, missing items,
    note on the row (locked); an audit row.
    """
    now = now or timezone.now()
    ensure_campaign_open(shipment.campaign, error=PaperRefused)
    if not may_receive(actor, shipment):
        raise PaperRefused(_("Only the receiving association, county, city or the provincial center marks these paper copies received."))
    items = paper_checklist_items()
    missing = [code for code in dict.fromkeys(missing_items or []) if code]
    unknown = [code for code in missing if code not in items]
    if unknown:
        raise PaperRefused(_("Choose the missing items from the checklist."))
    note = (note or "").strip()
    if complete and missing:
        raise PaperRefused(_("Either the paper copies are complete, or items are missing: untick the missing items, or "
                             "choose “received, items missing”."))
    if not complete and not missing and not note:
        raise PaperRefused(_("Say what is missing: tick the missing items of the checklist, or describe it in the note."))
    with transaction.atomic():
        locked = PaperShipment.objects.select_for_update().get(pk=shipment.pk)
        locked.received_at, locked.received_by, locked.complete = now, actor, complete
        locked.missing_items, locked.receipt_note = missing, note[:2000]
        locked.save(update_fields=["received_at", "received_by", "complete", "missing_items", "receipt_note"])
        labels = "、".join(items[code].material for code in missing)
        AuditEvent.objects.create(
            action=AuditAction.PAPER_RECEIVED, actor=actor, case=locked.case,
            summary=((_("Paper copies received complete: %(courier)s %(number)s") if complete else
                      _("Paper copies received, missing: %(missing)s (%(courier)s %(number)s)")) % {
                "courier": locked.courier, "number": locked.tracking_number, "missing": labels or note})[:300],
            details={"paper_shipment": locked.pk, "complete": complete, "missing": missing, "note": note},
        )
    return locked
