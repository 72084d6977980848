"""Reads of the paper copies: who sends and receives which, what each tier has still to receive,
the province's view of what is outstanding per city, and the forward's requirement."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cases.documents.cover import PAPER_CHECKLIST, paper_checklist_items
from cases.enums import CaseStatus, OrganisationKind, Role, Tier
from cases.models import Campaign, Case, Organisation
from cases.queries import memberships_of
from cases.rules import can_administer, may_act_for_tier
from review.closing.common import city_of_path, city_order
from review.models import Batch, BatchItem, BatchStatus, PaperShipment, PaperState

SENDER_ROLE = {Tier.ASSOCIATION: Role.ASSOCIATION_STAFF, Tier.COUNTY: Role.COUNTY_STAFF, Tier.CITY: Role.CITY_STAFF}
RECEIVER_ROLE = {Tier.ENTERPRISE: Role.ASSOCIATION_STAFF, Tier.ASSOCIATION: Role.COUNTY_STAFF,
                 Tier.COUNTY: Role.CITY_STAFF, Tier.CITY: Role.PROVINCE_STAFF}
PAPER_TIERS = (Tier.ENTERPRISE, Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY)
SHIPMENT_RELATED = ("case__enterprise__association", "batch__organisation__parent", "campaign")


def receiver_of(shipment: PaperShipment) -> Organisation:
    """The organisation the paper copies go to: the case's association, or the list's next tier."""
    if shipment.case_id:
        return shipment.case.enterprise.association
    return shipment.batch.organisation.parent


def missing_item_labels(shipment: PaperShipment) -> list[str]:
    items = paper_checklist_items()
    return [items[code].material for code in shipment.missing_items if code in items]


# --- who may ----------------------------------------------------------------------------------

def may_record_case_paper(user, case: Case) -> bool:
    """The enterprise of a submitted case records the paper copies it posted to its association."""
    return case.status != CaseStatus.DRAFT and may_act_for_tier(user, case, Tier.ENTERPRISE)


def may_record_batch_paper(user, batch: Batch) -> bool:
    """An association's, county's or city's staff record the paper copies of their forwarded list."""
    role = SENDER_ROLE.get(Tier(batch.tier))
    return batch.status == BatchStatus.FORWARDED and any(
        m.role == role and m.organisation_id == batch.organisation_id for m in memberships_of(user))


def may_receive(user, shipment: PaperShipment) -> bool:
    """The receiving tier's staff (the province for the cities' copies) mark them received."""
    tier = Tier(shipment.sender_tier)
    if tier == Tier.CITY:
        return can_administer(user)
    receiver = receiver_of(shipment)
    return any(m.role == RECEIVER_ROLE[tier] and m.organisation_id == receiver.pk for m in memberships_of(user))


# --- a sender's and a receiver's lists -----------------------------------------------------------

def incoming_shipments(user, campaign: Campaign) -> list[PaperShipment]:
    """The paper copies posted to the user's organisations (the province: the cities'), newest first."""
    rows = PaperShipment.objects.filter(campaign=campaign).select_related(*SHIPMENT_RELATED).order_by("-recorded_at", "-pk")
    if can_administer(user):
        mine = list(rows.filter(sender_tier=Tier.CITY))
    else:
        mine = []
    for membership in memberships_of(user):
        if membership.role == Role.ASSOCIATION_STAFF:
            mine += rows.filter(sender_tier=Tier.ENTERPRISE, case__enterprise__association_id=membership.organisation_id)
        elif membership.role in (Role.COUNTY_STAFF, Role.CITY_STAFF):
            sender = Tier.ASSOCIATION if membership.role == Role.COUNTY_STAFF else Tier.COUNTY
            mine += rows.filter(sender_tier=sender, batch__organisation__parent_id=membership.organisation_id)
    return mine


@dataclass
class Awaited:
    """Something the receiver expects on paper but nobody recorded as posted yet."""

    label: str
    sender: str


def awaited_by(user, campaign: Campaign) -> list[Awaited]:
    """What the user's organisations expect and nobody has posted yet: submitted cases of an
    association's enterprises, forwarded lists of a county's associations, of a city's counties."""
    awaited: list[Awaited] = []
    for membership in memberships_of(user):
        if membership.role == Role.ASSOCIATION_STAFF:
            cases = Case.objects.filter(campaign=campaign, enterprise__association_id=membership.organisation_id,
                                        paper_shipment__isnull=True).exclude(status=CaseStatus.DRAFT).select_related("enterprise")
            awaited += [Awaited(case.title, case.enterprise.name) for case in cases.order_by("title")]
        elif membership.role in (Role.COUNTY_STAFF, Role.CITY_STAFF):
            batches = Batch.objects.filter(campaign=campaign, organisation__parent_id=membership.organisation_id,
                                           status=BatchStatus.FORWARDED, paper_shipment__isnull=True).select_related("organisation")
            awaited += [Awaited(_batch_label(batch), batch.organisation.name) for batch in batches.order_by("organisation__name", "sequence")]
    return awaited


def _batch_label(batch: Batch) -> str:
    if batch.is_supplement:
        return _("Supplementary list %(number)d") % {"number": batch.sequence}
    return _("Ranked list")


def outgoing_batches(user, campaign: Campaign) -> list[Batch]:
    """The user's organisations' forwarded lists, with their paper copies (if recorded)."""
    organisations = [m.organisation_id for m in memberships_of(user) if m.role in SENDER_ROLE.values()]
    return list(Batch.objects.filter(campaign=campaign, organisation_id__in=organisations, status=BatchStatus.FORWARDED)
                .select_related("organisation__parent", "paper_shipment").order_by("organisation__name", "sequence"))


def shipment_of(case: Case) -> PaperShipment | None:
    return PaperShipment.objects.filter(case=case).first()


# --- the forward's requirement (Campaign.forward_requires_paper) ----------------------------------

def paper_forward_problems(batch: Batch, items: list[BatchItem]) -> list[str]:
    """When the campaign asks for it, the cases of the list whose paper copies this tier has not
    received complete: from the enterprise (an association's list) or in the list of the tier
    below that brought the case up (a county's, a city's). Empty: nothing holds the forward."""
    if not batch.campaign.forward_requires_paper or not items:
        return []
    tier = Tier(batch.tier)
    case_ids = [item.case_id for item in items]
    if tier == Tier.ASSOCIATION:
        received = set(PaperShipment.objects.filter(case_id__in=case_ids, complete=True).values_list("case_id", flat=True))
    else:
        below = Tier(tier - 1)
        received = set(BatchItem.objects.filter(
            case_id__in=case_ids, batch__tier=below, batch__status=BatchStatus.FORWARDED,
            batch__paper_shipment__complete=True).values_list("case_id", flat=True))
    waiting = [item.case.title for item in items if item.case_id not in received]
    if not waiting:
        return []
    return [_("This campaign forwards a list only once its paper copies are received complete. Mark the paper copies of "
              "these cases received on the page Paper copies (or ask the sender to post what is missing): %(cases)s.")
            % {"cases": "、".join(waiting)}]


# --- the province's view -----------------------------------------------------------------------

@dataclass
class PaperCounts:
    tier: Tier
    counts: dict[str, int] = field(default_factory=lambda: {state: 0 for state in PaperState.values})

    @property
    def outstanding(self) -> int:
        return self.counts[PaperState.NOT_SENT] + self.counts[PaperState.IN_TRANSIT] + self.counts[PaperState.INCOMPLETE]


@dataclass
class CityPaper:
    city: Organisation
    tiers: list[PaperCounts]

    @property
    def outstanding(self) -> int:
        return sum(row.outstanding for row in self.tiers)


def paper_by_city(campaign: Campaign) -> list[CityPaper]:
    """For each city (附件2's order) and sending tier: how many paper copies are not posted, on their
    way, received with gaps or received complete. An enterprise posts one per submitted case, an
    organisation one per forwarded list. A fixed number of queries."""
    order = city_order(campaign)
    cities = sorted(Organisation.objects.filter(kind=OrganisationKind.CITY), key=lambda c: order.get(c.pk, 999))
    table = {city.pk: {tier: PaperCounts(tier) for tier in PAPER_TIERS} for city in cities}
    states = {}
    for shipment in PaperShipment.objects.filter(campaign=campaign).only("case_id", "batch_id", "received_at", "complete"):
        states[("case", shipment.case_id) if shipment.case_id else ("batch", shipment.batch_id)] = shipment.state
    for case_id, path in (Case.objects.filter(campaign=campaign).exclude(status=CaseStatus.DRAFT)
                          .values_list("pk", "enterprise__association__path")):
        row = table.get(city_of_path(path))
        if row is not None:
            row[Tier.ENTERPRISE].counts[states.get(("case", case_id), PaperState.NOT_SENT)] += 1
    for batch_id, tier, path in (Batch.objects.filter(campaign=campaign, status=BatchStatus.FORWARDED)
                                 .values_list("pk", "tier", "organisation__path")):
        row = table.get(city_of_path(path))
        if row is not None and tier in row:
            row[tier].counts[states.get(("batch", batch_id), PaperState.NOT_SENT)] += 1
    return [CityPaper(city=city, tiers=[table[city.pk][tier] for tier in PAPER_TIERS]) for city in cities]


CHECKLIST_CHOICES = [(item.code, item.material) for item in PAPER_CHECKLIST]
