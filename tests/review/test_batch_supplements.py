"""Supplementary lists (补报): cases decided after a forward reach the next tier in a new batch;
a city forwards once; the signed scan passes the validation engine's PDF check; the list page says
what is missing and who forwarded."""

import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from cases.enums import CaseStatus, Role, Tier
from cases.models import Case
from cases.workflow import transition_case
from quotas.models import CityQuota
from review.models import Batch, BatchStatus
from review.services import (
    BatchRefused,
    apply_city_selection,
    attach_signed_scan,
    decide_case,
    forward_batch,
    forward_problems,
    generate_summary_tables,
    open_batch,
    rank_batch,
)
from tests import factories
from tests.review.conftest import EARLY, make_case, pdf_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pipeline_clock")]

CITY_FINAL = "本市推荐名单已于 2024-08-01 10:00 报送省级，市级决定不能再更改：市级按名额一次报送，不设补报。如确需更正，请联系省科技创新服务中心。"
ENCRYPTED = "PDF 设置了保护（需要密码才能打开）。请重新保存扫描件，不要设置密码或安全限制。"


def prepared(batch, actor):
    """Summary table generated and its signed scan attached, as staff do before forwarding."""
    generate_summary_tables(batch.pk)
    batch.refresh_from_db()
    attach_signed_scan(batch=batch, upload=pdf_upload(), actor=actor)
    batch.refresh_from_db()
    return batch


def forwarded_park_list(world, titles=("首批案例",)):
    """The park forwards its first list; returns it and its cases."""
    cases = [make_case(world, world["enterprises"][i], CaseStatus.ASSOCIATION_RECOMMENDED, title)
             for i, title in enumerate(titles)]
    park_staff = world["staff"][Tier.ASSOCIATION]
    batch = prepared(open_batch(organisation=world["park"], campaign=world["campaign"]), park_staff)
    forward_batch(batch=batch, actor=park_staff)
    batch.refresh_from_db()
    return batch, cases


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- supplementary forwarding -------------------------------------------------------------------

def test_a_case_recommended_after_the_forward_reaches_the_county_in_a_supplementary_list(county_world):
    world = county_world
    park_staff = world["staff"][Tier.ASSOCIATION]
    first_list, (first_case,) = forwarded_park_list(world)
    late = make_case(world, world["enterprises"][1], CaseStatus.SUBMITTED, "补报案例")
    other_late = make_case(world, world["enterprises"][2], CaseStatus.SUBMITTED, "另一补报案例")
    decide_case(case=late, tier=Tier.ASSOCIATION, decision="return", actor=park_staff, reason="照片不足2MB")
    enterprise_user = factories.user(Role.ENTERPRISE_USER, enterprise_=world["enterprises"][1])
    transition_case(late, to=CaseStatus.SUBMITTED, actor=enterprise_user)  # revised and resubmitted
    decide_case(case=late, tier=Tier.ASSOCIATION, decision="recommend", actor=park_staff)
    decide_case(case=other_late, tier=Tier.ASSOCIATION, decision="recommend", actor=park_staff)

    supplement = open_batch(organisation=world["park"], campaign=world["campaign"])

    assert (supplement.pk != first_list.pk, supplement.sequence, supplement.status) == (True, 2, BatchStatus.OPEN)
    assert list(supplement.items.order_by("rank").values_list("case__title", flat=True)) == ["补报案例", "另一补报案例"]
    assert list(first_list.items.values_list("case_id", flat=True)) == [first_case.pk]  # the forwarded list is untouched
    rank_batch(batch=supplement, ordered_case_ids=[other_late.pk, late.pk], presenter_case_ids={late.pk},
               contact="李园区 13800000000", actor=park_staff)
    supplement = prepared(supplement, park_staff)
    title = docx.Document(supplement.summary_docx.open("rb")).paragraphs[1].text
    assert title.endswith("园区（企业）科协推荐汇总表（补报）")
    forward_batch(batch=supplement, actor=park_staff)

    supplement.refresh_from_db()
    assert (supplement.status, supplement.forwarded_by) == (BatchStatus.FORWARDED, park_staff)
    assert dict(Case.objects.filter(pk__in=[late.pk, other_late.pk]).values_list("title", "status")) == {
        "补报案例": CaseStatus.COUNTY_REVIEW, "另一补报案例": CaseStatus.COUNTY_REVIEW}
    assert Case.objects.get(pk=late.pk).is_presenter_candidate is True
    # Nothing new is ready: the page's batch is the forwarded supplement, no third batch is opened.
    assert open_batch(organisation=world["park"], campaign=world["campaign"]).pk == supplement.pk
    assert Batch.objects.filter(organisation=world["park"]).count() == 2
    # The county sees the supplement's case like any other and puts it on its own list.
    county_staff = world["staff"][Tier.COUNTY]
    decide_case(case=late, tier=Tier.COUNTY, decision="pass", actor=county_staff)
    county_batch = open_batch(organisation=world["county"], campaign=world["campaign"])
    assert list(county_batch.items.values_list("case_id", flat=True)) == [late.pk]


def test_only_supplements_carry_the_supplement_mark_in_their_title(county_world):
    from review.documents.summary_tables import summary_title, supplement_mark

    assert [supplement_mark(number) for number in (1, 2, 3)] == ["", "（补报）", "（第2次补报）"]
    assert summary_title(county_world["campaign"], Tier.COUNTY, 1).endswith("科协推荐汇总表")


def test_a_county_supplement_cannot_be_forwarded_after_the_city_forwarded(county_world):
    world = county_world
    city_list = Batch.objects.create(campaign=world["campaign"], organisation=world["city"], tier=Tier.CITY,
                                     status=BatchStatus.FORWARDED, forwarded_at=EARLY)
    assert city_list.pk
    make_case(world, world["enterprises"][0], CaseStatus.COUNTY_PASSED, "迟到案例")
    county_batch = open_batch(organisation=world["county"], campaign=world["campaign"])
    items = list(county_batch.items.all())

    assert "所在市科协已于 2024-08-01 10:00 向省级报送推荐名单，现在报送的案例已无法参加评选。请联系所在市科协。" in forward_problems(county_batch, items)


# --- the city forwards once --------------------------------------------------------------------

def city_forwarded(world):
    """太原 with a quota of one: one park case selected (presenter) and forwarded, one left out."""
    CityQuota.objects.filter(campaign=world["campaign"], city=world["city"]).update(cases=1, presenters=1)
    chosen = make_case(world, world["enterprises"][0], CaseStatus.CITY_REVIEW, "市级入选")
    left_out = make_case(world, world["enterprises"][1], CaseStatus.CITY_REVIEW, "市级未选")
    city_staff = world["staff"][Tier.CITY]
    batch = apply_city_selection(city=world["city"], campaign=world["campaign"], selected_ids={chosen.pk},
                                 presenter_ids={chosen.pk}, actor=city_staff)
    forward_batch(batch=prepared(batch, city_staff), actor=city_staff)
    return chosen, left_out


def test_city_decisions_are_refused_after_the_city_forwarded(county_world):
    chosen, left_out = city_forwarded(county_world)
    city_staff = county_world["staff"][Tier.CITY]
    assert Case.objects.get(pk=left_out.pk).status == CaseStatus.CITY_NOT_SELECTED

    with pytest.raises(BatchRefused) as refused:
        decide_case(case=left_out, tier=Tier.CITY, decision="reopen", actor=city_staff)
    assert str(refused.value) == CITY_FINAL
    with pytest.raises(BatchRefused) as refused:
        apply_city_selection(city=county_world["city"], campaign=county_world["campaign"], selected_ids={left_out.pk},
                             presenter_ids=set(), actor=city_staff)
    assert str(refused.value) == CITY_FINAL
    assert Case.objects.get(pk=left_out.pk).status == CaseStatus.CITY_NOT_SELECTED
    assert Batch.objects.filter(organisation=county_world["city"]).count() == 1


def test_city_page_offers_no_decision_and_no_supplement_after_forwarding(client, county_world):
    _chosen, left_out = city_forwarded(county_world)
    client.force_login(county_world["staff"][Tier.CITY])

    case_page = client.get(reverse("review:case_review", args=[left_out.pk])).content.decode()
    posted = client.post(reverse("review:case_decide", args=[left_out.pk]), {"decision": "reopen"}, follow=True).content.decode()
    list_page = client.get(reverse("review:batch_detail")).content.decode()

    assert 'value="reopen"' not in case_page
    assert "市级决定已为最终决定，此处不再提供操作" in case_page  # says why there is no button
    assert CITY_FINAL in posted
    assert "本市推荐名单已报送，名单已确定：市级名单只报送一次，不设补报。" in list_page
    assert "review/list/forward/" not in list_page


# --- the list page ------------------------------------------------------------------------------

def test_a_county_with_an_undecided_case_is_told_before_forwarding(client, county_world):
    make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_PASSED, "已通过")
    make_case(county_world, county_world["enterprises"][1], CaseStatus.COUNTY_REVIEW, "待审查")
    client.force_login(county_world["staff"][Tier.COUNTY])

    page = client.get(reverse("review:batch_detail")).content.decode()

    assert "还有 1 个案例尚未处理。现在可以先报送；报送后处理完的案例可以补报。" in page
    assert f"?org={county_world['county'].pk}&amp;status=county_review" in page


def test_no_notice_when_every_case_is_decided(client, county_world):
    make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_PASSED, "已通过")
    client.force_login(county_world["staff"][Tier.COUNTY])

    page = client.get(reverse("review:batch_detail")).content.decode()

    assert "尚未处理" not in page


def test_list_page_shows_who_forwarded_by_full_name_with_the_files_and_the_open_supplement(client, county_world):
    park_staff = county_world["staff"][Tier.ASSOCIATION]
    park_staff.first_name = "李园区"
    park_staff.save(update_fields=["first_name"])
    first_list, _cases = forwarded_park_list(county_world)
    make_case(county_world, county_world["enterprises"][1], CaseStatus.ASSOCIATION_RECOMMENDED, "补报案例")
    client.force_login(park_staff)

    page = client.get(reverse("review:batch_detail")).content.decode()

    assert "已由 李园区 于 2024-08-01 10:00 报送。" in page
    assert "已由 park 于" not in page
    for kind in ("docx", "xlsx", "scan"):
        assert reverse("review:batch_file", args=[first_list.pk, kind]) in page
    supplement = Batch.objects.get(organisation=county_world["park"], sequence=2)
    assert "第2批（补报）：准备中" in page
    assert f'name="batch" value="{supplement.pk}"' in page
    assert "向测试县科协补报名单" in page


def test_supplement_files_download_with_the_supplement_in_their_name(client, county_world):
    forwarded_park_list(county_world)
    make_case(county_world, county_world["enterprises"][1], CaseStatus.ASSOCIATION_RECOMMENDED, "补报案例")
    supplement = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    generate_summary_tables(supplement.pk)
    client.force_login(county_world["staff"][Tier.ASSOCIATION])

    response = client.get(reverse("review:batch_file", args=[supplement.pk, "docx"]))

    assert "%E6%8E%A8%E8%8D%90%E6%B1%87%E6%80%BB%E8%A1%A8%EF%BC%88%E8%A1%A5%E6%8A%A5%EF%BC%89.docx" in response["Content-Disposition"]  # 推荐汇总表（补报）.docx


def test_step_4_asks_to_generate_the_table_before_one_exists(client, county_world):
    make_case(county_world, county_world["enterprises"][0], CaseStatus.ASSOCIATION_RECOMMENDED, "甲")
    client.force_login(county_world["staff"][Tier.ASSOCIATION])

    page = client.get(reverse("review:batch_detail")).content.decode()

    assert "请先生成推荐汇总表。" in page
    assert "推荐汇总表与当前名单不一致" not in page


def test_supplement_posts_act_on_the_batch_shown_and_a_stale_page_is_told(client, county_world):
    first_list, _cases = forwarded_park_list(county_world)
    late = make_case(county_world, county_world["enterprises"][1], CaseStatus.ASSOCIATION_RECOMMENDED, "补报案例")
    client.force_login(county_world["staff"][Tier.ASSOCIATION])
    client.get(reverse("review:batch_detail"))  # opens the supplement
    supplement = Batch.objects.get(organisation=county_world["park"], sequence=2)

    saved = client.post(reverse("review:batch_rank"), {"batch": supplement.pk, f"rank-{late.pk}": "1",
                                                      "presenter": str(late.pk), "contact": "王五"}, follow=True)
    stale = client.post(reverse("review:batch_rank"), {"batch": first_list.pk, "contact": "王五"}, follow=True)

    supplement.refresh_from_db()
    assert "排序和宣讲代表标记已保存。" in saved.content.decode()
    assert supplement.contact == "王五" and supplement.items.get().is_presenter_candidate is True
    assert "该名单已于 2024-08-01 10:00 报送。" in stale.content.decode()


# --- the signed scan ----------------------------------------------------------------------------

def test_an_encrypted_scan_is_refused_with_the_engines_message(county_world):
    make_case(county_world, county_world["enterprises"][0], CaseStatus.ASSOCIATION_RECOMMENDED, "甲")
    batch = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    generate_summary_tables(batch.pk)
    batch.refresh_from_db()

    with pytest.raises(BatchRefused) as refused:
        attach_signed_scan(batch=batch, upload=SimpleUploadedFile("扫描.pdf", encrypted_pdf()),
                           actor=county_world["staff"][Tier.ASSOCIATION])

    assert str(refused.value) == ENCRYPTED
    batch.refresh_from_db()
    assert not batch.signed_scan


def test_a_damaged_scan_is_refused_as_unreadable(county_world):
    make_case(county_world, county_world["enterprises"][0], CaseStatus.ASSOCIATION_RECOMMENDED, "甲")
    batch = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    generate_summary_tables(batch.pk)
    batch.refresh_from_db()

    with pytest.raises(BatchRefused) as refused:
        attach_signed_scan(batch=batch, upload=SimpleUploadedFile("扫描.pdf", b"%PDF-1.4\n" + b"\x00" * 200),
                           actor=county_world["staff"][Tier.ASSOCIATION])

    assert str(refused.value).startswith("文件无法作为 PDF 读取：")
    assert str(refused.value).endswith("请重新扫描并保存为 PDF；不要把其他文件直接改扩展名为 .pdf。")


def test_an_encrypted_or_empty_scan_uploaded_on_the_page_gets_its_own_message(client, county_world):
    make_case(county_world, county_world["enterprises"][0], CaseStatus.ASSOCIATION_RECOMMENDED, "甲")
    batch = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    generate_summary_tables(batch.pk)
    client.force_login(county_world["staff"][Tier.ASSOCIATION])
    url = reverse("review:batch_scan")

    encrypted = client.post(url, {"batch": batch.pk, "scan": SimpleUploadedFile("扫描.pdf", encrypted_pdf())}, follow=True)
    empty = client.post(url, {"batch": batch.pk, "scan": SimpleUploadedFile("扫描.pdf", b"")}, follow=True)
    missing = client.post(url, {"batch": batch.pk}, follow=True)

    assert ENCRYPTED in encrypted.content.decode()
    assert "文件为空。请重新扫描盖章的汇总表并上传 PDF。" in empty.content.decode()
    assert "请选择签字盖章的推荐汇总表 PDF 扫描件。" in missing.content.decode()
    batch.refresh_from_db()
    assert not batch.signed_scan


def test_list_page_query_count_does_not_grow_with_the_forwarded_cases(client, county_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county_world["staff"][Tier.ASSOCIATION])
    forwarded_park_list(county_world, titles=("一",))
    with CaptureQueriesContext(connection) as one_case:
        client.get(reverse("review:batch_detail"))
    Batch.objects.filter(organisation=county_world["park"]).delete()
    forwarded_park_list(county_world, titles=("二", "三", "四"))
    with CaptureQueriesContext(connection) as three_cases:
        page = client.get(reverse("review:batch_detail")).content.decode()

    assert "共 3 个案例：" in page
    assert len(three_cases.captured_queries) == len(one_case.captured_queries)


def test_the_county_is_mailed_that_a_supplement_arrived(county_world, mailoutbox):
    from review.notifications import notify_batch_forwarded

    world = county_world
    park_staff = world["staff"][Tier.ASSOCIATION]
    county_staff = world["staff"][Tier.COUNTY]
    county_staff.email = "county@example.com"
    county_staff.save(update_fields=["email"])
    first_list, _cases = forwarded_park_list(world)
    late = make_case(world, world["enterprises"][1], CaseStatus.SUBMITTED, "补报案例")
    decide_case(case=late, tier=Tier.ASSOCIATION, decision="recommend", actor=park_staff)
    supplement = open_batch(organisation=world["park"], campaign=world["campaign"])
    mailoutbox.clear()
    assert notify_batch_forwarded(first_list.pk) == notify_batch_forwarded(supplement.pk) == 1
    first_mail, supplement_mail = mailoutbox
    assert "补报" not in first_mail.subject
    assert supplement_mail.subject == "【创新案例征集平台】测试园区科协报送了 1 个案例（第2批补报名单）"
    assert "补报名单" in supplement_mail.body and supplement_mail.to == first_mail.to == ["county@example.com"]


def test_a_table_is_not_generated_without_a_contact(county_world):
    from review.services import request_summary_tables

    world = county_world
    make_case(world, world["enterprises"][0], CaseStatus.ASSOCIATION_RECOMMENDED, "无联系人案例")
    batch = open_batch(organisation=world["park"], campaign=world["campaign"])
    Batch.objects.filter(pk=batch.pk).update(contact="  ")
    batch.refresh_from_db()
    with pytest.raises(BatchRefused, match="请先在第1步填写联系人及联系电话"):
        request_summary_tables(batch=batch, actor=world["staff"][Tier.ASSOCIATION])
    batch.refresh_from_db()
    assert batch.generation_state != "pending"
