"""Before the province decides its winners: the cities' lists, the quarantine and the vote must be
complete (review.selection.readiness). The board shows what is missing; the 公示 waits for it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.enums import Tier
from cases.models import DeadlineExtension
from quotas.models import CityQuota
from review.models import Batch, BatchStatus, SelectionState
from review.selection.readiness import selection_problems, unreported_cities
from review.selection.services import SelectionRefused, compute_selection, publish_selection
from review.voting.services import VoteRefused, decide_quarantined, open_vote
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db


def city_names() -> list[str]:
    return [quota.city.region for quota in CityQuota.objects.filter(campaign=world.campaign()).select_related("city")
            .order_by("position")]


def forward(region: str, *, at: datetime.datetime | None = None) -> Batch:
    return Batch.objects.create(campaign=world.campaign(), organisation=factories.city(region), tier=Tier.CITY,
                                status=BatchStatus.FORWARDED, forwarded_at=at or timezone.now() - datetime.timedelta(days=1))


def set_campaign(**fields):
    campaign = world.campaign()
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    return campaign


def forward_all_cities():
    for region in city_names():
        forward(region)


@pytest.fixture
def ranked():
    """Two scored candidates, one winner; the vote closed yesterday; every city forwarded."""
    campaign = set_campaign(winners_count=1, presenters_count=1)
    staff = world.province_staff()
    win, lose = world.city_case("太原市", title="胜"), world.city_case("大同市", title="负")
    world.score_case(win, [90], staff=staff)
    world.score_case(lose, [50], staff=staff)
    forward_all_cities()
    world.close_vote_window()
    return {"campaign": world.campaign(), "staff": staff, "win": win, "lose": lose}


def test_unreported_cities_before_their_deadline_are_named_in_the_table_order():
    today = timezone.localdate()
    set_campaign(city_deadline=today + datetime.timedelta(days=20))
    forward("太原市")
    missing = unreported_cities(world.campaign(), timezone.now())
    assert [city.name for city in missing] == [name for name in city_names() if name != "太原市"]
    assert len(missing) == 10
    assert {city.last_day for city in missing} == {today + datetime.timedelta(days=20)}
    assert not any(city.deadline_passed for city in missing)


def test_the_board_warns_about_missing_cities_and_quarantined_ballots(client):
    set_campaign(city_deadline=timezone.localdate() + datetime.timedelta(days=20))
    forward("太原市")
    case = world.city_case("太原市", title="候选甲")
    world.add_votes(case, 2, status="quarantined")
    client.force_login(world.province_staff())
    page = client.get(reverse("review:selection_board")).content.decode()
    assert "确定获奖名单之前" in page
    assert "以下城市尚未报送推荐名单：大同市（截止" in page
    for name in city_names()[1:]:
        assert f"{name}（截止" in page
    assert "太原市（截止" not in page
    assert "还有 2 张选票在隔离中" in page


def test_publish_is_refused_while_ballots_wait_in_quarantine(ranked):
    campaign, staff = ranked["campaign"], ranked["staff"]
    world.add_votes(ranked["lose"], 1, status="quarantined")
    compute_selection(campaign=campaign, actor=staff)
    with pytest.raises(SelectionRefused, match="还有 1 张选票在隔离中") as refused:
        publish_selection(campaign=campaign, actor=staff)
    assert refused.value.reasons == [str(refused.value)]
    # Deciding it changes the votes: the ranking must be computed again before publishing.
    from review.models import Ballot

    decide_quarantined(ballot=Ballot.objects.get(status="quarantined"), actor=staff, action="release", reason="核实")
    with pytest.raises(SelectionRefused, match="重新计算排名"):
        publish_selection(campaign=campaign, actor=staff)
    compute_selection(campaign=campaign, actor=staff)
    assert publish_selection(campaign=campaign, actor=staff).state == SelectionState.PUBLISHED


def test_publish_is_refused_while_the_public_vote_is_open_or_still_to_come(ranked):
    campaign, staff = ranked["campaign"], ranked["staff"]
    compute_selection(campaign=campaign, actor=staff)
    world.open_vote_window()
    with pytest.raises(SelectionRefused, match="网络投票仍在进行"):
        publish_selection(campaign=world.campaign(), actor=staff)
    set_campaign(vote_opens_at=timezone.now() + datetime.timedelta(days=1),
                 vote_closes_at=timezone.now() + datetime.timedelta(days=2))
    with pytest.raises(SelectionRefused, match="尚未举行"):
        publish_selection(campaign=world.campaign(), actor=staff)
    assert world.campaign().selection.state == SelectionState.DRAFT


def test_publish_waits_for_missing_cities_until_their_deadline_has_passed(ranked):
    staff = ranked["staff"]
    Batch.objects.filter(organisation=factories.city("朔州市")).delete()
    campaign = set_campaign(city_deadline=timezone.localdate() + datetime.timedelta(days=10))
    compute_selection(campaign=campaign, actor=staff)
    with pytest.raises(SelectionRefused, match="以下城市尚未报送推荐名单：朔州市（截止") as refused:
        publish_selection(campaign=campaign, actor=staff)
    assert "大同市" not in str(refused.value)
    after_deadline = timezone.now() + datetime.timedelta(days=11)
    problems = selection_problems(campaign, selection=campaign.selection, now=after_deadline)
    late = [problem for problem in problems if "未在截止日期前报送" in problem.message]
    assert len(late) == 1 and "朔州市" in late[0].message and not late[0].blocks_publication
    selection = publish_selection(campaign=campaign, actor=staff, now=after_deadline)
    assert selection.state == SelectionState.PUBLISHED


def test_an_extension_keeps_the_province_waiting_for_that_city(ranked):
    campaign, staff = ranked["campaign"], ranked["staff"]  # the campaign's city deadline is long past
    Batch.objects.filter(organisation__in=[factories.city("朔州市"), factories.city("大同市")]).delete()
    extended_to = timezone.localdate() + datetime.timedelta(days=5)
    DeadlineExtension.objects.create(campaign=campaign, tier=Tier.CITY, organisation=factories.city("大同市"),
                                     closes_on=extended_to, reason="系统故障", granted_by=staff)
    compute_selection(campaign=campaign, actor=staff)
    with pytest.raises(SelectionRefused) as refused:
        publish_selection(campaign=campaign, actor=staff)
    message = str(refused.value)
    # The one deadline format: the last day written as its 24:00.
    day = f"{extended_to.year}年{extended_to.month}月{extended_to.day}日 24:00"
    assert f"以下城市尚未报送推荐名单：大同市（截止 {day}）" in message
    assert "朔州市" not in message  # its deadline passed: the province goes on without it
    publish_selection(campaign=campaign, actor=staff, now=timezone.now() + datetime.timedelta(days=6))


def test_opening_the_vote_needs_at_least_the_fewest_picks_in_candidates():
    campaign = set_campaign(vote_min_picks=5, vote_max_picks=10, vote_opens_at=None, vote_closes_at=None)
    staff = world.province_staff()
    for region in ("太原市", "大同市", "朔州市"):
        world.city_case(region)
    closes_at = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(VoteRefused, match="只有 3 个案例处于省级评审，而每张选票至少要选 5 个"):
        open_vote(campaign=campaign, actor=staff, closes_at=closes_at)
    assert world.campaign().vote_opens_at is None
    for region in ("忻州市", "晋中市"):
        world.city_case(region)
    assert open_vote(campaign=campaign, actor=staff, closes_at=closes_at).vote_closes_at == closes_at


def test_a_refused_opening_keeps_the_typed_closing_time(client):
    world.open_vote_window()
    set_campaign(vote_opens_at=None, vote_closes_at=None)
    for region in ("太原市", "大同市"):
        world.city_case(region)
    client.force_login(world.province_staff())
    response = client.post(reverse("review:vote_open"), {"closes_at": "2024-01-05T18:30"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="2024-01-05T18:30"' in page
    assert "截止时间 2024年1月5日 18:30 已经过去，请选择晚于现在的截止时间。" in page
    assert world.campaign().vote_opens_at is None
