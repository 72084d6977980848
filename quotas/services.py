"""Writes of the quotas app."""

import datetime

from django.db import transaction

from cases.models import Campaign
from quotas.models import CityQuota

# The campaign's rules that a new year starts from (附件2 说明, expert review, vote, winners): the same
# notice usually keeps them, and staff change any that differ. Its dates and times are the new year's own.
RULES_CARRIED_OVER = (
    "park_case_share_percent", "park_presenter_share_percent", "max_cases_per_enterprise", "experts_per_case",
    "normalise_expert_scores", "expert_weight", "public_weight", "winners_count", "presenters_count",
    "presenters_per_city_max", "province_enforces_park_share", "vote_min_picks", "vote_max_picks", "objection_days",
    "narrative_notice_chars", "narrative_max_chars", "proof_materials", "forward_requires_paper",
)


@transaction.atomic
def start_campaign_from(
    source: Campaign, *, year: int, title: str, deadlines: tuple[datetime.date, datetime.date, datetime.date, datetime.date],
    make_current: bool = True,
) -> Campaign:
    """A new campaign with `source`'s quota table, scoring criteria (征集标准), rules
    (RULES_CARRIED_OVER) and new dates: next year's campaign is data, not code. The times of expert
    scoring and of the vote stay empty: staff set them for the new year.

    Side effects, in order: when `make_current`, the previously current campaign stops being
    current; the campaign row; a copy of each city quota; a copy of each scoring criterion (staff
    change them afterwards in the admin).
    """
    if make_current:
        Campaign.objects.filter(is_current=True).update(is_current=False)
    enterprise, association, county, city = deadlines
    campaign = Campaign.objects.create(
        year=year, title=title, document_number="", is_current=make_current, enterprise_deadline=enterprise,
        association_deadline=association, county_deadline=county, city_deadline=city,
        **{rule: getattr(source, rule) for rule in RULES_CARRIED_OVER},
    )
    CityQuota.objects.bulk_create(
        CityQuota(campaign=campaign, city=quota.city, position=quota.position, cases=quota.cases, presenters=quota.presenters)
        for quota in source.quotas.all()
    )
    copy_scoring_criteria(source=source, target=campaign)
    for co_organiser in source.co_organisers.all():  # the same departments usually co-organise again
        campaign.co_organisers.create(name=co_organiser.name, position=co_organiser.position)
    return campaign


def copy_scoring_criteria(*, source: Campaign, target: Campaign) -> int:
    """Give `target` a copy of `source`'s scoring criteria, unless it has criteria already (so a
    second call changes nothing); returns how many were copied. Without criteria no expert can score.

    The criteria live in the review app, which this app does not import (review depends on quotas):
    the campaign's reverse relation `criteria` reaches them without that import.
    """
    if target.criteria.exists():
        return 0
    Criterion = source.criteria.model
    copies = [
        Criterion(campaign=target, position=criterion.position, name=criterion.name,
                  description=criterion.description, weight=criterion.weight, max_points=criterion.max_points)
        for criterion in source.criteria.order_by("position", "pk")
    ]
    Criterion.objects.bulk_create(copies)
    return len(copies)
