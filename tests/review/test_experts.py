"""Expert review: recusal, balanced assignment, scoring, visibility of a conflicted expert."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, Role, Tier, UploadSlot
from cases.models import AuditEvent, DeadlineExtension
from cases.queries import cases_visible_to
from review.experts.rules import is_conflicted
from review.experts.services import (
    AUDIT_CONFLICT_DISMISSED,
    ReviewRefused,
    assign_expert,
    assign_experts_automatically,
    criteria_of,
    declare_conflict,
    dismiss_conflict,
    submit_score,
    unassign_expert,
)
from review.models import ConflictOfInterest, ExpertAssignment, ExpertScore
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db

REGIONS = ("太原市", "大同市", "朔州市")


@pytest.fixture
def pool():
    """Six cases (two per city) and seven provincial experts (two per city, one from 晋城)."""
    cases = [world.city_case(region, title=f"{region}案例{i}") for region in REGIONS for i in (1, 2)]
    experts = [world.provincial_expert(region, name=f"{region}专家{i}") for region in REGIONS for i in (1, 2)]
    experts.append(world.provincial_expert("晋城市", name="晋城专家"))
    return {"cases": cases, "experts": experts, "staff": world.province_staff()}


def full_points(campaign, value):
    return {criterion.pk: value for criterion in criteria_of(campaign)}


def test_the_2024_criteria_are_the_three_of_the_notice():
    criteria = criteria_of(world.campaign())
    assert [c.name for c in criteria] == ["创新成果与效益", "一线创新与转型升级", "服务创新驱动发展战略"]
    assert [c.weight for c in criteria] == [Decimal("0.40"), Decimal("0.30"), Decimal("0.30")]


def test_automatic_assignment_gives_each_case_its_experts_never_from_its_own_city_and_balances_load(pool):
    campaign = world.campaign()
    campaign.experts_per_case = 3
    campaign.save()
    report = assign_experts_automatically(campaign=campaign, tier=Tier.PROVINCE, actor=pool["staff"])
    assert report.created == 18 and report.short == {}
    assignments = list(ExpertAssignment.objects.active().select_related("case__enterprise__association", "expert__expert_profile"))
    per_case = Counter(a.case_id for a in assignments)
    assert set(per_case.values()) == {3}
    for assignment in assignments:
        city_path = assignment.case.enterprise.association.path.split("/")[2]
        assert str(assignment.expert.expert_profile.home_city_id) != city_path
    loads = Counter(a.expert_id for a in assignments)
    assert len(loads) == 7
    assert max(loads.values()) - min(loads.values()) <= 1
    # Every assignment granted the view permission, and running again adds nothing.
    for assignment in assignments:
        assert cases_visible_to(assignment.expert).filter(pk=assignment.case_id).exists()
    again = assign_experts_automatically(campaign=campaign, tier=Tier.PROVINCE, actor=pool["staff"])
    assert again.created == 0


def test_automatic_assignment_reports_cases_it_cannot_fill(pool):
    campaign = world.campaign()
    campaign.experts_per_case = 6
    campaign.save()
    report = assign_experts_automatically(campaign=campaign, tier=Tier.PROVINCE, actor=pool["staff"])
    # 7 experts, two of each case's own city recuse: 5 available for each case.
    assert report.short == {case.pk: 1 for case in pool["cases"]}


def test_an_expert_of_the_cases_enterprise_is_never_assigned():
    case = world.city_case("太原市")
    insider = world.provincial_expert("大同市", employer=case.enterprise)
    staff = world.province_staff()
    assert is_conflicted(insider, case, Tier.PROVINCE)
    with pytest.raises(ReviewRefused):
        assign_expert(case=case, expert=insider, tier=Tier.PROVINCE, actor=staff)
    report = assign_experts_automatically(campaign=world.campaign(), tier=Tier.PROVINCE, actor=staff)
    assert report.created == 0
    assert not ExpertAssignment.objects.filter(expert=insider).exists()


def test_only_provincial_staff_assign_provincial_experts_and_only_pool_experts():
    case = world.city_case("太原市")
    expert = world.provincial_expert("大同市")
    city_staff = factories.user(Role.CITY_STAFF, organisation_=factories.city("太原市"))
    with pytest.raises(ReviewRefused):
        assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=city_staff)
    outsider = factories.user(Role.CITY_EXPERT, organisation_=factories.city("大同市"))
    with pytest.raises(ReviewRefused):
        assign_expert(case=case, expert=outsider, tier=Tier.PROVINCE, actor=world.province_staff())


def test_declared_conflict_ends_the_assignment_and_hides_the_case_everywhere(client):
    case = world.city_case("太原市")
    expert = world.provincial_expert("大同市")
    staff = world.province_staff()
    assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=staff)
    client.force_login(expert)
    assert client.get(reverse("review:expert_case", args=[case.pk])).status_code == 200

    with pytest.raises(ReviewRefused):
        declare_conflict(case=case, expert=expert, reason="  ")
    declare_conflict(case=case, expert=expert, reason="曾任该企业技术顾问")

    assert not cases_visible_to(expert).filter(pk=case.pk).exists()
    for url in (reverse("review:expert_case", args=[case.pk]), reverse("cases:case_detail", args=[case.pk]),
                reverse("cases:package", args=[case.pk]), reverse("cases:filled_form", args=[case.pk])):
        assert client.get(url).status_code == 404, url
    home = client.get(reverse("review:expert_home"))
    assert case.title not in home.content.decode()
    # Automatic assignment will not bring the expert back, and the conflict cannot be dismissed.
    assign_experts_automatically(campaign=world.campaign(), tier=Tier.PROVINCE, actor=staff)
    assert not ExpertAssignment.objects.active().filter(expert=expert).exists()
    with pytest.raises(ReviewRefused):
        dismiss_conflict(case=case, expert=expert, source="declared", tier=Tier.PROVINCE, actor=staff, reason="误报")
    assert AuditEvent.objects.filter(case=case, action="conflict_declared").count() == 1


def test_staff_dismiss_a_wrong_automatic_conflict_with_a_reason_and_it_is_audited():
    case = world.city_case("太原市")
    moved = world.provincial_expert("太原市")
    staff = world.province_staff()
    with pytest.raises(ReviewRefused):
        dismiss_conflict(case=case, expert=moved, source="home_city", tier=Tier.PROVINCE, actor=staff, reason=" ")
    with pytest.raises(ReviewRefused):  # not an applicable automatic conflict
        dismiss_conflict(case=case, expert=moved, source="employer", tier=Tier.PROVINCE, actor=staff, reason="x")
    dismiss_conflict(case=case, expert=moved, source="home_city", tier=Tier.PROVINCE, actor=staff,
                     reason="该专家已调往大同工作")
    assert not is_conflicted(moved, case, Tier.PROVINCE)
    event = AuditEvent.objects.get(action=AUDIT_CONFLICT_DISMISSED)
    assert (event.case, event.actor, event.details["reason"]) == (case, staff, "该专家已调往大同工作")
    assign_expert(case=case, expert=moved, tier=Tier.PROVINCE, actor=staff)
    assert cases_visible_to(moved).filter(pk=case.pk).exists()


def test_unassigning_removes_access_and_the_score_stops_counting(client):
    world.open_scoring()
    case = world.city_case("太原市")
    expert = world.provincial_expert("大同市")
    staff = world.province_staff()
    assignment = assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=staff)
    submit_score(assignment=assignment, actor=expert, points=full_points(case.campaign, 80), comment="好")
    unassign_expert(assignment=assignment, actor=staff, reason="换人")
    assert not cases_visible_to(expert).filter(pk=case.pk).exists()
    assert ExpertScore.objects.filter(assignment=assignment).exists()  # kept, not counted
    client.force_login(expert)
    assert client.get(reverse("review:expert_case", args=[case.pk])).status_code == 404


def test_submit_score_computes_the_weighted_total_and_guards_its_input():
    world.open_scoring()
    case = world.city_case("太原市")
    expert = world.provincial_expert("大同市")
    assignment = assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=world.province_staff())
    c1, c2, c3 = criteria_of(case.campaign)
    with pytest.raises(ReviewRefused):
        submit_score(assignment=assignment, actor=expert, points={c1.pk: 90, c2.pk: 80, c3.pk: 70}, comment="")
    with pytest.raises(ReviewRefused):
        submit_score(assignment=assignment, actor=expert, points={c1.pk: 90, c2.pk: 80}, comment="缺一项")
    with pytest.raises(ReviewRefused):
        submit_score(assignment=assignment, actor=expert, points={c1.pk: 101, c2.pk: 80, c3.pk: 70}, comment="超")
    other = world.provincial_expert("朔州市")
    with pytest.raises(ReviewRefused):
        submit_score(assignment=assignment, actor=other, points={c1.pk: 90, c2.pk: 80, c3.pk: 70}, comment="冒名")
    score = submit_score(assignment=assignment, actor=expert, points={c1.pk: 90, c2.pk: 80, c3.pk: 70}, comment="成果突出")
    # 0.4×90 + 0.3×80 + 0.3×70 = 81
    assert score.total == Decimal("81.00")
    again = submit_score(assignment=assignment, actor=expert, points={c1.pk: 100, c2.pk: 100, c3.pk: 95}, comment="修改")
    assert again.pk == score.pk and again.total == Decimal("98.50")


def test_scores_lock_at_the_scoring_deadline_in_beijing_time():
    campaign = world.campaign()
    case = world.city_case("太原市")
    expert = world.provincial_expert("大同市")
    assignment = assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=world.province_staff())
    closes = datetime.datetime(2024, 10, 20, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    campaign.scoring_closes_at = closes
    campaign.save()
    points = full_points(campaign, 60)
    submit_score(assignment=assignment, actor=expert, points=points, comment="及时",
                 now=closes - datetime.timedelta(seconds=1))
    with pytest.raises(ReviewRefused):
        submit_score(assignment=assignment, actor=expert, points=points, comment="迟了", now=closes)


def test_an_expert_sees_other_scores_only_after_submitting_their_own(client):
    world.open_scoring()
    case = world.city_case("太原市")
    staff = world.province_staff()
    first, second = world.provincial_expert("大同市"), world.provincial_expert("朔州市")
    a1 = assign_expert(case=case, expert=first, tier=Tier.PROVINCE, actor=staff)
    a2 = assign_expert(case=case, expert=second, tier=Tier.PROVINCE, actor=staff)
    submit_score(assignment=a1, actor=first, points=full_points(case.campaign, 77), comment="第一位专家的意见")
    client.force_login(second)
    page = client.get(reverse("review:expert_case", args=[case.pk])).content.decode()
    assert "第一位专家的意见" not in page and "77.00" not in page
    c = criteria_of(case.campaign)
    response = client.post(reverse("review:expert_case", args=[case.pk]),
                           {f"criterion_{c[0].pk}": 60, f"criterion_{c[1].pk}": 60, f"criterion_{c[2].pk}": 60,
                            "comment": "第二位专家的意见"})
    assert response.status_code == 302
    assert ExpertScore.objects.get(assignment=a2).total == Decimal("60.00")
    page = client.get(reverse("review:expert_case", args=[case.pk])).content.decode()
    assert "第一位专家的意见" in page and "77.00" in page
    # The reading page never shows the contact's personal data.
    assert case.contact_phone == "" or case.contact_phone not in page


def test_the_case_reading_page_hides_contact_data_and_links_documents(client):
    case = world.city_case("太原市", contact_name="王联系", contact_phone="13912345678")
    expert = world.provincial_expert("大同市")
    assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=world.province_staff())
    client.force_login(expert)
    upload = factories.upload(case, UploadSlot.PROOF, factories.pdf_bytes(), "证明材料.pdf")
    page = client.get(reverse("review:expert_case", args=[case.pk])).content.decode()
    assert "13912345678" not in page and "王联系" not in page
    assert case.title in page
    preview = reverse("review:upload_preview", args=[upload.pk])
    assert preview in page  # read in the browser, like the staff do
    assert client.get(preview).status_code == 200


def test_city_staff_assign_their_city_experts_to_their_city_review_cases(client):
    taiyuan = factories.city("太原市")
    case = world.city_case("太原市", status=CaseStatus.CITY_REVIEW)
    DeadlineExtension.objects.create(campaign=case.campaign, tier=Tier.CITY, organisation=taiyuan,
                                     closes_on=datetime.date.today() + datetime.timedelta(days=5), reason="测试")
    staff = factories.user(Role.CITY_STAFF, organisation_=taiyuan)
    local = [world.city_expert("太原市") for _ in range(3)]
    foreign = world.city_expert("大同市")
    insider = world.city_expert("太原市", employer=case.enterprise)
    report = assign_experts_automatically(campaign=case.campaign, tier=Tier.CITY, actor=staff)
    assert report.created == 3
    assert set(ExpertAssignment.objects.active().values_list("expert_id", flat=True)) == {u.pk for u in local}
    with pytest.raises(ReviewRefused):
        assign_expert(case=case, expert=foreign, tier=Tier.CITY, actor=staff)
    with pytest.raises(ReviewRefused):
        assign_expert(case=case, expert=insider, tier=Tier.CITY, actor=staff)
    # The city expert scores; city staff see it arrive on their scores page.
    assignment = ExpertAssignment.objects.get(expert=local[0])
    submit_score(assignment=assignment, actor=local[0], points=full_points(case.campaign, 88), comment="市级评审意见")
    client.force_login(staff)
    page = client.get(reverse("review:score_overview", args=["city"])).content.decode()
    assert case.title in page and "88.00" in page and "市级评审意见" in page
    # Another city's staff see nothing of it; provincial pages are closed to city staff.
    other_staff = factories.user(Role.CITY_STAFF, organisation_=factories.city("大同市"))
    client.force_login(other_staff)
    assert case.title not in client.get(reverse("review:expert_board", args=["city"])).content.decode()
    assert client.get(reverse("review:expert_board", args=["province"])).status_code == 404


def test_staff_board_pages_render_and_manual_edits_work(client, pool):
    staff = pool["staff"]
    client.force_login(staff)
    board = client.get(reverse("review:expert_board", args=["province"]))
    assert board.status_code == 200
    assert pool["cases"][0].title in board.content.decode()
    response = client.post(reverse("review:expert_board_auto", args=["province"]))
    assert response.status_code == 302
    case = pool["cases"][0]
    assignment = ExpertAssignment.objects.active().filter(case=case).first()
    client.post(reverse("review:expert_board_unassign", args=["province", assignment.pk]), {"reason": "调整"})
    assert ExpertAssignment.objects.get(pk=assignment.pk).ended_at is not None
    client.post(reverse("review:expert_board_assign", args=["province", case.pk]), {"expert": assignment.expert_id})
    assert ExpertAssignment.objects.active().filter(case=case, expert_id=assignment.expert_id).exists()
    # A conflicted (own city) expert offered for dismissal; dismissing needs a reason.
    same_city = pool["experts"][0]
    url = reverse("review:expert_board_dismiss", args=["province", case.pk, same_city.pk, "home_city"])
    assert url in client.get(reverse("review:expert_board", args=["province"])).content.decode()
    client.post(url, {"reason": ""})
    assert not ConflictOfInterest.objects.filter(expert=same_city).exists()
    client.post(url, {"reason": "已调离"})
    assert ConflictOfInterest.objects.get(expert=same_city).dismissal_reason == "已调离"


def test_a_non_staff_user_gets_404_on_staff_pages(client):
    expert = world.provincial_expert("大同市")
    client.force_login(expert)
    for name in ("review:expert_board", "review:score_overview"):
        assert client.get(reverse(name, args=["province"])).status_code == 404


def test_experts_get_no_document_that_carries_the_contacts_phone(client):
    case = world.city_case("太原市", contact_name="王联系", contact_phone="13912345678")
    scan = factories.upload(case, UploadSlot.FORM_SCAN, factories.pdf_bytes("推荐表 王联系 13912345678"), "推荐表.pdf")
    narrative = factories.upload(case, UploadSlot.NARRATIVE, factories.docx_bytes("案例概要"), "案例概要.docx")
    expert = world.provincial_expert("大同市")
    assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=world.province_staff())
    client.force_login(expert)
    page = client.get(reverse("review:expert_case", args=[case.pk])).content.decode()
    assert "推荐表.pdf" not in page and "案例概要.docx" in page
    for url in (reverse("cases:filled_form", args=[case.pk]), reverse("cases:package", args=[case.pk]),
                reverse("cases:download_file", args=[case.pk, scan.pk]), reverse("review:upload_preview", args=[scan.pk])):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("cases:download_file", args=[case.pk, narrative.pk])).status_code == 200
    client.force_login(world.province_staff())  # the staff who handle the case still get everything
    assert client.get(reverse("cases:download_file", args=[case.pk, scan.pk])).status_code == 200


def test_the_city_experts_scoring_form_states_the_scale_beside_each_weight(client, monkeypatch):
    """Issue 13 item 10: the page showed “创新成果与效益（0.40）” and never said a criterion is scored 0–100."""
    factories.freeze_now(monkeypatch, datetime.datetime(2024, 9, 8, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))))
    case = world.city_case("太原市", status=CaseStatus.CITY_REVIEW)
    expert = world.city_expert("太原市")
    assign_expert(case=case, expert=expert, tier=Tier.CITY, actor=factories.user(Role.CITY_STAFF, organisation_=case.enterprise.association.parent.parent))
    client.force_login(expert)

    page = client.get(reverse("review:expert_case", args=[case.pk])).content.decode()

    for name, weight in (("创新成果与效益", "0.4"), ("一线创新与转型升级", "0.3"), ("服务创新驱动发展战略", "0.3")):
        assert f"{name}（权重 {weight}，0–100 分）" in page
    assert "每项按整数打分，从 0 分到该项旁所示的最高分" in page
    assert "加权总分满分为 100" in page
