"""When each stage closes, for one organisation or enterprise: the campaign's day, or a later
day the province granted (DeadlineExtension). Every deadline check asks here."""

import datetime

from django.db.models import Max, Q
from django.utils import timezone

from cases.enums import Tier
from cases.models import CAMPAIGN_TIME_ZONE, Campaign, Case, DeadlineExtension, Enterprise, Organisation


def deadline_text(moment: datetime.datetime | None) -> str:
    """A deadline as every page and message writes it: "2026年12月14日 24:00" (Beijing time).

    A stage closes at 00:00 after its last day; written as "the next day 00:00" users read it as
    one day later than the notice says, so midnight is written as 24:00 of the day before, as the
    notice itself does ("9月2日24时")."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, CAMPAIGN_TIME_ZONE)
    if local.time() == datetime.time.min:
        day = local.date() - datetime.timedelta(days=1)
        return f"{day.year}年{day.month}月{day.day}日 24:00"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


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
