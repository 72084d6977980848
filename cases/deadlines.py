"""When each stage closes, for one organisation or enterprise: the campaign's day, or a later
day the province granted (DeadlineExtension). Every deadline check asks here."""

import datetime

from django.db.models import Max, Q
from django.utils import timezone

from cases.enums import Tier
from cases.models import CAMPAIGN_TIME_ZONE, Campaign, Case, DeadlineExtension, Enterprise, Organisation


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=CAMPAIGN_TIME_ZONE)


def closing_day(campaign: Campaign, tier: Tier, *, organisation: Organisation | None = None,
                enterprise: Enterprise | None = None) -> datetime.date | None:
    """The last day (inclusive, Beijing time) the tier may act, extensions included; None: no deadline."""
    day = campaign.deadline_for(tier)
    if day is None:
        return None
    holders = Q(pk__in=[])
    if organisation is not None:
        holders |= Q(organisation=organisation)
    if enterprise is not None:
        # An enterprise's own extension, or one granted to its whole association.
        holders |= Q(enterprise=enterprise) | Q(organisation_id=enterprise.association_id)
    extended = DeadlineExtension.objects.filter(holders, campaign=campaign, tier=tier).aggregate(day=Max("closes_on"))["day"]
    return max(day, extended) if extended else day


def stage_closes_at(campaign: Campaign, tier: Tier, **holder) -> datetime.datetime | None:
    day = closing_day(campaign, tier, **holder)
    return None if day is None else _end_of_day(day)


def holder_of(case: Case, tier: Tier) -> dict:
    """Whose deadline governs `tier` for this case: the enterprise, or the organisation of that tier."""
    association = case.enterprise.association
    if tier == Tier.ENTERPRISE:
        return {"enterprise": case.enterprise}
    if tier == Tier.ASSOCIATION:
        return {"organisation": association}
    if tier == Tier.COUNTY:
        return {"organisation": association.parent}
    if tier == Tier.CITY:
        return {"organisation": association.parent.parent}
    return {}


def stage_is_open(case: Case, tier: Tier, now: datetime.datetime | None = None) -> bool:
    closes = stage_closes_at(case.campaign, tier, **holder_of(case, tier))
    return closes is None or (now or timezone.now()) < closes
