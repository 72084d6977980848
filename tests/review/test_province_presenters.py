"""Province-level presenters (issue 14 item 7): the ~10 presenters are chosen by score with ≤ 2 per
city; the ≥ 30 % park share of 附件2 binds the cities' lists and is only shown at the province,
unless the campaign says the province must meet it too."""

import pytest
from django.urls import reverse

from cases.models import Campaign
from review.selection.services import (
    SelectionRefused,
    compute_selection,
    decision_problems,
    override_selection,
    presenter_park_share,
)
from tests.review import review_world as world
from tests.review.test_selection import set_campaign

pytestmark = pytest.mark.django_db


def four_candidates(**campaign_fields):
    """Three enterprise-association presenter candidates from three cities scoring best, one park case last."""
    set_campaign(winners_count=10, presenters_count=3, presenters_per_city_max=2, park_presenter_share_percent=30,
                 **campaign_fields)
    staff = world.province_staff()
    ea = [world.enterprise_association_case(region, title=f"企业科协{i}", is_presenter_candidate=True)
          for i, region in enumerate(("太原市", "大同市", "朔州市"))]
    park = world.city_case("忻州市", title="园区", is_presenter_candidate=True)
    for index, case in enumerate(ea + [park]):
        world.score_case(case, [95 - index * 5], staff=staff)
    return staff, ea, park


def test_the_notices_reading_is_the_default():
    assert Campaign._meta.get_field("province_enforces_park_share").default is False


def test_by_default_presenters_are_the_best_scored_and_the_park_share_is_only_shown(client):
    staff, _ea, _park = four_candidates()

    selection = compute_selection(campaign=world.campaign(), actor=staff)

    assert sorted(e.case.title for e in selection.entries.filter(is_presenter=True)) == ["企业科协0", "企业科协1", "企业科协2"]
    assert decision_problems(selection) == []
    share = presenter_park_share(selection)
    assert (share.actual, share.total, share.required, share.enforced, share.met) == (0, 3, 1, False, False)
    client.force_login(staff)
    page = client.get(reverse("review:selection_board")).content.decode()
    assert "供参考：3 个宣讲代表中有 0 个来自园区科协" in page


def test_with_the_flag_the_province_must_meet_the_share_too():
    staff, ea, park = four_candidates(province_enforces_park_share=True)
    campaign = world.campaign()

    selection = compute_selection(campaign=campaign, actor=staff)

    assert sorted(e.case.title for e in selection.entries.filter(is_presenter=True)) == ["企业科协0", "企业科协1", "园区"]
    with pytest.raises(SelectionRefused, match="at least 1 are needed|至少需要 1 个"):
        override_selection(campaign=campaign, case=park, field="presenter", value=False, reason="宣讲冲突", actor=staff)


def test_without_the_flag_a_park_presenter_may_be_taken_off():
    staff, ea, park = four_candidates()
    campaign = world.campaign()
    compute_selection(campaign=campaign, actor=staff)
    override_selection(campaign=campaign, case=ea[2], field="presenter", value=False, reason="时间冲突", actor=staff)
    override_selection(campaign=campaign, case=park, field="presenter", value=True, reason="宣讲效果好", actor=staff)

    entry = override_selection(campaign=campaign, case=park, field="presenter", value=False, reason="改为书面交流", actor=staff)

    assert entry.is_presenter is False


def test_the_per_city_limit_binds_whatever_the_flag():
    set_campaign(winners_count=6, presenters_count=4, presenters_per_city_max=2)
    staff = world.province_staff()
    taiyuan = [world.city_case("太原市", title=f"太原{i}", is_presenter_candidate=True) for i in range(3)]
    for index, case in enumerate(taiyuan):
        world.score_case(case, [95 - index * 5], staff=staff)

    selection = compute_selection(campaign=world.campaign(), actor=staff)

    assert [e.case.title for e in selection.entries.filter(is_presenter=True).order_by("rank")] == ["太原0", "太原1"]
