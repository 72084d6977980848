"""Issue 13 item 4, the reviewing tiers' side: workbench, inbox, case page, ranked list and the vote
control follow the stage window (cases.deadlines.stage_window) before the deadline, after it and
after the campaign is closed, and say what is still possible."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.enums import CaseStatus, Tier
from cases.models import Campaign
from review.models import BatchStatus
from review.services import open_batch
from tests import factories
from tests.review import review_world as world
from tests.review.conftest import make_case

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
# After the association's (09-06) and the county's (09-11) days, the city's (09-14) still open.
AFTER_COUNTY = datetime.datetime(2024, 9, 12, 10, 0, tzinfo=BEIJING)
ASK_EXTENSION = "如仍需办理，请向省科技创新服务中心申请延长本单位的截止时间；批准后本页面会重新开放。"
CAMPAIGN_CLOSED = "活动已关闭并归档：不能再提交或修改任何内容，也不能再延长截止时间；文件和文档仍可下载。"
STAGE_SHUT = "本阶段已截止：不能再审核、排序或报送案例；已报送的名单和汇总表仍可查看和下载。"
TODO = {
    Tier.ASSOCIATION: "填写推荐汇总表（附件4）",
    Tier.COUNTY: "进行资格审查",
    Tier.CITY: "填写推荐汇总表（附件6）",
}


def _at(monkeypatch, moment, *, closed: bool = False):
    factories.freeze_now(monkeypatch, moment)
    if closed:
        Campaign.objects.filter(year=2024).update(closed_at=moment)


def _workbench(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("tier", [Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY])
def test_each_tier_counts_down_and_lists_its_work_while_open(client, county_world, monkeypatch, tier):
    _at(monkeypatch, OPEN)
    page = _workbench(client, county_world["staff"][tier])
    day = {Tier.ASSOCIATION: 6, Tier.COUNTY: 11, Tier.CITY: 14}[tier]
    assert f"截止时间 2024年9月{day}日 24:00（北京时间），还剩 {12 + day} 天。" in page
    assert TODO[tier] in page


@pytest.mark.parametrize("tier", [Tier.ASSOCIATION, Tier.COUNTY])
def test_after_its_deadline_a_tier_is_told_it_closed_and_whom_to_ask(client, county_world, monkeypatch, tier):
    _at(monkeypatch, AFTER_COUNTY)
    page = _workbench(client, county_world["staff"][tier])
    day = {Tier.ASSOCIATION: 6, Tier.COUNTY: 11}[tier]
    assert f"本阶段已于 2024年9月{day}日 24:00（北京时间）截止。" in page
    assert ASK_EXTENSION in page and STAGE_SHUT in page
    assert TODO[tier] not in page and "还剩" not in page


@pytest.mark.parametrize("tier", [Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY, Tier.PROVINCE])
def test_a_closed_campaign_counts_nothing_down_for_any_tier(client, county_world, monkeypatch, tier):
    _at(monkeypatch, OPEN, closed=True)
    page = _workbench(client, county_world["staff"][tier])
    assert CAMPAIGN_CLOSED in page
    assert "还剩" not in page and "剩余" not in page
    assert all(text not in page for text in TODO.values())
    assert "管理活动、名额、组织和账号" not in page  # the province's to-do too


def test_the_inbox_counts_down_then_says_the_stage_closed(client, county_world, monkeypatch):
    client.force_login(county_world["staff"][Tier.COUNTY])
    url = f"{reverse('review:inbox')}?org={county_world['county'].pk}"
    _at(monkeypatch, OPEN)
    assert "截止时间 2024年9月11日 24:00（北京时间）：剩余 22 天 14 小时 0 分钟。" in client.get(url).content.decode()
    _at(monkeypatch, AFTER_COUNTY)
    page = client.get(url).content.decode()
    assert "截止时间（2024年9月11日 24:00，北京时间）已过。" in page and ASK_EXTENSION in page
    assert "剩余" not in page


def test_the_case_page_offers_decisions_only_while_the_tier_may_decide(client, county_world, monkeypatch):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_REVIEW, "县审案例")
    client.force_login(county_world["staff"][Tier.COUNTY])
    url = reverse("review:case_review", args=[case.pk])
    _at(monkeypatch, OPEN)
    assert 'value="pass"' in client.get(url).content.decode()
    _at(monkeypatch, AFTER_COUNTY)
    page = client.get(url).content.decode()
    assert 'value="pass"' not in page and 'value="fail"' not in page
    assert "截止时间（2024年9月11日 24:00，北京时间）已过。" in page and ASK_EXTENSION in page


def test_after_the_deadline_the_forward_button_is_disabled_with_the_reason(client, county_world, monkeypatch):
    _at(monkeypatch, OPEN)
    case = factories.complete_case(county_world["enterprises"][0], title="待报送案例")
    case.status = CaseStatus.ASSOCIATION_RECOMMENDED
    case.save()
    batch = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    _at(monkeypatch, AFTER_COUNTY)
    client.force_login(county_world["staff"][Tier.ASSOCIATION])
    page = client.get(f"{reverse('review:batch_detail')}?org={county_world['park'].pk}").content.decode()
    reason = "本阶段已于 2024年9月6日 24:00（北京时间）截止：名单不能再报送。 " + ASK_EXTENSION
    assert f'<li class="rule bad">{reason}</li>' in page
    # The button is shown disabled, outside any form, with the reasons beside it (no confirmation first).
    assert '<button type="button" class="primary" disabled aria-describedby="forward-hold">' in page
    assert 'action="%s"' % reverse("review:batch_forward") not in page
    response = client.post(reverse("review:batch_forward"), {"org": county_world["park"].pk, "batch": batch.pk}, follow=True)
    assert reason in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.OPEN


# --- the public vote's control page ------------------------------------------------------------------

def test_a_vote_not_opened_yet_offers_to_open_it(client):
    client.force_login(world.province_staff())
    page = client.get(reverse("review:vote_control")).content.decode()
    assert "立即开启投票" in page and "重新开放投票" not in page


def test_after_the_vote_closed_the_page_gives_the_next_step_not_open_now(client):
    current = world.close_vote_window()
    client.force_login(world.province_staff())
    page = client.get(reverse("review:vote_control")).content.decode()
    ended = timezone.localtime(current.vote_closes_at)
    assert f"网络投票已于 {ended.year}年{ended.month}月{ended.day}日 {ended:%H:%M}（北京时间）结束。" in page
    assert "下一步：处理隔离区中待审核的选票，然后在“排名与评选”页面计算排名。" in page
    assert "立即开启投票" not in page
    # Reopening stays possible until the 公示, as its own explicit, folded action.
    reopen = re.search(r'<details class="vote-reopen">.*?</details>', page, re.S).group()
    assert "<summary>重新开放投票</summary>" in reopen and reverse("review:vote_open") in reopen


# --- the expert's score ------------------------------------------------------------------------------

def test_a_scored_case_after_the_close_says_scoring_closed_not_when_it_will_lock(client):
    from review.experts.services import assign_expert, criteria_of, submit_score

    campaign = world.open_scoring()  # scores would lock in 10 days
    case = world.city_case("太原市", title="已评分案例")
    expert = world.provincial_expert("大同市")
    assignment = assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=world.province_staff())
    submit_score(assignment=assignment, actor=expert, points={c.pk: 80 for c in criteria_of(campaign)}, comment="意见")
    client.force_login(expert)
    url = reverse("review:expert_case", args=[case.pk])
    assert "（北京时间）锁定" in client.get(url).content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(closed_at=timezone.now())
    page = client.get(url).content.decode()
    assert '<p class="hint">评分已截止。</p>' in page
    assert "锁定" not in page and 'class="score-form"' not in page
