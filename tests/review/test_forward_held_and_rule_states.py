"""Issue 13 item 2: the city's forward button is off while a rule fails, with the reasons beside
it (no confirmation asked first); each rule of 附件2 has one state (✓ met, ✗ failing, – not judged
yet) that the list page, the selection page and the live check all show alike."""

import re

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, Role, Tier
from quotas.models import CityQuota
from review.experts.services import assign_expert, criteria_of, submit_score
from review.services import apply_city_selection, attach_signed_scan, generate_summary_tables
from tests import factories
from tests.review.conftest import make_case, pdf_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pipeline_clock")]

FORWARD_FORM = 'action="/review/list/forward/"'
PRESENTER_MISSING = "尚未标记宣讲代表候选；请至少标记1个（本市额定数量为1个）。"
PRESENTER_SHARE_PENDING = "标记宣讲代表候选后，其中至少30%须来自园区科协。"


def rule_items(page: str) -> list[tuple[str, str]]:
    """(state class, text) of every rule line on a page, without the suggested fixes."""
    lines = re.findall(r'<li class="rule (\w+)">(.*?)</li>', page)
    return [(state, re.sub(r'<span class="fixes">.*?</span>', "", text)) for state, text in lines]


@pytest.fixture
def city_list(county_world):
    """太原 (quota 2 cases, 1 presenter) has put one park case on its list, no presenter marked."""
    world = county_world
    CityQuota.objects.filter(campaign=world["campaign"], city=world["city"]).update(cases=2, presenters=1)
    case = make_case(world, world["enterprises"][0], CaseStatus.CITY_REVIEW, "煤矸石综合利用")
    other = make_case(world, world["enterprises"][1], CaseStatus.CITY_REVIEW, "攻坚项目")
    batch = apply_city_selection(city=world["city"], campaign=world["campaign"], selected_ids={case.pk},
                                 presenter_ids=set(), actor=world["staff"][Tier.CITY])
    return {**world, "case": case, "other": other, "batch": batch}


def test_the_citys_forward_button_is_off_with_the_failing_rules_beside_it(client, city_list):
    world = city_list
    client.force_login(world["staff"][Tier.CITY])

    page = client.get(reverse("review:batch_detail") + f"?org={world['city'].pk}").content.decode()

    forward = page[page.index('id="forward"'):]
    assert FORWARD_FORM not in page  # nothing that could be submitted, so no confirmation is asked
    assert '<button type="button" class="primary" disabled aria-describedby="forward-hold">向山西省' in forward
    held = forward[forward.index('id="forward-hold"'):forward.index("</section>")]
    assert "暂不能报送，原因如下：" in held
    assert ("bad", "名单有1个案例，必须恰好为本市额定数量2个：还需增加1个。") in rule_items(held)
    assert ("bad", PRESENTER_MISSING) in rule_items(held)
    assert ("bad", "请先生成推荐汇总表。") in rule_items(held)


def test_once_every_rule_holds_the_forward_form_asks_for_the_final_confirmation(client, city_list):
    world = city_list
    city_staff = world["staff"][Tier.CITY]
    batch = apply_city_selection(city=world["city"], campaign=world["campaign"],
                                 selected_ids={world["case"].pk, world["other"].pk}, presenter_ids={world["case"].pk},
                                 actor=city_staff)
    generate_summary_tables(batch.pk)
    batch.refresh_from_db()
    attach_signed_scan(batch=batch, upload=pdf_upload(), actor=city_staff)
    client.force_login(city_staff)

    page = client.get(reverse("review:batch_detail") + f"?org={world['city'].pk}").content.decode()

    assert FORWARD_FORM in page
    assert 'data-confirm="确定将本市名单报送省级吗？报送后即为最终名单，不能再修改，市级也不设补报。"' in page
    assert 'id="forward-hold"' not in page
    assert [state for state, _text in rule_items(page)] == ["ok"] * 5


def test_no_rule_about_presenters_shows_as_met_while_none_is_marked(client, city_list):
    world = city_list
    client.force_login(world["staff"][Tier.CITY])

    selection = client.get(reverse("review:city_selection") + f"?org={world['city'].pk}").content.decode()
    listing = client.get(reverse("review:batch_detail") + f"?org={world['city'].pk}").content.decode()
    live = client.post(reverse("review:city_selection_check"),
                       {"org": world["city"].pk, "selected": [world["case"].pk]}).json()

    for page in (selection, listing):
        rules = rule_items(page)
        assert ("bad", PRESENTER_MISSING) in rules
        assert ("pending", PRESENTER_SHARE_PENDING) in rules
        assert not [text for state, text in rules if state == "ok" and "宣讲代表" in text]
    states = {check["code"]: (check["state"], check["message"]) for check in live["checks"]}
    assert states["quota.presenter_park_share"] == ("pending", PRESENTER_SHARE_PENDING)
    assert states["quota.presenter_count"] == ("bad", PRESENTER_MISSING)


def test_the_live_check_suggests_the_same_fixes_as_the_page(client, city_list):
    """The page and the live check rank the pool alike: the scored case first, not the title order."""
    world = city_list
    scored = make_case(world, world["enterprises"][2], CaseStatus.CITY_REVIEW, "第三案例")
    expert = factories.user(Role.CITY_EXPERT, organisation_=world["city"], username="cityexpert")
    assignment = assign_expert(case=scored, expert=expert, tier=Tier.CITY, actor=world["staff"][Tier.CITY])
    submit_score(assignment=assignment, actor=expert, points={c.pk: 80 for c in criteria_of(world["campaign"])},
                 comment="评审意见")
    client.force_login(world["staff"][Tier.CITY])
    url = reverse("review:city_selection") + f"?org={world['city'].pk}"

    page_fixes = [(str(check.code), fixes) for check, fixes in client.get(url).context["rule_checks"]]
    live = client.post(reverse("review:city_selection_check"), {"org": world["city"].pk, "selected": [world["case"].pk]}).json()

    assert page_fixes[0] == ("quota.exact_count", ["加入：第三案例"])
    assert [(check["code"], check["fixes"]) for check in live["checks"]] == page_fixes
