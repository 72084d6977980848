"""Each mail of the pipeline is written on its move, to the right people, exactly once — also when
its notification task runs twice."""

import datetime

import pytest

from cases.enums import CaseStatus, Role, Tier
from cases.models import CaseTransition
from cases.tasks import notify_transition
from cases.workflow import transition_case
from mail.models import OutboxMail
from review.experts.services import assign_expert, assign_experts_automatically
from review.notifications import notify_batch_forwarded, notify_expert_assigned
from review.services import forward_batch, open_batch, rank_batch
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
EARLY = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)


def with_email(user, address):
    user.email = address
    user.save(update_fields=["email"])
    return user


def rows(kind):
    return list(OutboxMail.objects.filter(kind=kind).order_by("to").values_list("to", "subject"))


@pytest.fixture
def enterprise_case():
    enterprise = factories.enterprise(name="示例能源有限公司")
    with_email(factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise), "qiye@example.com")
    with_email(factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise), "qiye2@example.com")
    factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise)  # no address: nothing to write
    case = factories.case(enterprise, title="智能矿山")
    return case


def test_a_submission_gets_one_receipt_per_enterprise_user(outbox_backend, enterprise_case, django_capture_on_commit_callbacks, mailoutbox):
    enterprise_user = enterprise_case.enterprise.memberships.first().user
    with django_capture_on_commit_callbacks(execute=True):
        record = transition_case(enterprise_case, to=CaseStatus.SUBMITTED, actor=enterprise_user, now=EARLY)
    assert rows("case_submitted") == [("qiye2@example.com", "【创新案例征集平台】已收到案例：智能矿山"),
                                      ("qiye@example.com", "【创新案例征集平台】已收到案例：智能矿山")]
    body = OutboxMail.objects.filter(kind="case_submitted").first().body
    assert body.startswith("示例能源有限公司的案例“智能矿山”已于 ")
    assert f"现等待{enterprise_case.enterprise.association.name}审核。" in body
    # The task running a second time (a redelivered message) writes nothing more.
    assert notify_transition(record.pk) == 2
    assert OutboxMail.objects.filter(kind="case_submitted").count() == 2 and len(mailoutbox) == 2


def test_an_association_taking_back_its_decision_sends_no_receipt(outbox_backend, enterprise_case, django_capture_on_commit_callbacks):
    staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=enterprise_case.enterprise.association)
    enterprise_case.status = CaseStatus.ASSOCIATION_RECOMMENDED
    enterprise_case.save()
    with django_capture_on_commit_callbacks(execute=True):
        transition_case(enterprise_case, to=CaseStatus.SUBMITTED, actor=staff, now=EARLY)
    assert OutboxMail.objects.count() == 0


def test_a_winner_is_asked_once_for_the_talk_text_slides_and_video(outbox_backend, enterprise_case, django_capture_on_commit_callbacks):
    staff = world.province_staff()
    loser = factories.case(enterprise_case.enterprise, status=CaseStatus.PROVINCE_REVIEW, title="未获奖")
    enterprise_case.status = CaseStatus.PROVINCE_REVIEW
    enterprise_case.save()
    with django_capture_on_commit_callbacks(execute=True):
        transition_case(enterprise_case, to=CaseStatus.WINNER, actor=staff)
        transition_case(loser, to=CaseStatus.NOT_WINNER, actor=staff)
    subject = "【创新案例征集平台】优秀案例：请上传“智能矿山”的宣讲材料"
    assert rows("winner_materials") == [("qiye2@example.com", subject), ("qiye@example.com", subject)]
    body = OutboxMail.objects.filter(kind="winner_materials").first().body
    assert "\n- 宣讲文字材料（Word）：入选案例：宣讲文字材料 Word 版，1800–2200 字，题目自拟。\n- 宣讲PPT：" in body
    assert "\n- 视频（MP4）：入选案例：MP4 视频，H.264+AAC 编码" in body
    # A result withdrawn and made final again does not ask twice.
    with django_capture_on_commit_callbacks(execute=True):
        transition_case(enterprise_case, to=CaseStatus.PROVINCE_REVIEW, actor=staff)
        transition_case(enterprise_case, to=CaseStatus.WINNER, actor=staff)
    assert OutboxMail.objects.filter(kind="winner_materials").count() == 2
    assert OutboxMail.objects.count() == 2  # the loser and the province review moves mail nobody


def test_automatic_assignment_mails_each_expert_one_list_with_the_deadline(outbox_backend, django_capture_on_commit_callbacks):
    campaign = world.campaign()
    campaign.experts_per_case = 2
    campaign.scoring_closes_at = datetime.datetime(2024, 10, 9, 0, 0, tzinfo=BEIJING)
    campaign.save()
    staff = world.province_staff()
    first = world.city_case("太原市", title="甲案例")
    second = world.city_case("大同市", title="乙案例")
    experts = [with_email(world.provincial_expert("晋城市", name=name), f"expert{i}@example.com")
               for i, name in enumerate(["王专家", "李专家"])]
    with django_capture_on_commit_callbacks(execute=True):
        assign_experts_automatically(campaign=campaign, tier=Tier.PROVINCE, actor=staff)
    assert rows("expert_assigned") == [("expert0@example.com", "【创新案例征集平台】请您评审 2 个案例"),
                                       ("expert1@example.com", "【创新案例征集平台】请您评审 2 个案例")]
    body = OutboxMail.objects.get(to="expert0@example.com").body
    assert body == ("王专家专家：\n\n您好！省级专家评审为您分配了 2 个案例：\n- 甲案例（太原市）\n- 乙案例（大同市）\n\n"
                    "评分截止时间：2024年10月8日 24:00。请登录平台，打开“分配给我的案例”进行评分。如需回避某个案例"
                    "（本人所在单位、所在城市或其他利益冲突），请在该案例页面申报。\n")
    # Running again assigns nothing new and mails nobody; the task itself is idempotent too.
    with django_capture_on_commit_callbacks(execute=True):
        assign_experts_automatically(campaign=campaign, tier=Tier.PROVINCE, actor=staff)
    ids = list(experts[0].expert_assignments.values_list("pk", flat=True))
    assert notify_expert_assigned(experts[0].pk, ids) == 1
    assert OutboxMail.objects.filter(kind="expert_assigned").count() == 2
    assert first.pk != second.pk


def test_a_manual_assignment_mails_the_expert_that_one_case(outbox_backend, django_capture_on_commit_callbacks):
    world.open_scoring()
    staff = world.province_staff()
    case = world.city_case("太原市", title="丙案例")
    expert = with_email(world.provincial_expert("晋城市", name="赵专家"), "zhao@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=staff)
    assert rows("expert_assigned") == [("zhao@example.com", "【创新案例征集平台】请您评审 1 个案例")]
    assert "- 丙案例（太原市）" in OutboxMail.objects.get().body


def test_a_forwarded_list_is_mailed_once_to_the_tier_above(outbox_backend, county_world, pipeline_clock,
                                                            django_capture_on_commit_callbacks):
    park_staff = county_world["staff"][Tier.ASSOCIATION]
    with_email(county_world["staff"][Tier.COUNTY], "county@example.com")
    with_email(county_world["staff"][Tier.CITY], "city@example.com")  # not the tier above the park
    from tests.review.test_batch_supplements import forwarded_park_list

    with django_capture_on_commit_callbacks(execute=True):
        batch, _cases = forwarded_park_list(county_world)
    assert rows("batch_forwarded") == [("county@example.com", f"【创新案例征集平台】测试园区科协报送了 {batch.items.count()} 个案例（推荐名单）")]
    assert notify_batch_forwarded(batch.pk) == 1
    assert OutboxMail.objects.filter(kind="batch_forwarded").count() == 1
