"""The 推荐表 (附件3), blank and filled, read back with python-docx (and LibreOffice when installed)."""

import datetime
import io
import shutil
import subprocess
import zipfile

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Pt
from django.utils import translation
from pypdf import PdfReader

from cases.documents import recommendation_form as form
from cases.enums import CaseType
from cases.models import Campaign
from tests.documents.conftest import (
    CASE_TITLE,
    NARRATIVE_BODY,
    NARRATIVE_HEADER,
    NARRATIVE_LIST,
    NARRATIVE_TITLE,
    UNIT_NAME,
    jpeg_bytes,
    narrative_docx,
)

W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def cell_texts(cell) -> list[str]:
    return [paragraph.text for paragraph in cell.paragraphs]


def table_rows(document) -> dict[str, list[str]]:
    table = document.tables[0]
    return {row.cells[0].text: cell_texts(row.cells[1]) for row in table.rows}


def east_asian_font(run) -> str | None:
    rfonts = run._r.rPr.find(qn("w:rFonts"))
    return rfonts.get(qn("w:eastAsia")) if rfonts is not None else None


@pytest.mark.django_db
def test_blank_form_has_the_notice_layout_title_and_texts(campaign):
    document = open_docx(form.build_blank_form(campaign))

    assert [p.text for p in document.paragraphs[:2]] == ["附件3", "2024年山西省企业典型创新案例推荐表"]
    rows = table_rows(document)
    assert list(rows) == [
        "案例名称", "案例类型", "完成单位", "完成人员（团队）", "联系人及职务", "联系电话", "联系地址",
        "案例概要", "荣誉奖励", "推荐单位意见", "市级科协意见", "备注",
    ]
    assert rows["案例类型"] == ["组织创新□　　技术创新□　　工艺创新□"]
    assert rows["案例名称"] == [""]
    assert rows["案例概要"] == list(form.SUMMARY_INSTRUCTIONS)
    assert rows["案例概要"][0].startswith("请您结合上述选择的案例类型，详细阐述科技人员从受到启发到锚定方向")
    assert rows["案例概要"][2].startswith("格式要求：文章主标题使用“预设样式”中的“标题1”，三号黑体")
    assert rows["推荐单位意见"] == [
        "该案例经本单位同意接受组织推荐，并承诺推荐材料中提供的全部信息真实可靠。若有失实和造假行为，本单位愿承担一切责任。",
        "", "（盖章）", "年　　月　　日",
    ]
    assert rows["市级科协意见"] == ["", "", "（盖章）", "年　　月　　日"]
    assert document.paragraphs[-1].text == "注：如有其他证明材料，可另附。"


@pytest.mark.django_db
def test_blank_form_defaults_to_the_current_campaign(campaign):
    Campaign.objects.update(is_current=False)
    Campaign.objects.filter(pk=campaign.pk).update(is_current=True)

    document = open_docx(form.build_blank_form())

    assert document.paragraphs[1].text == "2024年山西省企业典型创新案例推荐表"


@pytest.mark.django_db
def test_blank_form_is_a4_portrait_with_chinese_fonts_in_every_slot(campaign):
    document = open_docx(form.build_blank_form(campaign))

    section = document.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)  # A4
    assert (round(section.left_margin.cm, 2), round(section.right_margin.cm, 2)) == (2.6, 2.6)
    title_run = document.paragraphs[1].runs[0]
    assert (title_run.font.name, east_asian_font(title_run), title_run.font.size, title_run.font.bold) == (
        "宋体", "宋体", Pt(22), True
    )
    label_run = document.tables[0].cell(0, 0).paragraphs[0].runs[0]
    assert (label_run.font.name, east_asian_font(label_run), label_run.font.size) == ("黑体", "黑体", Pt(14))
    runs = [run for p in document.paragraphs for run in p.runs] + [
        run for row in document.tables[0].rows for cell in row.cells for p in cell.paragraphs for run in p.runs
    ]
    assert len(runs) > 20
    assert {east_asian_font(run) for run in runs} == {"宋体", "黑体", "仿宋"}
    assert all(east_asian_font(run) == run.font.name for run in runs)
    normal_fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal_fonts.get(qn("w:eastAsia")) == "宋体"


@pytest.mark.django_db
def test_form_title_follows_next_years_campaign_without_code_changes(campaign):
    next_year = Campaign.objects.create(
        year=2025, title="2025年山西省企业典型创新案例征集及宣讲活动",
        enterprise_deadline=datetime.date(2025, 9, 1), association_deadline=datetime.date(2025, 9, 5),
        county_deadline=datetime.date(2025, 9, 10), city_deadline=datetime.date(2025, 9, 13),
    )

    assert form.form_title(next_year) == "2025年山西省企业典型创新案例推荐表"
    assert open_docx(form.build_blank_form(next_year)).paragraphs[1].text == "2025年山西省企业典型创新案例推荐表"


@pytest.mark.django_db
def test_form_title_falls_back_to_year_and_province_for_an_unusual_campaign_title(campaign):
    campaign.title = "第三届创新征集"

    assert form.form_title(campaign) == "2024年山西省企业典型创新案例推荐表"


@pytest.mark.django_db
def test_filled_form_without_narrative_carries_every_field_and_ticks_the_case_type(case):
    document = open_docx(form.build_filled_form(case, narrative=None))

    rows = table_rows(document)
    assert rows["案例名称"] == [CASE_TITLE]
    assert rows["案例类型"] == ["组织创新□　　技术创新☑　　工艺创新□"]
    assert rows["完成单位"] == [UNIT_NAME]
    assert rows["完成人员（团队）"] == ["张三、李四", "王五（青年突击队）"]
    assert rows["联系人及职务"] == ["张三　总工程师"]
    assert rows["联系电话"] == ["0351-1234567"]
    assert rows["联系地址"] == ["山西省太原市小店区示例路1号"]
    assert rows["案例概要"] == list(form.SUMMARY_INSTRUCTIONS)
    assert rows["荣誉奖励"] == ["2023年山西省科学技术进步奖一等奖", "国家级专精特新“小巨人”企业"]
    assert rows["推荐单位意见"] == ["同意推荐。", form.COMMITMENT, "", "（盖章）", "年　　月　　日"]
    assert rows["市级科协意见"] == ["", "", "（盖章）", "年　　月　　日"]
    assert rows["备注"] == ["无"]
    assert document.core_properties.title == "2024年山西省企业典型创新案例推荐表"
    assert document.core_properties.subject == CASE_TITLE
    assert len(document.sections) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case_type", "line"),
    [
        (CaseType.ORGANISATIONAL, "组织创新☑　　技术创新□　　工艺创新□"),
        (CaseType.TECHNOLOGICAL, "组织创新□　　技术创新☑　　工艺创新□"),
        (CaseType.PROCESS, "组织创新□　　技术创新□　　工艺创新☑"),
        ("", "组织创新□　　技术创新□　　工艺创新□"),
    ],
)
def test_exactly_the_chosen_case_type_is_ticked(case, case_type, line):
    case.case_type = case_type

    assert table_rows(open_docx(form.build_filled_form(case, narrative=None)))["案例类型"] == [line]


@pytest.mark.django_db
def test_completing_unit_defaults_to_the_enterprise(case):
    case.completing_unit = ""

    assert table_rows(open_docx(form.build_filled_form(case, narrative=None)))["完成单位"] == [UNIT_NAME]


@pytest.mark.django_db
def test_narrative_is_appended_as_appendix_keeping_styles_numbering_images_and_page_setup(case):
    picture = jpeg_bytes(400, 300, seed=7)

    document = open_docx(form.build_filled_form(case, narrative=narrative_docx(picture)))

    # The form comes first, filled, and points at the appendix.
    rows = table_rows(document)
    assert rows["案例名称"] == [CASE_TITLE]
    assert rows["案例类型"] == ["组织创新□　　技术创新☑　　工艺创新□"]
    assert rows["案例概要"] == ["详见附页。"]
    texts = [p.text for p in document.paragraphs]
    assert texts[:2] == ["附件3", "2024年山西省企业典型创新案例推荐表"]
    assert texts[2:] == [
        "注：如有其他证明材料，可另附。", "附页：案例概要", NARRATIVE_TITLE, UNIT_NAME, NARRATIVE_BODY, "",
        *NARRATIVE_LIST,
    ]
    body = document.element.body
    assert body.index(document.tables[0]._tbl) < body.index(document.paragraphs[3]._p)

    # Styles: the narrative's own definitions, not python-docx's defaults.
    paragraphs = {p.text: p for p in document.paragraphs}
    heading = paragraphs[NARRATIVE_TITLE]
    assert heading.style.name == "Heading 1"
    assert heading.style.font.size == Pt(16)
    assert heading.style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    assert paragraphs[UNIT_NAME].style.name == "案例副标题"
    assert paragraphs[UNIT_NAME].style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "楷体"
    normal = document.styles["Normal"]
    assert (normal.font.size, normal.paragraph_format.line_spacing, normal.paragraph_format.first_line_indent) == (
        Pt(14), Pt(22), Pt(28)
    )
    # Numbering: the list items still point at a numbering definition that exists.
    for item in NARRATIVE_LIST:
        assert paragraphs[item].style.name == "List Number"
    num_ids = document.styles["List Number"].element.xpath(".//w:numPr/w:numId/@w:val")
    assert len(num_ids) == 1
    numbering = document.part.numbering_part.element
    assert numbering.xpath(f'.//w:num[@w:numId="{num_ids[0]}"]/w:abstractNumId/@w:val')
    # The picture, byte for byte.
    assert len(document.inline_shapes) == 1
    blip = document.inline_shapes[0]._inline.xpath(".//a:blip/@r:embed")[0]
    assert document.part.related_parts[blip].blob == picture

    # Sections: the form keeps A4 and its margins without the narrative's header; the narrative
    # keeps its 3 cm margins and its header, on a new page.
    assert len(document.sections) == 2
    form_section, narrative_section = document.sections
    assert (form_section.page_width.twips, form_section.page_height.twips) == (11906, 16838)
    assert (round(form_section.left_margin.cm, 2), round(narrative_section.left_margin.cm, 2)) == (2.6, 3.0)
    assert form_section._sectPr.xpath("w:headerReference") == []
    assert narrative_section.header.paragraphs[0].text == NARRATIVE_HEADER
    footnote = document.paragraphs[2]
    assert footnote._p.pPr.find(qn("w:sectPr")) is not None


@pytest.mark.django_db
def test_form_paragraphs_are_immune_to_the_narratives_first_line_indent_and_fixed_spacing(case):
    document = open_docx(form.build_filled_form(case, narrative=narrative_docx()))

    label = document.tables[0].cell(0, 0).paragraphs[0]
    ind = label._p.pPr.find(qn("w:ind"))
    spacing = label._p.pPr.find(qn("w:spacing"))
    assert (ind.get(qn("w:firstLine")), ind.get(qn("w:firstLineChars"))) == ("0", "0")
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("240", "auto")


@pytest.mark.django_db
def test_merged_document_is_a_valid_package_with_unique_part_names(case):
    data = form.build_filled_form(case, narrative=narrative_docx())

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        assert package.testzip() is None
    assert len(names) == len(set(names))
    assert "word/document.xml" in names
    assert any(name.startswith("word/media/") for name in names)


@pytest.mark.django_db
def test_a_legacy_file_that_is_no_word_document_is_refused_with_a_clear_error(case):
    # An OLE file without a WordDocument stream: LibreOffice would "convert" it into an empty page.
    with translation.override("zh-hans"), pytest.raises(form.NarrativeNotMergeable) as error:
        form.build_filled_form(case, narrative=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)

    assert str(error.value) == "案例概要为 .doc 格式，未能转换，无法附在推荐表后：请另存为 .docx 后重新上传案例概要。"
    assert error.value.legacy is True


@pytest.mark.django_db
def test_a_narrative_that_is_no_word_file_is_refused_with_its_own_error(case):
    with translation.override("zh-hans"), pytest.raises(form.NarrativeNotMergeable) as error:
        form.build_filled_form(case, narrative=b"%PDF-1.7\n" + b"\0" * 512)

    assert str(error.value) == "案例概要无法作为 Word 文档打开，无法附在推荐表后：请在 Word 中打开，另存为 .docx 后重新上传案例概要。"
    assert (error.value.legacy, error.value.detail) == (False, "not a zip package")


def _legacy_doc(docx: bytes, tmp_path) -> bytes:
    source = tmp_path / "narrative.docx"
    source.write_bytes(docx)
    profile = tmp_path / "lo-profile-doc"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "doc", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    return (tmp_path / "narrative.doc").read_bytes()


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_legacy_doc_narrative_is_converted_and_attached_with_its_title_and_picture(case, tmp_path):
    legacy = _legacy_doc(narrative_docx(), tmp_path)

    document = open_docx(form.build_filled_form(case, narrative=legacy))

    texts = [paragraph.text for paragraph in document.paragraphs]
    assert legacy.startswith(b"\xd0\xcf\x11\xe0")
    assert table_rows(document)["案例概要"] == [form.SUMMARY_SEE_APPENDIX]
    assert texts.index(form.APPENDIX_HEADING) < texts.index(NARRATIVE_TITLE) < texts.index(NARRATIVE_BODY)
    assert document.inline_shapes  # the picture came through the conversion
    assert len(document.sections) == 2  # the form's section, then the narrative's


@pytest.mark.django_db
def test_the_printed_form_fingerprint_follows_the_printed_rows_only(case):
    before = form.printed_form_fingerprint(case)
    case.short_title = "智能焦化"  # WeChat name only, not on the form
    case.recommender_opinion = "同意推荐，情况属实。"  # written by the association, not the enterprise
    unchanged = form.printed_form_fingerprint(case)
    case.contact_phone = "13812345678"
    changed = form.printed_form_fingerprint(case)

    assert unchanged == before
    assert changed != before


def _convert_to_pdf(docx: bytes, tmp_path) -> PdfReader:
    source = tmp_path / "form.docx"
    source.write_bytes(docx)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    return PdfReader(tmp_path / "form.pdf")


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_filled_form_with_its_appendix(case, tmp_path):
    reader = _convert_to_pdf(form.build_filled_form(case, narrative=narrative_docx()), tmp_path)

    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert len(reader.pages) >= 2
    assert "2024年山西省企业典型创新案例推荐表" in text
    assert "组织创新" in text and "☑" in text  # PDF text order within the line is LibreOffice's
    assert NARRATIVE_TITLE in text
    assert NARRATIVE_BODY in text
    # The appendix starts on a page of its own.
    last_page = reader.pages[-1].extract_text().replace(" ", "")
    assert NARRATIVE_TITLE in last_page
    assert "推荐单位意见" not in last_page
