"""The provincial selection freezes what it was computed from, and says so before anyone presses a
button: the vote cannot be reopened and scores lock once the 公示 is published; missing expert
scores hold the 公示 back; every decision of the selection is in the audit log."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.enums import AuditAction, Tier
from cases.models import AuditEvent
from quotas.models import CityQuota
from review.experts.services import ReviewRefused, assign_expert, criteria_of, submit_score
from review.models import Ballot, Batch, BatchStatus, Certificate, SelectionState
from review.models.scoring import ConflictOfInterest, ConflictSource
from review.selection.readiness import missing_scores, selection_problems
from review.selection.services import (
    SelectionRefused,
    compute_selection,
    finalise_selection,
    publish_selection,
    withdraw_publication,
)
from review.voting.limits import ClientInfo
from review.voting.services import VoteRefused, cast_ballot, decide_quarantined, open_vote, request_code, voter_hash
from sms.gateways import MemoryGateway
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db

PUBLISHED_REFUSAL = "获奖名单已公示，新的投票会改变公示排名所依据的票数。如需变更投票，请先在“排名与评选”页面撤回公示，然后才能重新开启投票。"
FINAL_REFUSAL = "省级评选结果已确定，网络投票不能再开启。"
SCORES_LOCKED = "评分已锁定：省级已发布获奖名单公示"
TOO_FREQUENT = "您所在网络或设备的投票过于频繁，请稍后再试。"


@pytest.fixture(autouse=True)
def memory_sms(settings):
    settings.SMS_GATEWAY = "sms.gateways.MemoryGateway"
    MemoryGateway.outbox.clear()
    yield MemoryGateway.outbox


def set_campaign(**fields):
    campaign = world.campaign()
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    return campaign


def forward_all_cities():
    for quota in CityQuota.objects.filter(campaign=world.campaign()).select_related("city"):
        Batch.objects.create(campaign=world.campaign(), organisation=quota.city, tier=Tier.CITY,
                             status=BatchStatus.FORWARDED, forwarded_at=timezone.now() - datetime.timedelta(days=1))


@pytest.fixture
def ranked():
    """Two scored candidates (one winner), every city forwarded, the vote closed, ranking computed."""
    set_campaign(winners_count=1, presenters_count=1, objection_days=7, vote_min_picks=1, vote_max_picks=2)
    staff = world.province_staff()
    win, lose = world.city_case("太原市", title="胜"), world.city_case("大同市", title="负")
    world.score_case(win, [90], staff=staff)
    world.score_case(lose, [50], staff=staff)
    forward_all_cities()
    world.close_vote_window()
    compute_selection(campaign=world.campaign(), actor=staff)
    return {"staff": staff, "win": win, "lose": lose}


def published(ranked):
    return publish_selection(campaign=world.campaign(), actor=ranked["staff"])


def points(value: int) -> dict[int, int]:
    return {criterion.pk: value for criterion in criteria_of(world.campaign())}


# --- 1. the vote cannot be reopened after the 公示 --------------------------------------------

def test_open_vote_is_refused_once_the_public_notice_is_published_and_again_after_withdrawing(ranked):
    staff = ranked["staff"]
    published(ranked)
    closes_at = timezone.now() + datetime.timedelta(days=2)
    before = (world.campaign().vote_opens_at, world.campaign().vote_closes_at)
    with pytest.raises(VoteRefused) as refused:
        open_vote(campaign=world.campaign(), actor=staff, closes_at=closes_at)
    assert str(refused.value) == PUBLISHED_REFUSAL
    assert (world.campaign().vote_opens_at, world.campaign().vote_closes_at) == before
    withdraw_publication(campaign=world.campaign(), actor=staff, reason="异议成立")
    assert open_vote(campaign=world.campaign(), actor=staff, closes_at=closes_at).vote_closes_at == closes_at


def test_open_vote_is_refused_outright_once_the_result_is_final(ranked):
    selection = published(ranked)
    finalise_selection(campaign=world.campaign(), actor=ranked["staff"], now=selection.objection_ends_at)
    with pytest.raises(VoteRefused) as refused:
        open_vote(campaign=world.campaign(), actor=ranked["staff"], closes_at=timezone.now() + datetime.timedelta(days=2))
    assert str(refused.value) == FINAL_REFUSAL


def test_the_control_page_explains_instead_of_offering_to_reopen_the_vote(client, ranked):
    published(ranked)
    client.force_login(ranked["staff"])
    page = client.get(reverse("review:vote_control")).content.decode()
    assert PUBLISHED_REFUSAL in page
    assert reverse("review:vote_open") not in page and "立即开启投票" not in page
    response = client.post(reverse("review:vote_open"), {"closes_at": "2030-01-01T12:00"})
    assert response.status_code == 200 and PUBLISHED_REFUSAL in response.content.decode()
    assert world.campaign().vote_closes_at < timezone.now()


def test_closing_the_vote_early_asks_first(client):
    world.open_vote_window()
    client.force_login(world.province_staff())
    page = client.get(reverse("review:vote_control")).content.decode()
    form = re.search(r'<form method="post" action="%s"[^>]*>' % reverse("review:vote_close"), page).group()
    assert 'data-confirm="确定立即关闭网络投票吗？' in form
    assert "立即关闭投票" in page


def test_the_control_page_warns_about_cities_without_a_list_but_still_offers_to_open(client):
    set_campaign(city_deadline=timezone.localdate() + datetime.timedelta(days=20), vote_opens_at=None, vote_closes_at=None)
    forward_all_cities()
    Batch.objects.filter(organisation__in=[factories.city("大同市"), factories.city("朔州市")]).delete()
    client.force_login(world.province_staff())
    page = client.get(reverse("review:vote_control")).content.decode()
    assert "以下城市尚未报送推荐名单，其案例目前不在投票候选中" in page
    warning = page[page.index("vote-unreported"):page.index(reverse("review:vote_open"))]
    last = timezone.localdate() + datetime.timedelta(days=20)
    day = f"{last.year}年{last.month}月{last.day}日 24:00"
    assert re.findall(r'<li class="finding warning">([^<]+)</li>', warning) == [f"大同市 · 截止 {day}", f"朔州市 · 截止 {day}"]
    assert "太原市" not in warning
    assert "立即开启投票" in page


# --- 2. expert scores: complete before the 公示, locked after it ---------------------------------

def test_an_assigned_expert_without_a_score_blocks_the_public_notice(ranked):
    staff, win = ranked["staff"], ranked["win"]
    late = world.provincial_expert("晋城市", name="迟到")
    assignment = assign_expert(case=win, expert=late, tier=Tier.PROVINCE, actor=staff)
    assert [(row.title, row.missing, row.assigned) for row in missing_scores(world.campaign())] == [("胜", 1, 2)]
    with pytest.raises(SelectionRefused) as refused:
        publish_selection(campaign=world.campaign(), actor=staff)
    assert "已分配的省级评审专家还缺 1 份评分：胜（已分配 2 位专家，缺 1 份评分）" in str(refused.value)
    submit_score(assignment=assignment, actor=late, points=points(10), comment="补评")
    # The new score changes the ranking's input: the old ranking is stale now.
    with pytest.raises(SelectionRefused, match="此后投票、专家评分或各市推荐名单又有变动"):
        publish_selection(campaign=world.campaign(), actor=staff)
    compute_selection(campaign=world.campaign(), actor=staff)
    assert publish_selection(campaign=world.campaign(), actor=staff).state == SelectionState.PUBLISHED


def test_a_changed_score_makes_the_ranking_stale(ranked):
    staff, lose = ranked["staff"], ranked["lose"]
    problems = selection_problems(world.campaign(), selection=world.campaign().selection)
    assert not any(problem.blocks_publication for problem in problems)
    assignment = lose.expert_assignments.get()
    submit_score(assignment=assignment, actor=assignment.expert, points=points(95), comment="重新评估",
                 now=timezone.now() + datetime.timedelta(minutes=1))
    stale = [p for p in selection_problems(world.campaign(), selection=world.campaign().selection) if "重新计算排名" in p.message]
    assert len(stale) == 1 and stale[0].blocks_publication


def test_scores_lock_when_the_public_notice_is_published_and_unlock_when_it_is_withdrawn(ranked):
    staff, win = ranked["staff"], ranked["win"]
    assignment = win.expert_assignments.get()
    published(ranked)
    with pytest.raises(ReviewRefused) as refused:
        submit_score(assignment=assignment, actor=assignment.expert, points=points(10), comment="改分")
    assert str(refused.value).startswith(SCORES_LOCKED)
    assignment.score.refresh_from_db()
    assert assignment.score.total == 90
    withdraw_publication(campaign=world.campaign(), actor=staff, reason="异议成立")
    assert submit_score(assignment=assignment, actor=assignment.expert, points=points(10), comment="改分").total == 10


def test_a_scored_assignment_cannot_be_removed_while_the_public_notice_stands(ranked):
    from review.experts.services import unassign_expert

    staff, assignment = ranked["staff"], ranked["win"].expert_assignments.get()
    published(ranked)
    with pytest.raises(ReviewRefused, match="该专家的评分已计入已发布的获奖名单公示"):
        unassign_expert(assignment=assignment, actor=staff, reason="调整")
    assignment.refresh_from_db()
    assert assignment.ended_at is None
    withdraw_publication(campaign=world.campaign(), actor=staff, reason="异议成立")
    assert unassign_expert(assignment=assignment, actor=staff, reason="调整").ended_at is not None


def test_the_expert_page_says_when_scores_lock_and_that_they_are_locked(client, ranked):
    set_campaign(scoring_closes_at=None)
    assignment = ranked["win"].expert_assignments.get()
    client.force_login(assignment.expert)
    url = reverse("review:expert_case", args=[ranked["win"].pk])
    page = client.get(url).content.decode()
    assert "评分在省级发布获奖名单公示时锁定；在此之前您可以修改评分。" in page
    assert 'class="score-form"' in page
    published(ranked)
    page = client.get(url).content.decode()
    assert SCORES_LOCKED in page
    assert 'class="score-form"' not in page and "评分已截止。" not in page
    # A form sent just as the notice went out comes back with the reason and what was typed.
    form = {f"criterion_{pk}": value for pk, value in points(10).items()} | {"comment": "刚写好的意见"}
    response = client.post(url, form)
    body = response.content.decode()
    assert response.status_code == 200 and SCORES_LOCKED in body and "刚写好的意见" in body
    home = client.get(reverse("review:expert_home")).content.decode()
    assert "已评分" in home


def test_the_expert_page_writes_the_lock_deadline_in_the_one_format(client, ranked):
    set_campaign(scoring_closes_at=datetime.datetime(2030, 12, 15, tzinfo=datetime.timezone(datetime.timedelta(hours=8))))
    assignment = ranked["win"].expert_assignments.get()
    client.force_login(assignment.expert)
    page = client.get(reverse("review:expert_case", args=[ranked["win"].pk])).content.decode()
    assert "评分于 2030年12月14日 24:00（北京时间）锁定；如省级在此之前发布获奖名单公示，则在公示发布时锁定。" in page


# --- 3. no refusal escapes as a 500 -------------------------------------------------------------

def test_automatic_assignment_on_a_closed_campaign_says_why(client):
    world.city_case("太原市", title="已归档")
    campaign = world.campaign()
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["closed_at"])
    client.force_login(world.province_staff())
    response = client.post(reverse("review:expert_board_auto", args=["province"]), follow=True)
    assert response.status_code == 200
    assert "关闭并归档" in response.content.decode()


# --- 4. ballot limits before the SMS ----------------------------------------------------------

def test_a_device_at_its_ballot_limit_gets_no_sms(settings, memory_sms):
    settings.VOTE_LIMITS = {"ballot_device_day": (3, 86400)}
    world.open_vote_window()
    cases = [world.city_case(region, title=f"{region}候选") for region in ("太原市", "大同市", "朔州市")]
    campaign = world.campaign()
    for n in range(3):
        client = ClientInfo(ip=f"192.0.2.{n}", block=f"192.0.{n}.0/24", device_hash="f" * 64, user_agent="test")
        cast_ballot(campaign=campaign, voter=voter_hash(f"1391234567{n}"), case_ids=[cases[0].pk, cases[1].pk], client=client)
    fourth = ClientInfo(ip="192.0.2.9", block="192.0.9.0/24", device_hash="f" * 64, user_agent="test")
    with pytest.raises(VoteRefused) as refused:
        request_code(campaign=campaign, phone="13912345679", client=fourth)
    assert str(refused.value) == TOO_FREQUENT
    assert memory_sms == []
    # The ballot keeps its own check (a code sent before the limit was reached).
    with pytest.raises(VoteRefused, match=TOO_FREQUENT):
        cast_ballot(campaign=campaign, voter=voter_hash("13912345679"), case_ids=[cases[0].pk, cases[2].pk], client=fourth)
    assert Ballot.objects.count() == 3


def test_the_phone_page_shows_the_ballot_limit_before_sending(client, settings, memory_sms):
    settings.VOTE_LIMITS = {"ballot_ip_hour": (1, 3600)}
    world.open_vote_window()
    cases = [world.city_case(region, title=f"{region}候选") for region in ("太原市", "大同市")]
    client.get(reverse("review:vote_gallery"))  # the device cookie
    cast_ballot(campaign=world.campaign(), voter=voter_hash("13900000000"), case_ids=[c.pk for c in cases],
                client=ClientInfo(ip="127.0.0.1", block="127.0.0.0/24", device_hash="", user_agent=""))
    response = client.post(reverse("review:vote_phone"), {"phone": "13912345678"})
    assert response.status_code == 200 and TOO_FREQUENT in response.content.decode()
    assert memory_sms == []


# --- 5. the audit log -------------------------------------------------------------------------

def test_every_selection_decision_is_in_the_audit_log(client, ranked):
    staff = ranked["staff"]
    world.add_votes(ranked["lose"], 1, status="quarantined")
    world.add_votes(ranked["win"], 1, status="quarantined")
    excluded, released = Ballot.objects.filter(status="quarantined").order_by("pk")
    decide_quarantined(ballot=excluded, actor=staff, action="confirm", reason="同一设备批量投票")
    decide_quarantined(ballot=released, actor=staff, action="release", reason="核实为正常投票")
    compute_selection(campaign=world.campaign(), actor=staff)
    publish_selection(campaign=world.campaign(), actor=staff)
    withdraw_publication(campaign=world.campaign(), actor=staff, reason="异议成立：材料有误")
    compute_selection(campaign=world.campaign(), actor=staff)
    selection = publish_selection(campaign=world.campaign(), actor=staff)
    finalise_selection(campaign=world.campaign(), actor=staff, now=selection.objection_ends_at)

    events = list(AuditEvent.objects.order_by("created_at", "pk").values_list("action", flat=True))
    assert events == [
        AuditAction.RANKING_COMPUTED,  # the fixture's
        AuditAction.BALLOT_EXCLUDED, AuditAction.BALLOT_RELEASED,
        AuditAction.RANKING_COMPUTED, AuditAction.SELECTION_PUBLISHED, AuditAction.SELECTION_WITHDRAWN,
        AuditAction.RANKING_COMPUTED, AuditAction.SELECTION_PUBLISHED, AuditAction.SELECTION_FINALISED,
        AuditAction.CERTIFICATES_ISSUED,
    ]
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {staff.pk}
    assert AuditEvent.objects.get(action=AuditAction.BALLOT_EXCLUDED).details == {"ballot": excluded.pk, "reason": "同一设备批量投票"}
    assert AuditEvent.objects.get(action=AuditAction.SELECTION_WITHDRAWN).details["reason"] == "异议成立：材料有误"
    number = Certificate.objects.get().number
    assert AuditEvent.objects.get(action=AuditAction.CERTIFICATES_ISSUED).summary == f"已颁发 1 份证书：{number}"

    client.force_login(staff)
    page = client.get(reverse("review:audit_log")).content.decode()
    for kind in ("计算省级排名", "发布获奖名单公示", "撤回获奖名单公示", "确定省级最终结果", "隔离选票剔除", "隔离选票放行", "颁发证书"):
        assert f"<td>{kind}</td>" in page
    assert "异议成立：材料有误" in page and "同一设备批量投票" in page and "核实为正常投票" in page
    assert "已计算排名：共 2 个案例，入选 1 个" in page


def test_issuing_nothing_new_records_nothing(ranked):
    from review.selection.certificates import issue_certificates

    assert issue_certificates(campaign=world.campaign(), actor=ranked["staff"]) == []
    assert not AuditEvent.objects.filter(action=AuditAction.CERTIFICATES_ISSUED).exists()


# --- 6. buttons that would be refused -----------------------------------------------------------

def test_publish_is_shown_disabled_with_the_reason_while_something_blocks_it(client, ranked):
    staff = ranked["staff"]
    assign_expert(case=ranked["win"], expert=world.provincial_expert("晋城市"), tier=Tier.PROVINCE, actor=staff)
    client.force_login(staff)
    page = client.get(reverse("review:selection_board")).content.decode()
    assert reverse("review:selection_publish") not in page
    assert re.search(r'<button type="button" class="primary" disabled[^>]*>发布公示</button>', page)
    assert "暂不能发布：请先解决“确定获奖名单之前”中标为红色的问题。" in page
    assert "已分配的省级评审专家还缺 1 份评分" in page


def test_publish_is_offered_once_nothing_blocks_it(client, ranked):
    client.force_login(ranked["staff"])
    page = client.get(reverse("review:selection_board")).content.decode()
    assert f'action="{reverse("review:selection_publish")}"' in page
    assert "暂不能发布" not in page


def test_finalising_waits_for_the_objection_period_and_says_until_when(client, ranked):
    selection = published(ranked)
    client.force_login(ranked["staff"])
    page = client.get(reverse("review:selection_board")).content.decode()
    assert reverse("review:selection_finalise") not in page
    ends = timezone.localtime(selection.objection_ends_at)
    when = f"{ends.year}年{ends.month}月{ends.day}日 {ends:%H:%M}"
    assert f"异议期至 {when}，期满后才能确定最终结果。" in page
    public = client.get(reverse("review:publicity")).content.decode()
    start = timezone.localtime(selection.published_at)
    assert f"公示期自 {start.year}年{start.month}月{start.day}日 {start:%H:%M} 至 {when}。" in public


def test_the_manual_assignment_lists_only_experts_who_may_score_the_case(client):
    staff = world.province_staff()
    case = world.city_case("太原市", title="待分配")
    home = world.provincial_expert("太原市", name="本市专家")
    declared = world.provincial_expert("晋城市", name="已回避专家")
    assigned = world.provincial_expert("晋城市", name="已分配专家")
    free = world.provincial_expert("晋城市", name="可分配专家")
    ConflictOfInterest.objects.create(expert=declared, case=case, source=ConflictSource.DECLARED, reason="亲属")
    assign_expert(case=case, expert=assigned, tier=Tier.PROVINCE, actor=staff)
    client.force_login(staff)
    page = client.get(reverse("review:expert_board", args=["province"])).content.decode()
    select = re.search(r'<select name="expert" id="assign-%d"[^>]*>(.*?)</select>' % case.pk, page, re.S).group(1)
    assert re.findall(r'<option value="(\d+)">', select) == [str(free.pk)]
    assert "可分配专家" in select
    for name in ("本市专家", "已回避专家", "已分配专家"):
        assert name not in select and name in page  # in the pool table, not in this case's dropdown


# --- 7. one scale on the board ---------------------------------------------------------------------

def test_the_final_score_reads_on_the_experts_scale(client, ranked):
    client.force_login(ranked["staff"])
    page = client.get(reverse("review:selection_board")).content.decode()
    assert "专家评分（百分制）" in page and "综合得分（百分制）" in page
    assert "两项得分均为百分制。" in page
    entry = world.campaign().selection.entries.get(case=ranked["win"])
    assert f"<td>{entry.final_score * 100:.1f}</td>" in page


def test_no_provincial_expert_is_assigned_and_no_scored_recusal_recorded_under_the_public_notice(ranked):
    from review.experts.services import declare_conflict

    staff, case = ranked["staff"], ranked["win"]
    assignment = case.expert_assignments.get()
    newcomer = world.provincial_expert("晋城市", name="新专家")
    published(ranked)
    with pytest.raises(ReviewRefused, match="获奖名单公示已发布，省级评分已结束"):
        assign_expert(case=case, expert=newcomer, tier=Tier.PROVINCE, actor=staff)
    with pytest.raises(ReviewRefused, match="撤回公示后即可申报回避"):
        declare_conflict(case=case, expert=assignment.expert, reason="发现与该企业有合作")
    assignment.refresh_from_db()
    assert assignment.ended_at is None and not case.expert_assignments.filter(expert=newcomer).exists()
    withdraw_publication(campaign=world.campaign(), actor=staff, reason="异议成立")
    declare_conflict(case=case, expert=assignment.expert, reason="发现与该企业有合作")
    assignment.refresh_from_db()
    assert assignment.ended_at is not None
