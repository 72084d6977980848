"""The city's list page: the city experts' scores shown and used by the assistant, presenter
marks, and the page after the list went to the province."""

import datetime

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, Role, Tier
from cases.models import DeadlineExtension
from quotas.models import CityQuota
from review.experts.services import assign_expert, criteria_of, submit_score
from review.models import Batch, BatchStatus
from review.services import open_batch
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db


@pytest.fixture
def taiyuan():
    """Two 太原 cases at the city's review, one scored 90 by a city expert, one unscored; the
    city stage is open today; the quota is one case and no presenter."""
    city = factories.city("太原市")
    strong = world.city_case("太原市", status=CaseStatus.CITY_REVIEW, title="高分案例")
    weak = world.city_case("太原市", status=CaseStatus.CITY_REVIEW, title="未评分案例")
    campaign = strong.campaign
    today = datetime.date.today()
    for tier in (Tier.CITY,):
        DeadlineExtension.objects.create(campaign=campaign, tier=tier, organisation=city,
                                         closes_on=today + datetime.timedelta(days=5), reason="测试")
    CityQuota.objects.filter(campaign=campaign, city=city).update(cases=1, presenters=0)
    staff = factories.user(Role.CITY_STAFF, organisation_=city)
    expert = world.city_expert("太原市")
    assignment = assign_expert(case=strong, expert=expert, tier=Tier.CITY, actor=staff)
    submit_score(assignment=assignment, actor=expert, points={c.pk: 90 for c in criteria_of(campaign)}, comment="好")
    return {"city": city, "strong": strong, "weak": weak, "staff": staff, "campaign": campaign}


def test_the_page_shows_each_cases_city_expert_score(client, taiyuan):
    client.force_login(taiyuan["staff"])
    page = client.get(reverse("review:city_selection") + f"?org={taiyuan['city'].pk}").content.decode()
    assert "市级专家评分" in page
    assert "90.0" in page and "（1 位专家）" in page
    assert "未评分" in page


def test_the_assistant_proposes_the_case_the_experts_scored_best(client, taiyuan):
    client.force_login(taiyuan["staff"])
    response = client.get(reverse("review:city_selection") + f"?org={taiyuan['city'].pk}&propose=1")
    assert response.context["selected_ids"] == {taiyuan["strong"].pk}


def test_after_forwarding_the_page_shows_the_list_as_sent(client, taiyuan):
    batch = open_batch(organisation=taiyuan["city"], campaign=taiyuan["campaign"])
    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.FORWARDED, forwarded_at=datetime.datetime(
        2024, 9, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))))
    client.force_login(taiyuan["staff"])
    page = client.get(reverse("review:city_selection") + f"?org={taiyuan['city'].pk}").content.decode()
    assert "已于 2024年9月20日 10:00 报送省中心，不能再修改" in page
    assert "必须恰好为本市额定数量" not in page  # no failing rule for a list that is gone
    assert 'id="selection-form"' not in page
