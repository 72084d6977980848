import datetime

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, Role, Tier
from cases.models import Campaign, DeadlineExtension
from review.queries import deadline_of, workbench_for
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
BEFORE_EVERY_DEADLINE = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)


@pytest.mark.parametrize(
    "moment, days_left",
    [
        (datetime.datetime(2024, 9, 2, 23, 59, tzinfo=BEIJING), 1),  # last minute of the last day
        (datetime.datetime(2024, 9, 3, 0, 0, tzinfo=BEIJING), 0),  # closed at midnight
        (datetime.datetime(2024, 9, 1, 12, 0, tzinfo=BEIJING), 2),
    ],
)
def test_enterprise_deadline_counts_whole_days_in_beijing_time(moment, days_left):
    deadline = deadline_of(Campaign.objects.get(year=2024), Tier.ENTERPRISE, moment)
    assert deadline.days_left == days_left
    assert deadline.is_open is (days_left > 0)


@pytest.mark.parametrize(
    "role, expected_text",
    [
        (Role.ENTERPRISE_USER, "填写推荐表、上传材料，并报送所属园区（企业）科协。"),
        (Role.ASSOCIATION_STAFF, "填写推荐汇总表（附件4）"),
        (Role.COUNTY_STAFF, "进行资格审查"),
        (Role.CITY_STAFF, "填写推荐汇总表（附件6）"),
        (Role.CITY_EXPERT, "打分并填写评审意见"),
        (Role.PROVINCE_STAFF, "管理活动、名额、组织和账号"),
        (Role.PROVINCE_EXPERT, "打分并填写评审意见"),
        (Role.OBSERVER, "只读：按市查看活动进展。"),
    ],
)
def test_each_role_has_its_own_workbench(client, monkeypatch, role, expected_text):
    factories.freeze_now(monkeypatch, BEFORE_EVERY_DEADLINE)  # what each role does while its stage is open
    county = factories.county()
    park = factories.park(county)
    enterprise = factories.enterprise(park)
    where = {
        Role.ENTERPRISE_USER: {"enterprise_": enterprise},
        Role.ASSOCIATION_STAFF: {"organisation_": park},
        Role.COUNTY_STAFF: {"organisation_": county},
        Role.CITY_STAFF: {"organisation_": county.parent},
        Role.CITY_EXPERT: {"organisation_": county.parent},
    }.get(role, {"organisation_": factories.province()})
    client.force_login(factories.user(role, **where))
    page = client.get(reverse("home")).content.decode()
    assert expected_text in page
    assert "2024年山西省企业典型创新案例征集及宣讲活动" in page


def test_county_counts_what_waits_for_it(monkeypatch):
    factories.freeze_now(monkeypatch, BEFORE_EVERY_DEADLINE)
    county = factories.county()
    enterprise = factories.enterprise(factories.park(county))
    for status in (CaseStatus.COUNTY_REVIEW, CaseStatus.COUNTY_REVIEW, CaseStatus.COUNTY_PASSED, CaseStatus.CITY_REVIEW):
        factories.case(enterprise, status=status)
    user = factories.user(Role.COUNTY_STAFF, organisation_=county)
    [panel] = workbench_for(user, Campaign.objects.current())
    assert panel.todo[0] == "有 3 个案例等待您处理。"
    assert dict(panel.counts) == {"待县级资格审查": 2, "资格审查通过": 1, "市级评审中": 1}


def test_province_sees_every_city_with_its_quota_and_progress():
    enterprise = factories.enterprise(factories.park(factories.county(factories.city("大同市"))))
    factories.case(enterprise, status=CaseStatus.CITY_REVIEW)
    factories.case(enterprise, status=CaseStatus.PROVINCE_REVIEW)
    user = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    [panel] = workbench_for(user, Campaign.objects.current())
    rows = {row.city_name: row for row in panel.city_progress}
    assert len(rows) == 11
    assert (rows["大同市"].quota_cases, rows["大同市"].quota_presenters) == (15, 2)
    assert (rows["大同市"].reached_city, rows["大同市"].forwarded_to_province) == (2, 1)
    assert rows["太原市"].reached_city == 0


def test_province_workbench_query_count_does_not_grow_with_cases(django_assert_num_queries):
    user = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    enterprise = factories.enterprise()
    factories.case(enterprise, status=CaseStatus.CITY_REVIEW)
    campaign = Campaign.objects.current()
    workbench_for(user, campaign)  # warm the membership cache
    # memberships are cached; the quotas, the cities without a quota, the case counts by city, by status
    with django_assert_num_queries(4) as first:
        workbench_for(user, campaign)
    for _ in range(3):
        factories.case(factories.enterprise(), status=CaseStatus.CITY_REVIEW)
    with django_assert_num_queries(len(first.captured_queries)):
        workbench_for(user, campaign)


def _late_in_2024(monkeypatch):
    # After the enterprise deadline (2024-09-02) and the county deadline (2024-09-11).
    moment = datetime.datetime(2024, 9, 12, 10, 0, tzinfo=BEIJING)
    factories.freeze_now(monkeypatch, moment)
    return moment


def test_an_enterprise_with_an_extension_sees_its_own_countdown_and_may_start_a_case(client, monkeypatch):
    moment = _late_in_2024(monkeypatch)
    campaign = Campaign.objects.get(year=2024)
    enterprise = factories.enterprise()
    other = factories.enterprise()
    DeadlineExtension.objects.create(campaign=campaign, tier=Tier.ENTERPRISE, enterprise=enterprise,
                                     closes_on=datetime.date(2024, 9, 13), reason="系统故障")
    [extended] = workbench_for(factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise), campaign, moment)
    [not_extended] = workbench_for(factories.user(Role.ENTERPRISE_USER, enterprise_=other), campaign, moment)
    assert (extended.window.last_day, extended.window.days_left) == (datetime.date(2024, 9, 13), 2)
    assert not_extended.window.deadline_passed

    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise))
    page = client.get(reverse("home")).content.decode()
    assert "2024年9月13日" in page
    assert reverse("cases:case_create") in page


def test_a_county_extension_moves_the_county_countdown_only_for_that_county(monkeypatch):
    moment = _late_in_2024(monkeypatch)
    campaign = Campaign.objects.get(year=2024)
    county, neighbour = factories.county(), factories.county()
    DeadlineExtension.objects.create(campaign=campaign, tier=Tier.COUNTY, organisation=county,
                                     closes_on=datetime.date(2024, 9, 15), reason="材料补正")
    [panel] = workbench_for(factories.user(Role.COUNTY_STAFF, organisation_=county), campaign, moment)
    [other_panel] = workbench_for(factories.user(Role.COUNTY_STAFF, organisation_=neighbour), campaign, moment)
    assert (panel.window.last_day, panel.window.days_left) == (datetime.date(2024, 9, 15), 4)
    assert (other_panel.window.last_day, other_panel.window.deadline_passed) == (datetime.date(2024, 9, 11), True)


@pytest.mark.parametrize(
    "role, where, names",
    [
        (Role.PROVINCE_STAFF, "province", [("review:province_overview", ()), ("review:expert_board", ("province",)),
                                           ("review:score_overview", ("province",)), ("review:vote_control", ()),
                                           ("review:selection_board", ()), ("review:certificate_list", ()),
                                           ("review:closing_home", ()), ("review:closing_dashboard", ()), ("review:audit_log", ())]),
        (Role.CITY_STAFF, "city", [("review:expert_board", ("city",)), ("review:score_overview", ("city",)),
                                   ("review:closing_summaries", ()), ("review:city_selection", ())]),
        (Role.CITY_EXPERT, "city", [("review:expert_home", ())]),
    ],
)
def test_every_stage_page_of_a_role_is_reachable_from_its_workbench(client, role, where, names):
    organisation = factories.province() if where == "province" else factories.city("大同市")
    client.force_login(factories.user(role, organisation_=organisation))
    page = client.get(reverse("home")).content.decode()
    for name, args in names:
        url = reverse(name, args=args)
        assert f'href="{url}' in page, name
        assert client.get(url).status_code in (200, 302), name  # the link leads somewhere this role may go


def test_other_roles_get_no_provincial_links(client):
    county = factories.county()
    client.force_login(factories.user(Role.COUNTY_STAFF, organisation_=county))
    page = client.get(reverse("home")).content.decode()
    for name in ("review:vote_control", "review:selection_board", "review:closing_home"):
        assert reverse(name) not in page


def test_a_winning_enterprise_is_sent_to_its_materials_from_the_workbench(client):
    enterprise = factories.enterprise()
    case = factories.case(enterprise, status=CaseStatus.WINNER, title="获奖案例")
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise))
    page = client.get(reverse("home")).content.decode()
    assert "您的案例已入选优秀案例：请上传宣讲文字材料、宣讲PPT和视频。" in page
    assert reverse("cases:winner_files", args=[case.pk]) in page
