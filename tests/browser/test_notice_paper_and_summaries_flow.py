"""Headless Chromium: a county and a park upload their activity plan and work summary and the
province sees who has delivered; paper copies go from the enterprise to the province, each tier
recording the parcel and the next marking it received (screenshots to look at)."""

import datetime

import pytest

from cases.enums import CaseStatus, Role, Tier
from review.closing.models import WorkDocument
from review.models import Batch, BatchItem, BatchStatus, PaperShipment
from tests import factories
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    factories.freeze_now(monkeypatch, NOW)


@pytest.fixture
def tree():
    from cases.models import Campaign

    campaign = Campaign.objects.get(year=2024)
    campaign.activity_plan_deadline = datetime.date(2024, 8, 15)
    campaign.work_summary_deadline = datetime.date(2024, 10, 31)
    campaign.save()
    city = factories.city("太原市")
    county = factories.county(city, name="小店区科协")
    park = factories.park(county, name="示范园区科协")
    enterprise = factories.enterprise(park, name="山西示范智能装备有限公司")
    factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise, username="e1")
    factories.user(Role.ASSOCIATION_STAFF, organisation_=park, username="a1")
    factories.user(Role.COUNTY_STAFF, organisation_=county, username="c1")
    factories.user(Role.CITY_STAFF, organisation_=city, username="s1")
    factories.user(Role.PROVINCE_STAFF, organisation_=factories.province(), username="p1")
    return {"campaign": campaign, "city": city, "county": county, "park": park, "enterprise": enterprise}


def upload_document(page, kind: str, path) -> None:
    form = page.locator(f'.work-document[data-kind="{kind}"] form').first
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages, .message, [role=status], .success", timeout=15000)


def test_a_county_and_a_park_upload_their_plan_and_summary(page, live_server, tree, tmp_path):
    plan = tmp_path / "小店区活动方案.docx"
    plan.write_bytes(factories.docx_bytes("小店区科协活动方案"))
    summary = tmp_path / "园区工作总结.docx"
    summary.write_bytes(factories.docx_bytes("示范园区科协工作总结"))

    sign_in(page, live_server, "c1")
    page.click("text=工作总结与活动方案 >> nth=0")
    upload_document(page, "plan", plan)
    county_card = page.locator(".work-documents").first.inner_text()
    screenshot(page, "notice-county-plan")
    assert "小店区活动方案.docx" in county_card and "逾期" in county_card  # the plan was due on 08-15

    sign_in(page, live_server, "a1")
    page.click("text=工作总结与活动方案 >> nth=0")
    upload_document(page, "summary", summary)
    park_card = page.locator(".work-documents").first.inner_text()
    screenshot(page, "notice-park-summary")
    assert "园区工作总结.docx" in park_card and "小店区" not in park_card

    sign_in(page, live_server, "p1")
    page.goto(f"{live_server.url}/review/closing/summaries/")
    taiyuan_plans = page.locator('#delivery-plan tr[data-city="太原市"]').inner_text()
    taiyuan_summaries = page.locator('#delivery-summary tr[data-city="太原市"]').inner_text()
    screenshot(page, "notice-province-delivery")
    assert "小店区科协：逾期提交" in taiyuan_plans and "未提交： 示范园区科协（已逾期）" in taiyuan_plans
    assert "1/1" in taiyuan_summaries.split("\t")[3]
    assert WorkDocument.objects.count() == 2


def record_parcel(page, form, courier: str, number: str) -> None:
    form.locator("input[name=courier]").fill(courier)
    form.locator("input[name=tracking_number]").fill(number)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def receive_complete(page, sender_text: str) -> None:
    block = page.locator(".paper-incoming", has_text=sender_text).first
    block.locator("input[value=complete]").check()
    block.locator("button[type=submit]").click()
    page.wait_for_load_state()


def forwarded(tree, organisation, tier, case) -> Batch:
    batch = Batch.objects.create(campaign=tree["campaign"], organisation=organisation, tier=tier,
                                 status=BatchStatus.FORWARDED, forwarded_at=NOW)
    BatchItem.objects.create(batch=batch, case=case, rank=1)
    return batch


def test_paper_copies_go_from_the_enterprise_up_to_the_province(page, phone_page, live_server, tree):
    case = factories.complete_case(tree["enterprise"], title="焊接机器人柔性产线创新")
    case.status = CaseStatus.SUBMITTED
    case.save()

    # The enterprise prints the checklist, posts the parcel and records it.
    sign_in(phone_page, live_server, "e1")
    phone_page.goto(f"{live_server.url}/cases/{case.pk}/")
    phone_page.click("text=纸质材料：登记寄出的快递")
    record_parcel(phone_page, phone_page.locator("form.paper-sent-form"), "中国邮政EMS", "EMS1000000001")
    screenshot(phone_page, "notice-paper-enterprise-phone")
    assert "已寄出，尚未签收" in phone_page.locator(".paper-status").inner_text()

    # The association receives it complete, then (its list forwarded) posts the list's parcel.
    sign_in(page, live_server, "a1")
    page.click("text=纸质材料 >> nth=0")
    receive_complete(page, "焊接机器人柔性产线创新")
    park_batch = forwarded(tree, tree["park"], Tier.ASSOCIATION, case)
    page.reload()
    record_parcel(page, page.locator(f'.paper-outgoing[data-batch="{park_batch.pk}"] form'), "顺丰速运", "SF2000000002")
    screenshot(page, "notice-paper-association")

    # County, then city: each receives from below and posts its own list's parcel.
    county_batch = forwarded(tree, tree["county"], Tier.COUNTY, case)
    city_batch = forwarded(tree, tree["city"], Tier.CITY, case)
    for username, sender, batch, number in (("c1", "示范园区科协", county_batch, "SF3000000003"),
                                            ("s1", "小店区科协", city_batch, "EMS4000000004")):
        sign_in(page, live_server, username)
        page.goto(f"{live_server.url}/review/paper/")
        receive_complete(page, sender)
        record_parcel(page, page.locator(f'.paper-outgoing[data-batch="{batch.pk}"] form'), "中国邮政EMS", number)
    screenshot(page, "notice-paper-city")

    # The province receives the city's parcel; nothing is outstanding for 太原 any more.
    sign_in(page, live_server, "p1")
    page.goto(f"{live_server.url}/review/paper/")
    before = page.locator('#paper-by-city tr[data-city="太原市"]').inner_text()
    receive_complete(page, "太原")
    after = page.locator('#paper-by-city tr[data-city="太原市"]').inner_text()
    screenshot(page, "notice-paper-province")

    assert before.strip().endswith("1") and after.strip().endswith("0")
    assert [(s.sender_tier, s.state) for s in PaperShipment.objects.order_by("sender_tier")] == [
        (Tier.ENTERPRISE, "complete"), (Tier.ASSOCIATION, "complete"), (Tier.COUNTY, "complete"), (Tier.CITY, "complete")]
