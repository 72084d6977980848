"""Provincial selection: the final score, tie-breaking, winners, presenters per city, overrides,
the public notice and the final result."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.enums import CaseStatus
from cases.models import CaseTransition
from review.models import Certificate, SelectionOverride, SelectionState
from review.selection.services import (
    SelectionRefused,
    compute_selection,
    finalise_selection,
    override_selection,
    publish_selection,
    rank_cases,
)
from tests.review import review_world as world

pytestmark = pytest.mark.django_db


def set_campaign(**fields):
    campaign = world.campaign()
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    return campaign


def test_final_score_weights_expert_and_public_vote_worked_example():
    campaign = set_campaign(expert_weight=Decimal("0.70"), public_weight=Decimal("0.30"))
    a, b, c = (world.city_case("太原市", title=t) for t in ("甲", "乙", "丙"))
    world.score_case(a, [90])
    world.score_case(b, [80])
    world.score_case(c, [70])
    world.add_votes(a, 10)
    world.add_votes(b, 40)
    world.add_votes(c, 20)
    world.add_votes(c, 30, status="quarantined")  # not counted
    world.add_votes(c, 30, status="excluded")  # not counted
    ranked = rank_cases(campaign, [a, b, c])
    # 乙: .7×.80 + .3×40/40 = .86; 甲: .7×.90 + .3×10/40 = .705; 丙: .7×.70 + .3×20/40 = .64
    assert [(r.case.title, r.final, r.votes) for r in ranked] == [("乙", 0.86, 40), ("甲", 0.705, 10), ("丙", 0.64, 20)]


def test_trimmed_mean_feeds_the_ranking():
    campaign = set_campaign()
    case = world.city_case("太原市")
    world.score_case(case, [100, 60, 80, 90, 70])
    [row] = rank_cases(campaign, [case])
    assert row.expert_score == 80 and row.expert_normalised == 0.8


def test_ties_break_by_expert_score_then_votes_then_case_id():
    campaign = set_campaign(expert_weight=Decimal("0.50"), public_weight=Decimal("0.50"))
    top, a, b, c, d = (world.city_case("太原市", title=t) for t in ("顶", "甲", "乙", "丙", "丁"))
    world.add_votes(top, 50)
    world.score_case(a, [60])
    world.add_votes(a, 20)  # .5×.6 + .5×.4 = .5
    world.score_case(b, [40])
    world.add_votes(b, 30)  # .5×.4 + .5×.6 = .5
    world.score_case(c, [40])
    world.add_votes(c, 30)  # identical to 乙 in every respect: the lower id (乙) first
    world.score_case(d, [40])
    world.add_votes(d, 30)
    ranked = [r.case.title for r in rank_cases(campaign, [d, c, b, a, top])]
    assert ranked == ["甲", "乙", "丙", "丁", "顶"]
    assert rank_cases(campaign, [top, a, b, c, d])[0].final == 0.5


def test_winners_are_the_top_n_and_presenters_at_most_two_per_city():
    set_campaign(winners_count=6, presenters_count=4, presenters_per_city_max=2)
    staff = world.province_staff()
    taiyuan = [world.city_case("太原市", title=f"太原{i}", is_presenter_candidate=True) for i in range(4)]
    datong = [world.city_case("大同市", title=f"大同{i}", is_presenter_candidate=True) for i in range(2)]
    other = world.city_case("朔州市", title="朔州0")
    for index, case in enumerate(taiyuan + datong + [other]):
        world.score_case(case, [95 - index * 5], staff=staff)
    selection = compute_selection(campaign=world.campaign(), actor=staff)
    entries = list(selection.entries.order_by("rank").select_related("case"))
    assert [e.case.title for e in entries if e.is_winner] == ["太原0", "太原1", "太原2", "太原3", "大同0", "大同1"]
    assert [e.case.title for e in entries if e.is_presenter] == ["太原0", "太原1", "大同0", "大同1"]
    assert not entries[-1].is_winner


def test_presenters_top_up_the_park_share_by_swapping_the_weakest_when_the_campaign_enforces_it():
    set_campaign(winners_count=10, presenters_count=3, presenters_per_city_max=2, park_presenter_share_percent=30,
                 province_enforces_park_share=True)
    staff = world.province_staff()
    ea = [world.enterprise_association_case(region, title=f"企业科协{i}", is_presenter_candidate=True)
          for i, region in enumerate(("太原市", "大同市", "朔州市"))]
    park = world.city_case("忻州市", title="园区", is_presenter_candidate=True)
    for index, case in enumerate(ea + [park]):
        world.score_case(case, [95 - index * 5], staff=staff)
    selection = compute_selection(campaign=world.campaign(), actor=staff)
    # ⌈30% × 3⌉ = 1 park presenter: the weakest enterprise-association presenter makes way.
    assert sorted(e.case.title for e in selection.entries.filter(is_presenter=True)) == ["企业科协0", "企业科协1", "园区"]


def test_overrides_need_a_reason_respect_the_city_limit_and_survive_recomputing():
    set_campaign(winners_count=3, presenters_count=3, presenters_per_city_max=2)
    staff = world.province_staff()
    cases = [world.city_case("太原市", title=f"太原{i}", is_presenter_candidate=True) for i in range(4)]
    for index, case in enumerate(cases):
        world.score_case(case, [90 - index * 10], staff=staff)
    campaign = world.campaign()
    compute_selection(campaign=campaign, actor=staff)
    with pytest.raises(SelectionRefused):
        override_selection(campaign=campaign, case=cases[3], field="winner", value=False, reason=" ", actor=staff)
    override_selection(campaign=campaign, case=cases[2], field="winner", value=False, reason="存在争议", actor=staff)
    override_selection(campaign=campaign, case=cases[3], field="winner", value=True, reason="专家复议", actor=staff)
    with pytest.raises(SelectionRefused) as refused:  # 太原 already has two presenters
        override_selection(campaign=campaign, case=cases[3], field="presenter", value=True, reason="宣讲效果好", actor=staff)
    assert str(refused.value) == "该地市已有 2 个宣讲代表，已达上限。"
    selection = compute_selection(campaign=campaign, actor=staff)
    winners = {e.case.title: e.is_presenter for e in selection.entries.filter(is_winner=True)}
    assert winners == {"太原0": True, "太原1": True, "太原3": False}
    assert SelectionOverride.objects.count() == 2


def _three_winners_of_four(**counts):
    """Four scored cases (甲 best … 丁), the ranking computed: 甲, 乙, 丙 win."""
    campaign = set_campaign(**{"winners_count": 3, "presenters_count": 2, "presenters_per_city_max": 2, **counts})
    staff = world.province_staff()
    cases = [world.city_case(region, title=title, is_presenter_candidate=True)
             for region, title in (("太原市", "甲"), ("大同市", "乙"), ("朔州市", "丙"), ("忻州市", "丁"))]
    for index, case in enumerate(cases):
        world.score_case(case, [90 - index * 10], staff=staff)
    compute_selection(campaign=campaign, actor=staff)
    return campaign, staff, cases


def _winner_titles(campaign):
    return [e.case.title for e in campaign.selection.entries.filter(is_winner=True).order_by("rank")]


def test_a_winner_override_beyond_the_winners_count_is_refused_and_changes_nothing():
    campaign, staff, (jia, yi, bing, ding) = _three_winners_of_four()

    with pytest.raises(SelectionRefused) as refused:
        override_selection(campaign=campaign, case=ding, field="winner", value=True, reason="专家复议", actor=staff)

    assert str(refused.value) == (
        "已有 3 个入选案例，已达本次活动设定的入选数量（3 个）。如要让此案例入选，请先通过人工调整将另一个案例改为"
        "不入选（“否”）。"
    )
    assert _winner_titles(world.campaign()) == ["甲", "乙", "丙"]
    assert SelectionOverride.objects.count() == 0
    # Swapping is allowed: take one off, then add the other.
    override_selection(campaign=campaign, case=bing, field="winner", value=False, reason="存在争议", actor=staff)
    override_selection(campaign=campaign, case=ding, field="winner", value=True, reason="专家复议", actor=staff)
    assert _winner_titles(world.campaign()) == ["甲", "乙", "丁"]


def test_a_presenter_override_beyond_the_presenters_count_is_refused():
    campaign, staff, (jia, yi, bing, ding) = _three_winners_of_four(presenters_count=2)

    with pytest.raises(SelectionRefused) as refused:
        override_selection(campaign=campaign, case=bing, field="presenter", value=True, reason="宣讲效果好", actor=staff)

    assert str(refused.value) == (
        "已有 2 个宣讲代表，已达本次活动设定的宣讲代表数量（2 个）。如要让此案例作为宣讲代表，请先通过人工调整将另一个"
        "案例的宣讲代表改为“否”。"
    )
    assert sorted(e.case.title for e in world.campaign().selection.entries.filter(is_presenter=True)) == ["乙", "甲"]


def test_recomputing_keeps_the_winners_count_when_a_new_case_outranks_the_overrides():
    # 丙 taken off and 丁 added by staff; then a case better than all arrives. Re-applying the
    # overrides on top of a fresh top 3 (戊 甲 乙) would give four winners: the overrides decide 丙
    # and 丁, the rest of the places go to the best of the others.
    campaign, staff, (jia, yi, bing, ding) = _three_winners_of_four()
    override_selection(campaign=campaign, case=bing, field="winner", value=False, reason="存在争议", actor=staff)
    override_selection(campaign=campaign, case=ding, field="winner", value=True, reason="专家复议", actor=staff)
    wu = world.city_case("吕梁市", title="戊")
    world.score_case(wu, [95], staff=staff)

    compute_selection(campaign=campaign, actor=staff)

    assert _winner_titles(world.campaign()) == ["戊", "甲", "丁"]


def test_a_winners_count_lowered_after_the_overrides_is_shown_and_blocks_the_public_notice(client):
    campaign, staff, (jia, yi, bing, ding) = _three_winners_of_four()
    set_campaign(winners_count=2)
    campaign = world.campaign()

    with pytest.raises(SelectionRefused) as refused:
        publish_selection(campaign=campaign, actor=staff)
    client.force_login(staff)
    page = client.get(reverse("review:selection_board")).content.decode()

    message = "入选名单有 3 个案例，但本次活动的入选数量为 2 个，多了 1 个。请通过人工调整取消 1 个案例的入选，或重新计算排名。"
    assert refused.value.reasons == [message]
    assert world.campaign().selection.state == SelectionState.DRAFT
    assert f'<p class="error-box">{message}</p>' in page
    assert "入选 3 / 2 个 · 宣讲代表 2 / 2 个" in page


def test_publish_then_finalise_after_the_objection_period():
    campaign = set_campaign(winners_count=1, presenters_count=1, objection_days=7)
    staff = world.province_staff()
    win, lose = world.city_case("太原市", title="胜"), world.city_case("大同市", title="负")
    world.score_case(win, [90], staff=staff)
    world.score_case(lose, [50], staff=staff)
    with pytest.raises(SelectionRefused):
        publish_selection(campaign=campaign, actor=staff)
    compute_selection(campaign=campaign, actor=staff)
    published_at = timezone.now()
    selection = publish_selection(campaign=campaign, actor=staff, now=published_at)
    assert selection.state == SelectionState.PUBLISHED
    assert selection.objection_ends_at == published_at + datetime.timedelta(days=7)
    with pytest.raises(SelectionRefused):
        compute_selection(campaign=campaign, actor=staff)
    with pytest.raises(SelectionRefused):
        finalise_selection(campaign=campaign, actor=staff, now=published_at + datetime.timedelta(days=6))
    finalise_selection(campaign=campaign, actor=staff, now=published_at + datetime.timedelta(days=7))
    win.refresh_from_db()
    lose.refresh_from_db()
    assert (win.status, lose.status) == (CaseStatus.WINNER, CaseStatus.NOT_WINNER)
    assert CaseTransition.objects.filter(case=win, to_status=CaseStatus.WINNER, actor=staff).count() == 1
    assert list(Certificate.objects.values_list("case__title", flat=True)) == ["胜"]


def test_the_public_notice_shows_winners_only_after_publication_and_no_personal_data(client):
    campaign = set_campaign(winners_count=1, presenters_count=1)
    staff = world.province_staff()
    case = world.city_case("太原市", title="公示案例", contact_name="张联系", contact_phone="13800001111")
    world.score_case(case, [90], staff=staff)
    compute_selection(campaign=campaign, actor=staff)
    page = client.get(reverse("review:publicity")).content.decode()
    assert "公示案例" not in page
    publish_selection(campaign=campaign, actor=staff)
    page = client.get(reverse("review:publicity")).content.decode()
    assert "公示案例" in page and "太原市" in page
    assert "13800001111" not in page and "张联系" not in page


def test_staff_selection_pages(client):
    set_campaign(winners_count=1, presenters_count=1)
    staff = world.province_staff()
    case = world.city_case("太原市", title="页面案例")
    world.score_case(case, [90], staff=staff)
    client.force_login(staff)
    assert client.post(reverse("review:selection_compute")).status_code == 302
    page = client.get(reverse("review:selection_board")).content.decode()
    assert "页面案例" in page and "90.00" in page
    client.post(reverse("review:selection_override", args=[case.pk]), {"field": "winner", "value": "0", "reason": "测试"})
    assert SelectionOverride.objects.get().reason == "测试"
    expert = world.provincial_expert("大同市")
    client.force_login(expert)
    assert client.get(reverse("review:selection_board")).status_code == 404
    assert client.post(reverse("review:selection_compute")).status_code == 404
