"""Setting expert review up for any campaign: criteria copied to a new campaign, the demo's pool,
staff adding experts to the pool, the expert page without criteria, and a closed campaign."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases.enums import CaseStatus, Role, Tier
from cases.models import AuditEvent, Campaign, Case
from quotas.services import copy_scoring_criteria, start_campaign_from
from review.experts.services import (
    AUDIT_EXPERT_ADDED_TO_POOL,
    ReviewRefused,
    add_expert_to_pool,
    assign_expert,
    assign_experts_automatically,
    criteria_of,
    declare_conflict,
    dismiss_conflict,
    pool_for,
    submit_score,
    unassign_expert,
)
from review.models import ConflictOfInterest, ExpertAssignment, ExpertProfile, ExpertScore, ScoringCriterion
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db

NO_CRITERIA = "本次活动尚未设置评分标准，请联系省科技创新服务中心。"
CLOSED = "关闭并归档，其中的任何内容都不能再修改。"


def criteria_rows(campaign):
    return [(c.position, c.name, c.description, c.weight, c.max_points) for c in criteria_of(campaign)]


def start_2025():
    dates = (datetime.date(2025, 9, 1), datetime.date(2025, 9, 5), datetime.date(2025, 9, 10), datetime.date(2025, 9, 13))
    return start_campaign_from(Campaign.objects.get(year=2024), year=2025, title="2025年活动", deadlines=dates)


# --- criteria belong to a campaign -------------------------------------------------------------

def test_a_campaign_started_from_2024_gets_its_own_copy_of_the_three_criteria():
    source = Campaign.objects.get(year=2024)
    campaign = start_2025()
    assert criteria_rows(campaign) == criteria_rows(source)
    assert [c.name for c in criteria_of(campaign)] == ["创新成果与效益", "一线创新与转型升级", "服务创新驱动发展战略"]
    # Copies, not shared rows: changing next year's weights leaves 2024 as it was.
    ScoringCriterion.objects.filter(campaign=campaign, position=1).update(weight=Decimal("0.50"))
    assert [c.weight for c in criteria_of(source)] == [Decimal("0.40"), Decimal("0.30"), Decimal("0.30")]


def test_copying_criteria_again_changes_nothing():
    campaign = start_2025()
    before = list(ScoringCriterion.objects.filter(campaign=campaign).values_list("pk", flat=True))
    assert copy_scoring_criteria(source=Campaign.objects.get(year=2024), target=campaign) == 0
    assert list(ScoringCriterion.objects.filter(campaign=campaign).values_list("pk", flat=True)) == before


def test_an_expert_scores_a_case_of_a_campaign_started_from_2024(client):
    campaign = start_2025()
    campaign.scoring_closes_at = timezone.now() + datetime.timedelta(days=5)
    campaign.save(update_fields=["scoring_closes_at"])
    case = world.city_case("太原市")
    assert case.campaign == campaign
    expert = world.provincial_expert("大同市")
    assignment = assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=world.province_staff())
    client.force_login(expert)
    page = client.get(reverse("review:expert_case", args=[case.pk])).content.decode()
    assert "创新成果与效益" in page and NO_CRITERIA not in page
    first, second, third = criteria_of(campaign)
    response = client.post(reverse("review:expert_case", args=[case.pk]), {
        f"criterion_{first.pk}": 90, f"criterion_{second.pk}": 80, f"criterion_{third.pk}": 70, "comment": "创新突出",
    })
    assert response.status_code == 302
    score = ExpertScore.objects.get(assignment=assignment)
    assert score.total == Decimal("81.00")  # 0.4×90 + 0.3×80 + 0.3×70
    assert score.points == {str(first.pk): 90, str(second.pk): 80, str(third.pk): 70}


# --- the demo works end to end -----------------------------------------------------------------

def seed():
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def demo_user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_the_demo_campaign_has_the_2024_criteria_and_the_demo_experts_are_in_their_pools(client):
    seed()
    demo = Campaign.objects.current()
    assert demo.year == timezone.localdate().year
    assert criteria_rows(demo) == criteria_rows(Campaign.objects.get(year=2024))
    province_expert = ExpertProfile.objects.get(user__username="shengzhuanjia")
    assert province_expert.home_city.region == "晋中市" and province_expert.is_active
    # As many provincial experts as each case needs (experts_per_case), none from a demo case's city.
    assert [u.username for u in pool_for(demo, Tier.PROVINCE)] == [
        "shengzhuanjia", "shengzhuanjia2", "shengzhuanjia3", "shengzhuanjia4", "shengzhuanjia5"]
    assert demo.experts_per_case == 5

    client.force_login(demo_user("shengji"))
    page = client.get(reverse("review:expert_board", args=["province"])).content.decode()
    assert "周专家（智能制造）" in page and "专家库中还没有专家。" not in page
    client.force_login(demo_user("shiji"))
    page = client.get(reverse("review:expert_board", args=["city"])).content.decode()
    assert "陈专家（新材料）" in page and "专家库中还没有专家。" not in page


def test_seeding_the_demo_again_keeps_one_set_of_criteria_and_profiles_and_restores_lost_criteria():
    seed()
    first = (sorted(ScoringCriterion.objects.values_list("id", "campaign_id", "position", "name", "weight")),
             sorted(ExpertProfile.objects.values_list("id", "user_id", "home_city_id", "employer_id", "expertise")))
    seed()
    again = (sorted(ScoringCriterion.objects.values_list("id", "campaign_id", "position", "name", "weight")),
             sorted(ExpertProfile.objects.values_list("id", "user_id", "home_city_id", "employer_id", "expertise")))
    assert again == first and len(first[0]) == 6 and len(first[1]) == 15  # 5 per demo city, 5 provincial

    # A demo campaign made before criteria were copied gets them on the next seed.
    demo = Campaign.objects.current()
    ScoringCriterion.objects.filter(campaign=demo).delete()
    seed()
    assert len(criteria_of(demo)) == 3


def test_the_demo_city_expert_scores_a_demo_case_waiting_for_them(client):
    seed()
    assignment = (ExpertAssignment.objects.active().filter(expert__username="shizhuanjia", score__isnull=True)
                  .order_by("case_id").first())
    case = assignment.case
    assert case.status == CaseStatus.CITY_REVIEW
    client.force_login(demo_user("shizhuanjia"))
    points = {f"criterion_{c.pk}": 75 for c in criteria_of(case.campaign)}
    response = client.post(reverse("review:expert_case", args=[case.pk]), {**points, "comment": "演示评分意见"})
    assert response.status_code == 302
    assert ExpertScore.objects.get(assignment=assignment).total == Decimal("75.00")


# --- staff add experts to the pool -------------------------------------------------------------

def test_provincial_staff_add_an_expert_account_to_the_pool_through_the_board(client):
    staff = world.province_staff()
    account = factories.user(Role.PROVINCE_EXPERT, organisation_=factories.province(), username="newexpert")
    account.first_name = "郑新专家"
    account.save(update_fields=["first_name"])
    employer = factories.enterprise(name="太行装备有限公司")
    datong = factories.city("大同市")
    url = reverse("review:expert_board", args=["province"])
    client.force_login(staff)
    before = client.get(url).content.decode()
    assert "专家库中还没有专家。" in before and "郑新专家（newexpert）" in before  # offered in the form

    response = client.post(url, {"expert": account.pk, "home_city": datong.pk, "employer": employer.pk,
                                 "expertise": "先进制造"})

    assert response.status_code == 302 and response["Location"] == url
    profile = ExpertProfile.objects.get(user=account)
    assert (profile.home_city, profile.employer, profile.expertise, profile.is_active) == (datong, employer, "先进制造", True)
    assert [u.pk for u in pool_for(world.campaign(), Tier.PROVINCE)] == [account.pk]
    event = AuditEvent.objects.get(action=AUDIT_EXPERT_ADDED_TO_POOL)
    assert event.actor == staff and event.details == {
        "expert": account.pk, "tier": int(Tier.PROVINCE), "home_city": datong.pk, "employer": employer.pk,
        "expertise": "先进制造",
    }
    page = client.get(url).content.decode()
    assert "郑新专家（先进制造）" in page and "专家库中还没有专家。" not in page
    assert f"<td>{datong.name}</td><td>太行装备有限公司</td>" in page  # the pool table shows what recusal uses


def test_a_wrong_choice_keeps_what_staff_typed_and_says_what_to_fix(client):
    staff = world.province_staff()
    not_an_expert = factories.user(Role.OBSERVER, organisation_=factories.province())
    client.force_login(staff)
    response = client.post(reverse("review:expert_board", args=["province"]),
                           {"expert": not_an_expert.pk, "expertise": "新能源汽车"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "新能源汽车" in page and "选择一个有效的选项" in page
    assert not ExpertProfile.objects.exists()


def test_city_staff_set_their_city_experts_employer_and_see_no_other_citys_enterprises(client):
    taiyuan = factories.city("太原市")
    staff = factories.user(Role.CITY_STAFF, organisation_=taiyuan)
    expert = world.city_expert("太原市")
    home_enterprise = factories.enterprise(factories.park(factories.county(taiyuan)), name="太原本地科技有限公司")
    factories.enterprise(factories.park(factories.county(factories.city("大同市"))), name="大同外地科技有限公司")
    foreign_expert = world.city_expert("大同市")
    url = reverse("review:expert_board", args=["city"])
    client.force_login(staff)
    page = client.get(url).content.decode()
    assert "太原本地科技有限公司" in page and "大同外地科技有限公司" not in page
    assert f'value="{foreign_expert.pk}"' not in page

    response = client.post(url, {"expert": expert.pk, "employer": home_enterprise.pk, "expertise": "煤化工"})

    assert response.status_code == 302
    profile = ExpertProfile.objects.get(user=expert)
    assert (profile.home_city, profile.employer, profile.expertise) == (taiyuan, home_enterprise, "煤化工")
    # The employer now makes the expert recuse from that enterprise's city review cases.
    case = factories.case(home_enterprise, status=CaseStatus.CITY_REVIEW)
    with pytest.raises(ReviewRefused):
        assign_expert(case=case, expert=expert, tier=Tier.CITY, actor=staff)


def test_the_pool_service_guards_who_may_add_whom():
    campaign = world.campaign()
    taiyuan_staff = factories.user(Role.CITY_STAFF, organisation_=factories.city("太原市"))
    datong_expert = world.city_expert("大同市")
    province_expert = factories.user(Role.PROVINCE_EXPERT, organisation_=factories.province())
    observer = factories.user(Role.OBSERVER, organisation_=factories.province())
    with pytest.raises(ReviewRefused, match="没有本级专家角色"):
        add_expert_to_pool(campaign=campaign, tier=Tier.CITY, expert=datong_expert, actor=taiyuan_staff)
    with pytest.raises(ReviewRefused, match="无权修改该专家库"):
        add_expert_to_pool(campaign=campaign, tier=Tier.PROVINCE, expert=province_expert, actor=taiyuan_staff)
    with pytest.raises(ReviewRefused, match="没有本级专家角色"):
        add_expert_to_pool(campaign=campaign, tier=Tier.PROVINCE, expert=observer, actor=world.province_staff())
    with pytest.raises(ReviewRefused, match="请选择一个地市"):
        add_expert_to_pool(campaign=campaign, tier=Tier.PROVINCE, expert=province_expert,
                           actor=world.province_staff(), home_city=factories.county())
    assert not ExpertProfile.objects.exists() and not AuditEvent.objects.filter(action=AUDIT_EXPERT_ADDED_TO_POOL).exists()


def test_adding_an_expert_already_in_the_pool_updates_their_details():
    expert = world.provincial_expert("大同市")
    ExpertProfile.objects.filter(user=expert).update(is_active=False)
    add_expert_to_pool(campaign=world.campaign(), tier=Tier.PROVINCE, expert=expert, actor=world.province_staff(),
                       home_city=factories.city("朔州市"), expertise="氢能")
    profile = ExpertProfile.objects.get(user=expert)
    assert (profile.home_city.region, profile.expertise, profile.is_active) == ("朔州市", "氢能", True)
    assert ExpertProfile.objects.count() == 1


# --- the expert's page without criteria --------------------------------------------------------

def test_without_criteria_the_expert_is_told_before_writing_and_gets_no_form(client):
    world.open_scoring()
    campaign = world.campaign()
    ScoringCriterion.objects.filter(campaign=campaign).delete()
    case = world.city_case("太原市")
    expert = world.provincial_expert("大同市")
    staff = world.province_staff()
    assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=staff)
    client.force_login(expert)

    page = client.get(reverse("review:expert_case", args=[case.pk])).content.decode()

    assert NO_CRITERIA in page
    assert 'class="score-form"' not in page and 'name="comment"' not in page and "提交评分" not in page
    # Declaring a conflict does not depend on criteria and stays available.
    assert reverse("review:expert_declare_conflict", args=[case.pk]) in page
    # Staff are warned on the board too.
    client.force_login(staff)
    assert "本次活动尚未设置评分标准，专家无法评分" in client.get(reverse("review:expert_board", args=["province"])).content.decode()


def test_a_comment_posted_while_criteria_went_missing_is_shown_again_not_lost(client):
    world.open_scoring()
    case = world.city_case("太原市")
    expert = world.provincial_expert("大同市")
    assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=world.province_staff())
    ScoringCriterion.objects.filter(campaign=case.campaign).delete()
    client.force_login(expert)
    response = client.post(reverse("review:expert_case", args=[case.pk]), {"comment": "我写了很长的评审意见"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "我写了很长的评审意见" in page and NO_CRITERIA in page
    assert not ExpertScore.objects.exists()


# --- a closed campaign refuses every expert write ----------------------------------------------

@pytest.fixture
def closed_world():
    """A case under provincial review with one assigned expert, in a campaign that then closes."""
    campaign = world.open_scoring()
    case = world.city_case("太原市", title="已归档案例")
    staff = world.province_staff()
    assigned = world.provincial_expert("大同市")
    same_city = world.provincial_expert("太原市")
    other = world.provincial_expert("朔州市")
    unprofiled = factories.user(Role.PROVINCE_EXPERT, organisation_=factories.province())
    assignment = assign_expert(case=case, expert=assigned, tier=Tier.PROVINCE, actor=staff)
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["closed_at"])
    case.campaign.refresh_from_db()
    assignment.case.campaign.refresh_from_db()
    return {"campaign": campaign, "case": case, "staff": staff, "assigned": assigned, "same_city": same_city,
            "other": other, "unprofiled": unprofiled, "assignment": assignment}


def closed_writes(w):
    points = {c.pk: 80 for c in criteria_of(w["campaign"])}
    return {
        "assign": lambda: assign_expert(case=w["case"], expert=w["other"], tier=Tier.PROVINCE, actor=w["staff"]),
        "assign automatically": lambda: assign_experts_automatically(campaign=w["campaign"], tier=Tier.PROVINCE, actor=w["staff"]),
        "unassign": lambda: unassign_expert(assignment=w["assignment"], actor=w["staff"], reason="调整"),
        "dismiss conflict": lambda: dismiss_conflict(case=w["case"], expert=w["same_city"], source="home_city",
                                                     tier=Tier.PROVINCE, actor=w["staff"], reason="已调离"),
        "declare conflict": lambda: declare_conflict(case=w["case"], expert=w["assigned"], reason="亲属关系"),
        "submit score": lambda: submit_score(assignment=w["assignment"], actor=w["assigned"], points=points, comment="意见"),
        "add to pool": lambda: add_expert_to_pool(campaign=w["campaign"], tier=Tier.PROVINCE, expert=w["unprofiled"],
                                                  actor=w["staff"]),
    }


@pytest.mark.parametrize("write", ["assign", "assign automatically", "unassign", "dismiss conflict",
                                   "declare conflict", "submit score", "add to pool"])
def test_a_closed_campaign_refuses_every_expert_write_in_chinese(closed_world, write):
    with pytest.raises(ReviewRefused) as refused:
        closed_writes(closed_world)[write]()
    assert CLOSED in str(refused.value) and closed_world["campaign"].title in str(refused.value)
    # Nothing changed.
    assert list(ExpertAssignment.objects.values_list("expert_id", "ended_at")) == [(closed_world["assigned"].pk, None)]
    assert not ConflictOfInterest.objects.exists() and not ExpertScore.objects.exists()
    assert not ExpertProfile.objects.filter(user=closed_world["unprofiled"]).exists()


def test_a_closed_campaign_shows_the_expert_no_score_form(client, closed_world):
    client.force_login(closed_world["assigned"])
    page = client.get(reverse("review:expert_case", args=[closed_world["case"].pk])).content.decode()
    assert "评分已截止。" in page and 'class="score-form"' not in page


def test_staff_adding_to_the_pool_of_a_closed_campaign_see_why_and_keep_their_input(client, closed_world):
    client.force_login(closed_world["staff"])
    response = client.post(reverse("review:expert_board", args=["province"]),
                           {"expert": closed_world["unprofiled"].pk, "expertise": "储能材料"})
    page = response.content.decode()
    assert response.status_code == 200 and CLOSED in page and "储能材料" in page


# --- the admin ---------------------------------------------------------------------------------

def test_the_admin_lists_criteria_by_campaign_and_the_expert_profiles_in_chinese(client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser(username="root", password="x-Unused-1"))
    campaign = start_2025()
    ScoringCriterion.objects.filter(campaign=campaign, position=1).update(name="2025年新标准")
    url = reverse("admin:review_scoringcriterion_changelist")
    page = client.get(url, {"campaign__id__exact": Campaign.objects.get(year=2024).pk}).content.decode()
    assert "评分标准" in page and "创新成果与效益" in page and "2025年新标准" not in page
    world.provincial_expert("大同市", name="档案专家")
    page = client.get(reverse("admin:review_expertprofile_changelist")).content.decode()
    assert "专家档案" in page and "档案专家" in page
