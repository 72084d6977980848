"""附件4/5/6 generated in Word and Excel, read back with python-docx and openpyxl."""

import datetime
import io

import pytest
from django.utils import translation
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from openpyxl import load_workbook

from cases.credit_code import check_character
from cases.enums import CaseType, EnterpriseType, OrganisationKind, Tier
from cases.models import Campaign, Case, Enterprise, Organisation
from review.documents.summary_tables import (
    SUMMARY_ROW_RELATED,
    XLSX_HEADER_ROW,
    SummaryRow,
    build_summary_docx,
    build_summary_xlsx,
    summary_rows,
)

pytestmark = pytest.mark.django_db

COLUMNS = [
    "序号", "案例名称", "单位名称", "联系人", "联系电话", "案例类型", "企业类型", "推荐地区",
    "是否已建立园区科协", "是否已建立企业科协", "是否为候选案例宣讲代表",
]
NOTES_2_TO_5 = [
    "2.“案例类型”填写属于组织创新、技术创新、工艺创新；",
    "3.“企业类型”填写所在企业属于中央企业、国有企业、民营企业500强、专精特新“小巨人”企业等；",
    "4.“地区”填写典型创新案例候选园区（企业）所在地级市名称，如：太原市；",
    "5.填写典型案例宣讲所在企业是否已经建立了园区科协或企业科协。",
]
ROW_1 = ["1", "焦炉数字孪生工艺创新", "山西美锦能源股份有限公司", "张三", "0351-1234567", "工艺创新",
         "民营企业500强", "太原市", "是", "否", "是"]
ROW_2 = ["2", "重型装备协同设计组织创新", "太原重工股份有限公司", "李四", "13800001111", "组织创新",
         "国有企业", "太原市", "否", "是", "否"]
DATE = datetime.date(2024, 9, 10)
CONTACT = "王五 13900002222"


def credit_code(serial: int) -> str:
    first = f"91140100{serial:09d}"
    return first + check_character(first)


@pytest.fixture
def campaign():
    return Campaign.objects.get(year=2024)


@pytest.fixture
def tree():
    city = Organisation.objects.get(kind=OrganisationKind.CITY, region="太原市")
    county = Organisation.objects.create(kind=OrganisationKind.COUNTY, parent=city, name="小店区科学技术协会", region="小店区")
    park = Organisation.objects.create(
        kind=OrganisationKind.PARK_ASSOCIATION, parent=county, name="示范园区科学技术协会", region="小店区",
    )
    enterprise_association = Organisation.objects.create(
        kind=OrganisationKind.ENTERPRISE_ASSOCIATION, parent=county, name="太原重工科学技术协会", region="小店区",
    )
    return {Tier.CITY: city, Tier.COUNTY: county, Tier.ASSOCIATION: park, "enterprise_association": enterprise_association}


@pytest.fixture
def ranked_cases(campaign, tree):
    """Two cases, created in the reverse of their rank."""
    heavy = Enterprise.objects.create(
        name="太原重工股份有限公司", credit_code=credit_code(7001), enterprise_type=EnterpriseType.STATE_OWNED,
        association=tree["enterprise_association"], has_enterprise_association=True,
    )
    coke = Enterprise.objects.create(
        name="山西美锦能源股份有限公司", credit_code=credit_code(7002), enterprise_type=EnterpriseType.PRIVATE_TOP_500,
        association=tree[Tier.ASSOCIATION], has_park_association=True,
    )
    second = Case.objects.create(
        campaign=campaign, enterprise=heavy, title="重型装备协同设计组织创新", case_type=CaseType.ORGANISATIONAL,
        contact_name="李四", contact_phone="13800001111", enterprise_type=EnterpriseType.STATE_OWNED,
        has_enterprise_association=True,
    )
    first = Case.objects.create(
        campaign=campaign, enterprise=coke, title="焦炉数字孪生工艺创新", case_type=CaseType.PROCESS,
        contact_name="张三", contact_phone="0351-1234567", enterprise_type=EnterpriseType.PRIVATE_TOP_500,
        has_park_association=True, is_presenter_candidate=True,
    )
    return [first, second]


def rows_for(cases):
    ordered = {case.pk: case for case in Case.objects.filter(pk__in=[c.pk for c in cases]).select_related(SUMMARY_ROW_RELATED)}
    return summary_rows([ordered[case.pk] for case in cases])


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def body_paragraphs(document) -> list[str]:
    return [paragraph.text for paragraph in document.paragraphs]


def table_texts(document) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in document.tables[0].rows]


# --- rows -------------------------------------------------------------------------------------


def test_summary_rows_number_the_cases_in_the_given_order_with_the_notices_wording(ranked_cases):
    rows = rows_for(ranked_cases)
    assert rows == [
        SummaryRow(1, "焦炉数字孪生工艺创新", "山西美锦能源股份有限公司", "张三", "0351-1234567", "工艺创新",
                   "民营企业500强", "太原市", True, False, True),
        SummaryRow(2, "重型装备协同设计组织创新", "太原重工股份有限公司", "李四", "13800001111", "组织创新",
                   "国有企业", "太原市", False, True, False),
    ]


def test_summary_rows_read_in_one_query_when_the_relations_are_selected(ranked_cases, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = summary_rows(Case.objects.filter(pk__in=[c.pk for c in ranked_cases])
                            .select_related(SUMMARY_ROW_RELATED).order_by("pk"))
    assert [row.region for row in rows] == ["太原市", "太原市"]


def test_the_wording_does_not_follow_the_interface_language(ranked_cases):
    with translation.override("en"):
        rows = rows_for(ranked_cases)
    assert (rows[0].case_type_label, rows[0].enterprise_type_label) == ("工艺创新", "民营企业500强")


# --- Word -------------------------------------------------------------------------------------

TIER_TEXTS = {
    Tier.ASSOCIATION: (
        "附件4", "2024年山西省企业典型创新案例园区（企业）科协推荐汇总表", "示范园区科学技术协会（盖章）",
        "1.填写本园区（企业）典型创新案例候选名单（按排名顺序填报）及其中的宣讲典型案例候选代表，填写内容完整无空缺，"
        "请于9月6日前提交本表及相关报送材料至所在县（市、区）科协；",
    ),
    Tier.COUNTY: (
        "附件5", "2024年山西省企业典型创新案例县（市、区）科协推荐汇总表", "小店区科学技术协会（盖章）",
        "1.填写本区县所属园区（企业）典型创新案例候选名单（按排名顺序填报）及其中的宣讲典型案例候选代表，填写内容完整无空缺，"
        "请于9月11日前提交本表及相关报送材料至所在市科协；",
    ),
    Tier.CITY: (
        "附件6", "2024年山西省企业典型创新案例市科协推荐汇总表", "太原市科学技术协会（盖章）",
        "1.填写本市所辖园区（企业）典型创新案例候选名单（按排名顺序填报）及其中的宣讲典型案例候选代表，填写内容完整无空缺，"
        "请于9月14日前提交本表及相关报送材料至省科技创新服务中心；",
    ),
}


@pytest.mark.parametrize("tier", [Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY])
def test_word_table_of_each_tier_reads_back_exactly(campaign, tree, ranked_cases, tier):
    label, title, seal, note_1 = TIER_TEXTS[tier]
    data = build_summary_docx(campaign=campaign, organisation=tree[tier], tier=tier, rows=rows_for(ranked_cases),
                              contact=CONTACT, date=DATE)
    document = open_docx(data)

    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (section.page_width.twips, section.page_height.twips) == (16838, 11906)
    assert body_paragraphs(document) == [
        label, title, f"{seal}\t联系人及联系电话：王五 13900002222\t2024年9月10日", "注：", note_1, *NOTES_2_TO_5,
    ]
    assert table_texts(document) == [COLUMNS, ROW_1, ROW_2]
    assert document.core_properties.title == title


def test_word_table_sets_the_east_asian_font_of_every_run(campaign, tree, ranked_cases):
    document = open_docx(build_summary_docx(campaign=campaign, organisation=tree[Tier.COUNTY], tier=Tier.COUNTY,
                                            rows=rows_for(ranked_cases), contact=CONTACT, date=DATE))
    paragraphs = list(document.paragraphs) + [p for row in document.tables[0].rows for cell in row.cells for p in cell.paragraphs]
    runs = [run for paragraph in paragraphs for run in paragraph.runs]
    assert runs
    assert {run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) for run in runs} <= {"黑体", "宋体", "仿宋"}
    title_run = document.paragraphs[1].runs[0]
    assert title_run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体" and title_run.bold
    header_run = document.tables[0].rows[0].cells[0].paragraphs[0].runs[0]
    assert header_run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    assert document.tables[0].rows[1].cells[1].paragraphs[0].runs[0]._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"


def test_word_table_without_a_date_leaves_the_date_to_be_written_by_hand(campaign, tree, ranked_cases):
    document = open_docx(build_summary_docx(campaign=campaign, organisation=tree[Tier.CITY], tier=Tier.CITY,
                                            rows=rows_for(ranked_cases), contact="", date=None))
    assert document.paragraphs[2].text == "太原市科学技术协会（盖章）\t联系人及联系电话：\t年　　月　　日"


def test_the_deadline_in_the_notes_comes_from_the_campaign(campaign, tree):
    campaign.county_deadline = datetime.date(2025, 10, 9)
    campaign.year = 2025
    document = open_docx(build_summary_docx(campaign=campaign, organisation=tree[Tier.COUNTY], tier=Tier.COUNTY,
                                            rows=[], contact=CONTACT, date=None))
    assert document.paragraphs[1].text == "2025年山西省企业典型创新案例县（市、区）科协推荐汇总表"
    assert "请于10月9日前提交本表" in document.paragraphs[4].text
    assert table_texts(document) == [COLUMNS]


def test_the_province_name_comes_from_the_province_organisation(campaign, tree):
    Organisation.objects.filter(kind=OrganisationKind.PROVINCE).update(region="河北省")
    document = open_docx(build_summary_docx(campaign=campaign, organisation=tree[Tier.CITY], tier=Tier.CITY,
                                            rows=[], contact=CONTACT, date=None))
    assert document.paragraphs[1].text == "2024年河北省企业典型创新案例市科协推荐汇总表"


@pytest.mark.parametrize(("tier", "organisation_tier"), [(Tier.COUNTY, Tier.CITY), (Tier.PROVINCE, Tier.CITY),
                                                         (Tier.ENTERPRISE, Tier.ASSOCIATION)])
def test_a_table_for_the_wrong_tier_is_refused(campaign, tree, tier, organisation_tier):
    with pytest.raises(ValueError):
        build_summary_docx(campaign=campaign, organisation=tree[organisation_tier], tier=tier, rows=[], contact="", date=None)


# --- Excel ------------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", [Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY])
def test_excel_table_reads_back_exactly(campaign, tree, ranked_cases, tier):
    label, title, seal, note_1 = TIER_TEXTS[tier]
    data = build_summary_xlsx(campaign=campaign, organisation=tree[tier], tier=tier, rows=rows_for(ranked_cases),
                              contact=CONTACT, date=DATE)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    blank = [None] * 11

    assert sheet.title == label
    assert values[0] == [label] + [None] * 10
    assert values[1] == [title] + [None] * 10
    assert values[2] == [seal, None, None, "联系人及联系电话：王五 13900002222", None, None, None, None,
                         "2024年9月10日", None, None]
    assert XLSX_HEADER_ROW == 4 and values[3] == COLUMNS
    assert values[4] == [1, *ROW_1[1:]]
    assert values[5] == [2, *ROW_2[1:]]
    assert values[6] == blank
    assert values[7] == ["注："] + [None] * 10
    assert [row[0] for row in values[8:]] == [note_1, *NOTES_2_TO_5]
    assert len(values) == 13


def test_excel_layout_landscape_widths_and_header_fonts(campaign, tree, ranked_cases):
    data = build_summary_xlsx(campaign=campaign, organisation=tree[Tier.CITY], tier=Tier.CITY,
                              rows=rows_for(ranked_cases), contact=CONTACT, date=DATE)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.page_setup.orientation == "landscape"
    assert [sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJK"] == [6, 32, 30, 10, 16, 11, 22, 10, 11, 11, 13]
    assert sheet["A4"].font.name == "黑体" and sheet["B5"].font.name == "仿宋"
    assert sheet["E5"].number_format == "@" and sheet["E5"].value == "0351-1234567"
    assert sheet.freeze_panes == "A5"
    assert "A2:K2" in {str(merged) for merged in sheet.merged_cells.ranges}
