"""Writes of the quotas app."""

import datetime

from django.db import transaction

from cases.models import Campaign
from quotas.models import CityQuota


@transaction.atomic
def start_campaign_from(
    source: Campaign, *, year: int, title: str, deadlines: tuple[datetime.date, datetime.date, datetime.date, datetime.date],
    make_current: bool = True,
) -> Campaign:
    """A new campaign with `source`'s quota table and new dates: next year's campaign is data, not code.

    Side effects: when `make_current`, the previously current campaign stops being current.
    """
    if make_current:
        Campaign.objects.filter(is_current=True).update(is_current=False)
    enterprise, association, county, city = deadlines
    campaign = Campaign.objects.create(
        year=year, title=title, document_number="", is_current=make_current, enterprise_deadline=enterprise,
        association_deadline=association, county_deadline=county, city_deadline=city,
    )
    CityQuota.objects.bulk_create(
        CityQuota(campaign=campaign, city=quota.city, position=quota.position, cases=quota.cases, presenters=quota.presenters)
        for quota in source.quotas.all()
    )
    return campaign
