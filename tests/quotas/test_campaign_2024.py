"""The 2024 data must match the notice (晋科协发〔2024〕22号) as its text gives it."""

import datetime
import re
from pathlib import Path

import pytest

from cases.enums import OrganisationKind, Tier
from cases.models import Campaign, Organisation
from quotas.models import CityQuota

NOTICE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "notice-2024.txt"

# 附件2 as printed in the notice, used when the notice file is not beside the checkout.
QUOTAS_AS_PRINTED = {
    "太原市": (20, 2), "大同市": (15, 2), "朔州市": (6, 1), "忻州市": (8, 1), "吕梁市": (12, 1), "晋中市": (12, 1),
    "阳泉市": (6, 1), "长治市": (15, 2), "晋城市": (9, 1), "临汾市": (9, 1), "运城市": (8, 1),
}


def quotas_from_notice() -> dict[str, tuple[int, int]]:
    if not NOTICE.exists():
        return QUOTAS_AS_PRINTED
    rows = re.findall(r"^\s*\d+\s+(\S+市)\s+(\d+)\s+(\d+)\s*$", NOTICE.read_text(encoding="utf-8"), flags=re.M)
    return {city: (int(cases), int(presenters)) for city, cases, presenters in rows}


def test_the_notice_table_is_read_whole():
    quotas = quotas_from_notice()
    assert len(quotas) == 11
    assert quotas == QUOTAS_AS_PRINTED


@pytest.mark.django_db
def test_2024_quotas_match_the_notice_city_by_city_and_in_total():
    campaign = Campaign.objects.get(year=2024)
    loaded = {
        quota.city.region: (quota.cases, quota.presenters)
        for quota in CityQuota.objects.filter(campaign=campaign).select_related("city")
    }
    assert loaded == quotas_from_notice()
    assert sum(cases for cases, _ in loaded.values()) == 120
    assert sum(presenters for _, presenters in loaded.values()) == 14
    ordered = list(CityQuota.objects.filter(campaign=campaign).order_by("position").values_list("city__region", flat=True))
    assert ordered == list(QUOTAS_AS_PRINTED)


@pytest.mark.django_db
def test_2024_deadlines_match_the_notice():
    campaign = Campaign.objects.get(year=2024)
    assert campaign.is_current
    assert campaign.document_number == "晋科协发〔2024〕22号"
    assert [campaign.deadline_for(tier) for tier in (Tier.ENTERPRISE, Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY)] == [
        datetime.date(2024, 9, 2), datetime.date(2024, 9, 6), datetime.date(2024, 9, 11), datetime.date(2024, 9, 14),
    ]
    assert campaign.deadline_for(Tier.PROVINCE) is None


@pytest.mark.django_db
def test_deadline_closes_at_midnight_after_the_day_in_beijing_time():
    campaign = Campaign.objects.get(year=2024)
    closes = campaign.closes_at(Tier.ENTERPRISE)
    assert closes.isoformat() == "2024-09-03T00:00:00+08:00"
    assert closes.astimezone(datetime.timezone.utc).isoformat() == "2024-09-02T16:00:00+00:00"


@pytest.mark.django_db
def test_eleven_cities_under_one_province():
    province = Organisation.objects.get(kind=OrganisationKind.PROVINCE)
    cities = Organisation.objects.filter(kind=OrganisationKind.CITY)
    assert cities.count() == 11
    assert set(cities.values_list("parent_id", flat=True)) == {province.pk}
    assert all(city.path == f"{province.path}{city.pk}/" for city in cities)


@pytest.mark.django_db
def test_a_second_campaign_can_be_made_current_without_code_changes():
    old = Campaign.objects.get(year=2024)
    old.is_current = False
    old.save()
    Campaign.objects.create(
        year=2025, title="2025年活动", is_current=True, enterprise_deadline=datetime.date(2025, 9, 1),
        association_deadline=datetime.date(2025, 9, 5), county_deadline=datetime.date(2025, 9, 10),
        city_deadline=datetime.date(2025, 9, 13),
    )
    assert Campaign.objects.current().year == 2025
