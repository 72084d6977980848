"""The order a tier's list starts in (默认顺序), and where that order comes from.

Each tier numbers its list (the 序号 of 附件4/5/6). A list starts from what was already decided,
so the order the tier below chose and the experts' scores carry through to the official tables:
- a park / enterprise association: the order its enterprises submitted (nothing ranked them before);
- a county: the order its associations sent — every sender's 序号 1, then every sender's 序号 2, …
  (several senders interleaved by their rank; a supplementary list after the first lists; senders
  with the same 序号 in the order they forwarded);
- a city: the city experts' score, highest first, unscored last; equal scores (and unscored cases)
  by the counties' order, interleaved the same way. The selection assistant ranks with the same key
  (quotas.rules.rank_key), so its proposal and the list it becomes are in one order.
Once staff reorder a list by hand (review.services.rank_batch) their order is kept.
"""

import math
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.enums import Tier
from cases.models import Campaign, Case, Organisation
from quotas.queries import candidates_for
from quotas.rules import rank_key
from review.experts.queries import aggregates_for
from review.models import Batch, BatchItem, BatchStatus


def intake_order(campaign: Campaign, tier: Tier, case_ids: Iterable[int]) -> dict[int, int]:
    """case id → its place (1, 2, …) in the order the tier below `tier` sent the cases, several
    senders interleaved by their 序号. Cases no forwarded list of the tier below holds are left out."""
    below = Tier(tier) - 1
    if below < Tier.ASSOCIATION:
        return {}
    rows = BatchItem.objects.filter(
        case_id__in=list(case_ids), batch__campaign=campaign, batch__tier=below, batch__status=BatchStatus.FORWARDED,
    ).values_list("case_id", "batch__sequence", "rank", "batch__forwarded_at", "batch__organisation_id")
    keys: dict[int, tuple] = {}
    for case_id, sequence, rank, forwarded_at, sender in rows:
        moment = forwarded_at.timestamp() if forwarded_at else math.inf
        key = (sequence, rank, moment, sender)
        # A case sent up twice (it came back down meanwhile): the later list is the one that counts.
        if case_id not in keys or moment > keys[case_id][2]:
            keys[case_id] = key
    ordered = sorted(keys, key=lambda case_id: keys[case_id])
    return {case_id: position for position, case_id in enumerate(ordered, start=1)}


def city_scores(campaign: Campaign, case_ids: Iterable[int]) -> dict[int, float | None]:
    """The city experts' value per case, the one the assistant ranks by."""
    return {case_id: aggregate.value for case_id, aggregate in aggregates_for(campaign, Tier.CITY, list(case_ids)).items()}


def default_order(organisation: Organisation, campaign: Campaign, case_ids: Iterable[int]) -> list[int]:
    """The case ids in the order the organisation's list starts in (see the module docstring)."""
    case_ids = list(case_ids)
    tier = organisation.tier
    if tier == Tier.CITY:
        candidates = candidates_for(Case.objects.filter(pk__in=case_ids), scores=city_scores(campaign, case_ids),
                                    lower_ranks=intake_order(campaign, tier, case_ids))
        return [candidate.case_id for candidate in sorted(candidates, key=rank_key)]
    intake = intake_order(campaign, tier, case_ids)
    submitted = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "submitted_at"))

    def key(case_id: int) -> tuple:
        moment = submitted.get(case_id)
        return (case_id not in intake, intake.get(case_id, 0), moment is None,
                moment.timestamp() if moment else 0.0, case_id)

    return sorted(case_ids, key=key)


def default_order_text(tier: Tier) -> str:
    """Where a list's default order comes from, as the list page says it."""
    if tier == Tier.CITY:
        return _("by the city experts' score, highest first (unscored cases last); equal scores in the order "
                 "the counties sent them (序号, several counties interleaved: every county's 1st, then every 2nd …)")
    if tier == Tier.COUNTY:
        return _("in the order the park and enterprise associations sent them (their 序号, several associations "
                 "interleaved: every association's 1st, then every 2nd …; a supplementary list after the first lists)")
    return _("in the order the enterprises submitted them")


def order_source(batch: Batch) -> str:
    """Where the batch's current order came from: the default, or who reordered it by hand and when."""
    if batch.order_changed_at is None:
        return _("Order: %(source)s.") % {"source": default_order_text(Tier(batch.tier))}
    return _("Order: changed by hand by %(who)s on %(when)s (cases added later go to the end).") % {
        "who": batch.order_changed_by_name, "when": timezone.localtime(batch.order_changed_at).strftime("%Y-%m-%d %H:%M")}
