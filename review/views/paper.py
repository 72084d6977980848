"""Paper copies (附件1 三–六): the enterprise records what it posted for its case; each association,
county and city what it posted for its forwarded lists and what arrived from below; the province
what arrived from the cities and, per city, what is still outstanding."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.documents.cover import PAPER_CHECKLIST, PAPER_FINAL_STEP
from cases.enums import Role
from cases.queries import memberships_of
from cases.rules import can_administer
from cases.views import _own_case_or_404
from portal.actions import perform
from review.models import Batch, PaperShipment
from review.paper.queries import (
    awaited_by,
    incoming_shipments,
    may_receive,
    may_record_batch_paper,
    missing_item_labels,
    outgoing_batches,
    paper_by_city,
    shipment_of,
)
from review.paper.services import PaperRefused, record_paper_sent, record_paper_received
from review.views.access import campaign_or_404

PAPER_ROLES = (Role.ASSOCIATION_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF, Role.PROVINCE_STAFF)


def _posted_day(request) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(request.POST.get("sent_on", ""))
    except ValueError:
        return None


def _record_sent(request, **owner) -> None:
    sent_on = _posted_day(request)

    def action():
        if sent_on is None:
            raise PaperRefused(_("Enter the day the parcel was posted (year, month, day)."))
        return record_paper_sent(actor=request.user, courier=request.POST.get("courier", ""),
                                 tracking_number=request.POST.get("tracking_number", ""), sent_on=sent_on,
                                 now=timezone.now(), **owner)

    perform(request, action, success=_("The paper copies are recorded as posted; the receiver marks them received."))


@login_required
def case_paper(request, pk: int):
    """The enterprise's paper copies of one case: the checklist it prints, and what it posted."""
    case = _own_case_or_404(request, pk)
    shipment = shipment_of(case)
    if request.method == "POST":
        _record_sent(request, case=case)
        return redirect("review:case_paper", pk=case.pk)
    return render(request, "review/paper_case.html", {
        "case": case, "shipment": shipment, "checklist": PAPER_CHECKLIST, "final_step": PAPER_FINAL_STEP,
        "missing": missing_item_labels(shipment) if shipment else [], "today": timezone.localdate(),
        "may_record": case.status != "draft" and not (shipment and shipment.complete) and case.campaign.closed_at is None,
    })


@login_required
def paper_overview(request):
    """A tier's paper copies: what arrived (to mark received), what is awaited, what it posted."""
    if not (can_administer(request.user) or any(m.role in PAPER_ROLES for m in memberships_of(request.user))):
        raise Http404
    campaign = campaign_or_404()
    incoming = incoming_shipments(request.user, campaign)
    return render(request, "review/paper_overview.html", {
        "campaign": campaign, "incoming": [(shipment, missing_item_labels(shipment)) for shipment in incoming],
        "awaited": awaited_by(request.user, campaign), "outgoing": outgoing_batches(request.user, campaign),
        "checklist": PAPER_CHECKLIST, "today": timezone.localdate(),
        "by_city": paper_by_city(campaign) if can_administer(request.user) else None,
    })


@login_required
@require_POST
def batch_paper(request, batch_id: int):
    batch = get_object_or_404(Batch.objects.select_related("organisation__parent", "campaign"), pk=batch_id)
    if not may_record_batch_paper(request.user, batch):
        raise Http404
    _record_sent(request, batch=batch)
    return redirect("review:paper_overview")


@login_required
@require_POST
def paper_receive(request, shipment_id: int):
    shipment = get_object_or_404(PaperShipment.objects.select_related(
        "case__enterprise__association", "batch__organisation__parent", "campaign"), pk=shipment_id)
    if not may_receive(request.user, shipment):
        raise Http404
    complete = request.POST.get("outcome") == "complete"
    perform(request, lambda: record_paper_received(
        shipment=shipment, actor=request.user, complete=complete, missing_items=request.POST.getlist("missing"),
        note=request.POST.get("note", ""), now=timezone.now()),
        success=_("The paper copies are marked received."))
    return redirect("review:paper_overview")
