"""The campaign's close: read-only after closing, WeChat names, presenters' programme, city work
summaries, dashboard numbers and their downloads, and who may open these pages."""

import csv
import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from cases.enums import AuditAction, CaseStatus, CaseType, Role, UploadSlot
from cases.models import AuditEvent, Campaign
from cases.resumable import start_resumable_upload
from cases.services import CaseNotEditable, SubmissionRefused, create_case, save_case_draft, store_upload, submit_case
from cases.uploads import UploadRejected
from cases.validation.units import describe_bytes
from cases.workflow import TransitionRefused, transition_case
from review.closing import dashboard as board
from review.closing.services import ClosingRefused, close_campaign
from review.closing.summaries import build_city_summary, city_summary
from review.closing.work_documents import holder_key, store_work_document
from review.closing.wechat import wechat_rows
from review.models import Selection, SelectionEntry
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
CLOSED_MESSAGE = "活动“{title}”已于 2024-08-20 10:00 关闭并归档，其中的任何内容都不能再修改。"


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    factories.freeze_now(monkeypatch, NOW)


@pytest.fixture
def staff():
    return world.province_staff()


# --- closing: read-only ----------------------------------------------------------------------

def test_closing_the_campaign_makes_every_write_service_refuse(staff):
    campaign = world.campaign()
    draft = factories.complete_case()
    member = factories.user(Role.ENTERPRISE_USER, enterprise_=draft.enterprise)
    winner = world.city_case("太原市", status=CaseStatus.WINNER)
    winner_member = factories.user(Role.ENTERPRISE_USER, enterprise_=winner.enterprise)
    in_review = world.city_case("大同市")
    close_campaign(campaign=campaign, actor=staff, now=NOW)
    message = CLOSED_MESSAGE.format(title=campaign.title)

    with pytest.raises(CaseNotEditable, match=message):
        save_case_draft(case=draft, actor=member, values={"team": "王五"}, expected_version=draft.version, now=NOW)
    with pytest.raises(CaseNotEditable, match=message):
        store_upload(case=draft, actor=member, slot=UploadSlot.PROOF,
                     uploaded_file=SimpleUploadedFile("证书.pdf", factories.pdf_bytes()), now=NOW)
    with pytest.raises(CaseNotEditable, match=message):
        create_case(actor=member, enterprise=draft.enterprise, campaign=campaign, values={"title": "新案例"}, now=NOW)
    with pytest.raises(SubmissionRefused) as refused:
        submit_case(case=draft, actor=member, now=NOW)
    assert refused.value.reasons == [message]
    with pytest.raises(TransitionRefused, match=message):
        transition_case(in_review, to=CaseStatus.WINNER, actor=staff, now=NOW)
    with pytest.raises(CaseNotEditable, match=message):
        start_resumable_upload(case=winner, actor=winner_member, slot=UploadSlot.VIDEO, name="视频.mp4", size=100, now=NOW)
    draft.refresh_from_db()
    in_review.refresh_from_db()
    assert (draft.status, draft.team, draft.uploads.count()) == (CaseStatus.DRAFT, "张三、李四", 5)
    assert in_review.status == CaseStatus.PROVINCE_REVIEW
    event = AuditEvent.objects.get(action=AuditAction.CAMPAIGN_CLOSED)
    assert (event.actor, event.details) == (staff, {"campaign": campaign.pk})


def test_closing_twice_or_by_others_is_refused(staff, client):
    campaign = world.campaign()
    city_staff = factories.user(Role.CITY_STAFF, organisation_=factories.city("太原市"))
    with pytest.raises(ClosingRefused, match="只有省级工作人员可以关闭活动。"):
        close_campaign(campaign=campaign, actor=city_staff, now=NOW)
    close_campaign(campaign=campaign, actor=staff, now=NOW)
    with pytest.raises(ClosingRefused, match="该活动已于 2024-08-20 10:00 关闭。"):
        close_campaign(campaign=campaign, actor=staff, now=NOW)


def test_the_close_page_needs_the_year_typed(staff, client):
    client.force_login(staff)
    campaign = world.campaign()
    client.post(reverse("review:campaign_close"), {"confirm": "1999"})
    assert Campaign.objects.get(pk=campaign.pk).closed_at is None
    full_width_year = str(campaign.year).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(reverse("review:campaign_close"), {"confirm": full_width_year})  # a Chinese input method
    assert response.status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).closed_at == NOW
    countdowns = board.deadline_countdowns(Campaign.objects.get(pk=campaign.pk), NOW)
    assert [countdown.is_closed for countdown in countdowns] == [True] * 4


# --- WeChat names (附件1 九) ---------------------------------------------------------------------

def test_wechat_names_list_every_candidate_with_exact_strings(staff, client):
    world.city_case("太原市", title="焊接机器人柔性产线创新", short_title="焊接机器人", unit_short_name="示范智能")
    world.city_case("大同市", title="煤矸石综合利用新工艺", short_title="煤矸石利用", unit_short_name="同煤科技",
                    status=CaseStatus.WINNER)
    world.city_case("太原市", title="未报送到省的案例", status=CaseStatus.CITY_REVIEW)
    assert [row.display_name for row in wechat_rows(world.campaign())] == ["太原 焊接机器人 示范智能", "大同 煤矸石利用 同煤科技"]
    client.force_login(staff)
    page = client.get(reverse("review:closing_wechat")).content.decode()
    assert "太原 焊接机器人 示范智能\n大同 煤矸石利用 同煤科技</textarea>" in page
    exported = client.get(reverse("review:closing_wechat_export", args=["csv"])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == ["序号", "地区", "案例名称", "单位", "微信群昵称", "状态"]
    assert [row[4] for row in rows[1:]] == ["太原 焊接机器人 示范智能", "大同 煤矸石利用 同煤科技"]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("review:closing_wechat_export", args=["xlsx"])).content))
    assert [row[4] for row in workbook.active.iter_rows(min_row=3, values_only=True)] == [
        "太原 焊接机器人 示范智能", "大同 煤矸石利用 同煤科技"]


# --- presenters' programme ---------------------------------------------------------------------

def _select(campaign, cases_and_flags):
    selection = Selection.objects.create(campaign=campaign)
    for rank, (case, winner, presenter) in enumerate(cases_and_flags, start=1):
        SelectionEntry.objects.create(selection=selection, case=case, rank=rank, is_winner=winner, is_presenter=presenter)
    return selection


def test_the_programme_lists_presenters_with_talk_titles_and_materials(staff, client):
    campaign = world.campaign()
    presenter = world.city_case("太原市", title="焊接机器人柔性产线创新", status=CaseStatus.WINNER)
    other = world.city_case("大同市", title="煤矸石综合利用新工艺", status=CaseStatus.WINNER)
    _select(campaign, [(presenter, True, True), (other, True, False)])
    talk = factories.docx_bytes("让焊花绽放在智能产线上", "正文")
    factories.upload(presenter, UploadSlot.TALK_TEXT, talk, "宣讲.docx")
    factories.upload(presenter, UploadSlot.VIDEO, b"\x00\x00\x00\x18ftypmp42", "焊接机器人柔性产线创新+视频.mp4")
    client.force_login(staff)
    page = client.get(reverse("review:closing_programme")).content.decode()
    assert "让焊花绽放在智能产线上" in page and "煤矸石" not in page
    assert "宣讲PPT：<span class=\"missing\">尚未上传" in page  # each material says which one is missing
    document = Document(io.BytesIO(client.get(reverse("review:closing_programme_export", args=["docx"])).content))
    table = document.tables[0]
    assert [cell.text for cell in table.rows[1].cells] == [
        "1", "太原市", "焊接机器人柔性产线创新", presenter.enterprise.name, "让焊花绽放在智能产线上",
        f"宣讲.docx（{describe_bytes(len(talk))}）", "尚未上传", f"焊接机器人柔性产线创新+视频.mp4（{describe_bytes(12)}）"]
    assert len(table.rows) == 2
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("review:closing_programme_export", args=["xlsx"])).content))
    assert list(workbook.active.iter_rows(min_row=3, values_only=True))[0][:5] == (
        1, "太原市", "焊接机器人柔性产线创新", presenter.enterprise.name, "让焊花绽放在智能产线上")


# --- city work summaries (工作总结) ---------------------------------------------------------------

def _case(enterprise, status, case_type=CaseType.TECHNOLOGICAL, **fields):
    made = factories.case(enterprise, status=status, **fields)
    made.case_type = case_type
    made.save(update_fields=["case_type"])
    return made


def _taiyuan_world():
    campaign = world.campaign()
    county = factories.county(factories.city("太原市"))
    park = factories.park(county)
    enterprise_association = factories.organisation("enterprise_association", county)
    made = {
        "draft": _case(factories.enterprise(park), status=CaseStatus.DRAFT),
        "submitted": _case(factories.enterprise(park), status=CaseStatus.SUBMITTED, case_type=CaseType.PROCESS),
        "county_failed": _case(factories.enterprise(park), status=CaseStatus.COUNTY_FAILED),
        "city_not_selected": _case(factories.enterprise(park), status=CaseStatus.CITY_NOT_SELECTED,
                                            case_type=CaseType.ORGANISATIONAL),
        "winner_park": _case(factories.enterprise(park), status=CaseStatus.WINNER, title="焊接机器人柔性产线创新",
                                      is_presenter_candidate=True),
        "winner_ea": _case(factories.enterprise(enterprise_association), status=CaseStatus.WINNER, title="智能焦化"),
        "not_winner": _case(factories.enterprise(park), status=CaseStatus.NOT_WINNER, case_type=CaseType.PROCESS),
    }
    world.city_case("大同市", status=CaseStatus.WINNER)  # another city: never counted for 太原
    _select(campaign, [(made["winner_park"], True, True), (made["winner_ea"], True, False), (made["not_winner"], False, False)])
    return campaign, made


def test_a_city_summary_counts_match_the_data_and_read_back_from_word():
    campaign, made = _taiyuan_world()
    summary = city_summary(campaign, factories.city("太原市"))
    assert summary.submitted == 6
    assert summary.by_type == [("组织创新", 1), ("技术创新", 3), ("工艺创新", 2)]
    assert summary.by_stage == [("企业已提交", 6), ("已报送县级", 5), ("已报送市级", 4), ("已报送省级", 3), ("优秀案例", 2)]
    assert (summary.forwarded, summary.park_forwarded, summary.park_share_percent) == (3, 2, 67)
    assert (summary.presenter_candidates, summary.presenters) == (1, 1)
    document = Document(io.BytesIO(build_city_summary(summary)))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "本市共提交案例6个，推荐到省3个（名额20个），其中通过园区科协推荐2个（67%）" in text
    types, stages, winners = document.tables
    assert [[cell.text for cell in row.cells] for row in types.rows] == [
        ["案例类型", "案例数"], ["组织创新", "1"], ["技术创新", "3"], ["工艺创新", "2"], ["合计", "6"]]
    assert [[cell.text for cell in row.cells] for row in stages.rows][1:] == [
        ["企业已提交", "6"], ["已报送县级", "5"], ["已报送市级", "4"], ["已报送省级", "3"], ["优秀案例", "2"]]
    assert [row.cells[1].text for row in winners.rows[1:]] == ["智能焦化", "焊接机器人柔性产线创新"]


def test_a_city_opens_and_uploads_only_its_own_summary(client, staff):
    campaign, _made = _taiyuan_world()
    taiyuan, datong = factories.city("太原市"), factories.city("大同市")
    city_staff = factories.user(Role.CITY_STAFF, organisation_=taiyuan)
    client.force_login(city_staff)
    page = client.get(reverse("review:closing_summaries")).content.decode()
    assert reverse("review:closing_summary_draft", args=[taiyuan.pk]) in page
    assert reverse("review:closing_summary_draft", args=[datong.pk]) not in page
    draft = client.get(reverse("review:closing_summary_draft", args=[taiyuan.pk]))
    assert draft.status_code == 200 and Document(io.BytesIO(draft.content)).tables
    assert client.get(reverse("review:closing_summary_draft", args=[datong.pk])).status_code == 404
    assert client.post(reverse("review:closing_document_upload", args=[holder_key(datong), "summary"]),
                       {"file": SimpleUploadedFile("总结.docx", factories.docx_bytes())}).status_code == 404
    edited = factories.docx_bytes("太原市科协工作总结（修改稿）")
    client.post(reverse("review:closing_document_upload", args=[holder_key(taiyuan), "summary"]),
                {"file": SimpleUploadedFile("太原工作总结.docx", edited)})
    uploaded = client.get(reverse("review:closing_document_download", args=[holder_key(taiyuan), "summary"]))
    assert b"".join(uploaded.streaming_content) == edited
    with pytest.raises(UploadRejected, match="请以 Word（.docx、.doc）或 PDF 文件上传工作总结。"):
        store_work_document(campaign=campaign, kind="summary", holder=taiyuan, actor=city_staff,
                            uploaded_file=SimpleUploadedFile("总结.txt", b"text"), now=NOW)
    with pytest.raises(UploadRejected, match="PDF"):  # starts like a PDF, is not one
        store_work_document(campaign=campaign, kind="summary", holder=taiyuan, actor=city_staff,
                            uploaded_file=SimpleUploadedFile("总结.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50), now=NOW)
    stamped = factories.pdf_bytes("太原市科协工作总结")
    row = store_work_document(campaign=campaign, kind="summary", holder=taiyuan, actor=city_staff,
                              uploaded_file=SimpleUploadedFile("太原工作总结.pdf", stamped), now=NOW)
    assert row.size == len(stamped)


# --- dashboard ---------------------------------------------------------------------------------

def test_dashboard_numbers_match_the_data_and_the_downloads(client, staff):
    campaign, _made = _taiyuan_world()
    factories.upload(_made["submitted"], UploadSlot.PHOTO_EXTERIOR, factories.jpeg_bytes(), "外景.jpg",
                     findings=[{"rule": "photo.too_small", "severity": "error", "message": "照片太小"},
                               {"rule": "name.suffix", "severity": "warning", "message": "名称"}])
    factories.upload(_made["draft"], UploadSlot.PHOTO_SCENE, factories.jpeg_bytes(), "场景.jpg",
                     findings=[{"rule": "photo.too_small", "severity": "error", "message": "照片太小"}])
    rows = {row.name: row for row in board.city_rows(campaign)}
    taiyuan = rows["太原市"]
    assert taiyuan.stages == {"submitted": 6, "county": 5, "city": 4, "province": 3, "winner": 2}
    assert (taiyuan.quota_cases, taiyuan.forwarded, taiyuan.quota_fill_percent) == (20, 3, 15)
    assert (taiyuan.presenter_candidates, taiyuan.park_forwarded, taiyuan.presenters) == (1, 2, 1)
    assert rows["大同市"].stages["winner"] == 1 and rows["朔州市"].stages["submitted"] == 0
    # The draft's file is its enterprise's own until submitted: not counted (issue 11, defect 7).
    assert [(rule.code, rule.count) for rule in board.problems_by_rule(campaign)] == [("photo.too_small", 1), ("name.suffix", 1)]
    client.force_login(staff)
    page = client.get(reverse("review:closing_dashboard")).content.decode()
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert page.count("<svg") == 4 and "style=" not in page and inline_scripts == []
    assert "3/20" in page
    exported = list(csv.reader(io.StringIO(
        client.get(reverse("review:closing_dashboard_export", args=["csv"])).content.decode("utf-8-sig"))))
    assert exported[0][:6] == ["地区", "企业已提交", "已报送县级", "已报送市级", "已报送省级", "优秀案例"]
    assert exported[1][:13] == ["太原市", "6", "5", "4", "3", "2", "20", "15", "1", "2", "2", "67", "1"]
    assert exported[-1][:6] == ["全省合计", "7", "6", "5", "4", "3"]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("review:closing_dashboard_export", args=["xlsx"])).content))
    sheet_rows = list(workbook.active.iter_rows(min_row=3, values_only=True))
    assert list(sheet_rows[0][:13]) == ["太原市", 6, 5, 4, 3, 2, 20, 15, 1, 2, 2, 67, 1]
    assert len(sheet_rows) == 12  # 11 cities and the province


# --- who may open what -------------------------------------------------------------------------

PROVINCE_PAGES = [
    ("review:closing_home", []), ("review:closing_dashboard", []), ("review:closing_dashboard_export", ["csv"]),
    ("review:closing_wechat", []), ("review:closing_wechat_export", ["xlsx"]), ("review:closing_programme", []),
    ("review:closing_programme_export", ["docx"]), ("review:closing_archive", []),
]


OBSERVER_PAGES = {"review:closing_dashboard", "review:closing_dashboard_export"}


@pytest.mark.parametrize("role", [Role.CITY_STAFF, Role.COUNTY_STAFF, Role.ENTERPRISE_USER, Role.PROVINCE_EXPERT, Role.OBSERVER])
def test_only_provincial_staff_open_the_closing_pages(client, role):
    organisation = {Role.CITY_STAFF: factories.city("太原市"), Role.COUNTY_STAFF: factories.county(),
                    Role.PROVINCE_EXPERT: factories.province(), Role.OBSERVER: factories.province()}.get(role)
    if role == Role.ENTERPRISE_USER:
        user = factories.user(role, enterprise_=factories.enterprise())
    else:
        user = factories.user(role, organisation_=organisation)
    client.force_login(user)
    for name, args in PROVINCE_PAGES:
        if role == Role.OBSERVER and name in OBSERVER_PAGES:
            continue  # the observer's read-only dashboard (tests/review/test_observer.py)
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.post(reverse("review:campaign_close"), {"confirm": "2024"}).status_code == 404
    if role not in (Role.CITY_STAFF, Role.COUNTY_STAFF):  # they upload their own plan and summary there
        assert client.get(reverse("review:closing_summaries")).status_code == 404
        assert client.get(reverse("review:closing_summary_draft", args=[factories.city("太原市").pk])).status_code == 404


def test_provincial_staff_open_every_closing_page(client, staff):
    client.force_login(staff)
    for name, args in PROVINCE_PAGES:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        if hasattr(response, "streaming_content"):
            assert zipfile.is_zipfile(io.BytesIO(b"".join(response.streaming_content)))
    page = client.get(reverse("review:closing_summaries")).content.decode()
    assert page.count("draft.docx") == 11


def test_after_closing_the_enterprise_pages_offer_no_change(staff, client):
    campaign = world.campaign()
    draft = factories.complete_case()
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=draft.enterprise))
    before = client.get(reverse("cases:case_detail", args=[draft.pk])).content.decode()
    assert reverse("cases:case_submit", args=[draft.pk]) in before  # the same page offered it while open
    close_campaign(campaign=campaign, actor=staff, now=NOW)

    detail = client.get(reverse("cases:case_detail", args=[draft.pk])).content.decode()
    home = client.get(reverse("home")).content.decode()
    listing = client.get(reverse("cases:case_list")).content.decode()
    assert reverse("cases:case_submit", args=[draft.pk]) not in detail
    assert reverse("cases:case_edit", args=[draft.pk]) not in detail
    assert "剩余" not in detail  # no countdown to a deadline that no longer applies
    assert reverse("cases:case_create") not in home and reverse("cases:case_create") not in listing
    response = client.get(reverse("cases:case_edit", args=[draft.pk]))
    assert response.status_code == 302


def test_a_closed_campaign_takes_no_deadline_extension(staff):
    from django.core.exceptions import ValidationError

    from cases.enums import Tier
    from review.services import extend_deadline

    campaign = world.campaign()
    enterprise = factories.enterprise()
    close_campaign(campaign=campaign, actor=staff, now=NOW)
    with pytest.raises(ValidationError, match="关闭并归档"):
        extend_deadline(campaign=campaign, tier=Tier.ENTERPRISE, closes_on=campaign.enterprise_deadline + datetime.timedelta(days=3),
                        reason="系统故障", actor=staff, enterprise=enterprise)


def test_a_closed_campaign_takes_no_change_to_a_list(staff):
    from review.services import BatchRefused, apply_city_selection, open_batch, rank_batch

    campaign = world.campaign()
    city = factories.city("太原市")
    city_staff = factories.user(Role.CITY_STAFF, organisation_=city)
    case = world.city_case("太原市", status=CaseStatus.CITY_REVIEW)
    batch = open_batch(organisation=city, campaign=campaign)
    close_campaign(campaign=campaign, actor=staff, now=NOW)
    with pytest.raises(BatchRefused, match="关闭并归档"):
        rank_batch(batch=batch, ordered_case_ids=[], presenter_case_ids=set(), contact="", actor=city_staff)
    with pytest.raises(BatchRefused, match="关闭并归档"):
        apply_city_selection(city=city, campaign=campaign, selected_ids={case.pk}, presenter_ids=set(), actor=city_staff)
    case.refresh_from_db()
    assert case.status == CaseStatus.CITY_REVIEW


def test_the_close_page_lists_what_is_still_missing_and_the_winner_is_told_after_closing(staff, client):
    campaign = world.campaign()
    winner = world.city_case("太原市", title="焊接机器人柔性产线创新", status=CaseStatus.WINNER)
    factories.upload(winner, UploadSlot.TALK_TEXT, factories.docx_bytes("宣讲"), "宣讲.docx")
    taiyuan = factories.city("太原市")
    store_work_document(campaign=campaign, kind="summary", holder=taiyuan, actor=staff,
                        uploaded_file=SimpleUploadedFile("太原工作总结.docx", factories.docx_bytes("总结")), now=NOW)
    client.force_login(staff)
    page = client.get(reverse("review:closing_home")).content.decode()
    assert "1 个优秀案例尚未上传宣讲文字材料、宣讲PPT或视频：焊接机器人柔性产线创新。" in page
    assert "市尚未上传工作总结" in page and "太原市、" not in page and "、太原市" not in page
    close_campaign(campaign=campaign, actor=staff, now=NOW)
    assert "尚未齐全" not in client.get(reverse("review:closing_home")).content.decode()
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=winner.enterprise))
    detail = client.get(reverse("cases:case_detail", args=[winner.pk])).content.decode()
    assert "活动已关闭：以下材料按现状保存" in detail and "大视频分块发送" not in detail
