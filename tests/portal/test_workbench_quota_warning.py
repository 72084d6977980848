"""The province's workbench warns when the current campaign's quota table (附件2) is empty or misses
a city, instead of silently dropping the 各市进度 table; it links to the campaign's admin page."""

import pytest
from django.urls import reverse

from cases.enums import Role
from cases.models import Campaign
from quotas.models import CityQuota
from review.queries import workbench_for
from tests import factories

pytestmark = pytest.mark.django_db
NO_TABLE = "本活动还没有名额分配表（附件2）：无法显示各市进度，各市在名额录入之前也无法生成推荐名单。"


def province_staff():
    return factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())


def test_a_full_quota_table_shows_no_warning(client):
    user = province_staff()
    [panel] = workbench_for(user, Campaign.objects.current())
    assert panel.cities_without_quota == [] and not panel.quota_table_incomplete
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "quota-warning" not in page and "<h3>各市进度</h3>" in page


def test_no_quota_table_is_a_warning_with_the_way_to_the_campaign(client):
    campaign = Campaign.objects.current()
    CityQuota.objects.filter(campaign=campaign).delete()
    client.force_login(province_staff())
    page = client.get(reverse("home")).content.decode()
    assert NO_TABLE in page
    assert "请在管理后台该活动页面的“名额分配”表中填写各市推荐案例数和宣讲代表候选数。" in page
    assert f'href="{reverse("admin:cases_campaign_change", args=[campaign.pk])}"' in page
    assert "<h3>各市进度</h3>" not in page


def test_cities_missing_from_the_quota_table_are_named(client):
    campaign = Campaign.objects.current()
    CityQuota.objects.filter(campaign=campaign, city__region__in=["大同市", "运城市"]).delete()
    user = province_staff()
    [panel] = workbench_for(user, campaign)
    assert sorted(panel.cities_without_quota) == ["大同市", "运城市"] and panel.quota_table_incomplete
    assert len(panel.city_progress) == 9
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "本活动中有 2 个市没有名额：" in page
    assert "大同市" in page.split("本活动中有 2 个市没有名额：")[1].split("。")[0]
    assert NO_TABLE not in page
    assert "<h3>各市进度</h3>" in page  # the nine other cities are still listed


def test_the_observer_gets_no_admin_warning(client):
    CityQuota.objects.filter(campaign=Campaign.objects.current()).delete()
    user = factories.user(Role.OBSERVER, organisation_=factories.province())
    [panel] = workbench_for(user, Campaign.objects.current())
    assert not panel.quota_table_incomplete
    client.force_login(user)
    assert "quota-warning" not in client.get(reverse("home")).content.decode()
