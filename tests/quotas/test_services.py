import datetime

import pytest

from cases.models import Campaign
from quotas.models import CityQuota
from quotas.services import start_campaign_from

pytestmark = pytest.mark.django_db


def test_next_years_campaign_is_a_new_row_with_the_same_quotas_and_new_dates():
    source = Campaign.objects.get(year=2024)
    dates = (datetime.date(2025, 9, 1), datetime.date(2025, 9, 5), datetime.date(2025, 9, 10), datetime.date(2025, 9, 13))
    campaign = start_campaign_from(source, year=2025, title="2025年活动", deadlines=dates)
    assert Campaign.objects.current() == campaign
    assert not Campaign.objects.get(year=2024).is_current
    assert (campaign.enterprise_deadline, campaign.association_deadline, campaign.county_deadline, campaign.city_deadline) == dates
    copied = list(CityQuota.objects.filter(campaign=campaign).order_by("position").values_list("city__region", "cases", "presenters"))
    original = list(CityQuota.objects.filter(campaign=source).order_by("position").values_list("city__region", "cases", "presenters"))
    assert copied == original and len(copied) == 11


def test_out_of_order_deadlines_are_refused_by_the_database():
    from django.db import IntegrityError

    source = Campaign.objects.get(year=2024)
    dates = (datetime.date(2025, 9, 10), datetime.date(2025, 9, 5), datetime.date(2025, 9, 10), datetime.date(2025, 9, 13))
    with pytest.raises(IntegrityError):
        start_campaign_from(source, year=2025, title="错序", deadlines=dates)
