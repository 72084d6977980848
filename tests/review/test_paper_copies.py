"""Paper copies (附件1 三–六): posted up the chain with courier and 快递单号, marked received complete or
with the checklist's items missing, outstanding per city for the province, and — when the campaign
says so — required before a list is forwarded."""

import datetime

import pytest
from django.urls import reverse

from cases.documents.cover import PAPER_CHECKLIST
from cases.enums import AuditAction, CaseStatus, Role, Tier
from cases.models import AuditEvent
from review.models import Batch, BatchItem, BatchStatus, PaperShipment, PaperState
from review.paper.queries import paper_by_city, paper_forward_problems
from review.paper.services import PaperRefused, record_paper_received, record_paper_sent
from review.services import BatchRefused, forward_batch
from tests import factories
from tests.review.conftest import EARLY, make_case
from tests.review.test_pipeline_services import prepared, ready_park_batch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pipeline_clock")]
POSTED = datetime.date(2024, 7, 31)


def enterprise_user(case):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)


def forwarded_batch(world, organisation, tier, cases):
    batch = Batch.objects.create(campaign=world["campaign"], organisation=organisation, tier=tier,
                                 status=BatchStatus.FORWARDED, forwarded_at=EARLY)
    for rank, case in enumerate(cases, start=1):
        BatchItem.objects.create(batch=batch, case=case, rank=rank)
    return batch


def test_the_enterprise_records_its_parcel_and_the_association_marks_it_received(county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "甲案例")
    sender, park_staff = enterprise_user(case), county_world["staff"][Tier.ASSOCIATION]

    shipment = record_paper_sent(actor=sender, case=case, courier="中国邮政EMS", tracking_number="EMS1234567890",
                                 sent_on=POSTED)
    received = record_paper_received(shipment=shipment, actor=park_staff, complete=False, missing_items=["proof"],
                                     note="证明材料未加封皮")

    assert (received.courier, received.tracking_number, received.sent_on) == ("中国邮政EMS", "EMS1234567890", POSTED)
    assert (received.state, received.missing_items, received.received_by) == (PaperState.INCOMPLETE, ["proof"], park_staff)
    assert list(AuditEvent.objects.filter(case=case).order_by("pk").values_list("action", "summary")) == [
        (AuditAction.PAPER_SENT, "纸质材料已寄往测试园区科协：中国邮政EMS EMS1234567890，2024-07-31寄出"),
        (AuditAction.PAPER_RECEIVED, "纸质材料已签收，缺少：证明材料（中国邮政EMS EMS1234567890）"),
    ]


def test_posting_again_after_a_gap_clears_the_receipt_and_a_complete_receipt_is_final(county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "甲案例")
    sender, park_staff = enterprise_user(case), county_world["staff"][Tier.ASSOCIATION]
    shipment = record_paper_sent(actor=sender, case=case, courier="EMS", tracking_number="1", sent_on=POSTED)
    record_paper_received(shipment=shipment, actor=park_staff, complete=False, missing_items=["form"])

    again = record_paper_sent(actor=sender, case=case, courier="顺丰速运", tracking_number="SF2", sent_on=POSTED)
    assert (again.pk, again.state, again.missing_items) == (shipment.pk, PaperState.IN_TRANSIT, [])
    record_paper_received(shipment=again, actor=park_staff, complete=True)
    with pytest.raises(PaperRefused, match="已于2024-08-01签收齐全"):
        record_paper_sent(actor=sender, case=case, courier="EMS", tracking_number="3", sent_on=POSTED)


@pytest.mark.parametrize(("fields", "message"), [
    ({"courier": "", "tracking_number": "1", "sent_on": POSTED}, "请填写快递公司"),
    ({"courier": "EMS", "tracking_number": " ", "sent_on": POSTED}, "请填写快递单上的快递单号。"),
    ({"courier": "EMS", "tracking_number": "1", "sent_on": datetime.date(2024, 8, 2)}, "寄出日期晚于今天"),
])
def test_the_sender_must_give_courier_number_and_a_past_day(county_world, fields, message):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "甲案例")

    with pytest.raises(PaperRefused, match=message):
        record_paper_sent(actor=enterprise_user(case), case=case, **fields)
    assert not PaperShipment.objects.exists()


def test_only_the_sender_records_and_only_the_receiver_receives(county_world):
    draft = make_case(county_world, county_world["enterprises"][0], CaseStatus.DRAFT, "草稿")
    case = make_case(county_world, county_world["enterprises"][1], CaseStatus.SUBMITTED, "甲案例")
    with pytest.raises(PaperRefused, match="只有寄送方"):
        record_paper_sent(actor=enterprise_user(draft), case=draft, courier="EMS", tracking_number="1", sent_on=POSTED)
    with pytest.raises(PaperRefused, match="只有寄送方"):
        record_paper_sent(actor=county_world["staff"][Tier.ASSOCIATION], case=case, courier="EMS", tracking_number="1",
                          sent_on=POSTED)
    shipment = record_paper_sent(actor=enterprise_user(case), case=case, courier="EMS", tracking_number="1", sent_on=POSTED)
    other_park = factories.user(Role.ASSOCIATION_STAFF, organisation_=factories.park(county_world["county"]))

    for stranger in (county_world["staff"][Tier.COUNTY], other_park, enterprise_user(case)):
        with pytest.raises(PaperRefused, match="只有接收方"):
            record_paper_received(shipment=shipment, actor=stranger, complete=True)


def test_a_receipt_with_gaps_names_them_from_the_checklist(county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "甲案例")
    shipment = record_paper_sent(actor=enterprise_user(case), case=case, courier="EMS", tracking_number="1", sent_on=POSTED)
    park_staff = county_world["staff"][Tier.ASSOCIATION]

    with pytest.raises(PaperRefused, match="请说明缺少什么"):
        record_paper_received(shipment=shipment, actor=park_staff, complete=False)
    with pytest.raises(PaperRefused, match="请从清单中选择"):
        record_paper_received(shipment=shipment, actor=park_staff, complete=False, missing_items=["photo"])
    with pytest.raises(PaperRefused, match="要么齐全，要么有缺项"):
        record_paper_received(shipment=shipment, actor=park_staff, complete=True, missing_items=["form"])
    # The items a receiver can name are the enterprise's printed checklist, item for item.
    assert [item.code for item in PAPER_CHECKLIST] == ["form", "proof", "summary_table"]


def test_each_tier_records_its_forwarded_list_and_the_next_tier_receives_it(county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.CITY_REVIEW, "甲案例")
    county_batch = forwarded_batch(county_world, county_world["county"], Tier.COUNTY, [case])
    county_staff, city_staff = county_world["staff"][Tier.COUNTY], county_world["staff"][Tier.CITY]
    open_batch = Batch.objects.create(campaign=county_world["campaign"], organisation=county_world["park"], tier=Tier.ASSOCIATION)

    with pytest.raises(PaperRefused, match="只有寄送方"):  # a list not forwarded yet has no paper to post
        record_paper_sent(actor=county_world["staff"][Tier.ASSOCIATION], batch=open_batch, courier="EMS",
                          tracking_number="1", sent_on=POSTED)
    shipment = record_paper_sent(actor=county_staff, batch=county_batch, courier="EMS", tracking_number="C1", sent_on=POSTED)
    received = record_paper_received(shipment=shipment, actor=city_staff, complete=True)

    assert (received.sender_tier, received.state) == (Tier.COUNTY, PaperState.COMPLETE)
    with pytest.raises(PaperRefused, match="只有接收方"):  # the province receives the cities' copies, not the counties'
        record_paper_received(shipment=shipment, actor=county_world["staff"][Tier.PROVINCE], complete=True)


def test_the_province_sees_what_is_outstanding_per_city_and_tier(county_world):
    sent = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "已寄")
    make_case(county_world, county_world["enterprises"][1], CaseStatus.SUBMITTED, "未寄")
    make_case(county_world, county_world["enterprises"][2], CaseStatus.DRAFT, "草稿不计")
    done = make_case(county_world, county_world["enterprises"][3], CaseStatus.CITY_REVIEW, "已收")
    record_paper_sent(actor=enterprise_user(sent), case=sent, courier="EMS", tracking_number="1", sent_on=POSTED)
    county_batch = forwarded_batch(county_world, county_world["county"], Tier.COUNTY, [done])
    record_paper_received(shipment=record_paper_sent(actor=county_world["staff"][Tier.COUNTY], batch=county_batch,
                                                     courier="EMS", tracking_number="2", sent_on=POSTED),
                          actor=county_world["staff"][Tier.CITY], complete=True)

    table = {row.city.region: row for row in paper_by_city(county_world["campaign"])}

    taiyuan = table["太原市"]
    assert [(row.tier, row.counts) for row in taiyuan.tiers] == [
        (Tier.ENTERPRISE, {"not_sent": 2, "in_transit": 1, "incomplete": 0, "complete": 0}),  # “已收” came up by list only
        (Tier.ASSOCIATION, {"not_sent": 0, "in_transit": 0, "incomplete": 0, "complete": 0}),
        (Tier.COUNTY, {"not_sent": 0, "in_transit": 0, "incomplete": 0, "complete": 1}),
        (Tier.CITY, {"not_sent": 0, "in_transit": 0, "incomplete": 0, "complete": 0}),
    ]
    assert taiyuan.outstanding == 3
    assert table["大同市"].outstanding == 0
    assert list(table)[:3] == ["太原市", "大同市", "朔州市"]  # 附件2's order


def test_a_forward_waits_for_the_paper_only_when_the_campaign_says_so(county_world):
    batch, (first, second) = ready_park_batch(county_world)
    park_staff = county_world["staff"][Tier.ASSOCIATION]
    batch = prepared(batch, park_staff)
    items = list(batch.items.select_related("case"))
    assert paper_forward_problems(batch, items) == []  # the notice's reading: paper is tracked, not a condition

    campaign = county_world["campaign"]
    campaign.forward_requires_paper = True
    campaign.save()
    batch.refresh_from_db()
    shipment = record_paper_sent(actor=enterprise_user(first), case=first, courier="EMS", tracking_number="1", sent_on=POSTED)
    record_paper_received(shipment=shipment, actor=park_staff, complete=True)
    with pytest.raises(BatchRefused, match="本次活动要求纸质材料签收齐全后方可报送名单.*：乙。"):
        forward_batch(batch=batch, actor=park_staff)

    shipment = record_paper_sent(actor=enterprise_user(second), case=second, courier="EMS", tracking_number="2", sent_on=POSTED)
    record_paper_received(shipment=shipment, actor=park_staff, complete=False, missing_items=["proof"])
    with pytest.raises(BatchRefused, match="：乙。"):  # received with a gap is not received complete
        forward_batch(batch=batch, actor=park_staff)
    record_paper_received(shipment=shipment, actor=park_staff, complete=True)
    forward_batch(batch=batch, actor=park_staff)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.FORWARDED


def test_a_county_forward_asks_for_the_associations_parcel(county_world):
    campaign = county_world["campaign"]
    campaign.forward_requires_paper = True
    campaign.save()
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_PASSED, "甲案例")
    park_batch = forwarded_batch(county_world, county_world["park"], Tier.ASSOCIATION, [case])
    county_batch = Batch.objects.create(campaign=campaign, organisation=county_world["county"], tier=Tier.COUNTY)
    BatchItem.objects.create(batch=county_batch, case=case, rank=1)
    items = list(county_batch.items.select_related("case"))

    assert len(paper_forward_problems(county_batch, items)) == 1
    shipment = record_paper_sent(actor=county_world["staff"][Tier.ASSOCIATION], batch=park_batch, courier="EMS",
                                 tracking_number="P1", sent_on=POSTED)
    record_paper_received(shipment=shipment, actor=county_world["staff"][Tier.COUNTY], complete=True)
    assert paper_forward_problems(county_batch, items) == []


def test_the_pages_offer_the_forms_to_each_side(client, county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "甲案例")
    sender = enterprise_user(case)
    client.force_login(sender)
    page = client.get(reverse("review:case_paper", args=[case.pk])).content.decode()
    assert "推荐表盖章件 3份：逐份单独装订" in page and "登记为已寄出" in page
    client.post(reverse("review:case_paper", args=[case.pk]),
                {"courier": "中国邮政EMS", "tracking_number": "EMS9", "sent_on": "2024-07-31"})
    client.force_login(county_world["staff"][Tier.ASSOCIATION])
    overview = client.get(reverse("review:paper_overview")).content.decode()
    shipment = PaperShipment.objects.get(case=case)
    assert "甲案例" in overview and reverse("review:paper_receive", args=[shipment.pk]) in overview
    client.post(reverse("review:paper_receive", args=[shipment.pk]), {"outcome": "incomplete", "missing": ["summary_table"]})
    shipment.refresh_from_db()
    assert (shipment.state, shipment.missing_items) == (PaperState.INCOMPLETE, ["summary_table"])
